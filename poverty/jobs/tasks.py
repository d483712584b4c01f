"""Thin Celery tasks over poverty.jobs.services: ids in, services do the work."""

from celery import shared_task

from poverty.jobs import services

__all__ = ["database_analyze_task", "job_echo_task"]


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def job_echo_task(job_id: int) -> None:
    """Mark a job run and finished: proves a worker, the broker and the database agree."""
    job = services.job_start(job_id)
    if job is None:
        return
    services.job_progress(job_id, done=1, total=1)
    services.job_finish(job_id, ok=True, message="ok", result={"worker": job.worker})


@shared_task(acks_late=True)
def database_analyze_task() -> None:
    """Nightly: refresh planner statistics of the project's tables."""
    job, created = services.job_enqueue_once(kind="database_analyze", subject="all")
    if not created:
        return
    services.job_start(job.pk)
    tables = services.database_analyze()
    services.job_finish(job.pk, ok=True, result={"tables": len(tables)})
