"""Visit, pairing and stationing rules. Pure functions over plain values: no ORM, no request.

- Is a visit's record acceptable (date not in the future nor before 2013, location pair)?
  The visit form, assistance.services.visit_record and the Excel import all ask
  ``visit_problems``; a pairing's dates and its overlap with the household's other pairings
  are ``pairing_problems`` / ``pairings_overlap`` (the API services pairing_assign and
  pairing_update, the Excel pairing import, the admin form).
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
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

__all__ = [
    "EARLIEST_VISIT",
    "MSG_BEHIND_PACE",
    "MSG_DATE_IN_FUTURE",
    "MSG_LOCATION_PAIR",
    "MSG_PAIRING_DATES",
    "MSG_PAIRING_OVERLAP",
    "MSG_PAIRING_REASON_WITHOUT_END",
    "MSG_PAIRING_TOO_OLD",
    "MSG_SHORT_OF_MINIMUM",
    "MSG_VISIT_TOO_OLD",
    "AttendanceVerdict",
    "RuleProblem",
    "days_since",
    "pairing_problems",
    "pairings_overlap",
    "stationing_month_short",
    "stationing_year_verdict",
    "visit_cutoff",
    "visit_is_overdue",
    "visit_problems",
]

MSG_DATE_IN_FUTURE = _("日期不能晚于今天")
MSG_VISIT_TOO_OLD = _("走访日期不能早于 %(earliest)s")
MSG_LOCATION_PAIR = _("定位须同时有经度和纬度，且在有效范围内")
MSG_PAIRING_DATES = _("结束时间不能早于帮扶起始时间")
MSG_PAIRING_TOO_OLD = _("帮扶起始时间不能早于 %(earliest)s")
MSG_PAIRING_REASON_WITHOUT_END = _("只有已结束的结对才填写结束原因")
MSG_PAIRING_OVERLAP = _(
    "与该户 %(start)s 起的结对（%(name)s）时间重叠：同一时间一户只有一名帮扶责任人"
)

EARLIEST_VISIT = datetime.date(2013, 1, 1)  # 精准扶贫 starts with the 2013/2014 registration

MSG_SHORT_OF_MINIMUM = _(
    "%(name)s %(year)s 年在村 %(days)s 天，少于应在村 %(required)s 天（全年最低 %(minimum)s 天）"
)
MSG_BEHIND_PACE = _(
    "%(name)s 截至 %(today)s 在村 %(days)s 天，按全年最低 %(minimum)s 天的进度应为 %(required)s 天"
)


class RuleProblem(NamedTuple):
    """A rule broken by one record: the field to show it on, and the message."""

    field: str | None
    message: str


def visit_problems(
    *,
    visited_on: datetime.date | None,
    today: datetime.date,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> list[RuleProblem]:
    """What is wrong with a visit's date and location (empty when nothing is).

    A follow-up note without "需要跟进" is not a problem: the note implies it (callers set
    follow_up_needed).
    """
    problems = []
    if visited_on is not None and visited_on > today:
        problems.append(RuleProblem("visited_on", str(MSG_DATE_IN_FUTURE)))
    if visited_on is not None and visited_on < EARLIEST_VISIT:
        problems.append(
            RuleProblem(
                "visited_on", str(MSG_VISIT_TOO_OLD % {"earliest": EARLIEST_VISIT.isoformat()})
            )
        )
    if (latitude is None) != (longitude is None) or (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        problems.append(RuleProblem("latitude", str(MSG_LOCATION_PAIR)))
    return problems


def pairing_problems(
    *,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
    end_reason: str = "",
    today: datetime.date,
) -> list[RuleProblem]:
    """What is wrong with one pairing's dates (empty when nothing is)."""
    problems = []
    if start_date is not None and start_date < EARLIEST_VISIT:
        problems.append(
            RuleProblem(
                "start_date",
                str(MSG_PAIRING_TOO_OLD % {"earliest": EARLIEST_VISIT.isoformat()}),
            )
        )
    if end_date is not None and end_date > today:
        problems.append(RuleProblem("end_date", str(MSG_DATE_IN_FUTURE)))
    if start_date is not None and end_date is not None and end_date < start_date:
        problems.append(RuleProblem("end_date", str(MSG_PAIRING_DATES)))
    if end_reason and end_date is None:
        problems.append(RuleProblem("end_reason", str(MSG_PAIRING_REASON_WITHOUT_END)))
    return problems


def pairings_overlap(
    first: tuple[datetime.date, datetime.date | None],
    second: tuple[datetime.date, datetime.date | None],
) -> bool:
    """Whether two pairings (start, end or None for "still in force") of one household overlap.

    One ending on the day the next begins does not: the helper hands over that day.
    """
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


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
