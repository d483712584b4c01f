"""Expire job result files: exports and import reports are kept for a configurable time.

A periodic task (poverty.ledgers.tasks.job_files_expire_task, in the beat schedule) deletes
the files of jobs that finished more than ``LEDGER_FILE_EXPIRY_HOURS`` ago, and the uploads
their import checks read; the JobRun rows stay, marked expired, so the page can say so.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from poverty.jobs.models import JobRun

__all__ = ["job_expires_at", "job_files_expire", "job_is_expired"]


def job_expires_at(job: JobRun) -> datetime.datetime | None:
    if job.finished is None:
        return None
    return job.finished + datetime.timedelta(hours=settings.LEDGER_FILE_EXPIRY_HOURS)


def job_is_expired(job: JobRun, now: datetime.datetime | None = None) -> bool:
    expires = job_expires_at(job)
    return bool((job.result or {}).get("expired")) or (
        expires is not None and expires <= (now or timezone.now())
    )


def _delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def job_files_expire(now: datetime.datetime | None = None) -> int:
    """Delete result files and uploads of jobs finished before the expiry; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.LEDGER_FILE_EXPIRY_HOURS)
    expired = 0
    for job in JobRun.objects.filter(finished__lt=cutoff):
        if (job.result or {}).get("expired"):
            continue
        params = (job.result or {}).get("params") or {}
        upload = params.get("upload", "")
        if not job.result_file and not upload:
            continue
        _delete(job.result_file.name if job.result_file else "")
        _delete(upload)
        result = {**(job.result or {}), "expired": True}
        JobRun.objects.filter(pk=job.pk).update(result_file="", result=result)
        expired += 1
    return expired
