"""When can a registered household exit poverty (贫困户退出)? DOMAIN.md §6.3, §7.1, §7.3, §9.

The whole answer, pure (no ORM): the facts of one household-year and the standards that apply
to its place and year go in; a verdict with every reason comes out.

Order of the checks (vetoes first, DOMAIN.md §7.1):
1. a household identified this year, where the province forbids its exit this year (陕西);
2. a C/D-grade dangerous house still lived in; a child of compulsory-school age out of
   school; a member without basic medical insurance (each a veto, 一票否决);
3. 人均纯收入 *stably above* (超过: strictly greater than) the year's line for the place;
4. 两不愁三保障 and safe drinking water, each item met / not met / not applicable /
   unknown — unknown is never met;
5. the provincial or local checklist (e.g. 四川 "一超六有").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from assessment.choices import Measure, Severity, StandardKey
from assessment.rules.base import Reason, Verdict, outcome_of, standard_missing, unconfirmed
from assessment.rules.checklist import checklist_evaluate
from assessment.rules.messages import GUARANTEE_LABELS
from assessment.rules.standards import StandardRow, StandardView

__all__ = [
    "GUARANTEES_ALL_MET",
    "GUARANTEE_ITEMS",
    "GUARANTEE_LABELS",
    "HouseholdFacts",
    "MemberFacts",
    "household_checklist_needed",
    "household_exit_verdict",
    "household_income_line",
]

GUARANTEE_ITEMS = ("food", "clothing", "education", "medical", "housing", "water")
# A caller with many households may pass this one mapping when every item is met.
GUARANTEES_ALL_MET = MappingProxyType(dict.fromkeys(GUARANTEE_ITEMS, "met"))
_DANGEROUS = ("C", "D")
K = StandardKey


@dataclass(slots=True)
class MemberFacts:
    """What the exit check reads of one active member, at the end of the data year."""

    age: int | None = None
    in_school: bool | None = None
    # Severely disabled children taught at home (送教上门) or unable to attend count as enrolled.
    school_exempt: bool = False
    medical_insured: bool | None = None


@dataclass(slots=True)
class HouseholdFacts:
    """Everything the household rules read for one household-year, as plain values.

    ``members`` is None when member data do not describe that year (older years of a stored
    household: the registry keeps members as they are now); the member vetoes are then left
    to the year's guarantee records. ``checklist`` holds the facts local checklists read.
    """

    year: int
    division_code: str
    per_capita_net_income: Decimal | None
    identified_year: int | None = None
    guarantees: Mapping[str, str] | None = None
    housing_grade: str = ""
    relocated_secure: bool | None = None
    members: Sequence[MemberFacts] | None = None
    checklist: Mapping[str, object] = field(default_factory=dict)
    status: str = ""
    # Read by the monitoring flags (assessment.rules.monitoring).
    previous_per_capita_net_income: Decimal | None = None
    previous_net_income: Decimal | None = None
    rigid_expenditure: Decimal | None = None
    risk_events: tuple[str, ...] = ()


@dataclass(slots=True)
class _Profile:
    """The standards one household verdict reads, resolved once per place and year."""

    can_exit: StandardRow | None
    line: StandardRow | None
    water_rule: StandardRow | None
    water_required: bool
    water_unconfirmed: bool
    age_min: StandardRow | None
    age_max: StandardRow | None
    follow_up: StandardRow | None
    checklist: tuple
    # Memos of the parts that do not depend on the income: many household-years share them.
    guarantee_memo: dict = field(default_factory=dict)
    checklist_memo: dict = field(default_factory=dict)


def _profile(standards: StandardView) -> _Profile:
    profile = standards.memo.get("household_exit")
    if profile is None:
        water_rule = standards.get(K.WATER_CHECK_REQUIRED)
        follow_up = standards.get(K.FOLLOW_UP_YEAR)
        profile = standards.memo["household_exit"] = _Profile(
            can_exit=standards.get(K.NEW_HOUSEHOLD_CAN_EXIT),
            line=household_income_line(standards),
            water_rule=water_rule,
            water_required=water_rule is None or water_rule.value == 1,
            water_unconfirmed=water_rule is not None and water_rule.unconfirmed,
            age_min=standards.get(K.SCHOOL_AGE_MIN),
            age_max=standards.get(K.SCHOOL_AGE_MAX),
            follow_up=follow_up if follow_up is not None and follow_up.value == 1 else None,
            checklist=standards.checklist("household"),
        )
    return profile


def household_checklist_needed(standards: StandardView) -> bool:
    """Whether a local household checklist applies (callers build its facts only then)."""
    return bool(_profile(standards).checklist)


def household_income_line(standards: StandardView) -> StandardRow | None:
    """The line exits are tested against: the poverty line, or the working exit line where the
    province says so (DOMAIN.md §8.1, [U] provincial setting)."""
    uses_working = standards.get(K.EXIT_USES_WORKING_LINE)
    if uses_working is not None and uses_working.value == 1:
        working = standards.get(K.EXIT_WORKING_LINE)
        if working is not None:
            return working
    return standards.get(K.POVERTY_LINE)


def _ages(ages: list[int]) -> str:
    return "、".join(str(a) for a in sorted(ages))


def _member_reasons(facts: HouseholdFacts, profile: _Profile) -> list[Reason]:
    reasons: list[Reason] = []
    age_min = profile.age_min
    age_max = profile.age_max
    out_ages: list[int] = []
    unknown_ages: list[int] = []
    uninsured = 0
    insurance_unknown = 0
    for member in facts.members:
        if (
            age_min is not None
            and age_max is not None
            and member.age is not None
            and age_min.value <= member.age <= age_max.value
            and not member.school_exempt
        ):
            if member.in_school is None:
                unknown_ages.append(member.age)
            elif not member.in_school:
                out_ages.append(member.age)
        if member.medical_insured is None:
            insurance_unknown += 1
        elif not member.medical_insured:
            uninsured += 1
    ages_unconfirmed = unconfirmed(age_min, age_max)
    if out_ages:
        reasons.append(
            Reason(
                "veto_child_out_of_school",
                Severity.FAIL,
                {"count": len(out_ages), "ages": _ages(out_ages)},
                veto=True,
                item="education",
                unconfirmed=ages_unconfirmed,
            )
        )
    if unknown_ages:
        reasons.append(
            Reason(
                "member_school_unknown",
                Severity.UNKNOWN,
                {"count": len(unknown_ages), "ages": _ages(unknown_ages)},
                item="education",
                unconfirmed=ages_unconfirmed,
            )
        )
    if uninsured:
        reasons.append(
            Reason(
                "veto_member_uninsured",
                Severity.FAIL,
                {"count": uninsured},
                veto=True,
                item="medical",
            )
        )
    if insurance_unknown:
        reasons.append(
            Reason(
                "member_insurance_unknown",
                Severity.UNKNOWN,
                {"count": insurance_unknown},
                item="medical",
            )
        )
    return reasons


def _income_params(year, income, line: StandardRow) -> dict:
    params = {"line": line.value}
    if year is not None:
        params["year"] = year
        params["income"] = income
    if line.key != K.POVERTY_LINE:
        params["line_key"] = line.key  # the working exit line (工作退出线)
    return params


def _income_reasons(facts: HouseholdFacts, line: StandardRow | None) -> list[Reason]:
    year = facts.year
    income = facts.per_capita_net_income
    if line is None:
        return [standard_missing(year, K.POVERTY_LINE)]
    if income is None:
        return [Reason("income_missing", Severity.UNKNOWN, {"year": year}, item="income")]
    reasons: list[Reason] = []
    if income <= line.value:
        code = "income_below_line" if income < line.value else "income_not_above_line"
        reasons.append(
            Reason(
                code,
                Severity.FAIL,
                _income_params(year, income, line),
                veto=True,
                item="income",
                unconfirmed=line.unconfirmed,
            )
        )
    if line.measure == Measure.DISPOSABLE:
        reasons.append(
            Reason(
                "income_measure_differs",
                Severity.INFO,
                _income_params(None, None, line),
                item="income",
            )
        )
    return reasons


_MEMO_LIMIT = 4096


def _guarantee_reasons(facts: HouseholdFacts, profile: _Profile) -> tuple[Reason, ...]:
    """The reasons of the six items; the same states in the same view give the same (shared,
    never mutated) reasons, so they are worked out once."""
    states = facts.guarantees or {}
    key = tuple(map(states.get, GUARANTEE_ITEMS))
    memo = profile.guarantee_memo
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = tuple(_guarantee_reasons_of(facts.year, key, profile))
    return found


def _guarantee_reasons_of(year: int, states: tuple, profile: _Profile) -> list[Reason]:
    reasons: list[Reason] = []
    for item, state in zip(GUARANTEE_ITEMS, states, strict=True):
        state = state or "unknown"
        if state == "met" or state == "not_applicable":
            continue
        is_unconfirmed = item == "water" and profile.water_unconfirmed
        if item == "water" and not profile.water_required:
            if state == "not_met":
                reasons.append(
                    Reason(
                        "water_not_met",
                        Severity.WARNING,
                        {"year": year},
                        item=item,
                        unconfirmed=is_unconfirmed,
                        template="guarantee_not_required",
                    )
                )
            continue
        if state == "not_met":
            reasons.append(
                Reason(
                    f"{item}_not_met",
                    Severity.FAIL,
                    {"year": year},
                    veto=True,
                    item=item,
                    unconfirmed=is_unconfirmed,
                )
            )
        else:
            reasons.append(
                Reason(
                    f"{item}_unknown",
                    Severity.UNKNOWN,
                    {"year": year},
                    item=item,
                    unconfirmed=is_unconfirmed,
                )
            )
    return reasons


def _checklist_reasons(facts: HouseholdFacts, profile: _Profile) -> tuple[Reason, ...]:
    values = facts.checklist
    key = tuple(values.get(item.fact) for item in profile.checklist)
    memo = profile.checklist_memo
    try:
        found = memo.get(key)
    except TypeError:  # a what-if value that cannot be a key (a list): no memo
        return tuple(checklist_evaluate(profile.checklist, values))
    if found is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        found = memo[key] = tuple(checklist_evaluate(profile.checklist, values))
    return found


def household_exit_verdict(facts: HouseholdFacts, standards: StandardView) -> Verdict:
    """Whether the household may exit in ``facts.year``, with every reason (see module doc)."""
    reasons: list[Reason] = []
    year = facts.year
    profile = _profile(standards)

    can_exit = profile.can_exit
    if can_exit is not None and can_exit.value == 0:
        if facts.identified_year is None:
            reasons.append(
                Reason(
                    "identified_year_unknown",
                    Severity.UNKNOWN,
                    unconfirmed=can_exit.unconfirmed,
                )
            )
        elif facts.identified_year >= year:
            reasons.append(
                Reason(
                    "veto_identified_this_year",
                    Severity.FAIL,
                    {"year": year},
                    veto=True,
                    unconfirmed=can_exit.unconfirmed,
                )
            )

    grade = facts.housing_grade
    if grade and grade.upper() in _DANGEROUS and not facts.relocated_secure:
        reasons.append(
            Reason(
                "veto_dangerous_house",
                Severity.FAIL,
                {"grade": grade.upper()},
                veto=True,
                item="housing",
            )
        )
    if facts.members is not None:
        reasons += _member_reasons(facts, profile)

    line = profile.line
    reasons += _income_reasons(facts, line)
    states = facts.guarantees
    if states is None or states is not GUARANTEES_ALL_MET:
        reasons += _guarantee_reasons(facts, profile)
    if profile.checklist:
        reasons += _checklist_reasons(facts, profile)

    outcome = outcome_of(reasons)
    if outcome == "eligible" and profile.follow_up is not None:
        reasons.append(
            Reason(
                "follow_up_year_required",
                Severity.INFO,
                unconfirmed=profile.follow_up.unconfirmed,
            )
        )
    return Verdict(
        level="household",
        year=year,
        eligible=outcome == "eligible",
        outcome=outcome,
        reasons=tuple(reasons),
        figures={
            "per_capita_net_income": facts.per_capita_net_income,
            "line": None if line is None else line.value,
            "line_key": None if line is None else line.key,
        },
        standards=() if line is None else (line,),
    )
