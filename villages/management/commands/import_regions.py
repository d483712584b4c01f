"""`manage.py import_regions FILE.csv`: load a division-code file (code,name,level,parent_code)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from villages.services import RegionImportError, region_import, region_rows_read

MSG_FILE_NOT_FOUND = _("文件不存在：%(path)s")
MSG_FILE_NOT_UTF8 = _("文件不是 UTF-8 编码：%(path)s")
MSG_IMPORTED = _("区划导入完成：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s")


class Command(BaseCommand):
    help = (
        "Import regions from a CSV file with the columns code,name,level,parent_code "
        "(UTF-8, with or without BOM). Idempotent; a file with any bad row is rejected whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, e.g. villages/data/divisions-seed-regions.csv")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            # utf-8-sig drops a byte-order mark (Excel writes one) and reads plain UTF-8 too.
            with open(path, encoding="utf-8-sig", newline="") as stream:
                rows = region_rows_read(stream)
            result = region_import(rows)
        except FileNotFoundError as exc:
            raise CommandError(MSG_FILE_NOT_FOUND % {"path": path}) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(MSG_FILE_NOT_UTF8 % {"path": path}) from exc
        except RegionImportError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        if options["verbosity"] > 0:
            self.stdout.write(
                MSG_IMPORTED
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
