"""Start, advance and finish JobRun rows. Tasks call these; pages read the rows."""

from __future__ import annotations

import socket

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from poverty.jobs.models import ACTIVE_STATUSES, JobRun, JobStatus

__all__ = [
    "database_analyze",
    "job_enqueue_once",
    "job_finish",
    "job_progress",
    "job_start",
]


def job_enqueue_once(
    *, kind: str, subject: str = "", region_code: str = "", created_by=None
) -> tuple[JobRun, bool]:
    """Create a pending JobRun unless one for the same kind and subject is active.

    Returns (job, created). The partial unique constraint makes this safe under races.
    """
    try:
        with transaction.atomic():
            job = JobRun.objects.create(
                kind=kind, subject=subject, region_code=region_code, created_by=created_by
            )
            return job, True
    except IntegrityError:
        job = JobRun.objects.get(kind=kind, subject=subject, status__in=ACTIVE_STATUSES)
        return job, False


def job_start(job_id: int) -> JobRun | None:
    """Lock the row and mark it running; None if it is already finished (idempotent redelivery)."""
    with transaction.atomic():
        job = JobRun.objects.select_for_update().get(pk=job_id)
        if job.is_terminal:
            return None
        job.status = JobStatus.RUNNING
        job.started = timezone.now()
        job.worker = socket.gethostname()[:100]
        job.save(update_fields=["status", "started", "worker"])
    return job


def job_progress(job_id: int, *, done: int, total: int | None = None) -> None:
    fields = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    JobRun.objects.filter(pk=job_id).update(**fields)


def job_finish(job_id: int, *, ok: bool, message: str = "", result: dict | None = None) -> None:
    JobRun.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED if ok else JobStatus.FAILED,
        message=message,
        result=result or {},
        finished=timezone.now(),
    )


def database_analyze(tables: list[str] | None = None) -> list[str]:
    """Refresh planner statistics (run after bulk loads and nightly)."""
    from django.apps import apps

    if tables is None:
        tables = [
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.app_label
            in {"villages", "households", "assistance", "assessment", "jobs"}
        ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    return tables
