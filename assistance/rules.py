"""Visit and stationing rules. Pure functions over plain values: no ORM, no request.

- When is a household overdue for a visit (DOMAIN.md §10 helper_visits_per_month_min)?
- Is a first secretary short of the yearly days in the village (first_secretary_days_min,
  200 in 四平), and is a member short in a month (stationing_days_per_month_min, 20 in 白河)?

The minimum applies to the part of the year the member was in post: a first secretary who
arrived on 1 July owes about half of 200 days that year. During the year the days are
compared with the pace (the share of the year already passed), so a shortfall shows early.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

__all__ = [
    "MSG_BEHIND_PACE",
    "MSG_SHORT_OF_MINIMUM",
    "AttendanceVerdict",
    "days_since",
    "stationing_month_short",
    "stationing_year_verdict",
    "visit_cutoff",
    "visit_is_overdue",
]

MSG_SHORT_OF_MINIMUM = _(
    "%(name)s %(year)s 年在村 %(days)s 天，少于应在村 %(required)s 天（全年最低 %(minimum)s 天）"
)
MSG_BEHIND_PACE = _(
    "%(name)s 截至 %(today)s 在村 %(days)s 天，按全年最低 %(minimum)s 天的进度应为 %(required)s 天"
)


def visit_cutoff(today: datetime.date, period_days: int) -> datetime.date:
    """A visit counts as recent if it is *after* this date (within the last ``period_days``)."""
    return today - datetime.timedelta(days=period_days)


def visit_is_overdue(
    last_visit: datetime.date | None, today: datetime.date, period_days: int
) -> bool:
    """Never visited, or the last visit is ``period_days`` days ago or more."""
    return last_visit is None or last_visit <= visit_cutoff(today, period_days)


def days_since(last_visit: datetime.date | None, today: datetime.date) -> int | None:
    return None if last_visit is None else (today - last_visit).days


@dataclass(frozen=True)
class AttendanceVerdict:
    """Days in the village in one year against the minimum that applies to the member."""

    days_present: int
    minimum: int | None  # the full-year minimum; None when no yearly minimum applies
    required: int | None  # what is owed for the tenure (and, this year, the pace to date)
    short: bool
    reasons: list[str] = field(default_factory=list)


def _overlap_days(
    start: datetime.date, end: datetime.date, other_start: datetime.date, other_end: datetime.date
) -> int:
    first, last = max(start, other_start), min(end, other_end)
    return max(0, (last - first).days + 1)


def stationing_year_verdict(
    *,
    name: str,
    is_first_secretary: bool,
    year: int,
    days_present: int,
    minimum: int,
    today: datetime.date,
    tenure_start: datetime.date,
    tenure_end: datetime.date | None,
) -> AttendanceVerdict:
    """Whether a first secretary met the yearly minimum (or keeps pace with it this year)."""
    if not is_first_secretary:
        return AttendanceVerdict(days_present, None, None, False)
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    year_days = (year_end - year_start).days + 1
    end = tenure_end or year_end
    counted_to = min(end, year_end, today)
    served = _overlap_days(tenure_start, counted_to, year_start, year_end)
    required = round(minimum * served / year_days)
    finished = today > min(end, year_end)
    short = days_present < required
    reasons = []
    if short:
        params = {
            "name": name,
            "year": year,
            "days": days_present,
            "required": required,
            "minimum": minimum,
            "today": today.isoformat(),
        }
        reasons.append(str((MSG_SHORT_OF_MINIMUM if finished else MSG_BEHIND_PACE) % params))
    return AttendanceVerdict(days_present, minimum, required, short, reasons)


def stationing_month_short(
    *, days_present: int, minimum: int, month_complete: bool, in_tenure_all_month: bool
) -> bool:
    """A complete month, served throughout, with fewer days in the village than the minimum."""
    return month_complete and in_tenure_all_month and days_present < minimum
