"""Export ledgers: in the request when small, as a job when large; every export is logged.

- :func:`ledger_params_for` turns what the user asked for into LedgerParams, refusing a region
  outside the user's export scope (the same answer as for a region that does not exist).
- :func:`ledger_write` writes a kind's plan into a file (the one code path for pages, jobs
  and the command).
- :func:`ledger_export_enqueue` / :func:`ledger_export_run` are the job's two halves.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from poverty.access_log import access_log_write
from poverty.audit.context import actor_context
from poverty.exceptions import BusinessRuleError
from poverty.jobs.models import JobRun
from poverty.jobs.services import job_enqueue_once, job_finish, job_progress, job_start
from poverty.ledgers.base import LedgerKind, LedgerParams, LedgerPlan, ledger_kind_get
from poverty.models import AccessEvent
from poverty.scoping import region_prefixes, user_can, user_profile
from poverty.xlsx import XlsxWriter
from villages.codes import code_is_well_formed, normalize_code

__all__ = [
    "EXPORT_JOB_KIND",
    "MSG_NO_REGION",
    "job_file_path",
    "ledger_default_year",
    "ledger_export_enqueue",
    "ledger_export_log",
    "ledger_export_run",
    "ledger_params_for",
    "ledger_write",
]

log = logging.getLogger(__name__)
EXPORT_JOB_KIND = "ledger_export"
MSG_NO_REGION = _("区划不存在或不在您的导出范围内")


def ledger_default_year(user) -> int:
    """The latest year with income records the user can see, else last year."""
    from households.models import AnnualIncome
    from poverty.scoping import visible_to

    latest = (
        visible_to(user, AnnualIncome.objects.all(), "view")
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or timezone.localdate().year - 1


def ledger_params_for(
    user,
    *,
    region: str = "",
    year: int | str | None = None,
    filters: dict | None = None,
    household_id: int | None = None,
) -> LedgerParams:
    """Check the region against the user's export scope; default to the user's own region."""
    if not user_can(user, "export"):
        raise BusinessRuleError(_("您的角色不能导出台账"), code="no_export")
    prefixes = region_prefixes(user, "export")
    code = normalize_code(region) if region else ""
    if not code:
        profile = user_profile(user)
        code = profile.region_code if profile is not None else ""
    if code and not code_is_well_formed(code):
        raise BusinessRuleError(MSG_NO_REGION, field="region")
    if prefixes is not None and not any(code.startswith(p) for p in prefixes):
        raise BusinessRuleError(MSG_NO_REGION, field="region")
    try:
        year_value = int(year) if year not in (None, "") else ledger_default_year(user)
    except (TypeError, ValueError) as exc:
        raise BusinessRuleError(_("年度格式不正确"), field="year") from exc
    if not 2013 <= year_value <= 2035:
        raise BusinessRuleError(_("年度应在 2013 到 2035 之间"), field="year")
    return LedgerParams(
        user=user,
        region_code=code,
        year=year_value,
        filters=dict(filters or {}),
        household_id=household_id,
    )


def ledger_write(
    kind: LedgerKind,
    params: LedgerParams,
    target: str | Path | IO[bytes],
    *,
    on_progress: Callable[[int, int], None] | None = None,
    plan: LedgerPlan | None = None,
) -> tuple[LedgerPlan, int]:
    """Write the ledger into ``target``; returns the plan and the number of data rows."""
    plan = plan or kind.plan(params)
    written = 0
    with XlsxWriter(target) as book:
        for sheet in plan.sheets:
            if sheet.form:
                rows = list(sheet.rows())
                book.write_form_sheet(sheet.name, rows, title=sheet.title, subtitle=sheet.subtitle)
                written += len(rows)
                continue
            base = written

            def progress(n: int, base=base) -> None:
                if on_progress is not None:
                    on_progress(base + n, plan.total)

            written += book.write_sheet(
                sheet.name,
                sheet.columns,
                sheet.rows(),
                title=sheet.title,
                subtitle=sheet.subtitle,
                validations=sheet.validations,
                validation_rows=sheet.validation_rows,
                hidden=sheet.hidden,
                on_rows=progress,
            )
    return plan, written


def ledger_export_log(
    user, kind: LedgerKind, params: LedgerParams, rows: int, *, request=None, **extra
) -> None:
    access_log_write(
        AccessEvent.EXPORT,
        request=request,
        user=user,
        username="" if getattr(user, "pk", None) else "command",
        ledger=kind.key,
        label=kind.label,
        rows=rows,
        **params.as_json(),
        **extra,
    )


def _subject(kind: LedgerKind, params: LedgerParams) -> str:
    digest = hashlib.sha1(
        json.dumps(params.as_json(), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"{kind.key}:{getattr(params.user, 'pk', '')}:{digest}"[:100]


def _job_region(kind: LedgerKind, params: LedgerParams) -> str:
    if kind.per_household and params.household_id:
        from households.models import Household

        return (
            Household.objects.filter(pk=params.household_id)
            .values_list("village_id", flat=True)
            .first()
            or params.region_code
        )
    return params.region_code


def ledger_export_enqueue(kind: LedgerKind, params: LedgerParams) -> tuple[JobRun, bool]:
    """A pending export job (one per user, kind and parameters); the task runs on commit."""
    from poverty.ledgers.tasks import ledger_export_task

    job, created = job_enqueue_once(
        kind=EXPORT_JOB_KIND,
        subject=_subject(kind, params),
        region_code=_job_region(kind, params),
        created_by=params.user,
    )
    if created:
        JobRun.objects.filter(pk=job.pk).update(
            result={"params": {"kind": kind.key, "label": kind.label, **params.as_json()}},
            message=_("排队中：%(label)s") % {"label": kind.label},
        )
        transaction.on_commit(lambda: ledger_export_task.delay(job.pk))
    return job, created


def job_file_path(filename: str) -> str:
    """A fresh storage name under jobs/ for a result file (the download keeps the nice name)."""
    stem = Path(filename).suffix or ".xlsx"
    today = timezone.localdate()
    return f"jobs/{today:%Y/%m}/{uuid.uuid4().hex}{stem}"


def ledger_export_run(job_id: int) -> None:
    """The job: write the file straight into storage, log the export, record the outcome."""
    job = job_start(job_id)
    if job is None:
        return
    request = (job.result or {}).get("params", {})
    user = job.created_by
    kind = ledger_kind_get(request.get("kind", ""))
    try:
        if kind is None or user is None:
            raise BusinessRuleError(_("导出任务参数无效"))
        with actor_context(user=user, channel="job"):
            params = ledger_params_for(
                user,
                region=request.get("region_code", ""),
                year=request.get("year"),
                filters=request.get("filters") or {},
                household_id=request.get("household_id"),
            )
            plan = kind.plan(params)
            job_progress(job_id, done=0, total=plan.total)
            name = job_file_path(plan.filename)
            path = Path(default_storage.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                _plan, rows = ledger_write(
                    kind,
                    params,
                    handle,
                    plan=plan,
                    on_progress=lambda done, total: job_progress(job_id, done=done, total=total),
                )
        JobRun.objects.filter(pk=job_id).update(result_file=name)
        ledger_export_log(user, kind, params, rows, job=job_id)
        expires = timezone.now() + datetime.timedelta(hours=settings.LEDGER_FILE_EXPIRY_HOURS)
        job_progress(job_id, done=plan.total, total=plan.total)
        job_finish(
            job_id,
            ok=True,
            message=_("已生成 %(label)s，共 %(rows)s 行") % {"label": kind.label, "rows": rows},
            result={
                "params": request,
                "rows": rows,
                "filename": plan.filename,
                "expires_at": expires.isoformat(),
            },
        )
    except BusinessRuleError as exc:
        job_finish(job_id, ok=False, message=str(exc), result={"params": request})
    except Exception:
        log.exception("ledger export job %s failed", job_id)
        job_finish(
            job_id,
            ok=False,
            message=_("导出失败，请稍后重试或联系管理员（任务编号 %(id)s）") % {"id": job_id},
            result={"params": request},
        )
        raise
