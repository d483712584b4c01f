from django.core.management.base import BaseCommand

from poverty.demo_accounts import demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo login accounts, one per role in two counties (demo only; see README)."

    def handle(self, *args, **options):
        for account, created in demo_accounts_ensure():
            state = "created" if created else "exists"
            self.stdout.write(
                f"{account.username:<14} {account.password:<16} {account.description:<8} "
                f"{account.region_code or '-':<12} [{state}]"
            )
