"""Who sees and changes which households: one table of cases per role, across two counties."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.utils import timezone

from households.models import AnnualIncome, Household, Member
from poverty.audit.models import ChangeRecord
from poverty.models import UserProfile
from poverty.roles import Role
from poverty.scoping import get_for_user, region_prefixes, scope_q, user_sees_sensitive, visible_to
from tests.access import build_world, make_user
from villages.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def numbers(queryset):
    return sorted(queryset.values_list("household_number", flat=True))


def county_numbers(world, key, village_indexes=(0, 1, 2)):
    c = world.counties[key]
    return sorted(
        h.household_number
        for h in c.households
        if any(h.village_id == c.villages[i].code for i in village_indexes)
    )


# (role, county key, action) → which villages of which county (None = all of both counties)
CASES = [
    (Role.COUNTY_OFFICE, "view", {"a": (0, 1, 2)}),
    (Role.COUNTY_OFFICE, "change", {"a": (0, 1, 2)}),
    (Role.TOWNSHIP_OFFICE, "view", {"a": (0, 1)}),
    (Role.TOWNSHIP_OFFICE, "change", {"a": (0, 1)}),
    (Role.VILLAGE_TEAM, "view", {"a": (0,)}),
    (Role.VILLAGE_TEAM, "change", {"a": (0,)}),
    (Role.CADRE, "change", {}),
    (Role.INSPECTOR, "view", {"a": (0, 1, 2)}),
    (Role.INSPECTOR, "change", {}),
    (Role.INSPECTOR, "export", {"a": (0, 1, 2)}),
]


@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_role_sees_and_changes_only_its_region(world, role, action, expected):
    user = world.counties["a"].users[role]
    want = sorted(
        n for key, villages in expected.items() for n in county_numbers(world, key, villages)
    )
    assert numbers(visible_to(user, Household.objects.all(), action)) == want
    # and never anything of the other county
    other = {h.household_number for h in world.counties["b"].households}
    assert not other & set(numbers(visible_to(user, Household.objects.all(), action)))


def test_cadre_sees_only_paired_households_and_their_rows(world):
    c = world.counties["a"]
    cadre = c.users[Role.CADRE]
    paired = c.households[0]
    assert numbers(visible_to(cadre, Household.objects.all())) == [paired.household_number]
    assert set(visible_to(cadre, Member.objects.all()).values_list("household_id", flat=True)) == {
        paired.pk
    }
    # a pairing that ended no longer gives access
    paired.pairings.update(end_date=datetime.date(2020, 1, 1))
    assert not visible_to(cadre, Household.objects.all()).exists()


def test_city_leader_reads_both_counties_but_changes_nothing(world):
    everything = sorted(h.household_number for c in world.counties.values() for h in c.households)
    assert numbers(visible_to(world.city_leader, Household.objects.all())) == everything
    assert not visible_to(world.city_leader, Household.objects.all(), "change").exists()
    assert not visible_to(world.city_leader, Household.objects.all(), "export").exists()


def test_township_reads_county_summary_but_edits_own_township(world):
    township_user = world.counties["a"].users[Role.TOWNSHIP_OFFICE]
    assert region_prefixes(township_user, "summary") == ["431202"]
    assert region_prefixes(township_user, "change") == ["431202100"]
    assert region_prefixes(township_user, "view") == ["431202100"]


def test_administrator_sees_everything(world):
    assert visible_to(world.admin, Household.objects.all()).count() == 12
    assert region_prefixes(world.admin, "change") is None


def test_user_without_role_sees_nothing(world):
    nobody = make_user("nobody", None)
    assert not visible_to(nobody, Household.objects.all()).exists()
    assert not visible_to(nobody, Region.objects.all()).exists()


def test_inactive_user_sees_nothing(world):
    user = world.counties["a"].users[Role.COUNTY_OFFICE]
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.refresh_from_db()
    assert not visible_to(user, Household.objects.all()).exists()


def test_inspector_access_ends_by_itself_at_expiry(world):
    inspector = world.counties["a"].users[Role.INSPECTOR]
    assert visible_to(inspector, Household.objects.all()).exists()
    UserProfile.objects.filter(user=inspector).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    inspector.refresh_from_db()
    if hasattr(inspector, "_scoping_profile"):
        del inspector._scoping_profile
    assert not visible_to(inspector, Household.objects.all()).exists()


def test_out_of_scope_object_is_404_not_403(world):
    user = world.counties["a"].users[Role.COUNTY_OFFICE]
    mine = world.counties["a"].households[0]
    theirs = world.counties["b"].households[0]
    assert get_for_user(user, Household.objects.all(), pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_for_user(user, Household.objects.all(), pk=theirs.pk)
    with pytest.raises(Http404):
        get_for_user(user, Household.objects.all(), pk="not-a-number")


def test_joined_models_are_scoped_through_their_household(world):
    user = world.counties["a"].users[Role.VILLAGE_TEAM]
    household = world.counties["a"].households[0]
    AnnualIncome.objects.create(household=household, year=2019, household_size=3)
    AnnualIncome.objects.create(
        household=world.counties["b"].households[0], year=2019, household_size=3
    )
    assert list(
        visible_to(user, AnnualIncome.objects.all()).values_list("household_id", flat=True)
    ) == [household.pk]
    # history too
    assert set(
        visible_to(user, ChangeRecord.objects.all()).values_list("division_code", flat=True)
    ) == {world.counties["a"].villages[0].code}


def test_regions_include_ancestors_for_breadcrumbs(world):
    user = world.counties["a"].users[Role.VILLAGE_TEAM]
    codes = set(visible_to(user, Region.objects.all()).values_list("code", flat=True))
    village = world.counties["a"].villages[0]
    assert village.code in codes
    assert {"430000000000", "431200000000", "431202000000", "431202100000"} <= codes
    assert world.counties["a"].villages[1].code not in codes
    assert not {r for r in codes if r.startswith("431221")}


def test_model_without_declared_scope_is_unreachable(world):
    from django.contrib.auth.models import Group

    with pytest.raises(ImproperlyConfigured):
        scope_q(world.admin, Group, "view")


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.COUNTY_OFFICE, True),
        (Role.TOWNSHIP_OFFICE, True),
        (Role.VILLAGE_TEAM, True),
        (Role.CADRE, False),
        (Role.INSPECTOR, False),
    ],
)
def test_sensitive_values_by_role(world, role, sees):
    assert user_sees_sensitive(world.counties["a"].users[role]) is sees


def test_city_leader_does_not_see_sensitive_values_unless_authorised(world):
    assert user_sees_sensitive(world.city_leader) is False
    UserProfile.objects.filter(user=world.city_leader).update(see_sensitive_override=True)
    world.city_leader.refresh_from_db()
    if hasattr(world.city_leader, "_scoping_profile"):
        del world.city_leader._scoping_profile
    assert user_sees_sensitive(world.city_leader) is True


def test_cadre_and_village_team_change_only_the_models_their_role_allows(world):
    from assistance.models import CadrePairing, WorkTeam

    c = world.counties["a"]
    cadre, team = c.users[Role.CADRE], c.users[Role.VILLAGE_TEAM]
    # the cadre reads its household but may not edit it (visits and measures only)
    assert visible_to(cadre, Household.objects.all()).exists()
    assert not visible_to(cadre, Household.objects.all(), "change").exists()
    assert not visible_to(cadre, Member.objects.all(), "change").exists()
    # the village team edits households and members of its village, not pairings or teams
    assert visible_to(team, Member.objects.all(), "change").exists()
    assert not visible_to(team, CadrePairing.objects.all(), "change").exists()
    assert not visible_to(team, WorkTeam.objects.all(), "change").exists()
    # the county office changes all of them
    county = c.users[Role.COUNTY_OFFICE]
    assert visible_to(county, CadrePairing.objects.all(), "change").exists()
