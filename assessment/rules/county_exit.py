"""When can a poor county be lifted (贫困县摘帽)? DOMAIN.md §6.5, §7.1, §7.2. Pure.

"三率一度", any failure blocks exit (《贫困县退出专项评估检查实施办法》, 2017):
- 综合贫困发生率 strictly below 2% (west 3%);
- 脱贫人口错退率 strictly below 2%;
- 贫困人口漏评率 strictly below 2%;
- 群众认可度 at least 90%.
Local systems warned at 1% for 错退/漏评 ([U]): a warning, never a failure. A rate that was not
measured is unknown. Provincial county checklists (陕西) are added as for villages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from assessment.choices import Severity, StandardKey
from assessment.rules.base import Reason, Verdict, outcome_of, standard_missing
from assessment.rules.checklist import checklist_evaluate
from assessment.rules.standards import StandardView
from assessment.rules.village_exit import incidence_reason

__all__ = ["CountyFacts", "county_exit_verdict"]

_RATES = (
    # field, code stem, standard key, direction ("max": must be below; "min": at least)
    ("wrong_exit_rate", "wrong_exit_rate", StandardKey.COUNTY_WRONG_EXIT_MAX, "max"),
    ("missed_rate", "missed_rate", StandardKey.COUNTY_MISSED_MAX, "max"),
    ("approval_rate", "approval", StandardKey.COUNTY_APPROVAL_MIN, "min"),
)


@dataclass(slots=True)
class CountyFacts:
    """A county-year. ``incidence`` is the 综合贫困发生率 when the assessment measured it;
    otherwise it is computed from ``remaining_poor`` ÷ ``rural_population``."""

    year: int
    division_code: str
    region_class: str
    incidence: Decimal | None = None
    remaining_poor: int | None = None
    rural_population: int | None = None
    wrong_exit_rate: Decimal | None = None
    missed_rate: Decimal | None = None
    approval_rate: Decimal | None = None
    checklist: Mapping[str, object] = field(default_factory=dict)


def county_exit_verdict(facts: CountyFacts, standards: StandardView) -> Verdict:
    year = facts.year
    reasons: list[Reason] = []
    incidence = facts.incidence
    if incidence is None and facts.remaining_poor is not None and facts.rural_population:
        incidence = Decimal(facts.remaining_poor) / Decimal(facts.rural_population)
    limit = standards.get(StandardKey.COUNTY_INCIDENCE_MAX)
    reason = incidence_reason(
        level="county",
        year=year,
        incidence=incidence,
        limit=limit,
        limit_key=StandardKey.COUNTY_INCIDENCE_MAX,
        remaining=facts.remaining_poor if facts.incidence is None else None,
        population=facts.rural_population if facts.incidence is None else None,
    )
    if reason is not None:
        reasons.append(reason)
    warning = standards.get(StandardKey.INTERNAL_RATE_WARNING)
    used = [limit] if limit is not None else []
    for attr, stem, key, direction in _RATES:
        value = getattr(facts, attr)
        standard = standards.get(key)
        if standard is None:
            reasons.append(standard_missing(year, key))
            continue
        used.append(standard)
        if value is None:
            reasons.append(
                Reason(
                    f"{stem}_unknown",
                    Severity.UNKNOWN,
                    {"year": year},
                    item=stem,
                )
            )
            continue
        failed = value >= standard.value if direction == "max" else value < standard.value
        params = {"year": year, "value_pct": value, "limit_pct": standard.value}
        if failed:
            reasons.append(
                Reason(
                    f"{stem}_too_high" if direction == "max" else f"{stem}_too_low",
                    Severity.FAIL,
                    params,
                    veto=True,
                    item=stem,
                    unconfirmed=standard.unconfirmed,
                )
            )
        elif direction == "max" and warning is not None and value >= warning.value:
            params["limit_pct"] = warning.value
            reasons.append(
                Reason(
                    f"{stem}_warning",
                    Severity.WARNING,
                    params,
                    item=stem,
                    unconfirmed=warning.unconfirmed,
                )
            )
    items = standards.checklist("county")
    if items:
        checklist_facts = dict(facts.checklist)
        if incidence is not None:
            checklist_facts.setdefault("incidence", incidence)
        reasons += checklist_evaluate(items, checklist_facts)
    outcome = outcome_of(reasons)
    return Verdict(
        level="county",
        year=year,
        eligible=outcome == "eligible",
        outcome=outcome,
        reasons=tuple(reasons),
        figures={
            "incidence": incidence,
            "incidence_max": None if limit is None else limit.value,
            "wrong_exit_rate": facts.wrong_exit_rate,
            "missed_rate": facts.missed_rate,
            "approval_rate": facts.approval_rate,
        },
        standards=tuple(used),
    )
