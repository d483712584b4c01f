"""What-if (试算): verdicts for figures typed in, without saving anything. Pure: the standards and
region classes come in; the page, the API and ``manage.py assess_what_if`` all call
:func:`whatif_evaluate` (through assessment.selectors.whatif_run), so they cannot disagree.

Input: ``{"cases": [case, …]}``; each case has ``level`` household | village | county. Every
case is answered on its own: a bad case gets ``{"id", "error": {code, field, message}}`` and
the others are still judged. Fields are documented in docs/rules.md ("What-if input").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from assessment.choices import STANDARD_KEYS
from assessment.rules import (
    CountyFacts,
    HouseholdFacts,
    MemberFacts,
    StandardSet,
    VillageFacts,
    county_exit_verdict,
    household_assess,
    village_exit_verdict,
)
from assessment.rules.base import Verdict
from assessment.rules.messages import GUARANTEE_LABELS, RISK_EVENTS
from households.rules import INCOME_COMPONENTS, income_account

__all__ = [
    "MAX_CASES",
    "CaseError",
    "PayloadError",
    "whatif_evaluate",
]

MAX_CASES = 500
LEVELS = ("household", "village", "county")
GUARANTEE_STATES = ("met", "not_met", "not_applicable", "unknown")
REGION_CLASSES = ("west", "central", "east")
# The grouped income keys, mapped onto the 算账 items of households.rules.
INCOME_GROUPS = {"property": "property_other", "transfer": "transfer_other"}

MSG_PAYLOAD = _('请求体必须是 {"cases": [...]} 形式的 JSON 对象')
MSG_TOO_MANY = _("一次最多试算 %(max)s 个案例")
MSG_CASE_TYPE = _("每个案例必须是 JSON 对象")
MSG_REQUIRED = _("缺少字段 %(field)s")
MSG_NUMBER = _("%(field)s 必须是数字")
MSG_INTEGER = _("%(field)s 必须是整数")
MSG_NEGATIVE = _("%(field)s 不能为负数")
MSG_RATIO = _("%(field)s 必须在 0 到 1 之间（如 0.015 表示 1.5%%）")
MSG_BOOLEAN = _("%(field)s 必须是 true 或 false")
MSG_CHOICE = _("%(field)s 只能是 %(choices)s")
MSG_OBJECT = _("%(field)s 必须是 JSON 对象")
MSG_LIST = _("%(field)s 必须是数组")
MSG_YEAR = _("year 必须是 2010 到 2035 之间的年度")
MSG_PROVINCE = _("未知的省份代码 %(province)s（应为2位省级区划代码，如 62）")
MSG_REGION = _("region_code 必须以 province 开头，且是2–12位数字")
MSG_INCOME_KEY = _("income 中有未知的收入项 %(key)s")
MSG_STANDARD_KEY = _("standards 中有未知的标准项 %(key)s")
MSG_HOUSEHOLD_SIZE = _("household_size 必须是不小于 1 的整数")


class PayloadError(Exception):
    """The request as a whole is not a list of cases."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class CaseError(Exception):
    """One case cannot be judged; the message names the field."""

    def __init__(self, message, field: str = "", code: str = "invalid"):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.code = code


# --- field readers ------------------------------------------------------------------------


def _get(case: Mapping, name: str, *, required: bool):
    if name not in case:
        if required:
            raise CaseError(MSG_REQUIRED % {"field": name}, name, "required")
        return None
    return case[name]


def _number(value, field: str, *, allow_none: bool = True, ratio: bool = False) -> Decimal | None:
    if value is None:
        if allow_none:
            return None
        raise CaseError(MSG_REQUIRED % {"field": field}, field, "required")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CaseError(MSG_NUMBER % {"field": field}, field)
    number = Decimal(str(value))
    if number < 0:
        raise CaseError(MSG_NEGATIVE % {"field": field}, field)
    if ratio and number > 1:
        raise CaseError(MSG_RATIO % {"field": field}, field)
    return number


def _integer(value, field: str, *, allow_none: bool = True) -> int | None:
    if value is None:
        if allow_none:
            return None
        raise CaseError(MSG_REQUIRED % {"field": field}, field, "required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseError(MSG_INTEGER % {"field": field}, field)
    if value < 0:
        raise CaseError(MSG_NEGATIVE % {"field": field}, field)
    return value


def _boolean(value, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise CaseError(MSG_BOOLEAN % {"field": field}, field)


def _choice(value, field: str, choices) -> str:
    if value not in choices:
        raise CaseError(
            MSG_CHOICE % {"field": field, "choices": " | ".join(map(str, choices))}, field
        )
    return value


def _mapping(value, field: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CaseError(MSG_OBJECT % {"field": field}, field)
    return value


def _year(case: Mapping) -> int:
    value = _get(case, "year", required=True)
    if isinstance(value, bool) or not isinstance(value, int) or not 2010 <= value <= 2035:
        raise CaseError(MSG_YEAR, "year")
    return value


def _place(case: Mapping, provinces: Mapping[str, str]) -> tuple[str, str]:
    """(division code to resolve standards with, region class)."""
    province = _get(case, "province", required=True)
    if isinstance(province, int) and not isinstance(province, bool):
        province = f"{province:02d}"
    if not isinstance(province, str) or len(province) != 2 or province not in provinces:
        raise CaseError(MSG_PROVINCE % {"province": province}, "province")
    code = province
    region_code = case.get("region_code")
    if region_code is not None:
        if (
            not isinstance(region_code, str)
            or not region_code.isdigit()
            or not 2 <= len(region_code) <= 12
            or not region_code.startswith(province)
        ):
            raise CaseError(MSG_REGION, "region_code")
        code = region_code
    region_class = case.get("region_class")
    if region_class is not None:
        region_class = _choice(region_class, "region_class", REGION_CLASSES)
    elif "west" in case:
        west = _boolean(case["west"], "west")
        region_class = "west" if west else ("central" if west is False else "")
    if not region_class:
        region_class = provinces.get(code[:6]) or provinces.get(code[:4]) or provinces[province]
    return code, region_class


def _overrides(case: Mapping) -> dict[str, Decimal]:
    overrides = {}
    for key, value in _mapping(case.get("standards"), "standards").items():
        if key not in STANDARD_KEYS:
            raise CaseError(MSG_STANDARD_KEY % {"key": key}, f"standards.{key}")
        overrides[key] = _number(value, f"standards.{key}", allow_none=False)
    return overrides


# --- levels ---------------------------------------------------------------------------------


def _household(case: Mapping, year: int, code: str, view) -> tuple[Verdict, dict]:
    income = _get(case, "income", required=True)
    per_capita = net = None
    if income is not None:
        income = _mapping(income, "income")
        size = _get(case, "household_size", required=True)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise CaseError(MSG_HOUSEHOLD_SIZE, "household_size")
        components: dict[str, Decimal] = {}
        costs = Decimal(0)
        for key, value in income.items():
            amount = _number(value, f"income.{key}", allow_none=False)
            if key == "business_costs":
                costs = amount
                continue
            name = INCOME_GROUPS.get(key, key)
            if name not in INCOME_COMPONENTS:
                raise CaseError(MSG_INCOME_KEY % {"key": key}, f"income.{key}")
            components[name] = components.get(name, Decimal(0)) + amount
        account = income_account(components, business_costs=costs, household_size=size)
        per_capita, net = account.per_capita_net, account.net
    guarantees = {}
    for item, state in _mapping(case.get("guarantees"), "guarantees").items():
        if item not in GUARANTEE_LABELS:
            raise CaseError(
                MSG_CHOICE % {"field": "guarantees", "choices": " | ".join(GUARANTEE_LABELS)},
                f"guarantees.{item}",
            )
        guarantees[item] = _choice(state, f"guarantees.{item}", GUARANTEE_STATES)
    grade = case.get("housing_grade")
    if grade is not None:
        grade = _choice(grade, "housing_grade", ("A", "B", "C", "D"))
    members = None
    if case.get("members") is not None:
        if not isinstance(case["members"], list):
            raise CaseError(MSG_LIST % {"field": "members"}, "members")
        members = []
        for index, member in enumerate(case["members"]):
            prefix = f"members[{index}]"
            member = _mapping(member, prefix)
            members.append(
                MemberFacts(
                    age=_integer(member.get("age"), f"{prefix}.age"),
                    in_school=_boolean(member.get("in_school"), f"{prefix}.in_school"),
                    school_exempt=bool(
                        _boolean(member.get("school_exempt"), f"{prefix}.school_exempt")
                    ),
                    medical_insured=_boolean(
                        member.get("medical_insured"), f"{prefix}.medical_insured"
                    ),
                )
            )
    risks = case.get("risk_events") or []
    if not isinstance(risks, list):
        raise CaseError(MSG_LIST % {"field": "risk_events"}, "risk_events")
    for risk in risks:
        _choice(risk, "risk_events", tuple(RISK_EVENTS))
    status = case.get("status") or ""
    if status:
        _choice(status, "status", ("poor", "pre_exit", "exited", "returned", "monitored"))
    facts = HouseholdFacts(
        year=year,
        division_code=code,
        per_capita_net_income=per_capita,
        identified_year=_integer(case.get("identified_year"), "identified_year"),
        guarantees=guarantees,
        housing_grade=grade or "",
        relocated_secure=_boolean(case.get("relocated_secure"), "relocated_secure"),
        members=members,
        checklist=_mapping(case.get("checklist"), "checklist"),
        status=status,
        previous_per_capita_net_income=_number(
            case.get("previous_per_capita_net_income"), "previous_per_capita_net_income"
        ),
        previous_net_income=_number(case.get("previous_net_income"), "previous_net_income"),
        rigid_expenditure=_number(case.get("rigid_expenditure"), "rigid_expenditure"),
        risk_events=tuple(risks),
    )
    verdict = household_assess(facts, view)
    extra = {
        "per_capita_net_income": None if per_capita is None else float(per_capita),
        "net_income": None if net is None else float(net),
        "monitor": verdict.monitor,
        "monitor_flags": [r.as_dict() for r in verdict.monitor_flags],
    }
    return verdict, extra


def _village(case: Mapping, year: int, code: str, region_class: str, view):
    population = _integer(_get(case, "rural_population", required=True), "rural_population")
    remaining = _integer(_get(case, "remaining_poor", required=True), "remaining_poor")
    facts = VillageFacts(
        year=year,
        division_code=code,
        region_class=region_class,
        rural_population=population,
        remaining_poor=remaining,
        checklist=_mapping(case.get("checklist"), "checklist"),
    )
    verdict = village_exit_verdict(facts, view)
    incidence = verdict.figures["incidence"]
    return verdict, {"incidence": None if incidence is None else float(round(incidence, 6))}


def _county(case: Mapping, year: int, code: str, region_class: str, view):
    incidence = None
    remaining = population = None
    if "incidence" in case or not ("remaining_poor" in case and "rural_population" in case):
        incidence = _number(_get(case, "incidence", required=True), "incidence", ratio=True)
    else:
        remaining = _integer(case["remaining_poor"], "remaining_poor")
        population = _integer(case["rural_population"], "rural_population")
    rates = {
        name: _number(_get(case, name, required=True), name, ratio=True)
        for name in ("wrong_exit_rate", "missed_rate", "approval_rate")
    }
    facts = CountyFacts(
        year=year,
        division_code=code,
        region_class=region_class,
        incidence=incidence,
        remaining_poor=remaining,
        rural_population=population,
        checklist=_mapping(case.get("checklist"), "checklist"),
        **rates,
    )
    verdict = county_exit_verdict(facts, view)
    computed = verdict.figures["incidence"]
    return verdict, {"incidence": None if computed is None else float(round(computed, 6))}


def _evaluate_case(case, standards: StandardSet, provinces: Mapping[str, str]) -> dict:
    if not isinstance(case, Mapping):
        raise CaseError(MSG_CASE_TYPE)
    level = _choice(_get(case, "level", required=True), "level", LEVELS)
    year = _year(case)
    code, region_class = _place(case, provinces)
    view = standards.view(code, year, region_class)
    overrides = _overrides(case)
    if overrides:
        view = view.with_overrides(overrides)
    if level == "household":
        verdict, extra = _household(case, year, code, view)
    elif level == "village":
        verdict, extra = _village(case, year, code, region_class, view)
    else:
        verdict, extra = _county(case, year, code, region_class, view)
    result = {
        "level": level,
        "year": year,
        "region_class": region_class,
        "eligible": verdict.eligible,
        "outcome": str(verdict.outcome),
        **{k: v for k, v in extra.items() if k in ("per_capita_net_income", "incidence")},
        "reasons": [r.as_dict() for r in verdict.reasons],
        **{k: v for k, v in extra.items() if k not in ("per_capita_net_income", "incidence")},
        "standards": [s.as_dict() for s in verdict.standards],
    }
    return result


def _case_id(case, index: int) -> str:
    if isinstance(case, Mapping) and case.get("id") is not None:
        return str(case["id"])
    return f"#{index + 1}"


def whatif_evaluate(payload, standards: StandardSet, provinces: Mapping[str, str]) -> dict:
    """``{"results": [...]}`` in the order of the cases; raises PayloadError only when the
    request is not a list of cases at all."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("cases"), list):
        raise PayloadError(MSG_PAYLOAD)
    cases = payload["cases"]
    if len(cases) > MAX_CASES:
        raise PayloadError(MSG_TOO_MANY % {"max": MAX_CASES})
    results = []
    for index, case in enumerate(cases):
        case_id = _case_id(case, index)
        try:
            results.append({"id": case_id, **_evaluate_case(case, standards, provinces)})
        except CaseError as exc:
            error = {"code": exc.code, "message": exc.message}
            if exc.field:
                error["field"] = exc.field
            results.append({"id": case_id, "error": error})
    return {"results": results}
