"""`manage.py recompute_assessments [--region CODE] [--year Y] [--changes]`.

Runs the same code as the jobs (assessment.recompute), in this process, and prints what it
wrote. --changes runs the change scan instead (what beat does every minute).
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from assessment import services
from assessment.recompute import recompute
from poverty.audit.context import actor_context
from villages.codes import code_level, normalize_code


class Command(BaseCommand):
    help = "重新计算退出达标、监测预警、区域统计、出列/摘帽结论和排名（与后台任务相同的代码）"

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="区划代码（12位或前缀），默认全部")
        parser.add_argument("--year", type=int, default=None, help="只算这一年，默认全部年度")
        parser.add_argument(
            "--changes", action="store_true", help="只重算上次扫描以来有变更的户（同每分钟任务）"
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="并行进程数（默认取设置 ASSESSMENT_RECOMPUTE_WORKERS，未设置为 1）",
        )

    def handle(self, *args, **options):
        region = normalize_code(options["region"]) if options["region"] else ""
        if region and code_level(region) is None:
            raise CommandError(f"区划代码不正确：{options['region']}")
        started = time.perf_counter()
        with actor_context(channel="command"):
            if options["changes"]:
                summary = services.changes_recompute_run()
            else:
                last = [0.0]

                def progress(done: int, total: int) -> None:
                    now = time.perf_counter()
                    if options["verbosity"] > 1 or now - last[0] > 5 or done == total:
                        last[0] = now
                        self.stdout.write(f"  {done}/{total} 户")

                summary = recompute(
                    region_code=region,
                    year=options["year"],
                    progress=progress if options["verbosity"] else None,
                    batch_size=options["batch_size"],
                    workers=options["workers"],
                ).as_dict()
        summary["total_seconds"] = round(time.perf_counter() - started, 2)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
