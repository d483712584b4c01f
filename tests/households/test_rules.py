"""households.rules: the income account (算账, DOMAIN.md §5) and the registration checks
(§13.2 FAM-01..04, FAM-06, LIV-05, HSS-02). Pure functions: no database."""

from decimal import Decimal

import pytest

from households.rules import (
    FieldProblem,
    IncomeAccount,
    MemberProblem,
    household_causes_problems,
    household_house_problems,
    household_members_problems,
    household_number_problems,
    household_problems,
    income_account,
    income_per_capita,
    member_problems,
)

D = Decimal

# --- income_per_capita ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "size", "expected"),
    [
        (D("3218"), 1, D("3218.00")),
        (D("10000"), 3, D("3333.33")),  # 3333.333…
        (D("20000"), 3, D("6666.67")),  # 6666.666…
        (D("10000.05"), 2, D("5000.03")),  # 5000.025: half-up, not half-even (5000.02)
        (D("0.05"), 2, D("0.03")),  # 0.025
        (D("7"), 8, D("0.88")),  # 0.875
        (D("0.125"), 1, D("0.13")),
        (D("-600"), 4, D("-150.00")),  # costs above income: a negative net is kept
        (0, 5, D("0.00")),
        (3000, 2, D("1500.00")),  # int input
        (0.3, 1, D("0.30")),  # a float is read through its decimal text, not its binary value
    ],
)
def test_income_per_capita(net, size, expected):
    result = income_per_capita(net, size)

    assert result == expected
    assert result.as_tuple().exponent == -2  # always to the fen


@pytest.mark.parametrize("size", [0, -1])
def test_income_per_capita_refuses_a_household_without_people(size):
    with pytest.raises(ValueError):
        income_per_capita(D("1000"), size)


# --- income_account -------------------------------------------------------------------------

FULL = {
    "wage": D("12000"),
    "business": D("5000"),
    "property_dividend": D("300"),
    "property_other": D("200"),
    "family_planning": D("100"),
    "dibao": D("2400"),
    "tekun": D("0"),
    "pension": D("1320"),
    "eco_compensation": D("450.50"),
    "transfer_other": D("80"),
}


def test_income_account_full_worksheet():
    # 财产性 = 300 + 200 = 500; 转移性 = 100 + 2400 + 0 + 1320 + 450.50 + 80 = 4350.50
    # 年收入 = 12000 + 5000 + 500 + 4350.50 = 21850.50; 纯收入 = 21850.50 − 2000 = 19850.50
    # 人均纯收入 = 19850.50 ÷ 3 = 6616.8333… → 6616.83
    account = income_account(FULL, business_costs=D("2000"), household_size=3)

    assert account == IncomeAccount(
        wage=D("12000"),
        business=D("5000"),
        property=D("500"),
        transfer=D("4350.50"),
        gross=D("21850.50"),
        costs=D("2000"),
        net=D("19850.50"),
        household_size=3,
        per_capita_net=D("6616.83"),
    )


@pytest.mark.parametrize(
    ("components", "costs", "size", "gross", "net", "per_capita"),
    [
        # Only wages, no costs.
        ({"wage": D("9654")}, D("0"), 3, D("9654"), D("9654"), D("3218.00")),
        # Half a fen per person rounds up.
        ({"wage": D("10000.05")}, D("0"), 2, D("10000.05"), D("10000.05"), D("5000.03")),
        # Production income minus production costs.
        (
            {"business": D("8000"), "dibao": D("1200")},
            D("3100"),
            4,
            D("9200"),
            D("6100"),
            D("1525.00"),
        ),
        # Costs above income: net and per capita are negative.
        ({"wage": D("1000")}, D("1600"), 4, D("1000"), D("-600"), D("-150.00")),
        # Empty cells of an import count as zero.
        (
            {"wage": None, "business": "", "pension": "880"},
            None,
            1,
            D("880"),
            D("880"),
            D("880.00"),
        ),
        # Text and float inputs are read as decimals.
        ({"wage": "0.1", "business": 0.2}, "0", 1, D("0.3"), D("0.3"), D("0.30")),
        # No components at all.
        ({}, D("0"), 2, D("0"), D("0"), D("0.00")),
    ],
)
def test_income_account_table(components, costs, size, gross, net, per_capita):
    account = income_account(components, business_costs=costs, household_size=size)

    assert (account.gross, account.net, account.per_capita_net) == (gross, net, per_capita)


def test_income_account_groups_property_and_transfer_items():
    account = income_account(
        {"property_dividend": D("150"), "property_other": D("50"), "eco_compensation": D("75.5")},
        business_costs=0,
        household_size=1,
    )

    assert account.property == D("200")
    assert account.transfer == D("75.5")
    assert account.wage == account.business == D("0")


@pytest.mark.parametrize("name", ["salary", "business_costs", "gross_income", "Wage"])
def test_income_account_rejects_an_unknown_component(name):
    with pytest.raises(KeyError, match=name):
        income_account({"wage": D("100"), name: D("1")}, business_costs=0, household_size=1)


def test_income_account_rejects_household_size_zero():
    with pytest.raises(ValueError):
        income_account({"wage": D("100")}, business_costs=0, household_size=0)


# --- household_members_problems -------------------------------------------------------------

# The ID numbers here are only compared with each other (the rules do not validate them).
HEAD_M = {"relation": "01", "sex": "1", "id_number": "11010519491231001X", "name": "张三"}
HEAD_F = {"relation": "01", "sex": "2", "id_number": "11010519491231002X", "name": "李梅"}
WIFE = {"relation": "02", "sex": "2", "id_number": "360426199101010022", "name": "王芳"}
HUSBAND = {"relation": "02", "sex": "1", "id_number": "360426199101010030", "name": "赵刚"}
SON = {"relation": "03", "sex": "1", "id_number": "360426201001010011", "name": "张小"}
DAUGHTER = {"relation": "04", "sex": "2", "id_number": "360426201201010022", "name": "张丽"}


def member(base, **changes):
    return {**base, **changes}


@pytest.mark.parametrize(
    "members",
    [
        [HEAD_M],
        [HEAD_F],
        [HEAD_M, WIFE, SON, DAUGHTER],
        [HEAD_F, HUSBAND],
        # The head may be listed anywhere.
        [WIFE, SON, HEAD_M],
        # Sex 9 (未说明) and empty sex are never a mismatch.
        [HEAD_M, member(WIFE, sex="9"), member(SON, sex="")],
        # A former head who left does not count; the new head does.
        [member(HEAD_M, is_active=False), member(WIFE, relation="01")],
        # Relations without an implied sex (99 其他) accept either sex.
        [HEAD_M, {"relation": "99", "sex": "2", "id_number": "360426199001010024"}],
        # A member who left may share an ID with an active one (the person came back).
        [HEAD_M, member(SON, is_active=False), SON],
        # Members without an ID yet are not duplicates of each other.
        [HEAD_M, member(SON, id_number=""), member(DAUGHTER, id_number="")],
    ],
)
def test_household_members_without_problems(members):
    assert household_members_problems(members) == []


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        # FAM-01: no head at all is a problem of the household.
        ([WIFE, SON], [(None, None, "每户必须有且只有一名户主")]),
        ([], [(None, None, "每户必须有且只有一名户主")]),
        ([member(HEAD_M, is_active=False), WIFE], [(None, None, "每户必须有且只有一名户主")]),
        # FAM-01: a second head is reported on its own relation.
        (
            [HEAD_M, member(HEAD_F, id_number="360426199101010022")],
            [(1, "relation", "每户必须有且只有一名户主")],
        ),
        # FAM-02: spouse of the head's sex.
        ([HEAD_M, member(WIFE, sex="1")], [(1, "relation", "配偶性别与户主性别相同")]),
        ([HEAD_F, member(HUSBAND, sex="2")], [(1, "relation", "配偶性别与户主性别相同")]),
        # FAM-03: the relation word implies the other sex.
        ([HEAD_M, member(SON, sex="2")], [(1, "relation", "与户主关系与性别不符：之子应为男性")]),
        (
            [HEAD_M, member(DAUGHTER, sex="1")],
            [(1, "relation", "与户主关系与性别不符：之女应为女性")],
        ),
        (
            [HEAD_M, {"relation": "12", "sex": "1", "id_number": "360426194001010011"}],
            [(1, "relation", "与户主关系与性别不符：之母应为女性")],
        ),
        (
            [HEAD_M, {"relation": "13", "sex": "2", "id_number": "360426194001010020"}],
            [(1, "relation", "与户主关系与性别不符：之岳父应为男性")],
        ),
        # FAM-04: relation missing.
        ([HEAD_M, member(SON, relation="")], [(1, "relation", "与户主关系不能为空")]),
        ([HEAD_M, member(SON, relation=None)], [(1, "relation", "与户主关系不能为空")]),
        # ID-09 inside the household: the later row names the earlier member.
        (
            [HEAD_M, SON, member(DAUGHTER, id_number=SON["id_number"])],
            [(2, "id_number", "证件号码在本户中重复（与张小相同）")],
        ),
        # Compared after normalisation (lower-case x, spaces).
        (
            [HEAD_M, member(SON, id_number=" 11010519491231001x", name="")],
            [(1, "id_number", "证件号码在本户中重复（与张三相同）")],
        ),
        # Without a name the earlier member is named by position.
        (
            [member(HEAD_M, name=""), member(SON, id_number=HEAD_M["id_number"])],
            [(1, "id_number", "证件号码在本户中重复（与第1名成员相同）")],
        ),
    ],
)
def test_household_members_problems(members, expected):
    problems = household_members_problems(members)

    assert [tuple(p) for p in problems] == expected
    assert all(isinstance(p, MemberProblem) for p in problems)


def test_household_members_problems_reports_every_problem():
    members = [member(WIFE, sex="1"), member(SON, sex="2"), member(DAUGHTER, relation="")]

    problems = household_members_problems(members)

    assert sorted(problems, key=lambda p: (p.index is None, p.index or 0)) == [
        (1, "relation", "与户主关系与性别不符：之子应为男性"),
        (2, "relation", "与户主关系不能为空"),
        (None, None, "每户必须有且只有一名户主"),
    ]


def test_spouse_of_a_head_with_unstated_sex_is_not_checked():
    assert household_members_problems([member(HEAD_M, sex="9"), WIFE]) == []


# --- household checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("620502100201-0001", []),
        ("HH2014ABC", []),
        ("  6205021002010001 ", []),
        ("", [FieldProblem("household_number", "户编号不能为空")]),
        (None, [FieldProblem("household_number", "户编号不能为空")]),
        ("6205 0001", [FieldProblem("household_number", "户编号只能包含数字、字母和连字符")]),
        ("户-0001", [FieldProblem("household_number", "户编号只能包含数字、字母和连字符")]),
        ("0001/2", [FieldProblem("household_number", "户编号只能包含数字、字母和连字符")]),
        ("０００１", [FieldProblem("household_number", "户编号只能包含数字、字母和连字符")]),
    ],
)
def test_household_number_problems(number, expected):
    assert household_number_problems(number) == expected


@pytest.mark.parametrize(
    ("main", "others", "expected"),
    [
        ("01", [], []),
        ("01", None, []),
        ("01", ["02"], []),
        ("01", ["02", "08"], []),
        ("", [], [("main_cause", "主要致贫原因必填")]),
        (None, ["02"], [("main_cause", "主要致贫原因必填")]),
        ("01", ["02", "03", "04"], [("other_causes", "其他致贫原因最多2项")]),
        ("01", ["01"], [("other_causes", "其他致贫原因不得与主要致贫原因重复")]),
        ("01", ["02", "01"], [("other_causes", "其他致贫原因不得与主要致贫原因重复")]),
        ("01", ["02", "02"], [("other_causes", "其他致贫原因不得重复选择")]),
        (
            "01",
            ["01", "02", "03"],
            [
                ("other_causes", "其他致贫原因最多2项"),
                ("other_causes", "其他致贫原因不得与主要致贫原因重复"),
            ],
        ),
    ],
)
def test_household_causes_problems(main, others, expected):
    assert household_causes_problems(main, others) == expected


@pytest.mark.parametrize(
    ("dangerous", "grade", "ok"),
    [
        (False, "", True),
        (False, "A", True),
        (True, "C", True),
        (True, "D", True),
        (True, "", False),
        (True, None, False),
        (True, "A", False),
        (True, "B", False),
    ],
)
def test_household_house_problems(dangerous, grade, ok):
    expected = [] if ok else [("house_grade", "危房户的危房级别应为C级或D级")]

    assert household_house_problems(dangerous, grade) == expected


def test_household_problems_checks_only_the_fields_given():
    assert household_problems({}) == []
    assert household_problems({"is_dangerous_house": False}) == []
    assert household_problems(
        {
            "household_number": "bad number",
            "main_cause": "03",
            "other_causes": ["03"],
            "is_dangerous_house": True,
            "house_grade": "B",
        }
    ) == [
        ("household_number", "户编号只能包含数字、字母和连字符"),
        ("other_causes", "其他致贫原因不得与主要致贫原因重复"),
        ("house_grade", "危房户的危房级别应为C级或D级"),
    ]


# --- member checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, []),
        ({"has_resident_medical_insurance": True}, []),
        ({"has_employee_medical_insurance": True}, []),
        (
            {"has_resident_medical_insurance": True, "has_employee_medical_insurance": True},
            [("has_employee_medical_insurance", "不能同时参加城乡居民医保和城镇职工医保")],
        ),
        ({"is_active": False, "change_reason": "01"}, []),
        ({"is_active": True, "change_reason": ""}, []),
        (
            {"is_active": False, "change_reason": ""},
            [("change_reason", "成员迁出或注销必须填写人员变更原因")],
        ),
        (
            {"is_active": False, "change_reason": None},
            [("change_reason", "成员迁出或注销必须填写人员变更原因")],
        ),
    ],
)
def test_member_problems(values, expected):
    assert member_problems(values) == expected
