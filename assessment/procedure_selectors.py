"""Reads of procedures for a user, every one through poverty.scoping: the list, one case with
its step timeline and what the user may do next, the notice list (公示名单) of a village or
township, and the year's dynamic-adjustment list (动态调整) of a county."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import (
    HouseholdReadiness,
    HouseholdYearLock,
    Procedure,
    ProcedureObjection,
    ProcedureStep,
)
from assessment.procedures import (
    ProcedureKind,
    ProcedureStatus,
    StepDef,
    TakenStep,
    next_step,
    notice_in_progress,
    objection_roles,
    procedure_def,
    step_problems,
)
from households.models import HouseholdStatusChange, Member
from poverty.masking import mask_id_number
from poverty.roles import Role
from poverty.scoping import get_for_user, region_prefixes, user_role, visible_to
from villages.codes import code_level, code_prefix
from villages.models import Region

__all__ = [
    "ADJUSTMENT_GROUPS",
    "NoticeRow",
    "adjustment_list",
    "notice_list",
    "notice_region",
    "procedure_deadline",
    "procedure_detail",
    "procedure_get_for_user",
    "procedure_list",
    "taken_steps",
]

# Dynamic adjustment (动态调整, DOMAIN.md §6.2 and §15.9): the year's changes by new status.
ADJUSTMENT_GROUPS = (
    ("poor", _("新识别（新增）")),
    ("returned", _("返贫")),
    ("exited", _("脱贫（退出）")),
    ("monitored", _("纳入监测")),
    ("pre_exit", _("预脱贫")),
)


def procedure_list(
    user,
    *,
    kind: str = "",
    status: str = "",
    year: int | None = None,
    region: str = "",
    household: int | None = None,
) -> QuerySet:
    queryset = visible_to(user, Procedure.objects.select_related("household", "region"))
    if kind in ProcedureKind.values:
        queryset = queryset.filter(kind=kind)
    if status in ProcedureStatus.values:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(year=year)
    if region.isdigit():
        queryset = queryset.filter(division_code__startswith=region)
    if household:
        queryset = queryset.filter(household_id=household)
    return queryset.order_by("-year", "division_code", "id")


def procedure_get_for_user(user, pk, action: str = "view") -> Procedure:
    return get_for_user(
        user, Procedure.objects.select_related("household", "region"), action, pk=pk
    )


def taken_steps(procedure: Procedure) -> list[TakenStep]:
    """The steps taken so far, as the transition rules need them."""
    return [
        TakenStep(code=s.code, notice_start=s.notice_start, notice_end=s.notice_end)
        for s in procedure.steps.order_by("position")
    ]


@dataclass
class TimelineEntry:
    """One step of the timeline: its definition and, once taken, the record."""

    position: int
    step: StepDef
    record: ProcedureStep | None = None
    is_next: bool = False
    role_label: str = ""


@dataclass
class ProcedureView:
    procedure: Procedure
    timeline: list[TimelineEntry]
    next: StepDef | None
    may_take: bool
    problems: list = field(default_factory=list)
    objections: list = field(default_factory=list)
    open_objections: int = 0
    in_notice: bool = False
    may_object: bool = False
    lock: HouseholdYearLock | None = None
    may_reopen: bool = False
    verdict: HouseholdReadiness | None = None
    deadline: datetime.date | None = None  # 办结时限, from the first step and the standard
    overdue: bool = False


def procedure_detail(user, procedure: Procedure, today: datetime.date | None = None):
    """The step timeline, and whether ``user`` may take the next step (with the reasons why
    not yet, e.g. the notice period still running)."""
    today = today or timezone.localdate()
    definition = procedure_def(procedure.kind)
    records = list(procedure.steps.select_related("actor").order_by("position"))
    taken = [
        TakenStep(code=r.code, notice_start=r.notice_start, notice_end=r.notice_end)
        for r in records
    ]
    upcoming = next_step(definition, taken) if procedure.status == ProcedureStatus.OPEN else None
    timeline = []
    for index, step in enumerate(definition.steps):
        timeline.append(
            TimelineEntry(
                position=index + 1,
                step=step,
                record=records[index] if index < len(records) else None,
                is_next=upcoming is not None and upcoming.code == step.code,
                role_label=str(Role(step.role).label),
            )
        )
    objections = list(ProcedureObjection.objects.filter(procedure=procedure).order_by("id"))
    open_count = sum(1 for o in objections if o.is_open)
    role = user_role(user)
    problems = []
    if upcoming is not None and role == upcoming.role:
        problems = step_problems(
            definition,
            taken,
            upcoming.code,
            role,
            today=today,
            open_objections=open_count,
            has_evidence=True,  # the form asks for the scan; its absence is reported on submit
        )
    lock = verdict = None
    if procedure.kind == ProcedureKind.HOUSEHOLD_EXIT and procedure.household_id:
        lock = HouseholdYearLock.objects.filter(
            household_id=procedure.household_id, year=procedure.year
        ).first()
        # The exit verdict of the year (written by the recomputation jobs), shown to the
        # people who appraise and approve; it does not block a step by itself.
        verdict = (
            visible_to(user, HouseholdReadiness.objects.all())
            .filter(household_id=procedure.household_id, year=procedure.year)
            .select_related("reason_set")
            .first()
        )
    deadline = procedure_deadline(procedure, records[0].acted_on if records else None)
    end = procedure.completed_at.date() if procedure.completed_at else today
    return ProcedureView(
        deadline=deadline,
        overdue=deadline is not None and end > deadline,
        procedure=procedure,
        timeline=timeline,
        next=upcoming,
        may_take=upcoming is not None and role == upcoming.role,
        problems=problems,
        objections=objections,
        open_objections=open_count,
        in_notice=procedure.status == ProcedureStatus.OPEN
        and notice_in_progress(definition, taken) is not None,
        may_object=role in objection_roles(definition),
        lock=lock,
        may_reopen=lock is not None and role == Role.COUNTY_OFFICE,
        verdict=verdict,
    )


def procedure_deadline(procedure: Procedure, started: datetime.date | None):
    """The last day of the procedure's time limit (e.g. monitoring identification ≤ 15 days in
    秦安, ≤ 20 working days in 海南 and 安徽), or None where no standard applies."""
    definition = procedure_def(procedure.kind)
    if not definition.sla_key or started is None:
        return None
    from assessment.choices import STANDARD_KEYS
    from assessment.procedures import notice_last_day
    from assessment.selectors import standard_value

    row = standard_value(definition.sla_key, procedure.division_code, procedure.year)
    if row is None:
        return None
    working = STANDARD_KEYS[definition.sla_key].unit == "工作日" or "工作日" in (row.source or "")
    return notice_last_day(started, int(row.value), working_days=working)


def _allowed_prefix(user, code: str) -> bool:
    prefixes = region_prefixes(user, "view")
    if prefixes is None:
        return True
    own = code_prefix(code)
    return any(own.startswith(p) or p.startswith(own) for p in prefixes)


def notice_region(user, code: str | None, levels: tuple[str, ...]) -> Region:
    """The region a list is asked for (default: the user's own), at one of ``levels``; 404 if
    the user's scope does not reach it."""
    from poverty.scoping import user_profile

    if not code:
        profile = user_profile(user)
        code = profile.region_code if profile is not None else ""
    if not code or code_level(code) not in levels:
        raise Http404
    region = Region.objects.filter(code=code).first()
    if region is None or not _allowed_prefix(user, code):
        raise Http404
    return region


@dataclass(frozen=True)
class NoticeRow:
    """One line of a 公示名单: never a phone, bank account or health condition (DOMAIN.md §6.0)."""

    number: int
    village: str
    group: str
    head_name: str
    id_number_masked: str
    size: int
    kind: str
    year: int
    notice_start: datetime.date | None
    notice_end: datetime.date | None


def notice_list(
    user, region: Region, *, kind: str = "", year: int | None = None
) -> list[NoticeRow]:
    """Households of a village or township whose notice has been opened, as a printable list.

    ID numbers are always masked: a notice is public, whatever the role of who prints it.
    """
    prefix = code_prefix(region.code)
    queryset = (
        visible_to(user, Procedure.objects.filter(household__isnull=False))
        .filter(division_code__startswith=prefix, notice_start__isnull=False)
        .select_related("household", "household__village")
        .order_by("division_code", "household__household_number")
    )
    if kind in ProcedureKind.values:
        queryset = queryset.filter(kind=kind)
    if year:
        queryset = queryset.filter(year=year)
    procedures = list(queryset[:5000])
    heads = {
        m["household_id"]: m
        for m in Member.objects.filter(
            household_id__in=[p.household_id for p in procedures], relation="01", is_active=True
        ).values("household_id", "name", "id_number")
    }
    sizes: dict[int, int] = {}
    for household_id in Member.objects.filter(
        household_id__in=[p.household_id for p in procedures], is_active=True
    ).values_list("household_id", flat=True):
        sizes[household_id] = sizes.get(household_id, 0) + 1
    rows = []
    for number, procedure in enumerate(procedures, start=1):
        head = heads.get(procedure.household_id, {})
        household = procedure.household
        rows.append(
            NoticeRow(
                number=number,
                village=household.village.name,
                group=household.group_name,
                head_name=head.get("name", ""),
                id_number_masked=mask_id_number(head.get("id_number", "")),
                size=sizes.get(procedure.household_id, 0),
                kind=str(ProcedureKind(procedure.kind).label),
                year=procedure.year,
                notice_start=procedure.notice_start,
                notice_end=procedure.notice_end,
            )
        )
    return rows


def adjustment_list(user, county: Region, year: int) -> list[tuple[str, str, list]]:
    """The county's status changes of ``year`` grouped as the 动态调整 lists."""
    prefix = code_prefix(county.code)
    changes = list(
        visible_to(user, HouseholdStatusChange.objects.all())
        .filter(year=year, household__village__code__startswith=prefix)
        .select_related("household", "household__village")
        .order_by("household__village__code", "household__household_number", "changed_on")
    )
    groups = []
    for status, label in ADJUSTMENT_GROUPS:
        rows = [c for c in changes if c.to_status == status]
        groups.append((status, label, rows))
    return groups
