"""Village exit (出列), county exit (摘帽) and monitoring flags: tables of cases with values
worked out by hand from DOMAIN.md §7.1, §7.2, §8.2, §12. No database."""

from decimal import Decimal as D

import pytest

from assessment.rules import (
    CountyFacts,
    HouseholdFacts,
    VillageFacts,
    county_exit_verdict,
    household_monitoring_flags,
    village_exit_verdict,
)
from tests.assessment.standards_fixture import standard_set

SSET = standard_set()

# --- village ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region_class", "population", "remaining", "outcome", "message"),
    [
        ("west", 1200, 30, "eligible", None),  # 2.5% < 3%
        ("west", 1200, 36, "not_eligible",  # exactly 3%: not below
         "2019 年贫困发生率 3%（剩余贫困人口 36 人 ÷ 农村户籍人口 1,200 人），未低于出列标准 3%"),
        ("west", 1200, 35, "eligible", None),  # 2.92%
        ("central", 1200, 24, "not_eligible",  # exactly 2%
         "2019 年贫困发生率 2%（剩余贫困人口 24 人 ÷ 农村户籍人口 1,200 人），未低于出列标准 2%"),
        ("central", 1200, 23, "eligible", None),  # 1.92%
        ("central", 1200, 30, "not_eligible",
         "2019 年贫困发生率 2.5%（剩余贫困人口 30 人 ÷ 农村户籍人口 1,200 人），未低于出列标准 2%"),
        ("central", None, 30, "incomplete",
         "2019 年农村户籍人口或剩余贫困人口未填写，无法计算贫困发生率"),
        ("central", 0, 0, "incomplete",
         "2019 年农村户籍人口或剩余贫困人口未填写，无法计算贫困发生率"),
        # the east ran its own programmes: no national threshold to judge by
        ("east", 1200, 0, "incomplete",
         "2019 年没有适用于本地区的“贫困村出列贫困发生率上限”标准，无法判定"),
    ],
)  # fmt: skip
def test_village_incidence_by_region_class(region_class, population, remaining, outcome, message):
    facts = VillageFacts(2019, "620502100201", region_class, population, remaining)
    v = village_exit_verdict(facts, SSET.view(facts.division_code, 2019, region_class))
    assert v.outcome == outcome
    assert [r.message for r in v.reasons] == ([] if message is None else [message])


def test_sichuan_village_checklist_unknown_items_leave_the_verdict_incomplete():
    # v1 of the issue: 30 ÷ 1,200 = 2.5%, only collective income known
    facts = VillageFacts(2019, "51", "west", 1200, 30, {"collective_income": True})
    v = village_exit_verdict(facts, SSET.view("51", 2019, "west"))
    assert v.outcome == "incomplete"
    assert [(r.code, r.item) for r in v.reasons] == [("checklist_unknown", "sc_v_road")]
    assert v.figures["incidence"] == D("0.025")


def test_sichuan_village_checklist_incidence_item_uses_the_computed_incidence():
    facts = VillageFacts(
        2019, "51", "west", 1000, 29, {"collective_income": True, "hardened_road": False}
    )
    v = village_exit_verdict(facts, SSET.view("51", 2019, "west"))
    assert [r.message for r in v.reasons] == ["四川“一低五有”：有硬化路 未达标"]
    assert v.outcome == "not_eligible"


def test_a_non_veto_village_item_only_warns():
    facts = VillageFacts(2019, "450102001001", "west", 1000, 10, {"has_tv": False})
    v = village_exit_verdict(facts, SSET.view(facts.division_code, 2019, "west"))
    assert v.eligible
    assert [(r.code, r.severity) for r in v.reasons] == [("checklist_not_met", "warning")]


# --- county -------------------------------------------------------------------------------


def county(**overrides):
    values = {
        "year": 2019,
        "division_code": "620521000000",
        "region_class": "west",
        "incidence": D("0.021"),
        "wrong_exit_rate": D("0.005"),
        "missed_rate": D("0.005"),
        "approval_rate": D("0.93"),
    }
    values.update(overrides)
    facts = CountyFacts(**values)
    return county_exit_verdict(facts, SSET.view(facts.division_code, 2019, facts.region_class))


def test_issue_example_c1_passes_with_internal_warnings():
    v = county(wrong_exit_rate=D("0.01"), missed_rate=D("0.015"))
    assert v.eligible
    assert [(r.code, r.message) for r in v.reasons] == [
        ("wrong_exit_rate_warning", "2019 年脱贫人口错退率 1%，达到内部预警线 1%（标准待确认）"),
        ("missed_rate_warning", "2019 年贫困人口漏评率 1.5%，达到内部预警线 1%（标准待确认）"),
    ]


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"incidence": D("0.03")}, "incidence_too_high",
         "2019 年贫困发生率 3%，未低于摘帽标准 3%"),
        ({"region_class": "central", "incidence": D("0.021")}, "incidence_too_high",
         "2019 年贫困发生率 2.1%，未低于摘帽标准 2%"),
        ({"wrong_exit_rate": D("0.02")}, "wrong_exit_rate_too_high",
         "2019 年脱贫人口错退率 2%，未低于摘帽标准 2%"),
        ({"missed_rate": D("0.025")}, "missed_rate_too_high",
         "2019 年贫困人口漏评率 2.5%，未低于摘帽标准 2%"),
        ({"approval_rate": D("0.8999")}, "approval_too_low",
         "2019 年群众认可度 89.99%，低于摘帽标准 90%"),
        ({"approval_rate": None}, "approval_unknown",
         "2019 年群众认可度未测算（待专项评估检查），不能视为达标"),
    ],
)  # fmt: skip
def test_each_county_failure_is_named(overrides, code, message):
    v = county(**overrides)
    assert [(r.code, r.message) for r in v.reasons] == [(code, message)]
    assert not v.eligible


def test_county_boundaries_that_pass():
    assert county(
        approval_rate=D("0.90"), incidence=D("0.0299"), wrong_exit_rate=D("0.0099")
    ).eligible


def test_county_incidence_computed_from_population_when_not_measured():
    v = county(incidence=None, remaining_poor=310, rural_population=10000)
    assert v.reasons[0].message == (
        "2019 年贫困发生率 3.1%（剩余贫困人口 310 人 ÷ 农村户籍人口 10,000 人），未低于摘帽标准 3%"
    )


def test_shaanxi_county_checklist():
    v = county(division_code="610000000000", checklist={"rural_income_ratio": D("0.65")})
    assert [r.message for r in v.reasons] == [
        "陕西贫困县退出指标：农村居民人均可支配收入占全省平均比例 为 65%，未达到“≥ 70%”的要求"
    ]


# --- monitoring -----------------------------------------------------------------------------


def flags(*, year, income, code="620502100201", status="exited", **overrides):
    values = {"guarantees": dict.fromkeys(("food", "housing"), "met"), **overrides}
    facts = HouseholdFacts(
        year=year,
        division_code=code,
        per_capita_net_income=None if income is None else D(income),
        status=status,
        **values,
    )
    return household_monitoring_flags(facts, SSET.view(code, year, "west"))


@pytest.mark.parametrize(
    ("year", "income", "code", "expected"),
    [
        (2021, "5999", "62", ["2021 年人均纯收入 5,999 元，低于监测标准 6,000 元（标准待确认）"]),
        (2021, "6000", "62", []),  # at the line: not below
        (2020, "5500", "62",
         ["2020 年人均纯收入 5,500 元，低于监测标准 6,000 元（标准按人均可支配收入）"]),
        (2019, "3500", "62", []),  # no national monitoring line before 2020
        # 贵州 2023 sets 7,300, above the national reference 7,100 [U]
        (2023, "7250", "520102001001", ["2023 年人均纯收入 7,250 元，低于监测标准 7,300 元"]),
        (2023, "7250", "620502100201", []),
    ],
)  # fmt: skip
def test_below_monitoring_line(year, income, code, expected):
    assert [r.message for r in flags(year=year, income=income, code=code)] == expected


@pytest.mark.parametrize(
    ("previous", "income", "flagged"),
    [("10000", "7000", True), ("10000", "7001", False), ("10000", "6000", True)],
)
def test_sharp_income_drop_against_the_previous_year(previous, income, flagged):
    result = flags(year=2019, income=income, previous_per_capita_net_income=D(previous))
    assert [r.code for r in result] == (["income_sharp_drop"] if flagged else [])
    if flagged and income == "7000":
        assert result[0].message == (
            "2019 年人均纯收入 7,000 元，比上年 10,000 元下降 30%（预警线 30%）（标准待确认）"
        )


def test_not_exited_households_are_not_flagged():
    assert flags(year=2021, income="1000", status="poor") == ()


def test_lost_guarantee_rigid_spending_and_reported_risks():
    result = flags(
        year=2021,
        income="9000",
        guarantees={"housing": "not_met"},
        rigid_expenditure=D("30000"),
        previous_net_income=D("24000"),
        risk_events=("illness",),
    )
    assert [(r.code, r.message) for r in result] == [
        ("rigid_expenditure_high", "刚性支出 30,000 元，超过上年纯收入 24,000 元"),
        ("guarantee_lost", "2021 年住房安全保障不达标，存在返贫风险"),
        ("risk_event", "报告风险：因病"),
    ]
