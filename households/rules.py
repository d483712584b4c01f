"""Household rules that need only the household's own data. Pure functions: no ORM, no request.

The exit verdict itself lives in assessment/rules.py; this module holds the income account
(算账) it reads, so that pages, imports, exports and recomputation share one formula, and the
registration checks (DOMAIN.md §13.2 FAM, LIV-05, HSS-02) that forms, the API and the Excel
import all apply to plain values before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from households.choices import RELATION_IMPLIED_SEX, Relation, Sex
from households.validators import normalize_id_number

__all__ = [
    "INCOME_COMPONENTS",
    "MSG_DANGEROUS_HOUSE_GRADE",
    "MSG_HEAD_COUNT",
    "MSG_HOUSEHOLD_NUMBER_EMPTY",
    "MSG_HOUSEHOLD_NUMBER_FORMAT",
    "MSG_ID_DUPLICATE_IN_HOUSEHOLD",
    "MSG_ID_IN_OTHER_HOUSEHOLD",
    "MSG_INACTIVE_WITHOUT_REASON",
    "MSG_MAIN_CAUSE_REQUIRED",
    "MSG_MEDICAL_SCHEMES",
    "MSG_OTHER_CAUSES_DUPLICATE",
    "MSG_OTHER_CAUSES_TOO_MANY",
    "MSG_OTHER_CAUSE_IS_MAIN",
    "MSG_RELATION_EMPTY",
    "MSG_RELATION_SEX",
    "MSG_SPOUSE_SAME_SEX",
    "FieldProblem",
    "IncomeAccount",
    "MemberProblem",
    "household_causes_problems",
    "household_house_problems",
    "household_members_problems",
    "household_number_problems",
    "household_problems",
    "income_account",
    "income_account_sql",
    "income_per_capita",
    "member_problems",
]

# Texts of DOMAIN.md §13.2; the figures in brackets say which value is wrong.
MSG_HEAD_COUNT = _("每户必须有且只有一名户主")  # FAM-01
MSG_SPOUSE_SAME_SEX = _("配偶性别与户主性别相同")  # FAM-02
MSG_RELATION_SEX = _("与户主关系与性别不符：%(relation)s应为%(sex)s")  # FAM-03
MSG_RELATION_EMPTY = _("与户主关系不能为空")  # FAM-04
MSG_MAIN_CAUSE_REQUIRED = _("主要致贫原因必填")  # FAM-06
MSG_OTHER_CAUSES_TOO_MANY = _("其他致贫原因最多2项")  # FAM-06
MSG_OTHER_CAUSE_IS_MAIN = _("其他致贫原因不得与主要致贫原因重复")  # FAM-06
MSG_OTHER_CAUSES_DUPLICATE = _("其他致贫原因不得重复选择")
MSG_DANGEROUS_HOUSE_GRADE = _("危房户的危房级别应为C级或D级")  # LIV-05
MSG_HOUSEHOLD_NUMBER_EMPTY = _("户编号不能为空")
MSG_HOUSEHOLD_NUMBER_FORMAT = _("户编号只能包含数字、字母和连字符")
MSG_MEDICAL_SCHEMES = _("不能同时参加城乡居民医保和城镇职工医保")  # HSS-02
MSG_INACTIVE_WITHOUT_REASON = _("成员迁出或注销必须填写人员变更原因")
MSG_ID_DUPLICATE_IN_HOUSEHOLD = _("证件号码在本户中重复（与%(other)s相同）")
# ID-09. The lookup needs the database (households.forms); the text is shared from here.
MSG_ID_IN_OTHER_HOUSEHOLD = _("证件号码重复，该人员已登记在户%(household)s")

# The database check households_household_number_format says the same.
_HOUSEHOLD_NUMBER_RE = re.compile(r"[0-9A-Za-z-]+")
_DANGEROUS_GRADES = ("C", "D")
_KNOWN_SEXES = (Sex.MALE, Sex.FEMALE)
_SEX_WORDS = {Sex.MALE: _("男性"), Sex.FEMALE: _("女性")}


class FieldProblem(NamedTuple):
    """A rule broken by one record: the field to show it on, and the message."""

    field: str | None
    message: str


class MemberProblem(NamedTuple):
    """A rule broken by a household's member list.

    ``index`` is the member's position in the list given, or None when the problem belongs
    to the household as a whole (e.g. no head at all).
    """

    index: int | None
    field: str | None
    message: str


CENT = Decimal("0.01")

# Field name → (component group, Chinese label). Order is the 算账表 order (DOMAIN.md §5).
INCOME_COMPONENTS: dict[str, tuple[str, str]] = {
    "wage": ("wage", "工资性收入"),
    "business": ("business", "生产经营性收入"),
    "property_dividend": ("property", "资产收益扶贫分红收入"),
    "property_other": ("property", "其他财产性收入"),
    "family_planning": ("transfer", "计划生育金"),
    "dibao": ("transfer", "低保金"),
    "tekun": ("transfer", "五保金/特困供养金"),
    "pension": ("transfer", "养老保险金"),
    "eco_compensation": ("transfer", "生态补偿金"),
    "transfer_other": ("transfer", "其他转移性收入"),
}


@dataclass(frozen=True)
class IncomeAccount:
    """The derived figures of one household-year income account."""

    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    gross: Decimal  # 年收入 = 工资性 + 生产经营性 + 财产性 + 转移性
    costs: Decimal  # 生产经营性支出
    net: Decimal  # 纯收入 = 年收入 − 生产经营性支出
    household_size: int
    per_capita_net: Decimal  # 人均纯收入 = 纯收入 ÷ 家庭人口数, rounded to the fen


def _money(value: object) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    return Decimal(str(value))


def income_per_capita(net_income: Decimal | int | float, household_size: int) -> Decimal:
    """人均纯收入 = 纯收入 ÷ 家庭人口数, rounded half-up to two decimals."""
    if household_size < 1:
        raise ValueError("household_size must be at least 1")
    return (_money(net_income) / household_size).quantize(CENT, rounding=ROUND_HALF_UP)


def income_account(
    components: Mapping[str, object], *, business_costs: object, household_size: int
) -> IncomeAccount:
    """Compute the income account from its components (keys as in INCOME_COMPONENTS).

    Unknown keys are rejected so that a typo cannot silently drop an income item.
    """
    unknown = set(components) - set(INCOME_COMPONENTS)
    if unknown:
        raise KeyError(f"unknown income components: {sorted(unknown)}")
    groups = {
        "wage": Decimal("0"),
        "business": Decimal("0"),
        "property": Decimal("0"),
        "transfer": Decimal("0"),
    }
    for name, value in components.items():
        groups[INCOME_COMPONENTS[name][0]] += _money(value)
    gross = sum(groups.values(), Decimal("0"))
    costs = _money(business_costs)
    net = gross - costs
    return IncomeAccount(
        wage=groups["wage"],
        business=groups["business"],
        property=groups["property"],
        transfer=groups["transfer"],
        gross=gross,
        costs=costs,
        net=net,
        household_size=household_size,
        per_capita_net=income_per_capita(net, household_size),
    )


def income_account_sql(alias: str) -> dict[str, str]:
    """The same formula as :func:`income_account`, as SQL over an ``AnnualIncome`` row.

    ``alias`` names the income table in the query; the expressions are NULL when there is
    no row (a LEFT JOIN that found nothing). The groups come from INCOME_COMPONENTS, so a
    component added there is summed here too; per capita is rounded half away from zero to
    the fen like income_per_capita (PostgreSQL's numeric ``round`` rounds halves away from
    zero, as ROUND_HALF_UP does). Keys: the IncomeAccount fields but household_size.
    tests/households/test_income_sql.py compares the two on boundary cases.
    """

    def column(name: str) -> str:
        return f"COALESCE({alias}.{name}, 0)"

    groups = {
        group: " + ".join(column(n) for n, (g, _label) in INCOME_COMPONENTS.items() if g == group)
        for group in ("wage", "business", "property", "transfer")
    }
    gross = " + ".join(f"({expr})" for expr in groups.values())
    costs = column("business_costs")
    net = f"({gross}) - {costs}"
    per_capita = f"round(({net}) / NULLIF({alias}.household_size, 0), 2)"
    present = f"{alias}.id IS NOT NULL"
    expressions = {
        **groups,
        "gross": gross,
        "costs": costs,
        "net": net,
        "per_capita_net": per_capita,
    }
    return {key: f"CASE WHEN {present} THEN {expr} END" for key, expr in expressions.items()}


# --- Registration checks --------------------------------------------------------------------


def household_number_problems(number: str | None) -> list[FieldProblem]:
    """户编号 is kept as imported, but only digits, ASCII letters and hyphens are allowed."""
    text = (number or "").strip()
    if not text:
        return [FieldProblem("household_number", MSG_HOUSEHOLD_NUMBER_EMPTY)]
    if not _HOUSEHOLD_NUMBER_RE.fullmatch(text):
        return [FieldProblem("household_number", MSG_HOUSEHOLD_NUMBER_FORMAT)]
    return []


def household_causes_problems(
    main_cause: str | None, other_causes: Iterable[str] | None
) -> list[FieldProblem]:
    """FAM-06: a main cause is required; at most two other causes, none equal to the main."""
    problems: list[FieldProblem] = []
    others = list(other_causes or [])
    if not main_cause:
        problems.append(FieldProblem("main_cause", MSG_MAIN_CAUSE_REQUIRED))
    if len(others) > 2:
        problems.append(FieldProblem("other_causes", MSG_OTHER_CAUSES_TOO_MANY))
    if main_cause and main_cause in others:
        problems.append(FieldProblem("other_causes", MSG_OTHER_CAUSE_IS_MAIN))
    if len(set(others)) < len(others):
        problems.append(FieldProblem("other_causes", MSG_OTHER_CAUSES_DUPLICATE))
    return problems


def household_house_problems(
    is_dangerous_house: bool, house_grade: str | None
) -> list[FieldProblem]:
    """LIV-05: a dangerous house (危房户) is graded C or D."""
    if is_dangerous_house and house_grade not in _DANGEROUS_GRADES:
        return [FieldProblem("house_grade", MSG_DANGEROUS_HOUSE_GRADE)]
    return []


def household_problems(values: Mapping[str, object]) -> list[FieldProblem]:
    """All single-record household checks, over a mapping of field name → value.

    Only the keys present are checked, so a form or an import row that does not carry a
    field (e.g. no household number) is not told it is missing.
    """
    problems: list[FieldProblem] = []
    if "household_number" in values:
        problems += household_number_problems(values["household_number"])
    if "main_cause" in values or "other_causes" in values:
        problems += household_causes_problems(values.get("main_cause"), values.get("other_causes"))
    if "is_dangerous_house" in values:
        problems += household_house_problems(
            bool(values["is_dangerous_house"]), values.get("house_grade")
        )
    return problems


def member_problems(values: Mapping[str, object]) -> list[FieldProblem]:
    """Checks of one member on its own: one medical scheme (HSS-02); a reason for leaving."""
    problems: list[FieldProblem] = []
    if values.get("has_resident_medical_insurance") and values.get(
        "has_employee_medical_insurance"
    ):
        problems.append(FieldProblem("has_employee_medical_insurance", MSG_MEDICAL_SCHEMES))
    if not values.get("is_active", True) and not values.get("change_reason"):
        problems.append(FieldProblem("change_reason", MSG_INACTIVE_WITHOUT_REASON))
    return problems


def _member_label(member: Mapping[str, object], index: int) -> str:
    name = str(member.get("name") or "").strip()
    return name or f"第{index + 1}名成员"


def household_members_problems(members: Sequence[Mapping[str, object]]) -> list[MemberProblem]:
    """The household-level member checks, over the full list of a household's members.

    Each member is a mapping with ``relation``, ``sex`` ("1"/"2"/"9"), ``id_number`` and
    optionally ``is_active`` (default True) and ``name`` (used in messages). Inactive members
    (left the household) count neither as head nor for duplicates.

    - FAM-01: exactly one active head (relation 01). None at all is a household problem;
      each head after the first is reported on its relation.
    - FAM-02: the spouse is of the other sex than the head.
    - FAM-03: a relation word that implies a sex (之子, 之母 …) matches the member's sex.
    - FAM-04: the relation is filled in.
    - ID-09 within the household: no two active members share an ID number.

    Sex "9" (未说明) or an empty sex is never reported as a mismatch. A relation that does
    not match the sex is reported on the relation: the sex follows from the ID number.
    """
    problems: list[MemberProblem] = []
    active = [i for i, member in enumerate(members) if member.get("is_active", True)]

    for index, member in enumerate(members):
        relation = member.get("relation") or ""
        if not relation:
            problems.append(MemberProblem(index, "relation", MSG_RELATION_EMPTY))
            continue
        implied = RELATION_IMPLIED_SEX.get(relation)
        sex = member.get("sex") or ""
        if implied is not None and sex in _KNOWN_SEXES and sex != implied:
            message = MSG_RELATION_SEX % {
                "relation": Relation(relation).label,
                "sex": _SEX_WORDS[implied],
            }
            problems.append(MemberProblem(index, "relation", message))

    heads = [i for i in active if members[i].get("relation") == Relation.HEAD]
    if not heads:
        problems.append(MemberProblem(None, None, MSG_HEAD_COUNT))
    for index in heads[1:]:
        problems.append(MemberProblem(index, "relation", MSG_HEAD_COUNT))
    if len(heads) == 1:
        head_sex = members[heads[0]].get("sex") or ""
        for index in active:
            member = members[index]
            if (
                member.get("relation") == Relation.SPOUSE
                and head_sex in _KNOWN_SEXES
                and member.get("sex") == head_sex
            ):
                problems.append(MemberProblem(index, "relation", MSG_SPOUSE_SAME_SEX))

    first_with: dict[str, int] = {}
    for index in active:
        number = normalize_id_number(members[index].get("id_number"))
        if not number:
            continue
        if number in first_with:
            other = _member_label(members[first_with[number]], first_with[number])
            message = MSG_ID_DUPLICATE_IN_HOUSEHOLD % {"other": other}
            problems.append(MemberProblem(index, "id_number", message))
        else:
            first_with[number] = index
    return problems
