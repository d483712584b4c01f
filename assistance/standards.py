"""The visit and stationing frequencies the pages check against (DOMAIN.md §10).

These are policy numbers and vary by county; they belong in the policy-standards table. Until
that table exists (assessment app) they are read from settings, with the seed values of
DOMAIN.md §10 as defaults, so a deployment can change them without a code change:

- ``POVERTY_VISIT_PERIOD_DAYS`` (30): a household not visited within this many days is listed
  as overdue. helper_visits_per_month_min is 4 visits a month in 方正; a month without any
  visit is the common floor, and the overdue pages let the user choose another period.
- ``POVERTY_FIRST_SECRETARY_DAYS_MIN`` (200): first_secretary_days_min, days in the village
  per year (四平).
- ``POVERTY_STATIONING_DAYS_PER_MONTH_MIN`` (20): stationing_days_per_month_min (白河).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

__all__ = ["VisitStandards", "visit_standards"]


@dataclass(frozen=True)
class VisitStandards:
    visit_period_days: int
    first_secretary_days_min: int
    stationing_days_per_month_min: int


def visit_standards(region_code: str = "") -> VisitStandards:
    """The standards in force for a region (the same everywhere until the standards table)."""
    return VisitStandards(
        visit_period_days=int(getattr(settings, "POVERTY_VISIT_PERIOD_DAYS", 30)),
        first_secretary_days_min=int(getattr(settings, "POVERTY_FIRST_SECRETARY_DAYS_MIN", 200)),
        stationing_days_per_month_min=int(
            getattr(settings, "POVERTY_STATIONING_DAYS_PER_MONTH_MIN", 20)
        ),
    )
