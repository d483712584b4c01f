"""assessment.rules.household_exit: a table of cases per rule, expected values worked out by
hand from DOMAIN.md (§6.3, §7.1, §7.3, §8.1, §9). No database."""

from decimal import Decimal as D

import pytest

from assessment.rules import HouseholdFacts, MemberFacts, household_exit_verdict
from households.rules import income_account
from tests.assessment.standards_fixture import standard_set

ALL_MET = dict.fromkeys(("food", "clothing", "education", "medical", "housing", "water"), "met")
SSET = standard_set()


def facts(*, year=2019, code="620502100201", income="5000", **overrides) -> HouseholdFacts:
    values = {
        "year": year,
        "division_code": code,
        "per_capita_net_income": None if income is None else D(income),
        "identified_year": 2016,
        "guarantees": dict(ALL_MET),
    }
    values.update(overrides)
    return HouseholdFacts(**values)


def verdict(f: HouseholdFacts, region_class="west"):
    return household_exit_verdict(f, SSET.view(f.division_code, f.year, region_class))


def codes(v) -> list[str]:
    return [r.code for r in v.reasons]


# --- income against the year's line (超过 = strictly above) ---------------------------------


@pytest.mark.parametrize(
    ("year", "income", "eligible", "code", "message"),
    [
        (2019, "3219", True, None, None),  # one yuan above
        (2019, "3218.01", True, None, None),  # one fen above
        (2019, "3218", False, "income_not_above_line",
         "2019 年人均纯收入 3,218 元，等于标准 3,218 元，未超过标准"),  # exactly at the line
        (2019, "3217", False, "income_below_line",
         "2019 年人均纯收入 3,217 元，低于标准 3,218 元"),  # one yuan under
        (2019, "3217.50", False, "income_below_line",
         "2019 年人均纯收入 3,217.50 元，低于标准 3,218 元"),
        # a [U] line says so in the reason
        (2016, "2900", False, "income_below_line",
         "2016 年人均纯收入 2,900 元，低于标准 2,952 元（标准待确认）"),
        (2017, "2953", True, None, None),
        (2020, "3999", False, "income_below_line",
         "2020 年人均纯收入 3,999 元，低于标准 4,000 元"),
    ],
)  # fmt: skip
def test_income_against_the_line(year, income, eligible, code, message):
    v = verdict(facts(year=year, income=income))
    assert v.eligible is eligible
    if code is None:
        assert v.reasons == ()
        assert v.outcome == "eligible"
    else:
        assert codes(v) == [code]
        assert v.reasons[0].message == message
        assert v.reasons[0].veto
        assert v.outcome == "not_eligible"


def test_the_issue_example_a1_through_the_one_income_formula():
    # 8000 + 3000 + 0 + 2400 − 1000 = 12,400 ÷ 4 = 3,100 < 3,218
    account = income_account(
        {"wage": 8000, "business": 3000, "property_other": 0, "transfer_other": 2400},
        business_costs=1000,
        household_size=4,
    )
    v = verdict(facts(income=str(account.per_capita_net), code="62"))
    assert account.per_capita_net == D("3100.00")
    assert [r.as_dict() for r in v.reasons] == [
        {
            "code": "income_below_line",
            "message": "2019 年人均纯收入 3,100 元，低于标准 3,218 元",
            "severity": "fail",
            "veto": True,
            "item": "income",
        }
    ]


def test_missing_income_is_unknown_not_met():
    v = verdict(facts(income=None))
    assert codes(v) == ["income_missing"]
    assert v.outcome == "incomplete" and not v.eligible
    assert v.reasons[0].message == "2019 年没有收入核算（算账）记录，无法判断人均纯收入是否超过标准"


def test_a_year_without_a_line_cannot_be_judged():
    v = verdict(facts(year=2015))
    assert codes(v) == ["standard_missing"]
    assert v.reasons[0].message == "2015 年没有适用于本地区的“扶贫标准（当年价）”标准，无法判定"
    assert not v.eligible


def test_an_override_replaces_the_table_line():
    f = facts(income="3100")
    view = SSET.view(f.division_code, 2019, "west").with_overrides({"poverty_line": 3000})
    assert household_exit_verdict(f, view).eligible


# --- 两不愁三保障 and water -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "item", "state", "outcome", "code", "message"),
    [
        (2019, "housing", "not_met", "not_eligible", "housing_not_met", "2019 年住房安全保障不达标"),
        (2019, "food", "not_met", "not_eligible", "food_not_met", "2019 年不愁吃不达标"),
        (2019, "clothing", "not_met", "not_eligible", "clothing_not_met", "2019 年不愁穿不达标"),
        (2019, "medical", "unknown", "incomplete", "medical_unknown",
         "2019 年基本医疗保障未核查（待核），不能视为达标"),
        (2019, "education", "not_applicable", "eligible", None, None),
        # water is a required check from 2019 ([U]: the reason says 待确认)
        (2019, "water", "not_met", "not_eligible", "water_not_met",
         "2019 年饮水安全不达标（标准待确认）"),
        (2019, "water", "unknown", "incomplete", "water_unknown",
         "2019 年饮水安全未核查（待核），不能视为达标（标准待确认）"),
        # before 2019 a water problem only warns, and unknown water is not asked for
        (2018, "water", "not_met", "eligible", "water_not_met",
         "2018 年饮水安全不达标（当年不作为退出必查项）（标准待确认）"),
        (2018, "water", "unknown", "eligible", None, None),
    ],
)  # fmt: skip
def test_guarantee_items(year, item, state, outcome, code, message):
    guarantees = {**ALL_MET, item: state}
    v = verdict(facts(year=year, guarantees=guarantees))
    assert v.outcome == outcome
    if code is None:
        assert v.reasons == ()
    else:
        assert codes(v) == [code]
        assert v.reasons[0].message == message


def test_a_guarantee_item_never_checked_is_unknown():
    guarantees = {k: v for k, v in ALL_MET.items() if k != "education"}
    v = verdict(facts(guarantees=guarantees))
    assert codes(v) == ["education_unknown"]
    assert v.outcome == "incomplete"


def test_no_guarantee_record_at_all_gives_six_unknowns():
    v = verdict(facts(guarantees=None))
    assert codes(v) == [
        "food_unknown",
        "clothing_unknown",
        "education_unknown",
        "medical_unknown",
        "housing_unknown",
        "water_unknown",
    ]


# --- vetoes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "relocated", "vetoed"),
    [("D", None, True), ("C", False, True), ("c", None, True), ("B", None, False),
     ("A", None, False), ("", None, False), ("D", True, False)],
)  # fmt: skip
def test_dangerous_house_still_lived_in(grade, relocated, vetoed):
    v = verdict(facts(housing_grade=grade, relocated_secure=relocated))
    assert ("veto_dangerous_house" in codes(v)) is vetoed
    if vetoed:
        assert v.reasons[0].message == f"仍居住 {grade.upper()} 级危房，住房安全保障不达标"
        assert not v.eligible


@pytest.mark.parametrize(
    ("age", "in_school", "exempt", "code"),
    [
        (12, False, False, "veto_child_out_of_school"),
        (6, False, False, "veto_child_out_of_school"),  # lower bound of 6–15
        (15, False, False, "veto_child_out_of_school"),  # upper bound
        (5, False, False, None),
        (16, False, False, None),
        (12, True, False, None),
        (12, False, True, None),  # 送教上门 counts as enrolled
        (12, None, False, "member_school_unknown"),
    ],
)
def test_child_of_compulsory_school_age_out_of_school(age, in_school, exempt, code):
    member = MemberFacts(age=age, in_school=in_school, school_exempt=exempt, medical_insured=True)
    v = verdict(facts(members=[member]))
    assert codes(v) == ([] if code is None else [code])


def test_out_of_school_reason_counts_children_and_ages():
    members = [
        MemberFacts(age=14, in_school=False, medical_insured=True),
        MemberFacts(age=9, in_school=False, medical_insured=True),
        MemberFacts(age=40, in_school=False, medical_insured=True),
    ]
    v = verdict(facts(members=members))
    assert v.reasons[0].message == (
        "有 2 名义务教育阶段适龄儿童少年（9、14 周岁）失学辍学，义务教育保障不达标"
    )


@pytest.mark.parametrize(
    ("insured", "code", "message", "outcome"),
    [
        ([True, False, False], "veto_member_uninsured",
         "有 2 名家庭成员未参加基本医疗保险，基本医疗保障不达标", "not_eligible"),
        ([True, None], "member_insurance_unknown", "有 1 名家庭成员参加基本医疗保险的情况不明",
         "incomplete"),
        ([True, True], None, None, "eligible"),
    ],
)  # fmt: skip
def test_member_without_basic_medical_insurance(insured, code, message, outcome):
    members = [MemberFacts(age=40, in_school=False, medical_insured=i) for i in insured]
    v = verdict(facts(members=members))
    assert v.outcome == outcome
    if code:
        assert codes(v) == [code]
        assert v.reasons[0].message == message


@pytest.mark.parametrize(
    ("code", "identified", "vetoed"),
    [
        ("610000000000", 2019, True),  # 陕西: a household identified this year cannot exit
        ("610102001001", 2019, True),
        ("610102001001", 2018, False),
        ("620502100201", 2019, False),  # 甘肃: no such rule
    ],
)
def test_household_identified_this_year_in_a_province_that_forbids_its_exit(
    code, identified, vetoed
):
    v = verdict(facts(code=code, identified_year=identified))
    assert ("veto_identified_this_year" in codes(v)) is vetoed
    if vetoed:
        assert v.reasons[0].message == "2019 年新识别的贫困户，按本省规定当年不能退出"


def test_vetoes_come_before_income_and_all_reasons_are_listed():
    v = verdict(
        facts(
            code="610102001001",
            identified_year=2019,
            income="3000",
            housing_grade="D",
            guarantees={**ALL_MET, "housing": "not_met"},
        )
    )
    assert codes(v) == [
        "veto_identified_this_year",
        "veto_dangerous_house",
        "income_below_line",
        "housing_not_met",
    ]


# --- province variants ------------------------------------------------------------------------


def test_guangxi_eligible_household_is_told_about_the_follow_up_year():
    v = verdict(facts(code="450102001001"))
    assert v.eligible
    assert codes(v) == ["follow_up_year_required"]
    assert v.reasons[0].severity == "info"


@pytest.mark.parametrize(
    ("checklist", "outcome", "expected"),
    [
        ({"water_litres_per_day": 40, "has_living_power": True, "has_broadcast_tv": True},
         "eligible", []),
        ({"water_litres_per_day": 35, "has_living_power": True, "has_broadcast_tv": True},
         "not_eligible",
         [("checklist_not_met",
           "四川“一超六有”：安全饮用水水量 为 35升/人·日，未达到“≥ 40升/人·日”的要求")]),
        ({"water_litres_per_day": 40, "has_living_power": False, "has_broadcast_tv": True},
         "not_eligible", [("checklist_not_met", "四川“一超六有”：有生活用电 未达标")]),
        ({"water_litres_per_day": 40, "has_living_power": True},
         "incomplete",
         [("checklist_unknown", "四川“一超六有”：有广播电视 未核实（缺少“has_broadcast_tv”数据）")]),
    ],
)  # fmt: skip
def test_sichuan_household_checklist_is_added_to_the_national_core(checklist, outcome, expected):
    v = verdict(facts(code="511725109201", checklist=checklist))
    assert v.outcome == outcome
    assert [(r.code, r.message) for r in v.reasons] == expected


def test_the_sichuan_checklist_does_not_apply_in_gansu():
    assert verdict(facts(code="620502100201", checklist={})).eligible
