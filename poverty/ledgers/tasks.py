"""Thin Celery tasks over poverty.ledgers.services and poverty.ledgers.imports: ids in."""

from celery import shared_task

__all__ = ["job_files_expire_task", "ledger_export_task", "ledger_import_task"]


@shared_task(acks_late=True)
def ledger_export_task(job_id: int) -> None:
    from poverty.ledgers.services import ledger_export_run

    ledger_export_run(job_id)


@shared_task(acks_late=True)
def ledger_import_task(job_id: int) -> None:
    from poverty.ledgers.imports import ledger_import_run

    ledger_import_run(job_id)


@shared_task(acks_late=True)
def job_files_expire_task() -> int:
    """Periodic (beat): delete expired export files and import uploads."""
    from poverty.jobs.cleanup import job_files_expire

    return job_files_expire()
