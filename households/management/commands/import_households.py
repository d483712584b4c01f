"""manage.py import_households FILE.xlsx [--kind households|visits|pairings] [--dry-run]
[--user NAME] [--errors ERRORS.xlsx]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from households.ledgers.imports import import_error_workbook
from poverty.ledgers.imports import IMPORT_KINDS, import_function, import_kind_note


class Command(BaseCommand):
    help = (
        "Import households, members, incomes and guarantee checks from an .xlsx file "
        "(the import template or the 'households_package' export), or with --kind visits / "
        "pairings the visit or pairing template or ledger. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--kind",
            default="households",
            choices=sorted(IMPORT_KINDS),
            help="what the file holds (default households)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--user", default="", help="import as this user (scope, history)")
        parser.add_argument("--errors", default="", help="write the error workbook here")

    def handle(self, *args, **options):
        User = get_user_model()
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {options['user']!r}") from exc
        else:
            user = User(username="command", is_superuser=True, is_active=True)
        outcome = import_function(options["kind"])(
            user, options["file"], apply=not options["dry_run"]
        )
        import_kind_note(outcome, options["file"], options["kind"])
        for key, value in sorted(outcome.counts.items()):
            self.stdout.write(f"{key}: {value}")
        if not outcome.ok:
            for problem in outcome.problems[:100]:
                self.stderr.write(f"{problem.sheet} {problem.text()}")
            if options["errors"]:
                with open(options["errors"], "wb") as handle:
                    import_error_workbook(outcome, handle)
            raise CommandError(f"{len(outcome.problems)} problems: nothing was imported")
        self.stdout.write("checked: no problems" if options["dry_run"] else "imported")
