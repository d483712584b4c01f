"""manage.py export_ledger KIND --region CODE [--year Y] [--user NAME] --out FILE.xlsx"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from poverty.audit.context import actor_context
from poverty.exceptions import BusinessRuleError
from poverty.ledgers.base import ledger_kind_get, ledger_kinds
from poverty.ledgers.services import ledger_export_log, ledger_params_for, ledger_write


class Command(BaseCommand):
    help = "Export a ledger (台账) to an .xlsx file. Without --user, as the system (whole scope)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="; ".join(f"{k.key} ({k.label})" for k in ledger_kinds()))
        parser.add_argument("--region", default="", help="12-digit division code (or prefix)")
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--household", type=int, default=None, help="household id (一户一档)")
        parser.add_argument("--user", default="", help="export as this user (scope and masking)")
        parser.add_argument("--out", required=True)

    def handle(self, *args, **options):
        kind = ledger_kind_get(options["kind"])
        if kind is None:
            raise CommandError(f"unknown ledger kind {options['kind']!r}")
        User = get_user_model()
        if options["user"]:
            try:
                user = User.objects.get(username=options["user"])
            except User.DoesNotExist as exc:
                raise CommandError(f"no user {options['user']!r}") from exc
        else:
            # The operator on the server: whole scope, unmasked; logged as "command".
            user = User(username="command", is_superuser=True, is_active=True)
        try:
            with actor_context(user=user if user.pk else None, channel="command"):
                params = ledger_params_for(
                    user, region=options["region"], year=options["year"],
                    household_id=options["household"],
                )  # fmt: skip
                with open(options["out"], "wb") as handle:
                    plan, rows = ledger_write(kind, params, handle)
        except BusinessRuleError as exc:
            raise CommandError(str(exc)) from exc
        ledger_export_log(user, kind, params, rows, out=options["out"])
        self.stdout.write(f"{kind.label}: {rows} rows → {options['out']}")
