"""A full recomputation adds up the village statistics in the household pass
(assessment.recompute._village_parts); its rows must be exactly those of the SQL pass over the
readiness rows (_VILLAGE_STATS_SQL) that region and household runs still use."""

import datetime
import json

import pytest
from django.db import connection

from assessment.models import RegionStatistic
from assessment.recompute import (
    _PARTS_TABLE,
    recompute,
    region_verdicts_recompute,
    statistics_recompute,
)
from assistance.models import Cadre, CadrePairing, Visit
from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from households.services import household_soft_delete
from tests.assessment.scenario import build_scenario, guarantees, income

COLUMNS = (
    "region_code", "level", "year", "households", "people", "exited_households",
    "exited_people", "remaining_households", "remaining_people", "ready_households",
    "assessed_households", "guarantee_met_households", "monitored_households",
    "paired_households", "visited_households", "rural_population", "population_complete",
    "incidence",
)  # fmt: skip


def _statistics() -> list[tuple]:
    return list(RegionStatistic.objects.order_by("region_code", "year").values_list(*COLUMNS))


def _parts_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_PARTS_TABLE])
        return cursor.fetchone()[0]


def _pair(household, start, end=None):
    cadre = Cadre.objects.create(
        name="帮扶人", unit_name="县农业局", division_code=household.village_id[:6] + "000000"
    )
    CadrePairing.objects.create(cadre=cadre, household=household, start_date=start, end_date=end)


def _visit(household, day):
    Visit.objects.create(
        household=household, division_code=household.village_id, visitor_name="干部",
        visited_on=day, findings="了解收入情况",
    )  # fmt: skip


def _richer_registry():
    """The recomputation scenario plus what the statistics read besides the readiness rows:
    pairings ending on 31 December, the day before, or not at all, several of them for one
    household; visits in some years (two in one year); a year with a guarantee record only
    (its size is the members'); an income of another size than the members; a deleted household; records
    before the identified year."""
    scenario = build_scenario()
    a, b = scenario.world.counties["a"], scenario.world.counties["b"]
    D = datetime.date
    # (build_world pairs the first household of each county from 2018 on)
    _pair(scenario.h2, D(2016, 3, 1), D(2017, 12, 31))
    _pair(scenario.h2, D(2018, 5, 1), D(2018, 12, 30))
    _pair(a.households[5], D(2019, 12, 31))
    _pair(scenario.h3, D(2014, 1, 1), D(2020, 12, 31))
    _pair(b.households[0], D(2015, 1, 1), D(2017, 6, 30))
    for household, day in [
        (scenario.h1, D(2019, 3, 5)),
        (scenario.h1, D(2019, 6, 5)),
        (scenario.h1, D(2016, 6, 5)),
        (scenario.h3, D(2020, 1, 1)),
        (b.households[1], D(2018, 7, 1)),
    ]:
        _visit(household, day)
    guarantees(scenario.h2, 2020, education="not_met")  # no income that year: no size
    Member.objects.filter(household=scenario.h2).exclude(relation="01").update(
        is_active=False, change_reason="迁出"
    )  # one active member
    income(a.households[3], 2017, 20000)
    AnnualIncome.objects.filter(household=a.households[3], year=2017).update(household_size=5)
    Household.objects.filter(pk=a.households[4].pk).update(identified_year=2018)
    income(a.households[4], 2016, 9000)  # before the identified year
    guarantees(a.households[4], 2016)
    income(b.households[2], 2019, 30000)
    guarantees(b.households[2], 2019, housing="unknown")
    income(b.households[3], 2021, 30000)  # the latest year of every readiness row
    household_soft_delete(
        actor=None, household=b.households[4], reason="重复登记", expected_version=None
    )
    assert GuaranteeStatus.objects.filter(household=scenario.h2, year=2020).exists()
    return scenario


@pytest.mark.django_db(transaction=True)
def test_a_full_run_adds_up_the_same_village_statistics_as_the_sql_pass():
    _richer_registry()

    result = recompute(batch_size=2, workers=1)  # several batches, shares of one village

    assert result.village_parts
    assert not _parts_table_exists()
    from_the_pass = _statistics()
    assert {row[1] for row in from_the_pass} == {
        "village", "township", "county", "city", "province"
    }  # fmt: skip
    assert max(row[2] for row in from_the_pass) == 2021
    assert any(row[14] for row in from_the_pass) and any(row[13] for row in from_the_pass)

    statistics_recompute()  # the SQL pass over the readiness rows

    assert _statistics() == from_the_pass


@pytest.mark.django_db(transaction=True)
def test_forked_workers_add_up_the_same_village_statistics():
    _richer_registry()
    recompute(batch_size=2, workers=1)
    expected = _statistics()
    RegionStatistic.objects.all().delete()

    result = recompute(batch_size=3, workers=2)

    assert result.village_parts
    assert _statistics() == expected


@pytest.mark.django_db
def test_a_region_or_year_run_keeps_the_sql_pass(settings):
    build_scenario()
    result = recompute(region_code="431202000000")
    assert not result.village_parts
    result = recompute(year=2019)
    assert not result.village_parts
    with pytest.raises(ValueError):
        statistics_recompute(prefixes=["43"], from_parts=True)


@pytest.mark.django_db
def test_village_verdicts_shared_between_villages_are_those_of_the_rule():
    """region_verdicts_recompute judges a village once per standards view, year, population
    and remaining poor; every stored row must be what village_exit_verdict says of it."""
    from assessment.models import RegionReadiness
    from assessment.recompute import _Context, _json
    from assessment.rules import VillageFacts, village_exit_verdict

    scenario = build_scenario()
    recompute()
    villages = scenario.county.villages
    # twins: the same population and remaining poor in another village (same standards),
    # and one person more in a third
    RegionStatistic.objects.filter(level="village", region_code=villages[1].code).update(
        rural_population=100, remaining_people=6, population_complete=True
    )
    RegionStatistic.objects.filter(level="village", region_code=villages[2].code).update(
        rural_population=100, remaining_people=7, population_complete=True
    )
    region_verdicts_recompute()

    ctx = _Context()
    rows = RegionReadiness.objects.filter(level="village")
    assert rows.count() == RegionStatistic.objects.filter(level="village").count() > 20
    for row in rows:
        stat = RegionStatistic.objects.get(level="village", region_code=row.region_code,
                                           year=row.year)  # fmt: skip
        view = ctx.view(row.region_code, row.year)
        verdict = village_exit_verdict(
            VillageFacts(
                year=row.year,
                division_code=row.region_code,
                region_class=view.region_class,
                rural_population=stat.rural_population if stat.population_complete else None,
                remaining_poor=stat.remaining_people,
            ),
            view,
        )
        assert (row.eligible, row.outcome) == (verdict.eligible, verdict.outcome)
        assert row.reasons == json.loads(_json([r.stored() for r in verdict.reasons]))
    assert RegionReadiness.objects.get(region_code=villages[2].code, year=2019).reasons != (
        RegionReadiness.objects.get(region_code=villages[1].code, year=2019).reasons
    )


@pytest.mark.django_db
def test_region_verdicts_written_in_chunks_are_the_same(monkeypatch):
    from assessment import recompute as module
    from assessment.models import RegionReadiness

    def verdicts():
        return list(
            RegionReadiness.objects.order_by("region_code", "year").values_list(
                "region_code", "level", "year", "eligible", "outcome", "incidence", "reasons"
            )
        )

    build_scenario()
    recompute()
    expected = verdicts()
    monkeypatch.setattr(module, "_COPY_CHUNK", 3)

    assert region_verdicts_recompute() == len(expected) > 3 * 5
    assert verdicts() == expected


@pytest.mark.django_db(transaction=True)
def test_a_full_run_without_any_income_or_guarantee_record_writes_no_village_rows():
    from tests.access import build_world

    build_world()  # households and members, no records: no readiness row, no last year

    result = recompute(batch_size=2, workers=1)

    assert result.village_parts and not _parts_table_exists()
    assert not RegionStatistic.objects.filter(level="village").exists()
    statistics_recompute()
    assert not RegionStatistic.objects.filter(level="village").exists()
