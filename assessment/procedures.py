"""Procedures (程序) as state machines: each kind's ordered steps, who owns each step, and the
transition rules, as plain data and pure functions (no ORM, no request).

DOMAIN.md §6 is the source: household identification (§6.1), household exit (§6.3), return to
poverty (§6.2, identification again), monitoring identification (§6.6), risk elimination (§6.7),
village exit (§6.4) and county exit (§6.5). Notice periods are not here: a notice step names
the policy-standards key (``notice_days.*``, DOMAIN.md §6.0) whose value the service reads for
the procedure's place and year.

The rules (``step_problems``):

- a step is taken only by the role that owns it;
- only the next step in order, once, and only while the procedure is open;
- the step that closes a notice (公示) only after the notice's last day has passed;
- closing a notice and approving are refused while an objection raised during the notice is
  unresolved;
- a step that needs a signed document (the household's agreement) needs an uploaded scan.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from poverty.roles import Role

__all__ = [
    "MSG_CLOSED",
    "MSG_EVIDENCE_REQUIRED",
    "MSG_NOTICE_NOT_ENDED",
    "MSG_OBJECTION_OPEN",
    "MSG_WRONG_ORDER",
    "MSG_WRONG_ROLE",
    "PROCEDURES",
    "ProcedureDef",
    "ProcedureKind",
    "ProcedureStatus",
    "StepDef",
    "StepKind",
    "StepProblem",
    "TakenStep",
    "next_step",
    "notice_in_progress",
    "notice_last_day",
    "objection_roles",
    "procedure_def",
    "start_problems",
    "step_problems",
]

MSG_CLOSED = _("该程序已办结，不能再办理步骤")
MSG_WRONG_ORDER = _("当前应办理“%(expected)s”，不能办理“%(step)s”")
MSG_WRONG_ROLE = _("“%(step)s”须由%(role)s办理")
MSG_NOTICE_NOT_ENDED = _("公示期至 %(end)s 结束，%(end)s 之后才能办理“%(step)s”")
MSG_OBJECTION_OPEN = _("公示期间有 %(count)s 条异议尚未处理完毕，不能办理“%(step)s”")
MSG_EVIDENCE_REQUIRED = _("“%(step)s”须上传%(evidence)s的扫描件")
MSG_NEW_HOUSEHOLD_EXIT = _("当年新识别贫困户当年不能退出（%(year)s 年识别）")
MSG_MONITORED_TOO_SHORT = _("纳入监测不足 %(months)s 个月（%(since)s 起），不能办理风险消除")


class ProcedureKind(models.TextChoices):
    HOUSEHOLD_IDENTIFICATION = "household_identification", _("贫困户识别")
    HOUSEHOLD_EXIT = "household_exit", _("贫困户退出")
    RETURN_TO_POVERTY = "return_to_poverty", _("返贫")
    MONITORING_IDENTIFICATION = "monitoring_identification", _("监测对象识别")
    RISK_ELIMINATION = "risk_elimination", _("风险消除")
    VILLAGE_EXIT = "village_exit", _("贫困村出列")
    COUNTY_EXIT = "county_exit", _("贫困县摘帽")


class ProcedureStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    COMPLETED = "completed", _("已办结")


class StepKind(models.TextChoices):
    """What a step does besides being recorded."""

    ACTION = "action", _("办理")
    AGREEMENT = "agreement", _("签字确认（须上传扫描件）")
    NOTICE_OPEN = "notice_open", _("公示开始")
    NOTICE_CLOSE = "notice_close", _("公示结束")
    APPROVAL = "approval", _("审核审批")
    MARKING = "marking", _("系统标注")


@dataclass(frozen=True)
class StepDef:
    """One step of a procedure: its code, label, owning role and what it records."""

    code: str
    label: str
    role: str
    kind: str = StepKind.ACTION
    notice_key: str = ""  # NOTICE_OPEN: the policy-standards key of its period
    evidence: str = ""  # what the step's attachment is (会议记录、签到表 …)

    @property
    def evidence_required(self) -> bool:
        return self.kind == StepKind.AGREEMENT

    @property
    def blocked_by_objections(self) -> bool:
        return self.kind in (StepKind.NOTICE_CLOSE, StepKind.APPROVAL)


@dataclass(frozen=True)
class ProcedureDef:
    """A procedure kind: its subject (household, village or county), steps and source."""

    kind: str
    subject: str  # "household" | "village" | "county"
    steps: tuple[StepDef, ...]
    source: str
    # policy-standards key of the whole procedure's time limit (办结时限), if DOMAIN.md gives one
    sla_key: str = ""
    # household status the subject must have to start; the status the marking step sets
    from_statuses: tuple[str, ...] = ()
    to_status: str = ""

    def step(self, code: str) -> StepDef | None:
        return next((s for s in self.steps if s.code == code), None)

    @property
    def label(self) -> str:
        return ProcedureKind(self.kind).label


V, T, C, A = Role.VILLAGE_TEAM, Role.TOWNSHIP_OFFICE, Role.COUNTY_OFFICE, Role.ADMIN
K = StepKind
MINUTES = _("会议记录、签到表")
NOTICE_PHOTO = _("公示照片")
CHECK_RECORD = _("入户核实记录")


def _notice(code: str, role: str, key: str, label=None) -> tuple[StepDef, StepDef]:
    return (
        StepDef(
            code, label or _("公示"), role, K.NOTICE_OPEN, notice_key=key, evidence=NOTICE_PHOTO
        ),
        StepDef(f"{code}_end", _("公示结束"), role, K.NOTICE_CLOSE),
    )


PROCEDURES: dict[str, ProcedureDef] = {
    ProcedureKind.HOUSEHOLD_IDENTIFICATION: ProcedureDef(
        ProcedureKind.HOUSEHOLD_IDENTIFICATION,
        "household",
        (
            StepDef("application", _("农户申请"), V, evidence=_("申请书")),
            StepDef("appraisal", _("民主评议"), V, evidence=MINUTES),
            StepDef("verification", _("村委会和驻村工作队核实"), V, evidence=CHECK_RECORD),
            *_notice("notice", V, "notice_days.identification_first", _("第一次公示（村内）")),
            StepDef("township_review", _("乡镇审核"), T, K.APPROVAL),
            *_notice("notice2", T, "notice_days.identification_second", _("第二次公示（各村）")),
            StepDef("approval", _("县扶贫办复审"), C, K.APPROVAL),
            StepDef("announcement", _("公告"), C, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（识别为贫困户）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.1 国开办发〔2014〕24号",
        from_statuses=("poor",),
        to_status="poor",
    ),
    ProcedureKind.HOUSEHOLD_EXIT: ProcedureDef(
        ProcedureKind.HOUSEHOLD_EXIT,
        "household",
        (
            StepDef("proposal", _("村两委对象初选"), V),
            StepDef("appraisal", _("民主评议"), V, evidence=MINUTES),
            StepDef("verification", _("村两委和驻村工作队核实"), V, evidence=CHECK_RECORD),
            StepDef("agreement", _("户主签字确认"), V, K.AGREEMENT, evidence=_("退出确认书")),
            *_notice("notice", V, "notice_days.household_exit", _("村内公示")),
            StepDef("township_review", _("乡镇审核"), T, K.APPROVAL),
            StepDef("approval", _("县批准退出"), C, K.APPROVAL),
            StepDef("announcement", _("公告退出"), C, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（销号）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.3 厅字〔2016〕16号",
        from_statuses=("poor", "pre_exit"),
        to_status="exited",
    ),
    ProcedureKind.RETURN_TO_POVERTY: ProcedureDef(
        ProcedureKind.RETURN_TO_POVERTY,
        "household",
        (
            StepDef("application", _("农户申请或干部排查"), V),
            StepDef("appraisal", _("民主评议"), V, evidence=MINUTES),
            StepDef("verification", _("村委会和驻村工作队核实"), V, evidence=CHECK_RECORD),
            *_notice("notice", V, "notice_days.identification_first", _("村内公示")),
            StepDef("township_review", _("乡镇审核"), T, K.APPROVAL),
            StepDef("approval", _("县扶贫办审定"), C, K.APPROVAL),
            StepDef("announcement", _("公告"), C, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（返贫）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.2（返贫按识别程序重新纳入）",
        from_statuses=("exited",),
        to_status="returned",
    ),
    ProcedureKind.MONITORING_IDENTIFICATION: ProcedureDef(
        ProcedureKind.MONITORING_IDENTIFICATION,
        "household",
        (
            StepDef(
                "verification", _("入户核实（防止返贫动态监测排查表）"), V, evidence=CHECK_RECORD
            ),
            StepDef("agreement", _("农户签署承诺授权书"), V, K.AGREEMENT, evidence=_("承诺授权书")),
            StepDef("comparison", _("县级信息比对"), C, evidence=_("比对结果")),
            StepDef("appraisal", _("村级民主评议"), V, evidence=MINUTES),
            *_notice("notice", V, "notice_days.monitoring_identification", _("村内公示")),
            StepDef("township_review", _("乡镇审核"), T, K.APPROVAL),
            StepDef("approval", _("县级审批"), C, K.APPROVAL),
            StepDef("announcement", _("结果公告（以乡镇名义）"), T, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（纳入监测）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.6（永城 2024）、中农组发〔2021〕7号",
        sla_key="sla_days.monitoring_identification",
        from_statuses=("exited", "poor", "returned"),
        to_status="monitored",
    ),
    ProcedureKind.RISK_ELIMINATION: ProcedureDef(
        ProcedureKind.RISK_ELIMINATION,
        "household",
        (
            StepDef("verification", _("入户核实"), V, evidence=CHECK_RECORD),
            StepDef("appraisal", _("民主评议"), V, evidence=MINUTES),
            *_notice("notice", V, "notice_days.risk_elimination", _("村内公示")),
            StepDef("township_review", _("乡镇审核"), T, K.APPROVAL),
            StepDef("approval", _("县级审定"), C, K.APPROVAL),
            StepDef("announcement", _("公告"), C, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（风险消除）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.7、§12.6",
        from_statuses=("monitored",),
        to_status="",  # back to the status the household had before monitoring
    ),
    ProcedureKind.VILLAGE_EXIT: ProcedureDef(
        ProcedureKind.VILLAGE_EXIT,
        "village",
        (
            StepDef("proposal", _("乡镇征求村民意见后提出"), T, evidence=MINUTES),
            *_notice("notice", T, "notice_days.village_exit", _("乡镇内公示")),
            StepDef("approval", _("县扶贫开发领导小组审定"), C, K.APPROVAL),
            StepDef("announcement", _("公告出列"), C, evidence=NOTICE_PHOTO),
            StepDef("marking", _("系统标注（出列）"), C, K.MARKING),
        ),
        "DOMAIN.md §6.4（[U] 典型程序）",
    ),
    ProcedureKind.COUNTY_EXIT: ProcedureDef(
        ProcedureKind.COUNTY_EXIT,
        "county",
        (
            StepDef("proposal", _("县扶贫开发领导小组提出"), C, evidence=_("退出申请")),
            StepDef("city_review", _("市级初审"), A, K.APPROVAL),
            StepDef("provincial_check", _("省级核查"), A, evidence=_("核查报告")),
            *_notice("notice", A, "notice_days.county_exit", _("省级公示")),
            StepDef("approval", _("省级批准并报国务院扶贫开发领导小组"), A, K.APPROVAL),
            StepDef(
                "national_assessment", _("国家专项评估检查（三率一度）"), A, evidence=_("评估报告")
            ),
            StepDef("announcement", _("省政府正式批准退出"), A, evidence=_("批准文件")),
            StepDef("marking", _("系统标注（摘帽）"), A, K.MARKING),
        ),
        "DOMAIN.md §6.5 厅字〔2016〕16号",
    ),
}


def procedure_def(kind: str) -> ProcedureDef:
    return PROCEDURES[kind]


@dataclass(frozen=True)
class TakenStep:
    """A step already taken, as the rules need it."""

    code: str
    notice_start: datetime.date | None = None
    notice_end: datetime.date | None = None


@dataclass(frozen=True)
class StepProblem:
    """Why a step is refused: closed, wrong_order, wrong_role, notice_not_ended,
    objection_open or evidence_required, with the message in Chinese."""

    code: str
    message: str


def next_step(definition: ProcedureDef, taken: Sequence[TakenStep]) -> StepDef | None:
    """The step to take next, or None when every step is done."""
    if len(taken) >= len(definition.steps):
        return None
    return definition.steps[len(taken)]


def notice_in_progress(definition: ProcedureDef, taken: Sequence[TakenStep]) -> TakenStep | None:
    """The notice step whose period is running (opened, not yet closed), or None."""
    if not taken:
        return None
    last = taken[-1]
    step = definition.step(last.code)
    if step is not None and step.kind == StepKind.NOTICE_OPEN:
        return last
    return None


def _last_notice(definition: ProcedureDef, taken: Sequence[TakenStep]) -> TakenStep | None:
    for item in reversed(taken):
        step = definition.step(item.code)
        if step is not None and step.kind == StepKind.NOTICE_OPEN:
            return item
    return None


def notice_last_day(
    start: datetime.date, days: int, *, working_days: bool = False
) -> datetime.date:
    """The last day of a notice of ``days`` days that starts on ``start`` (counted inclusive).

    With ``working_days`` only Monday to Friday count (public holidays are not known here):
    the 甘肃 county-exit notice of 5 working days ran from Mon 17 to Fri 21 February 2020.
    """
    days = max(int(days), 1)
    if not working_days:
        return start + datetime.timedelta(days=days - 1)
    day = start
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    counted = 1
    while counted < days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def objection_roles(definition: ProcedureDef) -> frozenset[str]:
    """Roles that record and settle objections: whoever owns a notice or a later step."""
    roles: set[str] = set()
    seen_notice = False
    for step in definition.steps:
        if step.kind == StepKind.NOTICE_OPEN:
            seen_notice = True
        if seen_notice:
            roles.add(step.role)
    return frozenset(roles)


def _months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end`` (1 March → 31 August is 5, → 1 September 6)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def start_problems(
    kind: str,
    *,
    year: int,
    today: datetime.date,
    identified_year: int | None = None,
    new_household_can_exit: bool = True,
    monitored_since: datetime.date | None = None,
    min_months_monitored: int | None = None,
) -> list[StepProblem]:
    """Why a household procedure may not start, beyond its status (DOMAIN.md §6.3, §12.6):

    - a household identified in ``year`` cannot exit in the same year where the province
      forbids it (standard ``new_household_can_exit_same_year`` = 0, e.g. 陕西; check PRO-01);
    - risk elimination needs the household monitored for at least
      ``elimination_min_months_monitored`` months (check MON-19).
    """
    problems: list[StepProblem] = []
    if (
        kind == ProcedureKind.HOUSEHOLD_EXIT
        and not new_household_can_exit
        and identified_year == year
    ):
        problems.append(
            StepProblem("new_household_exit", str(MSG_NEW_HOUSEHOLD_EXIT % {"year": year}))
        )
    if (
        kind == ProcedureKind.RISK_ELIMINATION
        and min_months_monitored
        and monitored_since is not None
        and _months_between(monitored_since, today) < min_months_monitored
    ):
        problems.append(
            StepProblem(
                "monitored_too_short",
                str(
                    MSG_MONITORED_TOO_SHORT
                    % {"months": min_months_monitored, "since": monitored_since.isoformat()}
                ),
            )
        )
    return problems


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def step_problems(
    definition: ProcedureDef,
    taken: Sequence[TakenStep],
    step_code: str,
    role: str | None,
    *,
    today: datetime.date,
    open_objections: int = 0,
    has_evidence: bool = False,
    is_open: bool = True,
) -> list[StepProblem]:
    """Why ``role`` may not take ``step_code`` now; an empty list means it may.

    The order of the checks is the order a user needs the answers in: closed, wrong step,
    wrong role, then the notice period, objections and evidence.
    """
    expected = next_step(definition, taken)
    if not is_open or expected is None:
        return [StepProblem("closed", str(MSG_CLOSED))]
    step = definition.step(step_code)
    label = str(step.label) if step is not None else step_code
    if step is None or step.code != expected.code:
        return [
            StepProblem(
                "wrong_order",
                str(MSG_WRONG_ORDER % {"expected": expected.label, "step": label}),
            )
        ]
    if role != step.role:
        return [
            StepProblem(
                "wrong_role", str(MSG_WRONG_ROLE % {"step": label, "role": _role_label(step.role)})
            )
        ]
    problems: list[StepProblem] = []
    if step.kind == StepKind.NOTICE_CLOSE:
        notice = _last_notice(definition, taken)
        if notice is not None and notice.notice_end is not None and today <= notice.notice_end:
            problems.append(
                StepProblem(
                    "notice_not_ended",
                    str(
                        MSG_NOTICE_NOT_ENDED % {"end": notice.notice_end.isoformat(), "step": label}
                    ),
                )
            )
    if step.blocked_by_objections and open_objections:
        problems.append(
            StepProblem(
                "objection_open",
                str(MSG_OBJECTION_OPEN % {"count": open_objections, "step": label}),
            )
        )
    if step.evidence_required and not has_evidence:
        problems.append(
            StepProblem(
                "evidence_required",
                str(MSG_EVIDENCE_REQUIRED % {"step": label, "evidence": step.evidence}),
            )
        )
    return problems
