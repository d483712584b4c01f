"""Creating users with roles: levels, scope of the creator, inspectors' expiry."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from poverty.exceptions import BusinessRuleError
from poverty.models import UserProfile
from poverty.roles import Role
from poverty.users import user_create_with_role
from tests.access import build_world

pytestmark = pytest.mark.django_db

STRONG = "Huaihua-county-2026"


@pytest.fixture
def world():
    return build_world()


def test_county_office_creates_a_village_user_in_its_county(world):
    county = world.counties["a"]
    user = user_create_with_role(
        actor=county.users[Role.COUNTY_OFFICE], username="v1", password=STRONG,
        role=Role.VILLAGE_TEAM, region_code=county.villages[1].code,
    )  # fmt: skip
    assert user.profile.role == Role.VILLAGE_TEAM and user.check_password(STRONG)


@pytest.mark.parametrize(
    ("role", "region_key", "field"),
    [
        (Role.VILLAGE_TEAM, "other_village", "region_code"),  # another county's village
        (Role.COUNTY_OFFICE, "own_county", "region_code"),  # not below itself
        (Role.VILLAGE_TEAM, "own_county", "region_code"),  # wrong level for the role
    ],
)
def test_county_office_cannot_create_outside_or_above(world, role, region_key, field):
    county = world.counties["a"]
    region = {"other_village": world.counties["b"].villages[0].code, "own_county": county.code}[
        region_key
    ]
    with pytest.raises(BusinessRuleError) as refused:
        user_create_with_role(
            actor=county.users[Role.COUNTY_OFFICE],
            username="x",
            password=STRONG,
            role=role,
            region_code=region,
        )
    assert refused.value.field == field


def test_weak_password_and_missing_expiry_are_refused(world):
    with pytest.raises(BusinessRuleError) as weak:
        user_create_with_role(
            actor=None,
            username="w",
            password="123",
            role=Role.COUNTY_OFFICE,
            region_code=world.counties["a"].code,
        )
    assert weak.value.field == "password"
    with pytest.raises(BusinessRuleError) as no_expiry:
        user_create_with_role(
            actor=None,
            username="i",
            password=STRONG,
            role=Role.INSPECTOR,
            region_code=world.counties["a"].code,
        )
    assert no_expiry.value.field == "expires_at"


def test_command_creates_inspector_with_expiry(world, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda: STRONG)
    call_command("create_role_user", "insp", "--role", "inspector", "--region", world.counties["b"].code,
                 "--expires", "2030-01-31", "--password-stdin")  # fmt: skip
    profile = UserProfile.objects.get(user__username="insp")
    assert timezone.localtime(profile.expires_at).date() == datetime.date(2030, 1, 31)
    with pytest.raises(CommandError):
        call_command(
            "create_role_user",
            "bad",
            "--role",
            "township_office",
            "--region",
            "999999999999",
            "--password-stdin",
        )
