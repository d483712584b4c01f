"""Bulk lists of the stored verdicts, region statistics and rankings (/api/v1/assessment/…):
scoped across two counties, filtered like the pages, keyset-paged, a constant number of
queries per page, and bad input answered 400 in the API's error format."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.api.lists import (
    HouseholdVerdictRowSerializer,
    RankingEntryRowSerializer,
    RegionStatisticRowSerializer,
)
from assessment.models import HouseholdReadiness, RankingConfig, RegionStatistic
from assessment.recompute import recompute
from poverty.roles import Role
from tests.api.conftest import token_client
from tests.assessment.conftest import _seeded_standards  # noqa: F401 (autouse fixture)
from tests.assessment.scenario import build_scenario, guarantees, income

pytestmark = pytest.mark.django_db

VERDICTS = "/api/v1/assessment/household-verdicts/"
STATISTICS = "/api/v1/assessment/region-statistics/"
RANKINGS = "/api/v1/assessment/rankings/"


@pytest.fixture
def scenario():
    scenario = build_scenario()
    other = scenario.world.counties["b"].households[0]
    income(other, 2019, 12000)
    guarantees(other, 2019)
    recompute()
    return scenario


def client(scenario, role, county="a"):
    return token_client(scenario.world.counties[county].users[role])


def _all(api, url, params=None) -> list[dict]:
    """Every row of a list, following the cursor pages."""
    rows, response = [], api.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        if not body["next"]:
            return rows
        response = api.get(body["next"])


def _conform(rows, serializer_class) -> None:
    """Every row has the documented shape (the serializers behind the OpenAPI schema)."""
    for row in rows:
        serializer = serializer_class(data=row)
        assert serializer.is_valid(), (row, serializer.errors)
        assert set(row) <= set(serializer.fields), set(row) - set(serializer.fields)


def _keys(rows) -> set[tuple[int, int]]:
    return {(row["household_id"], row["year"]) for row in rows}


def test_household_verdicts_are_listed_in_scope_with_their_reasons(scenario):
    a, b = scenario.world.counties["a"], scenario.world.counties["b"]
    rows = _all(client(scenario, Role.COUNTY_OFFICE), VERDICTS)
    stored_a = set(
        HouseholdReadiness.objects.filter(division_code__startswith="431202").values_list(
            "household_id", "year"
        )
    )
    assert stored_a and _keys(rows) == stored_a
    _conform(rows, HouseholdVerdictRowSerializer)
    assert all(row["division_code"].startswith("431202") for row in rows)
    by_key = {(row["household_id"], row["year"]): row for row in rows}
    h1_2018 = by_key[(scenario.h1.pk, 2018)]
    assert h1_2018["eligible"] is False and h1_2018["outcome"] == "not_eligible"
    messages = [reason["message"] for reason in h1_2018["reasons"]]
    assert "2018 年人均纯收入 2,000 元，低于标准 2,995 元（标准待确认）" in messages
    assert all(reason["code"] for reason in h1_2018["reasons"])
    h3_2020 = by_key[(scenario.h3.pk, 2020)]
    assert h3_2020["reasons"][0]["message"] == "2020 年人均纯收入 2,000 元，低于标准 4,000 元"
    assert [f["code"] for f in h3_2020["monitor_flags"]] == [
        "below_monitoring_line",
        "income_sharp_drop",
    ]
    assert by_key[(scenario.h3.pk, 2019)]["eligible"] is True

    other_rows = _all(client(scenario, Role.COUNTY_OFFICE, "b"), VERDICTS)
    assert (b.households[0].pk, 2019) in _keys(other_rows)
    assert not _keys(other_rows) & stored_a
    assert not {h.pk for h in b.households} & {key[0] for key in _keys(rows)}
    # A cadre sees the rows of the paired household (h1) only.
    assert {key[0] for key in _keys(_all(client(scenario, Role.CADRE), VERDICTS))} == {
        a.households[0].pk  # h1
    }


def test_household_verdicts_filters(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    h3_rows = _all(api, VERDICTS, {"household": scenario.h3.pk})
    assert _keys(h3_rows) >= {(scenario.h3.pk, 2019), (scenario.h3.pk, 2020)}
    assert _keys(h3_rows) == set(
        HouseholdReadiness.objects.filter(household_id=scenario.h3.pk).values_list(
            "household_id", "year"
        )
    )
    in_2019 = _all(api, VERDICTS, {"year": 2019})
    assert in_2019 and {row["year"] for row in in_2019} == {2019}
    eligible = _all(api, VERDICTS, {"eligible": "true"})
    assert eligible and all(row["eligible"] for row in eligible)
    not_eligible = _all(api, VERDICTS, {"eligible": "false"})
    assert not_eligible and not any(row["eligible"] for row in not_eligible)
    assert len(eligible) + len(not_eligible) == len(_all(api, VERDICTS))
    village = scenario.h3.village_id
    assert {row["household_id"] for row in _all(api, VERDICTS, {"region": village})} == {
        h.pk for h in scenario.county.households if h.village_id == village
    } & {row["household_id"] for row in _all(api, VERDICTS)}
    # Another county's prefix narrows, it never widens the scope.
    assert _all(api, VERDICTS, {"region": "431221"}) == []
    other = scenario.world.counties["b"].households[0]
    assert _all(api, VERDICTS, {"household": other.pk}) == []


def test_household_verdicts_page_through_every_row_once(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    whole = _all(api, VERDICTS)
    paged = _all(api, VERDICTS, {"page_size": 2})
    assert [(r["household_id"], r["year"]) for r in paged] == [
        (r["household_id"], r["year"]) for r in whole
    ]
    assert len(paged) == len(_keys(paged)) > 2
    assert paged == sorted(paged, key=lambda r: (r["household_id"], r["year"]))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "12ab"}, "region"),
        ({"year": "abc"}, "year"),
        ({"year": "99999999999"}, "year"),
        ({"household": "x"}, "household"),
        ({"outcome": "maybe"}, "outcome"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_bad_input_is_a_400_with_code_message_and_field(scenario, params, field):
    response = client(scenario, Role.COUNTY_OFFICE).get(VERDICTS, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["errors"][0]["message"]


def test_a_bad_region_is_explained_in_chinese(scenario):
    for url in (VERDICTS, STATISTICS, RANKINGS):
        body = client(scenario, Role.COUNTY_OFFICE).get(url, {"region": "43x"}).json()
        assert body["errors"][0]["field"] == "region"
        assert "区划代码格式不正确" in body["errors"][0]["message"]


def _add_readiness_rows(household_ids, years):
    template = HouseholdReadiness.objects.filter(household_id=household_ids[0]).first()
    HouseholdReadiness.objects.bulk_create(
        HouseholdReadiness(
            household_id=pk,
            division_code=template.division_code,
            year=year,
            eligible=False,
            outcome="not_eligible",
            per_capita_net_income=2000,
            income_line=3000,
            reason_set_id=template.reason_set_id,
        )
        for pk in household_ids
        for year in years
    )


def test_a_verdict_page_costs_the_same_queries_for_5_rows_as_for_50(scenario):
    ids = [h.pk for h in scenario.county.households]
    _add_readiness_rows(ids, range(1990, 2000))  # 60 more rows in county a
    api = client(scenario, Role.COUNTY_OFFICE)
    api.get(VERDICTS, {"page_size": 1})  # warm the token cache
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(VERDICTS, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        assert all(row["reasons"] for row in response.json()["results"][:5])
        counts[size] = len(queries)
    assert counts[5] == counts[50], counts


def test_region_statistics_follow_the_summary_scope(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    codes = {row["region_code"] for row in _all(api, STATISTICS)}
    stored = set(RegionStatistic.objects.values_list("region_code", flat=True))
    assert "431202000000" in codes and scenario.county.villages[0].code in codes
    assert codes == {c for c in stored if c.startswith("431202")}
    _conform(_all(api, STATISTICS), RegionStatisticRowSerializer)
    other = {
        row["region_code"] for row in _all(client(scenario, Role.COUNTY_OFFICE, "b"), STATISTICS)
    }
    assert other and all(code.startswith("431221") for code in other)
    # A village team reads its village only.
    village = scenario.county.villages[0].code
    assert {
        row["region_code"] for row in _all(client(scenario, Role.VILLAGE_TEAM), STATISTICS)
    } == {village}


def test_region_statistics_filters_and_verdicts(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    villages = _all(api, STATISTICS, {"level": "village", "year": 2019})
    assert {row["region_code"] for row in villages} == {v.code for v in scenario.county.villages}
    assert {row["year"] for row in villages} == {2019} and {row["level"] for row in villages} == {
        "village"
    }
    village = scenario.county.villages[1]
    (row,) = _all(api, STATISTICS, {"region": village.code, "year": 2019})
    stored = RegionStatistic.objects.get(region_code=village.code, year=2019)
    assert row["households"] == stored.households and row["people"] == stored.people
    assert row["exited_households"] == stored.exited_households
    assert row["remaining_households"] == stored.remaining_households
    assert row["verdict"] is not None and row["verdict"]["level"] == "village"
    for reason in row["verdict"]["reasons"]:
        assert reason["code"] and reason["message"]
    county = _all(api, STATISTICS, {"region": "431202", "level": "county"})
    assert county and all(row["region_code"] == "431202000000" for row in county)
    assert county[0]["verdict"] is not None and county[0]["verdict"]["level"] == "county"
    assert _all(api, STATISTICS, {"region": "431221"}) == []
    bad = api.get(STATISTICS, {"level": "planet"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "level"


def test_region_statistics_cost_the_same_queries_per_page(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    api.get(STATISTICS, {"page_size": 1})
    counts = {}
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(STATISTICS, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[20], counts


def test_rankings_list_entries_of_visible_configs_only(scenario):
    own = RankingConfig.objects.create(
        name="甲县村排名", region_code="431202000000", unit_level="village",
        weights={"exit_progress": 1},
    )  # fmt: skip
    RankingConfig.objects.create(
        name="乙县村排名", region_code="431221000000", unit_level="village",
        weights={"exit_progress": 1},
    )  # fmt: skip
    recompute()
    api = client(scenario, Role.COUNTY_OFFICE)
    rows = _all(api, RANKINGS)
    assert rows and {row["config"] for row in rows} == {own.pk}
    _conform(rows, RankingEntryRowSerializer)
    assert {row["config_name"] for row in rows} == {"甲县村排名"}
    assert all(row["region_code"].startswith("431202") for row in rows)
    years = {row["year"] for row in rows}
    year = max(years)
    in_year = _all(api, RANKINGS, {"year": year})
    assert in_year and {row["year"] for row in in_year} == {year}
    assert [row["rank"] for row in in_year] == sorted(row["rank"] for row in in_year)
    village = scenario.county.villages[0].code
    assert {row["region_code"] for row in _all(api, RANKINGS, {"region": village})} == {village}
    other = _all(client(scenario, Role.COUNTY_OFFICE, "b"), RANKINGS)
    assert other and {row["config_name"] for row in other} == {"乙县村排名"}


def test_the_lists_need_authentication(scenario):
    from rest_framework.test import APIClient

    for url in (VERDICTS, STATISTICS, RANKINGS):
        assert APIClient().get(url).status_code == 401


def test_the_schema_documents_the_lists_in_chinese(client):
    document = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, params in (
        (VERDICTS, {"region", "year", "eligible", "household", "cursor", "page_size"}),
        (STATISTICS, {"region", "year", "level", "cursor"}),
        (RANKINGS, {"region", "year", "config", "cursor"}),
    ):
        operation = document["paths"][path]["get"]
        assert operation["summary"] and operation["description"]
        assert {p["name"] for p in operation["parameters"]} >= params
        assert "400" in operation["responses"]
        content = operation["responses"]["200"]["content"]["application/json"]
        assert content.get("examples"), path


def test_computed_since_serves_incremental_sync(scenario):
    api = client(scenario, Role.COUNTY_OFFICE)
    for url in (VERDICTS, STATISTICS):
        everything = _all(api, url)
        assert everything and _all(api, url, {"computed_since": "2000-01-01T00:00:00Z"}) == (
            everything
        )
        assert _all(api, url, {"computed_since": "2999-01-01T00:00:00+08:00"}) == []
        bad = api.get(url, {"computed_since": "yesterday"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "computed_since"
