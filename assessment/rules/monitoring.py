"""Return-to-poverty monitoring flags (防返贫监测预警), DOMAIN.md §8.2, §12. Pure.

A household that has exited (脱贫户, or one already monitored) is flagged when, in the year:
- its 人均纯收入 is below the monitoring line for its place and year (``below_monitoring_line``);
- its 人均纯收入 fell sharply against the previous year (``income_sharp_drop``);
- unavoidable spending (刚性支出) exceeds the previous year's net income (``rigid_expenditure_high``);
- a 两不愁三保障 or water item is no longer met (``guarantee_lost``);
- a risk event was reported (illness, disability, disaster … — ``risk_event``).
Registered poor households that have not exited are not flagged: they are already in the
registry. Before a monitoring line exists for the year, only the other flags apply.
"""

from __future__ import annotations

from assessment.choices import Measure, Severity, StandardKey
from assessment.rules.base import Reason
from assessment.rules.household_exit import GUARANTEE_ITEMS, HouseholdFacts
from assessment.rules.messages import RISK_EVENTS
from assessment.rules.standards import StandardView

__all__ = [
    "MONITORED_STATUSES",
    "RISK_EVENTS",
    "household_monitoring_flags",
]

# Statuses the flags apply to; "" = not given (what-if), assessed as if exited.
MONITORED_STATUSES = frozenset({"exited", "monitored", ""})
K = StandardKey


def _standards(standards: StandardView) -> tuple:
    """(monitoring line, income-drop limit), resolved once per place and year."""
    found = standards.memo.get("monitoring")
    if found is None:
        found = standards.memo["monitoring"] = (
            standards.get(K.MONITORING_LINE),
            standards.get(K.MONITORING_INCOME_DROP),
        )
    return found


_LOST: dict[tuple, tuple[Reason, ...]] = {}


def _guarantee_flags(year: int, states: tuple) -> tuple[Reason, ...]:
    """A flag for every item no longer met; shared (never mutated) between household-years."""
    key = (year, states)
    found = _LOST.get(key)
    if found is None:
        if len(_LOST) >= 4096:
            _LOST.clear()
        found = _LOST[key] = tuple(
            Reason("guarantee_lost", Severity.WARNING, {"year": year}, item=item)
            for item, state in zip(GUARANTEE_ITEMS, states, strict=True)
            if state == "not_met"
        )
    return found


def household_monitoring_flags(
    facts: HouseholdFacts, standards: StandardView
) -> tuple[Reason, ...]:
    """The flags that put a household forward for monitoring, each with its figures."""
    if facts.status not in MONITORED_STATUSES:
        return ()
    flags: list[Reason] = []
    year = facts.year
    income = facts.per_capita_net_income
    line, drop_limit = _standards(standards)
    if line is not None and income is not None and income < line.value:
        params = {"year": year, "income": income, "line": line.value}
        if line.measure == Measure.DISPOSABLE:
            params["disposable"] = True
        flags.append(
            Reason("below_monitoring_line", Severity.WARNING, params, unconfirmed=line.unconfirmed)
        )
    previous = facts.previous_per_capita_net_income
    if drop_limit is not None and income is not None and previous is not None and previous > 0:
        drop = (previous - income) / previous
        if drop >= drop_limit.value:
            flags.append(
                Reason(
                    "income_sharp_drop",
                    Severity.WARNING,
                    {
                        "year": year,
                        "income": income,
                        "previous": previous,
                        "drop_pct": drop,
                        "limit_pct": drop_limit.value,
                    },
                    unconfirmed=drop_limit.unconfirmed,
                )
            )
    spending = facts.rigid_expenditure
    previous_net = facts.previous_net_income
    if spending is not None and previous_net is not None and spending > previous_net:
        flags.append(
            Reason(
                "rigid_expenditure_high",
                Severity.WARNING,
                {"spending": spending, "previous": max(previous_net, 0)},
            )
        )
    states = facts.guarantees
    if states:
        flags += _guarantee_flags(year, tuple(map(states.get, GUARANTEE_ITEMS)))
    for risk in facts.risk_events:
        flags.append(Reason("risk_event", Severity.WARNING, item=risk))
    return tuple(flags)
