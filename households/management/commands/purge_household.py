"""Hard deletion of a household: the only way to remove one for good, and it is recorded."""

from django.core.management.base import BaseCommand, CommandError

from households.models import Household
from households.services import household_purge
from poverty.audit.context import actor_context
from poverty.exceptions import BusinessRuleError


class Command(BaseCommand):
    help = "Permanently delete a household (by 户编号) with its members and yearly records; the removal is recorded in the change history."

    def add_arguments(self, parser):
        parser.add_argument("household_number")
        parser.add_argument("--reason", required=True, help="why it is removed (recorded)")
        parser.add_argument("--operator", default="", help="who asked for the removal (recorded)")

    def handle(self, *args, household_number, reason, operator, **options):
        household = Household.objects.filter(household_number=household_number).first()
        if household is None:
            raise CommandError(f"户编号 {household_number} 不存在")
        message = f"{reason} (operator: {operator})" if operator else reason
        with actor_context(channel="command"):
            try:
                removed = household_purge(actor=None, household=household, reason=message)
            except BusinessRuleError as exc:
                raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"removed household {household_number}: {len(removed['members'])} members, "
            f"{len(removed['incomes'])} incomes, {len(removed['guarantees'])} guarantee records"
        )
