"""assessment.recompute against a registry built through the services (tests.assessment.scenario).

Expected values are worked out by hand from the scenario and DOMAIN.md: 2018 line 2,995 [U],
2019 line 3,218 [V2], 2020 line 4,000 [V]; 湖南 2019 monitoring line 5,000; national 2020
monitoring line 6,000 (可支配收入); 湖南 is central: 出列/摘帽 below 2%.
"""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.models import (
    CountyAssessmentFigures,
    HouseholdReadiness,
    MonitoringFlag,
    RankingConfig,
    RankingEntry,
    RegionReadiness,
    RegionStatistic,
)
from assessment.recompute import households_recompute, recompute
from assessment.services import changes_recompute_run
from households.services import household_soft_delete
from tests.assessment.scenario import build_scenario, guarantees, income

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    return build_scenario()


def messages(household, year) -> list[str]:
    row = HouseholdReadiness.objects.get(household=household, year=year)
    return [r.message for r in row.reason_list()]


def stat(code: str, year: int) -> RegionStatistic:
    return RegionStatistic.objects.get(region_code=code, year=year)


def test_household_verdicts_with_every_reason(scenario):
    recompute()

    assert messages(scenario.h1, 2018) == [
        "2018 年人均纯收入 2,000 元，低于标准 2,995 元（标准待确认）",
        "2018 年住房安全保障不达标",
    ]
    # the latest year reads the members: spouse and son are not insured
    assert messages(scenario.h1, 2019) == ["有 2 名家庭成员未参加基本医疗保险，基本医疗保障不达标"]
    assert messages(scenario.h2, 2019) == [
        "2019 年人均纯收入 3,218 元，等于标准 3,218 元，未超过标准"
    ]
    h3_2019 = HouseholdReadiness.objects.get(household=scenario.h3, year=2019)
    assert (h3_2019.eligible, h3_2019.outcome, h3_2019.reasons) == (True, "eligible", [])
    assert h3_2019.per_capita_net_income == D("4000.00")
    assert h3_2019.income_line == D("3218.00")
    assert h3_2019.division_code == scenario.county.villages[1].code
    assert messages(scenario.h3, 2020) == ["2020 年人均纯收入 2,000 元，低于标准 4,000 元"]
    assert HouseholdReadiness.objects.count() == 5


def test_monitoring_flags_of_an_exited_household(scenario):
    recompute()

    flags = MonitoringFlag.objects.filter(household=scenario.h3).order_by("year", "code")
    assert [(f.year, f.code, f.message) for f in flags] == [
        (2019, "below_monitoring_line", "2019 年人均纯收入 4,000 元，低于监测标准 5,000 元"),
        (2020, "below_monitoring_line",
         "2020 年人均纯收入 2,000 元，低于监测标准 6,000 元（标准按人均可支配收入）"),
        (2020, "income_sharp_drop",
         "2020 年人均纯收入 2,000 元，比上年 4,000 元下降 50%（预警线 30%）（标准待确认）"),
    ]  # fmt: skip
    assert HouseholdReadiness.objects.get(household=scenario.h3, year=2020).monitor
    # households that have not exited are not flagged, however low their income
    assert not MonitoringFlag.objects.filter(household=scenario.h1).exists()


def test_region_statistics_by_year_and_level(scenario):
    recompute()
    v0, v1, _v2 = (v.code for v in scenario.county.villages)

    s = stat(v0, 2019)
    assert (s.households, s.people, s.exited_households, s.remaining_people) == (2, 6, 0, 6)
    assert (s.ready_households, s.assessed_households, s.guarantee_met_households) == (0, 2, 2)
    assert (s.rural_population, s.incidence) == (100, D("0.060000"))
    s = stat(v0, 2018)
    assert (s.people, s.assessed_households, s.guarantee_met_households) == (6, 1, 0)
    s = stat(v1, 2019)
    assert (s.households, s.exited_households, s.exited_people, s.remaining_people) == (2, 1, 3, 3)
    assert (s.monitored_households, s.incidence) == (1, D("0.015000"))
    township = stat(scenario.county.township.code, 2019)
    assert (township.households, township.rural_population, township.incidence) == (
        4,
        300,
        D("0.030000"),
    )
    county = stat("431202000000", 2019)
    assert (county.households, county.people, county.remaining_people) == (6, 18, 15)
    assert (county.rural_population, county.incidence) == (600, D("0.025000"))
    # county b's villages have no rural population: the city's incidence is not computed
    city = stat("431200000000", 2019)
    assert (city.households, city.remaining_people) == (12, 33)
    assert (city.population_complete, city.incidence) == (False, None)
    assert stat("430000000000", 2019).level == "province"
    assert sorted(
        RegionStatistic.objects.filter(region_code=v0).values_list("year", flat=True)
    ) == list(range(2014, 2021))


def test_village_and_county_verdicts(scenario):
    recompute()
    v0, v1, _v2 = (v.code for v in scenario.county.villages)

    v = RegionReadiness.objects.get(region_code=v0, year=2019)
    assert [r.message for r in v.reason_list()] == [
        "2019 年贫困发生率 6%（剩余贫困人口 6 人 ÷ 农村户籍人口 100 人），未低于出列标准 2%"
    ]
    assert RegionReadiness.objects.get(region_code=v1, year=2019).eligible
    county = RegionReadiness.objects.get(region_code="431202000000", year=2019)
    assert [r.message for r in county.reason_list()] == [
        "2019 年贫困发生率 2.5%（剩余贫困人口 15 人 ÷ 农村户籍人口 600 人），未低于摘帽标准 2%",
        "2019 年脱贫人口错退率未测算（待专项评估检查），不能视为达标",
        "2019 年贫困人口漏评率未测算（待专项评估检查），不能视为达标",
        "2019 年群众认可度未测算（待专项评估检查），不能视为达标",
    ]

    CountyAssessmentFigures.objects.create(
        county_code="431202000000",
        year=2019,
        comprehensive_incidence=D("0.018"),
        wrong_exit_rate=D("0.005"),
        missed_rate=D("0.005"),
        approval_rate=D("0.95"),
        source="第三方评估报告",
    )
    recompute(region_code="431202000000", year=2019)
    county = RegionReadiness.objects.get(region_code="431202000000", year=2019)
    assert (county.eligible, county.reasons) == (True, [])


def test_rankings_with_weights_and_the_bottom_highlighted(scenario):
    config = RankingConfig.objects.create(
        name="村排名",
        region_code="431202000000",
        unit_level="village",
        weights={"exit_progress": 50, "incidence_low": 50},
        bottom_n=1,
    )
    recompute()
    entries = RankingEntry.objects.filter(config=config, year=2019).order_by("rank")
    # v1: 0.5×50 + 0.985×50 = 74.25; v2: 0×50 + (1−6/300)×50 = 49; v0: 0 + 0.94×50 = 47
    v0, v1, v2 = (v.code for v in scenario.county.villages)
    assert [(e.region_code, e.rank, e.score, e.is_bottom) for e in entries] == [
        (v1, 1, D("74.25"), False),
        (v2, 2, D("49.00"), False),
        (v0, 3, D("47.00"), True),
    ]
    assert entries[0].indicators == {"exit_progress": 0.5, "incidence_low": 0.985}


def test_a_region_and_year_recompute_replaces_only_its_rows(scenario):
    recompute()
    v0 = scenario.county.villages[0].code
    untouched = HouseholdReadiness.objects.get(household=scenario.h1, year=2018).computed_at
    income(scenario.h2, 2019, 9657)  # 3,219 per person

    result = recompute(region_code=v0, year=2019)

    assert result.household_years == 2
    assert HouseholdReadiness.objects.get(household=scenario.h2, year=2019).eligible
    assert HouseholdReadiness.objects.get(household=scenario.h1, year=2018).computed_at == untouched
    assert stat(v0, 2019).ready_households == 1


def test_the_change_scan_recomputes_changed_households_and_their_regions(scenario):
    changes_recompute_run(queue_job=False)
    v0 = scenario.county.villages[0].code
    assert not HouseholdReadiness.objects.get(household=scenario.h2, year=2019).eligible

    income(scenario.h2, 2019, 9657)
    summary = changes_recompute_run(queue_job=False)

    assert summary["households"] >= 1
    assert HouseholdReadiness.objects.get(household=scenario.h2, year=2019).eligible
    assert stat(v0, 2019).ready_households == 1


def test_a_deleted_household_leaves_the_derived_tables(scenario):
    recompute()
    household_soft_delete(
        actor=None, household=scenario.h1, reason="重复登记", expected_version=None
    )
    recompute()
    assert not HouseholdReadiness.objects.filter(household=scenario.h1).exists()
    assert stat(scenario.county.villages[0].code, 2019).households == 1


def test_the_query_count_does_not_grow_with_the_households(scenario):
    with CaptureQueriesContext(connection) as few:
        households_recompute(region_code="431202000000")
    for household in scenario.county.households[3:]:
        income(household, 2019, 10000)
        guarantees(household, 2019)
    with CaptureQueriesContext(connection) as more:
        result = households_recompute(region_code="431202000000")
    assert result.household_years == 8
    assert len(more.captured_queries) == len(few.captured_queries)


def _readiness_rows() -> list[tuple]:
    return list(
        HouseholdReadiness.objects.order_by("household_id", "year").values_list(
            "household_id", "year", "eligible", "outcome", "reason_set__reasons", "monitor"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_forked_workers_write_the_same_rows_as_one_process():
    build_scenario()
    progress: list[tuple[int, int]] = []
    one = households_recompute(batch_size=2, workers=1, swap=False)
    expected = _readiness_rows()
    flags = MonitoringFlag.objects.count()
    HouseholdReadiness.objects.all().delete()

    two = households_recompute(
        batch_size=2, workers=2, swap=False, progress=lambda *a: progress.append(a)
    )

    assert (two.households, two.household_years, two.flags) == (
        one.households,
        one.household_years,
        one.flags,
    )
    assert _readiness_rows() == expected
    assert MonitoringFlag.objects.count() == flags
    assert progress[-1] == (one.households, one.households)


def _flag_rows() -> list[tuple]:
    return list(
        MonitoringFlag.objects.order_by("household_id", "year", "code").values_list(
            "household_id", "division_code", "year", "code", "item", "unconfirmed", "params"
        )
    )


def _schema() -> dict:
    """What Django and the readers rely on: table, columns and defaults, indexes, keys and
    checks by name, the flags' id sequence."""
    tables = ["assessment_householdreadiness", "assessment_monitoringflag"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_name = ANY(%s) "
            "ORDER BY table_name, ordinal_position",
            [tables],
        )
        columns = cursor.fetchall()
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "ORDER BY 1, 2",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT pg_get_serial_sequence('assessment_monitoringflag', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '%%\\_fresh%%'")
        leftovers = cursor.fetchone()[0]
    return {
        "columns": columns,
        "indexes": indexes,
        "constraints": constraints,
        "sequence": sequence,
        "leftovers": leftovers,
    }


def _table_oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'assessment_householdreadiness'::regclass::oid")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_full_run_puts_new_tables_in_place_with_the_same_rows_and_schema():
    build_scenario()
    households_recompute(batch_size=2, workers=1, swap=False)
    expected, flags, schema = _readiness_rows(), _flag_rows(), _schema()
    assert flags and schema["leftovers"] == 0
    for workers in (1, 2):
        before = _table_oid()
        last_flag = MonitoringFlag.objects.order_by("-id").values_list("id", flat=True)[0]

        households_recompute(batch_size=2, workers=workers)  # every household: swapped

        assert _table_oid() != before  # a new table took the old one's place
        assert _readiness_rows() == expected
        assert _flag_rows() == flags
        assert _schema() == schema
        assert MonitoringFlag.objects.order_by("id").values_list("id", flat=True)[0] > last_flag
    before = _table_oid()
    households_recompute(batch_size=2, workers=1, swap=False)
    assert _table_oid() == before


@pytest.mark.django_db(transaction=True)
def test_a_full_run_that_fails_leaves_the_old_tables(monkeypatch):
    from assessment import recompute as module

    build_scenario()
    households_recompute(batch_size=2, workers=1)
    expected, schema, before = _readiness_rows(), _schema(), _table_oid()

    def fail(cursor, tables, sequence):
        cursor.execute("DROP TABLE assessment_householdreadiness")
        raise RuntimeError("stop")

    monkeypatch.setattr(module, "_swap_tables", fail)
    with pytest.raises(RuntimeError, match="stop"):
        households_recompute(batch_size=2, workers=1)

    assert (_readiness_rows(), _schema(), _table_oid()) == (expected, schema, before)
