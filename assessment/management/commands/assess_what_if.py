"""`manage.py assess_what_if FILE.json` (or `-` for standard input): print verdicts as JSON.

Same input and output as POST /api/v1/assessment/what-if/ and the what-if page; reads the
standards table, writes nothing.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from assessment.selectors import whatif_run
from assessment.whatif import PayloadError


class Command(BaseCommand):
    help = "按政策标准试算贫困户退出、贫困村出列、贫困县摘帽（不保存任何数据），输出 JSON"

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON 文件路径，- 表示标准输入")
        parser.add_argument("--indent", type=int, default=2)

    def handle(self, *args, **options):
        path = options["file"]
        try:
            if path == "-":
                payload = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    payload = json.load(handle)
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列"
            ) from exc
        try:
            result = whatif_run(payload)
        except PayloadError as exc:
            raise CommandError(exc.message) from exc
        indent = options["indent"] or None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))
