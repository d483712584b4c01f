"""Scoped reads of the derived assessment tables in bulk, for the API lists that provincial
platforms sync from (assessment.api.lists). Rows come through poverty.scoping like every other
read; the rules that produced them live in assessment.rules and assessment.recompute.

Household readiness follows the household scope ("view": a cadre sees the rows of paired
households only); region statistics and rankings follow the summary scope, like the region
page (assessment.selectors.region_summary) and the ranking page.
"""

from __future__ import annotations

from django.db.models import QuerySet

from assessment.models import (
    HouseholdReadiness,
    MonitoringFlag,
    RankingEntry,
    RegionReadiness,
    RegionStatistic,
)
from assessment.selectors import ranking_configs_for_user
from poverty.scoping import visible_to

__all__ = [
    "monitoring_flags_by_key",
    "ranking_entries_for_user",
    "readiness_rows_for_user",
    "region_statistics_for_user",
    "region_verdicts_by_key",
]


def readiness_rows_for_user(user) -> QuerySet:
    """Household readiness rows the user may see, each with its reason list (one join)."""
    return visible_to(user, HouseholdReadiness.objects.select_related("reason_set"))


def monitoring_flags_by_key(user, rows) -> dict[tuple[int, int], list[MonitoringFlag]]:
    """The monitoring flags of a page of readiness rows, in one query: {(household, year): […]}."""
    if not rows:
        return {}
    households = sorted({row.household_id for row in rows})
    years = sorted({row.year for row in rows})
    flags = visible_to(
        user, MonitoringFlag.objects.filter(household_id__in=households, year__in=years)
    ).order_by("household_id", "year", "code")
    found: dict[tuple[int, int], list[MonitoringFlag]] = {}
    for flag in flags:
        found.setdefault((flag.household_id, flag.year), []).append(flag)
    return found


def region_statistics_for_user(user) -> QuerySet:
    """Region statistics rows within the user's summary scope."""
    return visible_to(user, RegionStatistic.objects.all(), "summary")


def region_verdicts_by_key(user, rows) -> dict[tuple[str, int], RegionReadiness]:
    """The 出列/摘帽 verdicts of a page of statistics rows, in one query."""
    if not rows:
        return {}
    codes = sorted({row.region_code for row in rows})
    years = sorted({row.year for row in rows})
    verdicts = visible_to(
        user, RegionReadiness.objects.filter(region_code__in=codes, year__in=years), "summary"
    )
    return {(v.region_code, v.year): v for v in verdicts}


def ranking_entries_for_user(user) -> QuerySet:
    """Computed ranking entries of the active rankings the user may read (as the ranking page)."""
    return RankingEntry.objects.filter(config__in=ranking_configs_for_user(user)).select_related(
        "config"
    )
