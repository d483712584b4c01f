"""Writes of procedures (程序): start, take a step, record and settle objections, and the
county office's reopening of a locked exit year. The transition rules are the pure functions of
assessment.procedures; these functions load the state, ask the rules, save, and record history
in the same transaction. Marking in the registry goes through households.services.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.choices import STANDARD_KEYS
from assessment.models import HouseholdYearLock, Procedure, ProcedureObjection, ProcedureStep
from assessment.procedure_selectors import taken_steps
from assessment.procedures import (
    ProcedureKind,
    ProcedureStatus,
    StepKind,
    notice_in_progress,
    notice_last_day,
    objection_roles,
    procedure_def,
    start_problems,
    step_problems,
)
from households.models import Household, HouseholdStatusChange
from households.services import household_status_change
from poverty.audit.models import ChangeAction
from poverty.audit.recording import model_snapshot, record_change
from poverty.exceptions import BusinessRuleError
from poverty.roles import Role
from poverty.scoping import user_role, visible_to
from villages.models import Region

__all__ = [
    "MSG_EVIDENCE_TOO_LARGE",
    "MSG_EVIDENCE_TYPE",
    "MSG_NOT_IN_NOTICE",
    "MSG_NO_NOTICE_STANDARD",
    "MSG_OBJECTION_ROLE",
    "MSG_REASON_REQUIRED",
    "MSG_REOPEN_ROLE",
    "MSG_START_ROLE",
    "MSG_SUBJECT_STATUS",
    "evidence_kind",
    "evidence_max_bytes",
    "exit_year_lock",
    "exit_year_relock",
    "exit_year_reopen",
    "objection_record",
    "objection_resolve",
    "procedure_start",
    "procedure_step_take",
]

MSG_START_ROLE = _("“%(procedure)s”程序须由%(role)s发起")
MSG_SUBJECT_STATUS = _("该户当前为“%(status)s”，不能办理“%(procedure)s”")
MSG_SUBJECT_KIND = _("“%(procedure)s”程序的对象须是%(subject)s")
MSG_ALREADY_OPEN = _("该对象已有一个办理中的“%(procedure)s”程序")
MSG_NO_NOTICE_STANDARD = _("政策标准表中没有 %(key)s（%(year)s 年）的公示天数，请管理员补充")
MSG_EVIDENCE_TOO_LARGE = _("佐证材料不能超过 %(limit)s MB（当前 %(size)s MB）")
MSG_EVIDENCE_TYPE = _("佐证材料只能是 PDF 文件或 JPEG、PNG、WebP、HEIC 格式的图片（扫描件或照片）")
MSG_NOT_IN_NOTICE = _("只能在公示期间登记异议")
MSG_OBJECTION_ROLE = _("您的角色不能登记或处理该程序的公示异议")
MSG_OBJECTION_RESOLVED = _("该异议已处理")
MSG_RESOLUTION_REQUIRED = _("请填写异议处理结果")
MSG_REASON_REQUIRED = _("解锁须填写原因")
MSG_REOPEN_ROLE = _("只有县扶贫办可以解锁或重新锁定退出年度数据")
MSG_ALREADY_REOPENED = _("该年度数据已解锁")
MSG_ALREADY_LOCKED = _("该年度数据已锁定")
MSG_NOTICE_START_PAST = _("公示开始日期不能早于上一步的办理日期")
MSG_ACTED_IN_FUTURE = _("办理日期不能晚于今天")

SUBJECT_LABELS = {"household": _("一户贫困户"), "village": _("一个行政村"), "county": _("一个县")}
EVIDENCE_EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "webp": "webp", "heic": "heic"}


def evidence_max_bytes() -> int:
    """The size limit of one attachment; setting POVERTY_PROCEDURE_EVIDENCE_MAX_BYTES, 10 MB."""
    return int(getattr(settings, "POVERTY_PROCEDURE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def evidence_kind(upload) -> str:
    """Check an uploaded scan or photo by size and its first bytes (never by its name)."""
    from assistance.validators import photo_kind

    limit = evidence_max_bytes()
    if upload.size > limit:
        raise BusinessRuleError(
            MSG_EVIDENCE_TOO_LARGE
            % {"limit": f"{limit / 1024 / 1024:g}", "size": f"{upload.size / 1024 / 1024:.1f}"},
            field="evidence",
            code="evidence_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = "pdf" if head.startswith(b"%PDF-") else photo_kind(head)
    if kind is None:
        raise BusinessRuleError(MSG_EVIDENCE_TYPE, field="evidence", code="evidence_type")
    return kind


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _actor_name(actor) -> str:
    if actor is None:
        return ""
    return actor.get_full_name() or actor.get_username()


def _check_visible(actor, procedure: Procedure) -> None:
    if not visible_to(actor, Procedure.objects.filter(pk=procedure.pk)).exists():
        raise BusinessRuleError(_("该程序不在您的管辖范围内"), code="not_found")


def _snapshot(instance) -> dict:
    """model_snapshot with file fields as their stored names (JSON-ready)."""
    return {
        key: (value.name if hasattr(value, "name") and hasattr(value, "storage") else value)
        for key, value in model_snapshot(instance).items()
    }


def _record(actor, action, instance, before=None, message="", procedure=None):
    procedure = procedure or instance
    record_change(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=_snapshot(instance),
        message=message,
        household_id=procedure.household_id,
        division_code=procedure.division_code,
    )


@transaction.atomic
def procedure_start(
    *,
    actor,
    kind: str,
    year: int,
    household: Household | None = None,
    region: Region | None = None,
    note: str = "",
) -> Procedure:
    """Open a procedure for a household or a region; only the owner of its first step may."""
    definition = procedure_def(kind)
    role = user_role(actor)
    first = definition.steps[0]
    if role != first.role:
        raise BusinessRuleError(
            MSG_START_ROLE % {"procedure": definition.label, "role": _role_label(first.role)},
            code="wrong_role",
        )
    subject_ok = (
        household is not None and region is None
        if definition.subject == "household"
        else household is None and region is not None and region.level == definition.subject
    )
    if not subject_ok:
        raise BusinessRuleError(
            MSG_SUBJECT_KIND
            % {"procedure": definition.label, "subject": SUBJECT_LABELS[definition.subject]},
            code="wrong_subject",
        )
    if household is not None:
        household = Household.objects.select_for_update().get(pk=household.pk)
        if definition.from_statuses and household.status not in definition.from_statuses:
            raise BusinessRuleError(
                MSG_SUBJECT_STATUS
                % {"status": household.get_status_display(), "procedure": definition.label},
                code="wrong_status",
            )
        problems = start_problems(
            kind, year=year, today=timezone.localdate(), **_start_facts(household, year)
        )
        if problems:
            raise BusinessRuleError(problems[0].message, code=problems[0].code)
    procedure = Procedure(
        kind=kind,
        year=year,
        household=household,
        region=region,
        division_code=household.village_id if household is not None else region.code,
        started_by=actor if getattr(actor, "pk", None) else None,
        note=(note or "")[:300],
    )
    try:
        procedure.full_clean(exclude=["household", "region", "started_by"])
    except ValidationError as exc:
        raise BusinessRuleError(exc.messages[0]) from exc
    try:
        with transaction.atomic():
            procedure.save()
    except IntegrityError as exc:
        raise BusinessRuleError(
            MSG_ALREADY_OPEN % {"procedure": definition.label}, code="already_open"
        ) from exc
    _record(actor, ChangeAction.CREATE, procedure, message=str(definition.label))
    return procedure


def _start_facts(household: Household, year: int) -> dict:
    """The standards and history that start_problems reads for a household."""
    from assessment.selectors import standard_value

    code = household.village_id
    can_exit = standard_value("new_household_can_exit_same_year", code, year)
    min_months = standard_value("elimination_min_months_monitored", code, year)
    monitored = (
        HouseholdStatusChange.objects.filter(household=household, to_status="monitored")
        .order_by("-changed_on", "-id")
        .values_list("changed_on", flat=True)
        .first()
    )
    return {
        "identified_year": household.identified_year,
        "new_household_can_exit": can_exit is None or can_exit.value != 0,
        "monitored_since": monitored,
        "min_months_monitored": int(min_months.value) if min_months is not None else None,
    }


def _notice_dates(procedure: Procedure, step, start: datetime.date) -> tuple[datetime.date, int]:
    from assessment.selectors import standard_value

    row = standard_value(step.notice_key, procedure.division_code, procedure.year)
    if row is None:
        raise BusinessRuleError(
            MSG_NO_NOTICE_STANDARD % {"key": step.notice_key, "year": procedure.year},
            code="no_standard",
        )
    days = int(row.value)
    working = STANDARD_KEYS[step.notice_key].unit == "工作日"
    return notice_last_day(start, days, working_days=working), days


@transaction.atomic
def procedure_step_take(
    *,
    actor,
    procedure: Procedure,
    step_code: str,
    note: str = "",
    acted_on: datetime.date | None = None,
    notice_start: datetime.date | None = None,
    evidence=None,
    today: datetime.date | None = None,
) -> ProcedureStep:
    """Take the next step of a procedure, if the rules allow it (assessment.procedures).

    A notice step computes its last day from the policy-standards table; the marking step
    changes the registry (households.services.household_status_change, or the region's exit
    year) and, for an exit, locks the exit year's data.
    """
    today = today or timezone.localdate()
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    _check_visible(actor, locked)
    definition = locked.definition
    taken = taken_steps(locked)
    open_objections = locked.objections.filter(resolved_at__isnull=True).count()
    problems = step_problems(
        definition,
        taken,
        step_code,
        user_role(actor),
        today=today,
        open_objections=open_objections,
        has_evidence=bool(evidence),
        is_open=locked.status == ProcedureStatus.OPEN,
    )
    if problems:
        raise BusinessRuleError(
            problems[0].message,
            code=problems[0].code,
            extra={"problems": [{"code": p.code, "message": p.message} for p in problems]},
        )
    step = definition.step(step_code)
    acted_on = acted_on or today
    if acted_on > today:
        raise BusinessRuleError(MSG_ACTED_IN_FUTURE, field="acted_on", code="future")
    record = ProcedureStep(
        procedure=locked,
        position=len(taken) + 1,
        code=step.code,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor),
        actor_role=user_role(actor) or "",
        acted_on=acted_on,
        note=note or "",
    )
    if evidence:
        kind = evidence_kind(evidence)
        record.evidence_name = (getattr(evidence, "name", "") or "")[:200]
        record.evidence_type = kind
        record.evidence_size = evidence.size
        evidence.name = f"evidence.{EVIDENCE_EXTENSIONS[kind]}"
        record.evidence = evidence
    before = model_snapshot(locked)
    if step.kind == StepKind.NOTICE_OPEN:
        start = notice_start or acted_on
        last = locked.steps.order_by("-position").values_list("acted_on", flat=True).first()
        if last is not None and start < last:
            raise BusinessRuleError(
                MSG_NOTICE_START_PAST, field="notice_start", code="notice_start"
            )
        end, days = _notice_dates(locked, step, start)
        record.notice_start, record.notice_end, record.notice_days = start, end, days
        locked.notice_start, locked.notice_end = start, end
    record.save()
    _record(actor, ChangeAction.CREATE, record, message=str(step.label), procedure=locked)
    if step.kind == StepKind.MARKING:
        _mark(actor, locked, acted_on)
    locked.steps_done = record.position
    if record.position == len(definition.steps):
        locked.status = ProcedureStatus.COMPLETED
        locked.completed_at = timezone.now()
    locked.save(
        update_fields=[
            "steps_done",
            "status",
            "completed_at",
            "notice_start",
            "notice_end",
            "updated",
        ]
    )
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked),
        message=str(step.label),
        household_id=locked.household_id,
        division_code=locked.division_code,
    )
    return record


def _status_before_monitoring(household: Household) -> str:
    change = (
        HouseholdStatusChange.objects.filter(household=household, to_status="monitored")
        .order_by("-changed_on", "-id")
        .first()
    )
    return (change.from_status if change and change.from_status else "") or "exited"


def _mark(actor, procedure: Procedure, acted_on: datetime.date) -> None:
    """The last step: change the registry through its service."""
    definition = procedure.definition
    reason = f"{definition.label}（程序 {procedure.pk}）"
    if procedure.household_id is not None:
        household = procedure.household
        to_status = definition.to_status or _status_before_monitoring(household)
        household_status_change(
            actor=actor,
            household=household,
            to_status=to_status,
            year=procedure.year,
            changed_on=acted_on,
            reason=reason,
        )
        if procedure.kind == ProcedureKind.HOUSEHOLD_EXIT:
            exit_year_lock(actor=actor, procedure=procedure)
        return
    region = Region.objects.select_for_update().get(pk=procedure.region_id)
    before = model_snapshot(region)
    region.exit_year = procedure.year
    region.save(update_fields=["exit_year", "updated"])
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=region,
        before=before,
        after=model_snapshot(region),
        message=reason,
        division_code=region.code,
    )


def exit_year_lock(*, actor, procedure: Procedure) -> HouseholdYearLock:
    """Lock the exit year's data after an approved exit (or lock it again after a reopening)."""
    lock, created = HouseholdYearLock.objects.select_for_update().get_or_create(
        household_id=procedure.household_id,
        year=procedure.year,
        defaults={"procedure": procedure, "locked_at": timezone.now()},
    )
    if not created:
        if lock.reopened_at is None:
            raise BusinessRuleError(MSG_ALREADY_LOCKED, code="already_locked")
        before = model_snapshot(lock)
        lock.reopened_at = None
        lock.reopened_by = None
        lock.reopen_reason = ""
        lock.locked_at = timezone.now()
        lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason", "locked_at"])
        _record(actor, ChangeAction.UPDATE, lock, before, _("重新锁定"), procedure)
    else:
        _record(
            actor, ChangeAction.CREATE, lock, message=str(_("退出审批后锁定")), procedure=procedure
        )
    return lock


def _require_county_office(actor) -> None:
    if user_role(actor) != Role.COUNTY_OFFICE:
        raise BusinessRuleError(MSG_REOPEN_ROLE, code="wrong_role")


@transaction.atomic
def exit_year_reopen(*, actor, lock: HouseholdYearLock, reason: str) -> HouseholdYearLock:
    """The county office reopens a locked exit year, with a reason kept in the history."""
    _require_county_office(actor)
    if not (reason or "").strip():
        raise BusinessRuleError(MSG_REASON_REQUIRED, field="reason", code="reason_required")
    lock = HouseholdYearLock.objects.select_for_update().get(pk=lock.pk)
    if lock.reopened_at is not None:
        raise BusinessRuleError(MSG_ALREADY_REOPENED, code="already_reopened")
    before = model_snapshot(lock)
    lock.reopened_at = timezone.now()
    lock.reopened_by = actor
    lock.reopen_reason = reason.strip()[:300]
    lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    _record(actor, ChangeAction.UPDATE, lock, before, lock.reopen_reason, lock.procedure)
    return lock


@transaction.atomic
def exit_year_relock(*, actor, lock: HouseholdYearLock) -> HouseholdYearLock:
    """The county office locks a reopened exit year again once the correction is made."""
    _require_county_office(actor)
    return exit_year_lock(actor=actor, procedure=lock.procedure)


def _check_objection_role(actor, procedure: Procedure) -> None:
    if user_role(actor) not in objection_roles(procedure.definition):
        raise BusinessRuleError(MSG_OBJECTION_ROLE, code="wrong_role")


@transaction.atomic
def objection_record(
    *, actor, procedure: Procedure, content: str, objector: str = "", raised_on=None
) -> ProcedureObjection:
    """Record an objection raised during a running notice; it blocks approval until settled."""
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    _check_visible(actor, locked)
    _check_objection_role(actor, locked)
    if locked.status != ProcedureStatus.OPEN or (
        notice_in_progress(locked.definition, taken_steps(locked)) is None
    ):
        raise BusinessRuleError(MSG_NOT_IN_NOTICE, code="not_in_notice")
    if not (content or "").strip():
        raise BusinessRuleError(_("请填写异议内容"), field="content", code="required")
    objection = ProcedureObjection.objects.create(
        procedure=locked,
        raised_on=raised_on or timezone.localdate(),
        objector=(objector or "")[:50],
        content=content.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _record(actor, ChangeAction.CREATE, objection, message=str(_("登记公示异议")), procedure=locked)
    return objection


@transaction.atomic
def objection_resolve(
    *, actor, objection: ProcedureObjection, resolution: str
) -> ProcedureObjection:
    """Settle an objection with what was found and decided (核实处理结果)."""
    objection = ProcedureObjection.objects.select_for_update().get(pk=objection.pk)
    procedure = objection.procedure
    _check_visible(actor, procedure)
    _check_objection_role(actor, procedure)
    if objection.resolved_at is not None:
        raise BusinessRuleError(MSG_OBJECTION_RESOLVED, code="resolved")
    if not (resolution or "").strip():
        raise BusinessRuleError(MSG_RESOLUTION_REQUIRED, field="resolution", code="required")
    before = model_snapshot(objection)
    objection.resolution = resolution.strip()
    objection.resolved_by = actor if getattr(actor, "pk", None) else None
    objection.resolved_at = timezone.now()
    objection.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    _record(actor, ChangeAction.UPDATE, objection, before, str(_("处理公示异议")), procedure)
    return objection
