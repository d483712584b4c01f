"""Standard resolution (most specific prefix, then year; DOMAIN.md §0 rule 2), the stricter-only
rule for local values (§0 rule 4), checklist evaluation and rankings. No database."""

from decimal import Decimal as D

import pytest

from assessment.rules import ChecklistRow, StandardRow, StandardSet
from assessment.rules.base import fmt_number, fmt_pct
from assessment.rules.checklist import checklist_item_state
from assessment.rules.rankings import RankingUnit, ranking_compute
from assessment.rules.standards import checklist_row_problems, standard_row_problems

ROWS = [
    StandardRow("notice_days.household_exit", D("7"), evidence="V2"),
    StandardRow("notice_days.household_exit", D("10"), scope_code="62", year_from=2018),
    StandardRow("notice_days.household_exit", D("12"), scope_code="6205", year_from=2019,
                year_to=2019),
    StandardRow("village_exit_incidence_max", D("0.02"), region_class="central"),
    StandardRow("village_exit_incidence_max", D("0.03"), region_class="west"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "year", "expected"),
    [
        ("430000000000", 2019, D("7")),  # national
        ("620000000000", 2017, D("7")),  # province row does not cover 2017 → national
        ("620000000000", 2019, D("10")),  # province
        ("620502100201", 2019, D("12")),  # city beats province
        ("620502100201", 2020, D("10")),  # city row ends 2019 → province
        ("620600000000", 2019, D("10")),  # another city of the province
        ("62", 2019, D("10")),  # a bare province prefix (what-if input)
    ],
)
def test_most_specific_prefix_wins_then_the_year(code, year, expected):
    view = StandardSet(ROWS).view(code, year)
    assert view.value("notice_days.household_exit") == expected


@pytest.mark.parametrize(
    ("rc", "expected"), [("west", D("0.03")), ("central", D("0.02")), ("east", None)]
)
def test_region_class_selects_the_threshold(rc, expected):
    assert (
        StandardSet(ROWS).view("620502100201", 2019, rc).value("village_exit_incidence_max")
        == expected
    )


# --- stricter only ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "problem"),
    [
        # a province may lengthen the notice (stricter), not shorten it
        (StandardRow("notice_days.household_exit", D("5"), scope_code="51"),
         "地方标准只能比上级更严格，不能放宽：贫困户退出公示天数 5 比全国（7）更宽松"),
        (StandardRow("notice_days.household_exit", D("8"), scope_code="51"), None),
        # a poverty line may be raised (山东), not lowered
        (StandardRow("poverty_line", D("3000"), scope_code="37", year_from=2019, year_to=2019),
         "地方标准只能比上级更严格，不能放宽：扶贫标准（当年价） 3000 比全国（3218）更宽松"),
        (StandardRow("poverty_line", D("3322"), scope_code="37", year_from=2019, year_to=2019),
         None),
        # an incidence threshold may only go down
        (StandardRow("village_exit_incidence_max", D("0.04"), scope_code="51", region_class="west"),
         "地方标准只能比上级更严格，不能放宽：贫困村出列贫困发生率上限 0.04 比全国（0.03）更宽松"),
        (StandardRow("village_exit_incidence_max", D("0.025"), scope_code="51",
                     region_class="west"), None),
        # a switch: 陕西 may forbid same-year exits, never allow them where the nation forbids
        (StandardRow("new_household_can_exit_same_year", D("0"), scope_code="61"), None),
        # the city row must not be looser than the province row either
        (StandardRow("notice_days.household_exit", D("9"), scope_code="6201", year_from=2019),
         "地方标准只能比上级更严格，不能放宽：贫困户退出公示天数 9 比地区 62（10）更宽松"),
    ],
)  # fmt: skip
def test_a_local_value_may_only_be_stricter(candidate, problem):
    others = [*ROWS, StandardRow("poverty_line", D("3218"), year_from=2019, year_to=2019),
              StandardRow("new_household_can_exit_same_year", D("1"))]  # fmt: skip
    problems = standard_row_problems(candidate, others)
    assert problems == ([] if problem is None else [problem])


def test_a_class_free_provincial_threshold_is_compared_with_its_own_class():
    candidate = StandardRow("village_exit_incidence_max", D("0.025"), scope_code="51")
    assert standard_row_problems(candidate, ROWS, scope_class="west") == []
    # without knowing the class, the stricter of the national values is the reference
    assert len(standard_row_problems(candidate, ROWS)) == 1


def test_a_national_change_may_not_leave_a_province_looser():
    candidate = StandardRow("notice_days.household_exit", D("11"), pk=1)
    others = [StandardRow("notice_days.household_exit", D("7"), pk=1), *ROWS[1:3]]
    assert standard_row_problems(candidate, others) == [
        "修改后将使下级地区 62 的标准（10）比本级更宽松；请先调整下级标准",
    ]


def test_overlapping_years_of_the_same_scope_are_refused_and_ranges_ordered():
    candidate = StandardRow(
        "notice_days.household_exit", D("10"), scope_code="62", year_from=2015, year_to=2018
    )
    assert standard_row_problems(candidate, ROWS) == ["与已有的同一地区、同一标准（2018–）年度重叠"]
    backwards = StandardRow(
        "notice_days.household_exit", D("10"), scope_code="63", year_from=2020, year_to=2019
    )
    assert standard_row_problems(backwards, ROWS) == ["起始年度不能晚于终止年度"]


def test_a_local_checklist_item_may_not_loosen_the_wider_one():
    wider = ChecklistRow("water_litres", "household", "水量", "water_litres_per_day", operator="gte",
                         threshold=D("35"), scope_code="", pk=1)  # fmt: skip
    looser = ChecklistRow("water_litres", "household", "水量", "water_litres_per_day", operator="gte",
                          threshold=D("30"), scope_code="51")  # fmt: skip
    stricter = ChecklistRow("water_litres", "household", "水量", "water_litres_per_day",
                            operator="gte", threshold=D("40"), scope_code="51")  # fmt: skip
    no_veto = ChecklistRow("water_litres", "household", "水量", "water_litres_per_day",
                           operator="gte", threshold=D("40"), veto=False, scope_code="51")  # fmt: skip
    assert checklist_row_problems(stricter, [wider]) == []
    assert checklist_row_problems(looser, [wider]) == [
        "地方清单只能比上级更严格：指标“water_litres”在全国为gte 35（一票否决），本级不能放宽"
    ]
    assert len(checklist_row_problems(no_veto, [wider])) == 1


def test_a_more_specific_checklist_item_replaces_the_wider_one():
    wider = ChecklistRow("w", "household", "水量", "litres", operator="gte", threshold=D("35"))
    narrower = ChecklistRow("w", "household", "水量", "litres", operator="gte", threshold=D("40"),
                            scope_code="51")  # fmt: skip
    items = StandardSet([], [wider, narrower]).view("511725109201", 2019).checklist("household")
    assert items == (narrower,)


# --- checklist item states ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "threshold", "value", "state"),
    [
        ("true", None, True, True), ("true", None, False, False), ("true", None, None, None),
        ("true", None, 12000, True), ("true", None, 0, False),
        ("met", None, "met", True), ("met", None, "not_applicable", True),
        ("met", None, "not_met", False), ("met", None, "unknown", None),
        ("gte", D("40"), 40, True), ("gte", D("40"), D("39.9"), False),
        ("gt", D("40"), 40, False), ("lte", D("20"), 20, True), ("lt", D("0.03"), D("0.03"), False),
        ("gte", D("40"), "abc", None), ("gte", D("40"), None, None),
    ],
)  # fmt: skip
def test_checklist_item_state(operator, threshold, value, state):
    item = ChecklistRow("x", "household", "x", "x", operator=operator, threshold=threshold)
    assert checklist_item_state(item, value) is state


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("3100"), "3,100"), (D("3100.00"), "3,100"), (D("3217.5"), "3,217.50"), (12400, "12,400")],
)
def test_money_format(value, text):
    assert fmt_number(value) == text


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(D("0.021"), "2.1%"), (D("0.03"), "3%"), (D("0.025"), "2.5%"), (D(1) / D(3), "33.33%")],
)
def test_percent_format(ratio, text):
    assert fmt_pct(ratio) == text


# --- rankings ---------------------------------------------------------------------------------


def test_ranking_weights_ties_and_bottom_n():
    units = [
        RankingUnit("a", "甲镇", {"exit_progress": D("0.9"), "readiness": D("0.5")}),  # 74
        RankingUnit("b", "乙镇", {"exit_progress": D("0.5"), "readiness": D("1.0")}),  # 70
        RankingUnit("c", "丙镇", {"exit_progress": D("0.5"), "readiness": D("1.0")}),  # 70
        RankingUnit("d", "丁镇", {"exit_progress": D("1.0"), "readiness": None}),  # 60, missing
        RankingUnit("e", "戊镇", {"exit_progress": D("0.2"), "readiness": D("0.2")}),  # 20
    ]
    ranked = ranking_compute(units, {"exit_progress": 60, "readiness": 40}, bottom_n=3)
    assert [(u.code, u.rank, str(u.score), u.is_bottom) for u in ranked] == [
        ("a", 1, "74.00", False),
        ("b", 2, "70.00", True),  # tied with c at the boundary of the bottom three
        ("c", 2, "70.00", True),
        ("d", 4, "60.00", True),
        ("e", 5, "20.00", True),
    ]
    assert ranked[3].missing == ("readiness",)
    assert ranked[0].indicators == {"exit_progress": 0.9, "readiness": 0.5}
