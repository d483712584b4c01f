"""Writes of the assessment app: standards and checklists (stricter-only), county assessment
figures, ranking settings, and the recomputation jobs. Same shape as households.services:
keyword-only, ``actor`` first, validate, save, record history in the same transaction, and
start jobs only after the commit.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.choices import RankingIndicator
from assessment.models import (
    ChecklistItem,
    CountyAssessmentFigures,
    PolicyStandard,
    RankingConfig,
    RecomputeState,
)
from assessment.rules.standards import checklist_row_problems, standard_row_problems
from poverty.audit.context import actor_context
from poverty.audit.models import ChangeAction
from poverty.audit.recording import model_snapshot, record_change
from poverty.exceptions import BusinessRuleError
from poverty.jobs.models import JobRun
from poverty.jobs.services import job_enqueue_once, job_finish, job_progress, job_start

__all__ = [
    "CHANGES_KIND",
    "MSG_RANKING_WEIGHTS",
    "RECOMPUTE_KIND",
    "changes_recompute_run",
    "checklist_item_problems",
    "checklist_item_save",
    "county_figures_save",
    "ranking_config_save",
    "ranking_weights_problems",
    "recompute_request",
    "recompute_run",
    "recompute_subject",
    "standard_problems",
    "standard_save",
    "standards_changed",
]

log = logging.getLogger(__name__)


def _setting(name: str, default: int) -> int:
    """Tunables with defaults here, overridable in settings (no settings edit needed)."""
    return int(getattr(settings, name, default))


# Edits to standards within this many seconds share one full recomputation.
RECOMPUTE_DEBOUNCE = "ASSESSMENT_RECOMPUTE_DEBOUNCE_SECONDS"
# The change scan looks back this far before its watermark (late commits are not missed).
SCAN_OVERLAP = "ASSESSMENT_CHANGE_SCAN_OVERLAP_SECONDS"

RECOMPUTE_KIND = "assessment_recompute"
CHANGES_KIND = "assessment_changes"
MSG_RANKING_WEIGHTS = _("指标权重须为 {指标代码: 正数}，指标代码只能是：%(codes)s")
MSG_RECOMPUTE_DONE = _("已重新计算 %(households)s 户、%(years)s 个户年度，区域统计 %(stats)s 条")


def _full_clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            raise BusinessRuleError(
                errors[0].messages[0], field=None if field == "__all__" else field
            ) from exc
        raise BusinessRuleError(exc.messages[0]) from exc


# --- standards and checklists -------------------------------------------------------------


def _scope_class(scope_code: str) -> str:
    if len(scope_code) < 2:
        return ""
    from assessment.selectors import region_class_of

    return region_class_of(scope_code)


def standard_problems(standard: PolicyStandard) -> list[str]:
    """Why this row may not be saved: overlapping years, or looser than a wider scope."""
    others = [s.as_row() for s in PolicyStandard.objects.filter(key=standard.key)]
    return standard_row_problems(
        standard.as_row(), others, scope_class=_scope_class(standard.scope_code)
    )


def checklist_item_problems(item: ChecklistItem) -> list[str]:
    others = [c.as_row() for c in ChecklistItem.objects.filter(code=item.code, level=item.level)]
    return checklist_row_problems(item.as_row(), others)


def standards_changed(*, actor=None) -> None:
    """After a standard or checklist changed: recompute everything, once, after the commit
    (edits within the debounce delay share one job)."""
    recompute_request(actor=actor, countdown=_setting(RECOMPUTE_DEBOUNCE, 60))


@transaction.atomic
def standard_save(*, actor, standard: PolicyStandard | None, data: dict) -> PolicyStandard:
    """Create or change a policy standard; refused if it would loosen a wider one."""
    before = model_snapshot(standard) if standard is not None and standard.pk else None
    target = standard or PolicyStandard()
    for name, value in data.items():
        setattr(target, name, value)
    _full_clean(target)
    problems = standard_problems(target)
    if problems:
        raise BusinessRuleError(problems[0], field="value", extra={"problems": problems})
    target.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=target,
        before=before,
        after=model_snapshot(target),
        division_code=target.scope_code,
    )
    standards_changed(actor=actor)
    return target


@transaction.atomic
def checklist_item_save(*, actor, item: ChecklistItem | None, data: dict) -> ChecklistItem:
    before = model_snapshot(item) if item is not None and item.pk else None
    target = item or ChecklistItem()
    for name, value in data.items():
        setattr(target, name, value)
    _full_clean(target)
    problems = checklist_item_problems(target)
    if problems:
        raise BusinessRuleError(problems[0], field="threshold", extra={"problems": problems})
    target.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=target,
        before=before,
        after=model_snapshot(target),
        division_code=target.scope_code,
    )
    standards_changed(actor=actor)
    return target


@transaction.atomic
def county_figures_save(
    *, actor, figures: CountyAssessmentFigures | None, data: dict
) -> CountyAssessmentFigures:
    """The county's 三率一度 for a year; its 摘帽 verdict is recomputed after the commit."""
    before = model_snapshot(figures) if figures is not None and figures.pk else None
    target = figures or CountyAssessmentFigures()
    for name, value in data.items():
        setattr(target, name, value)
    _full_clean(target)
    target.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=target,
        before=before,
        after=model_snapshot(target),
        division_code=target.county_code,
    )
    recompute_request(region_code=target.county_code, year=target.year, actor=actor)
    return target


def ranking_weights_problems(weights) -> list[str]:
    codes = set(RankingIndicator.values)
    message = str(MSG_RANKING_WEIGHTS % {"codes": "、".join(RankingIndicator.values)})
    if not isinstance(weights, dict) or not weights:
        return [message]
    for key, value in weights.items():
        if key not in codes or isinstance(value, bool) or not isinstance(value, (int, float)):
            return [message]
        if value <= 0:
            return [message]
    return []


@transaction.atomic
def ranking_config_save(*, actor, config: RankingConfig | None, data: dict) -> RankingConfig:
    """A county or city office's ranking: weighted indicators and the bottom N to highlight."""
    before = model_snapshot(config) if config is not None and config.pk else None
    target = config or RankingConfig(created_by=actor if getattr(actor, "pk", None) else None)
    for name, value in data.items():
        setattr(target, name, value)
    problems = ranking_weights_problems(target.weights)
    if problems:
        raise BusinessRuleError(problems[0], field="weights")
    _full_clean(target)
    target.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=target,
        before=before,
        after=model_snapshot(target),
        division_code=target.region_code,
    )
    recompute_request(region_code=target.region_code, actor=actor)
    return target


# --- recomputation jobs -------------------------------------------------------------------


def recompute_subject(region_code: str = "", year: int | None = None) -> str:
    return f"{region_code or 'all'}:{year or 'all'}"


def _parse_subject(subject: str) -> tuple[str, int | None]:
    region, _sep, year = subject.partition(":")
    return ("" if region == "all" else region), (None if year in ("", "all") else int(year))


def recompute_request(
    *,
    region_code: str = "",
    year: int | None = None,
    actor=None,
    countdown: int = 0,
    queue: str | None = None,
) -> tuple[JobRun, bool]:
    """Ask for a recomputation; nothing is enqueued twice (an active job of the same region and
    year absorbs the request). The task is sent after the surrounding transaction commits."""
    from assessment.tasks import assessment_recompute_task

    job, created = job_enqueue_once(
        kind=RECOMPUTE_KIND,
        subject=recompute_subject(region_code, year),
        region_code=region_code,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if created:
        options = {"countdown": countdown} if countdown else {}
        if queue:
            options["queue"] = queue
        transaction.on_commit(
            lambda: assessment_recompute_task.apply_async(args=[job.pk], **options)
        )
    return job, created


def recompute_run(job_id: int) -> dict | None:
    """Run one recomputation job: progress into its JobRun row, outcome at the end.

    Idempotent: a finished job is not run again (redelivery after acks_late), and a job that
    died half-way simply replaces its rows again. If the standards changed while it ran, a
    follow-up job is requested so that the change is not missed.
    """
    from assessment.recompute import recompute
    from assessment.selectors import standards_version

    job = job_start(job_id)
    if job is None:
        return None
    region_code, year = _parse_subject(job.subject)
    version = standards_version()

    def progress(done: int, total: int) -> None:
        job_progress(job_id, done=done, total=total)

    with actor_context(user=job.created_by, channel="job", request_id=f"job-{job_id}"):
        result = recompute(region_code=region_code, year=year, progress=progress)
    summary = result.as_dict()
    job_finish(
        job_id,
        ok=True,
        message=str(
            MSG_RECOMPUTE_DONE
            % {
                "households": result.households,
                "years": result.household_years,
                "stats": result.statistics,
            }
        ),
        result=summary,
    )
    if standards_version() != version and not region_code:
        recompute_request(countdown=_setting(RECOMPUTE_DEBOUNCE, 60))
    return summary


_CHANGED_SQL = """
SELECT id FROM households_household WHERE updated > %(since)s
UNION SELECT household_id FROM households_annualincome WHERE updated > %(since)s
UNION SELECT household_id FROM households_guaranteestatus WHERE updated > %(since)s
UNION SELECT household_id FROM households_member WHERE updated > %(since)s
"""


def changed_households(since: datetime.datetime) -> list[int]:
    """Households whose registry rows changed after ``since`` (every channel: pages, API,
    imports, admin, jobs — they all stamp ``updated``)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGED_SQL, {"since": since})
        return [row[0] for row in cursor.fetchall()]


def changes_recompute_run(*, queue_job: bool = True) -> dict:
    """Recompute the households changed since the last scan, then their villages and above.

    Run every minute by beat: changes made within a minute share one recomputation (the
    debounce). Each scan looks back ``ASSESSMENT_CHANGE_SCAN_OVERLAP_SECONDS`` before its
    watermark, so a change committed late by a long transaction is not missed; recomputing a
    household twice is harmless. Two scans never run together (the state row is locked).
    """
    from assessment.recompute import recompute_households

    overlap = datetime.timedelta(seconds=_setting(SCAN_OVERLAP, 120))
    with transaction.atomic():
        RecomputeState.objects.get_or_create(
            key="changes", defaults={"watermark": timezone.now() - overlap}
        )
    with transaction.atomic():
        state = (
            RecomputeState.objects.select_for_update(skip_locked=True).filter(key="changes").first()
        )
        if state is None:
            return {"skipped": "another scan is running"}
        started = timezone.now()
        ids = changed_households(state.watermark - overlap)
        summary: dict = {"households": 0}
        if ids:
            job = None
            if queue_job:
                job, _created = job_enqueue_once(
                    kind=CHANGES_KIND, subject=f"scan-{started:%Y%m%d%H%M%S%f}"
                )
                job_start(job.pk)
            with actor_context(channel="job", request_id=f"changes-{started:%H%M%S}"):
                summary = recompute_households(ids).as_dict()
            if job is not None:
                job_finish(job.pk, ok=True, result=summary)
        state.watermark = started
        state.save(update_fields=["watermark"])
    return summary
