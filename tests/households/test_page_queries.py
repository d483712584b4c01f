"""Queries per page do not grow with the number of rows shown (issue 5, "Speed").

Each test renders a page with a few rows, adds many more rows of the same kind, renders it
again and asserts the same number of queries (a warm-up request first, so per-process caches
such as content types do not count). The counts themselves are pinned loosely as an upper
bound, so a new N+1 shows up as a difference, not as a magic number to update.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import Cadre, CadrePairing, StationingDay, Visit, WorkTeam, WorkTeamMember
from assistance.services import visit_record
from households.services import annual_income_save, guarantee_status_save
from poverty.roles import Role
from tests.access import build_world, region
from tests.factories import make_household, make_member

pytestmark = pytest.mark.django_db

MAX_QUERIES = 25


@pytest.fixture
def world():
    return build_world()


def queries(client, url: str) -> int:
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def new_village(county, n: int):
    return region(f"{county.code[:6]}100{300 + n:03d}", f"新村{n}", "village", county.township)


def add_households(village, count: int, *, cadre=None, visit: bool = True) -> list:
    households = []
    for _ in range(count):
        household = make_household(village, members=[{"relation": "01"}, {"relation": "02"}])
        if cadre is not None:
            CadrePairing.objects.create(
                cadre=cadre, household=household, start_date=datetime.date(2020, 1, 1)
            )
        if visit:
            Visit.objects.create(
                household=household,
                division_code=village.code,
                visitor_name="走访人",
                visited_on=timezone.localdate() - datetime.timedelta(days=len(households) * 3),
                findings="情况正常",
                cadre=cadre,
            )
        households.append(household)
    return households


def assert_constant(client, url: str, grow, *, rows, grow_by: int = 40) -> int:
    """Queries of ``url`` before and after ``grow()``; ``rows(response)`` proves the growth."""
    client.get(url)
    small_rows = rows(client.get(url))
    small = queries(client, url)
    grow()
    large_rows = rows(client.get(url))
    large = queries(client, url)
    assert large_rows >= small_rows + grow_by, (small_rows, large_rows)
    assert small == large, (
        f"{url}: {small} queries with {small_rows} rows, {large} with {large_rows}"
    )
    assert large <= MAX_QUERIES, large
    return large


def test_household_list_queries_do_not_grow_with_rows(world, client):
    county = world.counties["a"]
    village = new_village(county, 1)
    add_households(village, 5, cadre=county.cadre)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = f"/households/?region={village.code}&per_page=100&ordering=-household_number"
    assert_constant(
        client,
        url,
        lambda: add_households(village, 45, cadre=county.cadre),
        rows=lambda r: len(r.context["households"]),
    )


def test_household_list_with_filters_queries_do_not_grow(world, client):
    county = world.counties["a"]
    village = new_village(county, 1)
    add_households(village, 5, cadre=county.cadre)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = (
        f"/households/?region={county.township.code}&status=poor&main_cause=01"
        f"&cadre={county.cadre.pk}&not_visited_days=1&per_page=100&q={village.code[:9]}"
    )
    assert_constant(
        client,
        url,
        lambda: add_households(village, 45, cadre=county.cadre),
        rows=lambda r: len(r.context["households"]),
    )


def test_household_detail_queries_do_not_grow(world, client):
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    household = county.households[0]
    client.force_login(clerk)
    url = reverse("households:detail", args=[household.pk])

    def record_visit(n):
        visit_record(
            actor=clerk,
            household=household,
            data={
                "visited_on": timezone.localdate() - datetime.timedelta(days=n),
                "kind": "home",
                "findings": f"第{n}次",
            },
        )

    record_visit(1)
    annual_income_save(
        actor=clerk, household=household, year=2016, data={"wage": 1}, expected_version=None
    )

    def grow():
        for n in range(2, 14):
            record_visit(n)
        for year in range(2017, 2021):
            annual_income_save(
                actor=clerk, household=household, year=year, data={"wage": year},
                expected_version=None,
            )  # fmt: skip
            guarantee_status_save(
                actor=clerk, household=household, year=year, data={"housing": "met"},
                expected_version=None,
            )  # fmt: skip
        for _ in range(12):
            make_member(household, relation="03")
        for n in range(10):
            cadre = Cadre.objects.create(name=f"前任{n}", division_code=county.code)
            CadrePairing.objects.create(
                cadre=cadre,
                household=household,
                start_date=datetime.date(2010 + n, 1, 1),
                end_date=datetime.date(2010 + n, 12, 31),
            )

    def rows(response):
        c = response.context
        return (
            len(c["members"]) + len(c["visits"]) + len(c["incomes"]) + len(c["pairings"])
            + len(c["guarantees"]) + len(c["timeline"])
        )  # fmt: skip

    assert_constant(client, url, grow, rows=rows)


def test_my_households_queries_do_not_grow(world, client):
    county = world.counties["a"]
    village = new_village(county, 1)
    add_households(village, 5, cadre=county.cadre)
    client.force_login(county.users[Role.CADRE])
    url = reverse("assistance:my_households") + "?page=1"

    def grow():
        add_households(village, 45, cadre=county.cadre)
        add_households(village, 5, cadre=county.cadre, visit=False)

    # One page of 30: 6 rows before, a full page after.
    assert_constant(client, url, grow, rows=lambda r: len(r.context["households"]), grow_by=24)


def test_visit_list_queries_do_not_grow(world, client):
    county = world.counties["a"]
    village = new_village(county, 1)
    add_households(village, 5, cadre=county.cadre)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = reverse("assistance:visit_list") + "?kind=home"
    assert_constant(
        client,
        url,
        lambda: add_households(village, 45, cadre=county.cadre),
        rows=lambda r: len(r.context["visits"]),
    )


@pytest.mark.parametrize("by", ["village", "cadre"])
def test_overdue_lists_queries_do_not_grow(world, client, by):
    county = world.counties["a"]
    villages = iter(range(1, 200))

    def grow(count):
        for _ in range(count):
            village = new_village(county, next(villages))
            cadre = Cadre.objects.create(name=f"干部{village.code}", division_code=county.code)
            add_households(village, 1, cadre=cadre)

    grow(5)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = reverse("assistance:visits_overdue") + f"?by={by}&days=7"
    assert_constant(client, url, lambda: grow(45), rows=lambda r: len(r.context["rows"]))


def test_attendance_queries_do_not_grow(world, client):
    county = world.counties["a"]
    year = timezone.localdate().year - 1
    serial = iter(range(1, 200))

    def grow(count):
        for _ in range(count):
            village = new_village(county, next(serial))
            team = WorkTeam.objects.create(
                village=village, sending_unit_name="单位", term_start=datetime.date(2018, 1, 1)
            )
            member = WorkTeamMember.objects.create(
                team=team, name="书记", role="first_secretary", start_date=datetime.date(2018, 1, 1)
            )
            StationingDay.objects.bulk_create(
                StationingDay(member=member, division_code=village.code, status="present",
                              date=datetime.date(year, 1, 1) + datetime.timedelta(days=d))
                for d in range(0, 300, 7)
            )  # fmt: skip

    grow(5)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = reverse("assistance:attendance") + f"?year={year}"
    assert_constant(client, url, lambda: grow(45), rows=lambda r: len(r.context["rows"]))
