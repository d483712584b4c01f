"""Demo login accounts, created by `make run` and `manage.py create_demo_users`.

One account per role in two counties of the same city (so the city leader sees both and each
county's users see only their own). Demo only: the passwords are printed in the README; a
production install creates real users with real passwords (docs/roles.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from poverty.models import UserProfile
from poverty.roles import Role

__all__ = ["DEMO_PASSWORD", "DemoAccount", "demo_accounts_ensure", "demo_accounts_plan"]

DEMO_PASSWORD = "demo-pass-2026"
ADMIN_PASSWORD = "demo-admin-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    region_code: str = ""
    description: str = ""


def _busiest(codes_with_counts) -> list[str]:
    return [code for code, _count in sorted(codes_with_counts, key=lambda row: (-row[1], row[0]))]


def _pick_counties() -> list[str]:
    """The two counties of one city with the most demo households (most first)."""
    from households.models import Household

    per_county = (
        Household.objects.filter(is_deleted=False).values_list("village_id", flat=True).order_by()
    )
    counts: dict[str, int] = {}
    for code in per_county.iterator(chunk_size=5000):
        counts[code[:6]] = counts.get(code[:6], 0) + 1
    by_city: dict[str, list[tuple[str, int]]] = {}
    for county, count in counts.items():
        by_city.setdefault(county[:4], []).append((county, count))
    best = max(
        (rows for rows in by_city.values() if len(rows) >= 2),
        key=lambda rows: sorted((c for _k, c in rows), reverse=True)[1],
        default=None,
    )
    if best is None:
        return []
    return _busiest(best)[:2]


def demo_accounts_plan() -> list[DemoAccount]:
    """The accounts to create, derived from the demo data now in the database."""
    from households.models import Household

    accounts = [DemoAccount("admin", ADMIN_PASSWORD, Role.ADMIN, "", "系统管理员")]
    counties = _pick_counties()
    if not counties:
        return accounts
    city = counties[0][:4].ljust(12, "0")
    accounts.append(DemoAccount("city-leader", DEMO_PASSWORD, Role.CITY_LEADER, city, "市领导"))
    for suffix, county in zip("ab", counties, strict=False):
        households = Household.objects.filter(village__code__startswith=county, is_deleted=False)
        township = _busiest(
            (row["township"], row["n"])
            for row in households.annotate(township=Substr("village_id", 1, 9))
            .values("township")
            .annotate(n=Count("id"))
        )[0].ljust(12, "0")
        village = _busiest(
            (row["village_id"], row["n"])
            for row in households.filter(village__code__startswith=township[:9])
            .values("village_id")
            .annotate(n=Count("id"))
        )[0]
        accounts += [
            DemoAccount(
                f"county-{suffix}",
                DEMO_PASSWORD,
                Role.COUNTY_OFFICE,
                county.ljust(12, "0"),
                "县扶贫办",
            ),
            DemoAccount(
                f"township-{suffix}", DEMO_PASSWORD, Role.TOWNSHIP_OFFICE, township, "乡镇"
            ),
            DemoAccount(
                f"village-{suffix}", DEMO_PASSWORD, Role.VILLAGE_TEAM, village, "驻村工作队"
            ),
            DemoAccount(f"cadre-{suffix}", DEMO_PASSWORD, Role.CADRE, village, "帮扶责任人"),
            DemoAccount(
                f"inspector-{suffix}",
                DEMO_PASSWORD,
                Role.INSPECTOR,
                county.ljust(12, "0"),
                "检查组",
            ),
        ]
    return accounts


def _link_cadre(user, village_code: str) -> None:
    """Give the cadre login the demo cadre with the most current pairings in that village."""
    from assistance.models import Cadre

    if Cadre.objects.filter(user=user).exists():
        return
    cadre = (
        Cadre.objects.filter(
            user__isnull=True,
            pairings__end_date__isnull=True,
            pairings__household__village_id=village_code,
        )
        .annotate(n=Count("pairings"))
        .order_by("-n", "id")
        .first()
    )
    if cadre is not None:
        cadre.user = user
        cadre.save(update_fields=["user"])


@transaction.atomic
def demo_accounts_ensure() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that do not exist yet; returns (account, created) pairs.

    An existing account keeps whatever password its owner gave it.
    """
    user_model = get_user_model()
    result = []
    for account in demo_accounts_plan():
        user, created = user_model.objects.get_or_create(
            username=account.username,
            defaults={
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        expires = (
            timezone.now() + datetime.timedelta(days=30) if account.role == Role.INSPECTOR else None
        )
        UserProfile.objects.update_or_create(
            user=user,
            defaults={
                "role": account.role,
                "region_code": account.region_code,
                "expires_at": expires,
            },
        )
        if account.role == Role.CADRE:
            _link_cadre(user, account.region_code)
        result.append((account, created))
    return result
