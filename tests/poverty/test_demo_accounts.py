"""`make run` creates one demo login per role in two counties of one city, from the demo data."""

import pytest
from django.core.management import call_command

from households.models import Household
from poverty.models import UserProfile
from poverty.roles import Role
from poverty.scoping import visible_to

pytestmark = pytest.mark.django_db


def test_demo_accounts_cover_every_role_in_two_counties_and_are_idempotent():
    call_command("seed_demo", households=150, seed=7, verbosity=0)
    call_command("create_demo_users")
    profiles = {p.user.username: p for p in UserProfile.objects.select_related("user")}
    assert {p.role for p in profiles.values()} == set(Role.values)
    county_a, county_b = profiles["county-a"].region_code, profiles["county-b"].region_code
    assert county_a != county_b and county_a[:4] == county_b[:4]  # two counties of one city
    assert profiles["city-leader"].region_code == county_a[:4] + "0" * 8
    for key, county in (("a", county_a), ("b", county_b)):
        for role in ("township", "village", "cadre", "inspector"):
            assert profiles[f"{role}-{key}"].region_code.startswith(county[:6])
        # each account sees demo households, and only its own county's
        user = profiles[f"village-{key}"].user
        seen = visible_to(user, Household.objects.all())
        assert seen.exists()
        assert all(
            code.startswith(county[:6]) for code in seen.values_list("village_id", flat=True)
        )
    cadre = profiles["cadre-a"].user
    assert visible_to(cadre, Household.objects.all()).exists(), (
        "the demo cadre has paired households"
    )
    assert profiles["inspector-a"].expires_at is not None

    call_command("create_demo_users")  # second run: nothing new
    assert UserProfile.objects.count() == len(profiles)
