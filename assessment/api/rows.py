"""The JSON shape of stored verdicts and statistics, shared by the per-item endpoints
(assessment/api/views.py) and the bulk lists (assessment/api/lists.py)."""

from __future__ import annotations

__all__ = ["number_or_none", "readiness_row", "region_statistic_row"]


def number_or_none(value):
    return None if value is None else float(value)


def _reasons(reasons) -> list[dict]:
    return [r.as_dict() for r in reasons]


def _flag(flag) -> dict:
    return {
        "code": flag.code,
        "message": flag.message,
        "severity": "warning",
        **({"item": flag.item} if flag.item else {}),
        **({"unconfirmed": True} if flag.unconfirmed else {}),
    }


def readiness_row(row, flags) -> dict:
    """A household-year's exit readiness (HouseholdReadiness) with its monitoring flags."""
    return {
        "year": row.year,
        "eligible": row.eligible,
        "outcome": row.outcome,
        "per_capita_net_income": number_or_none(row.per_capita_net_income),
        "income_line": number_or_none(row.income_line),
        "monitor": row.monitor,
        "reasons": _reasons(row.reason_list()),
        "monitor_flags": [_flag(f) for f in flags],
        "computed_at": row.computed_at,
    }


def region_statistic_row(stat, verdict) -> dict:
    """A region-year's statistics (RegionStatistic) with its 出列/摘帽 verdict, if any."""
    return {
        "year": stat.year,
        "households": stat.households,
        "people": stat.people,
        "exited_households": stat.exited_households,
        "exited_people": stat.exited_people,
        "remaining_households": stat.remaining_households,
        "remaining_people": stat.remaining_people,
        "ready_households": stat.ready_households,
        "monitored_households": stat.monitored_households,
        "rural_population": stat.rural_population,
        "incidence": number_or_none(stat.incidence),
        "verdict": None
        if verdict is None
        else {
            "level": verdict.level,
            "eligible": verdict.eligible,
            "outcome": verdict.outcome,
            "reasons": _reasons(verdict.reason_list()),
        },
    }
