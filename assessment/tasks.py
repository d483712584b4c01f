"""Thin Celery tasks over assessment.services: ids in, the services do the work.

Reliability (DOMAIN of the jobs, STYLE §G): acks_late (a task whose worker dies is delivered
again), retried with backoff on database and broker hiccups, idempotent (a finished JobRun is
not run again; a half-finished one replaces its rows again), progress and outcome in JobRun.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from assessment import services
from poverty.jobs.services import job_finish

__all__ = [
    "assessment_changes_task",
    "assessment_nightly_task",
    "assessment_recompute_task",
]

RETRY_ON = (OperationalError, InterfaceError, ConnectionError)


class JobRunTask(Task):
    """Marks the JobRun failed once the task has failed for good (after its retries)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if args:
            job_finish(args[0], ok=False, message=f"{type(exc).__name__}: {exc}"[:1000])


@shared_task(
    base=JobRunTask,
    acks_late=True,
    autoretry_for=RETRY_ON,
    retry_backoff=True,
    max_retries=5,
)
def assessment_recompute_task(job_id: int) -> None:
    """Recompute readiness, flags, statistics, region verdicts and rankings for a job's scope."""
    services.recompute_run(job_id)


@shared_task(acks_late=True, autoretry_for=RETRY_ON, retry_backoff=True, max_retries=3)
def assessment_changes_task() -> None:
    """Every minute (beat): recompute the households changed since the last scan."""
    services.changes_recompute_run()


@shared_task(acks_late=True)
def assessment_nightly_task() -> None:
    """Nightly (beat): a full recomputation, as a job like any other."""
    services.recompute_request()
