"""Reads of visits and attendance, already scoped to the user (poverty.scoping).

Every function starts from ``visible_to``; overdue and attendance summaries are one grouped
query each, whatever the number of villages, cadres or members.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from assistance.choices import AttendanceStatus
from assistance.models import CadrePairing, StationingDay, TeamRole, Visit, WorkTeamMember
from assistance.rules import (
    AttendanceVerdict,
    stationing_month_short,
    stationing_year_verdict,
    visit_cutoff,
    visit_is_overdue,
)
from assistance.standards import visit_standards
from households.models import Household, Member
from poverty.scoping import get_for_user, scope_q, visible_to

__all__ = [
    "AttendanceRow",
    "attendance_members_for_user",
    "attendance_rows",
    "household_is_overdue",
    "household_visits",
    "team_members_for_user",
    "user_may_record_visit",
    "visit_get_for_user",
    "visit_household_get_for_user",
    "visit_households",
    "visit_list",
    "visits_overdue_by_cadre",
    "visits_overdue_by_village",
]


def visit_list(user) -> QuerySet:
    """Visits the user may read, with their household and village, newest first."""
    return visible_to(
        user, Visit.objects.select_related("household", "household__village")
    ).order_by("-visited_on", "-id")


def visit_get_for_user(user, pk) -> Visit:
    return get_for_user(
        user, Visit.objects.select_related("household", "household__village"), "view", pk=pk
    )


def household_visits(user, household_id: int, *, limit: int = 20) -> list[Visit]:
    """The latest visits of one household that the user may read (one query)."""
    return list(visit_list(user).filter(household_id=household_id)[:limit])


def _households_as_visits() -> QuerySet:
    # The Visit model's scope paths (division_code, household_id) on the household itself, so
    # that "may this user record a visit here?" is asked of the one scoping function.
    return Household.objects.filter(is_deleted=False).annotate(
        division_code=F("village_id"), household_id=F("pk")
    )


def visit_household_get_for_user(user, pk) -> Household:
    """A household the user may read *and* record visits for, or Http404."""
    households = _households_as_visits().filter(scope_q(user, Visit, "change"))
    return get_for_user(user, households.select_related("village"), "view", pk=pk)


def user_may_record_visit(user, household_id: int) -> bool:
    households = _households_as_visits().filter(scope_q(user, Visit, "change"))
    return visible_to(user, households.filter(pk=household_id)).exists()


def _last_visit() -> Subquery:
    latest = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on", "-id")
    return Subquery(latest.values("visited_on")[:1])


def _head_name() -> Subquery:
    heads = Member.objects.filter(household=OuterRef("pk"), relation="01", is_active=True)
    return Subquery(heads.values("name")[:1])


def visit_households(
    user, *, q: str = "", overdue_days: int | None = None, today: datetime.date | None = None
) -> QuerySet:
    """The households a visitor works through: never visited first, then the longest ago.

    For a cadre these are the paired households; for a work team, its villages' households.
    Each row has ``last_visit`` and ``head_name``; ``overdue_days`` keeps only households
    not visited within that many days.
    """
    households = visible_to(user, Household.objects.filter(is_deleted=False))
    text = (q or "").strip()
    if text:
        heads = Member.objects.filter(household=OuterRef("pk"), name__startswith=text)
        households = households.filter(Q(household_number__startswith=text) | Exists(heads))
    if overdue_days:
        cutoff = visit_cutoff(today or timezone.localdate(), overdue_days)
        recent = Visit.objects.filter(household=OuterRef("pk"), visited_on__gt=cutoff)
        households = households.filter(~Exists(recent))
    return (
        households.select_related("village")
        .annotate(last_visit=_last_visit(), head_name=_head_name())
        .order_by(F("last_visit").asc(nulls_first=True), "household_number")
    )


def visits_overdue_by_village(
    user, *, days: int, region: str = "", today: datetime.date | None = None
) -> list[dict]:
    """Per village: households, and those not visited within ``days`` days; worst first."""
    cutoff = visit_cutoff(today or timezone.localdate(), days)
    recent = Visit.objects.filter(household=OuterRef("pk"), visited_on__gt=cutoff)
    households = visible_to(user, Household.objects.filter(is_deleted=False))
    if region:
        households = households.filter(village__code__startswith=region)
    rows = (
        households.values("village_id", "village__name", "village__parent__name")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=~Exists(recent)))
        .order_by("-overdue", "village_id")
    )
    return [
        {
            "code": row["village_id"],
            "name": row["village__name"],
            "township": row["village__parent__name"],
            "total": row["total"],
            "overdue": row["overdue"],
            "share": row["overdue"] / row["total"] if row["total"] else 0,
        }
        for row in rows
    ]


def visits_overdue_by_cadre(
    user, *, days: int, region: str = "", today: datetime.date | None = None
) -> list[dict]:
    """Per cadre: households currently paired, and those not visited within ``days`` days."""
    cutoff = visit_cutoff(today or timezone.localdate(), days)
    recent = Visit.objects.filter(household=OuterRef("household_id"), visited_on__gt=cutoff)
    pairings = visible_to(
        user, CadrePairing.objects.filter(end_date__isnull=True, household__is_deleted=False)
    )
    if region:
        pairings = pairings.filter(household__village__code__startswith=region)
    rows = (
        pairings.values("cadre_id", "cadre__name", "cadre__unit_name", "cadre__position")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=~Exists(recent)))
        .order_by("-overdue", "cadre__name", "cadre_id")
    )
    return [
        {
            "cadre_id": row["cadre_id"],
            "name": row["cadre__name"],
            "unit": row["cadre__unit_name"],
            "position": row["cadre__position"],
            "total": row["total"],
            "overdue": row["overdue"],
            "share": row["overdue"] / row["total"] if row["total"] else 0,
        }
        for row in rows
    ]


def team_members_for_user(user, *, action: str = "view", on: datetime.date | None = None):
    """Work-team members the user may see (or record attendance for), in post on ``on``."""
    members = visible_to(user, WorkTeamMember.objects.select_related("team__village"), action)
    if on is not None:
        members = members.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )
    return members.order_by("team__village_id", "role", "name")


def attendance_members_for_user(user, *, on: datetime.date | None = None) -> QuerySet:
    """Team members whose attendance the user may record (the StationingDay change scope)."""
    members = (
        WorkTeamMember.objects.select_related("team__village")
        .annotate(division_code=F("team__village_id"))
        .filter(scope_q(user, StationingDay, "change"))
    )
    if on is not None:
        members = members.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on - datetime.timedelta(days=366))
        )
    return members.order_by("team__village_id", "role", "name", "pk")


@dataclass
class AttendanceRow:
    """One member's year: days in the village per month, the total, and the verdict."""

    member: WorkTeamMember
    months: list[dict] = field(default_factory=list)  # {"days": n, "short": bool}
    total: int = 0
    verdict: AttendanceVerdict | None = None


def attendance_rows(
    user,
    *,
    year: int,
    region: str = "",
    today: datetime.date | None = None,
    limit: int = 2000,
) -> list[AttendanceRow]:
    """Days in the village (在村) per member and month of ``year``, first secretaries checked
    against the yearly minimum and everyone against the monthly minimum. Two queries."""
    today = today or timezone.localdate()
    standards = visit_standards(region)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    members = visible_to(user, WorkTeamMember.objects.select_related("team__village")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last
    )
    if region:
        members = members.filter(team__village__code__startswith=region)
    members = list(members.order_by("team__village_id", "role", "name", "pk")[:limit])
    counts = (
        StationingDay.objects.filter(
            member_id__in=[m.pk for m in members],
            date__range=(first, last),
            status=AttendanceStatus.PRESENT,
        )
        .annotate(month=ExtractMonth("date"))
        .values("member_id", "month")
        .annotate(days=Count("pk"))
        .order_by()
    )
    by_member: dict[int, dict[int, int]] = {}
    for row in counts:
        by_member.setdefault(row["member_id"], {})[row["month"]] = row["days"]
    rows = []
    for member in members:
        days = by_member.get(member.pk, {})
        row = AttendanceRow(member=member)
        for month in range(1, 13):
            month_first = datetime.date(year, month, 1)
            month_last = datetime.date(year, month, calendar.monthrange(year, month)[1])
            served = member.start_date <= month_first and (
                member.end_date is None or member.end_date >= month_last
            )
            n = days.get(month, 0)
            row.months.append(
                {
                    "days": n,
                    "short": stationing_month_short(
                        days_present=n,
                        minimum=standards.stationing_days_per_month_min,
                        month_complete=month_last < today,
                        in_tenure_all_month=served,
                    ),
                }
            )
        row.total = sum(days.values())
        row.verdict = stationing_year_verdict(
            name=member.name,
            is_first_secretary=member.role == TeamRole.FIRST_SECRETARY,
            year=year,
            days_present=row.total,
            minimum=standards.first_secretary_days_min,
            today=today,
            tenure_start=member.start_date,
            tenure_end=member.end_date,
        )
        rows.append(row)
    return rows


def household_is_overdue(last_visit, *, today=None, days=None) -> bool:
    standards = visit_standards()
    return visit_is_overdue(
        last_visit, today or timezone.localdate(), days or standards.visit_period_days
    )
