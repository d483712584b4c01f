"""Create a login with a role and a region, e.g. a county office clerk or a time-limited inspector."""

import datetime
import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from poverty.exceptions import BusinessRuleError
from poverty.roles import Role
from poverty.users import user_create_with_role


class Command(BaseCommand):
    help = "Create a user with a role and region (password asked interactively unless --password-stdin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--region", default="", help="12-digit division code (not for admin)")
        parser.add_argument("--name", default="", help="full name shown in the history")
        parser.add_argument("--expires", help="inspectors: last day of access, YYYY-MM-DD")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args, username, role, region, name, expires, password_stdin, **options):
        password = input() if password_stdin else getpass.getpass("Password: ")
        expires_at = None
        if expires:
            day = datetime.date.fromisoformat(expires)
            expires_at = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(23, 59, 59))
            )
        try:
            user_create_with_role(
                actor=None, username=username, password=password, role=role, region_code=region,
                full_name=name, expires_at=expires_at,
            )  # fmt: skip
        except BusinessRuleError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        self.stdout.write(f"created {username} ({role} {region or 'all'})")
