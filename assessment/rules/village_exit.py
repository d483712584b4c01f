"""When can a poor village exit (贫困村出列)? DOMAIN.md §6.4, §7.1, §7.2, §7.3. Pure.

Main measure: 贫困发生率 = remaining registered poor people ÷ rural registered population,
strictly below the threshold for the region class (2% central, 3% west; [V]). Plus the
provincial village checklist (四川 "一低五有", 广西 "十一有一低于" …): veto items fail the
verdict, other items warn. A missing population is unknown, never met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from assessment.choices import Severity, StandardKey
from assessment.rules.base import Reason, Verdict, outcome_of, standard_missing
from assessment.rules.checklist import checklist_evaluate
from assessment.rules.standards import StandardRow, StandardView

__all__ = [
    "VillageFacts",
    "incidence_reason",
    "village_exit_verdict",
]


@dataclass(slots=True)
class VillageFacts:
    """A village-year as the rule reads it. ``checklist`` holds the facts its items read."""

    year: int
    division_code: str
    region_class: str
    rural_population: int | None
    remaining_poor: int | None
    checklist: Mapping[str, object] = field(default_factory=dict)


def _incidence(remaining: int | None, population: int | None) -> Decimal | None:
    if remaining is None or not population or population <= 0:
        return None
    return Decimal(remaining) / Decimal(population)


def incidence_reason(
    *,
    level: str,
    year: int,
    incidence: Decimal | None,
    limit: StandardRow | None,
    limit_key: str,
    remaining: int | None = None,
    population: int | None = None,
) -> Reason | None:
    """The incidence check shared by villages and counties: strictly below the limit."""
    if limit is None:
        return standard_missing(year, limit_key)
    if incidence is None:
        return Reason("incidence_unknown", Severity.UNKNOWN, {"year": year})
    if incidence < limit.value:
        return None
    params = {"year": year, "incidence_pct": incidence, "limit_pct": limit.value, "level": level}
    template = ""
    if remaining is not None and population:
        params["remaining"] = Decimal(remaining)
        params["population"] = Decimal(population)
        template = "incidence_too_high_detail"
    return Reason(
        "incidence_too_high",
        Severity.FAIL,
        params,
        veto=True,
        unconfirmed=limit.unconfirmed,
        template=template,
    )


def village_exit_verdict(facts: VillageFacts, standards: StandardView) -> Verdict:
    incidence = _incidence(facts.remaining_poor, facts.rural_population)
    limit = standards.get(StandardKey.VILLAGE_INCIDENCE_MAX)
    reasons: list[Reason] = []
    reason = incidence_reason(
        level="village",
        year=facts.year,
        incidence=incidence,
        limit=limit,
        limit_key=StandardKey.VILLAGE_INCIDENCE_MAX,
        remaining=facts.remaining_poor,
        population=facts.rural_population,
    )
    if reason is not None:
        reasons.append(reason)
    items = standards.checklist("village")
    if items:
        checklist_facts = dict(facts.checklist)
        if incidence is not None:
            checklist_facts.setdefault("incidence", incidence)
        reasons += checklist_evaluate(items, checklist_facts)
    outcome = outcome_of(reasons)
    return Verdict(
        level="village",
        year=facts.year,
        eligible=outcome == "eligible",
        outcome=outcome,
        reasons=tuple(reasons),
        figures={
            "incidence": incidence,
            "incidence_max": None if limit is None else limit.value,
            "rural_population": facts.rural_population,
            "remaining_poor": facts.remaining_poor,
        },
        standards=() if limit is None else (limit,),
    )
