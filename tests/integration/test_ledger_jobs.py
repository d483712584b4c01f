"""Export and import jobs on a real Celery worker: progress, result file, download."""

import io

import pytest
from django.urls import reverse

from households.models import Household
from poverty.jobs.models import JobRun, JobStatus
from poverty.ledgers.base import ledger_kind_get
from poverty.ledgers.services import ledger_export_enqueue, ledger_params_for
from poverty.ledgers.tasks import ledger_export_task, ledger_import_task
from poverty.models import AccessEvent, AccessLog
from poverty.roles import Role
from tests.access import build_world
from tests.integration.conftest import wait_for
from tests.ledgers.conftest import data_rows, open_book

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def test_export_job_runs_on_a_worker_and_the_file_downloads(celery_queue, client, monkeypatch):
    world = build_world()
    user = world.counties["a"].users[Role.COUNTY_OFFICE]
    monkeypatch.setattr(
        ledger_export_task,
        "delay",
        lambda job_id: ledger_export_task.apply_async(args=[job_id], queue=celery_queue),
    )
    job, created = ledger_export_enqueue(
        ledger_kind_get("households_roster"), ledger_params_for(user, year=2019)
    )
    assert created
    wait_for(lambda: JobRun.objects.get(pk=job.pk).is_terminal, timeout=90,
             message="the worker did not finish the export: see var/worker-*.log")  # fmt: skip
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress_done == job.progress_total == 6 and job.result["rows"] == 6
    assert AccessLog.objects.filter(
        event=AccessEvent.EXPORT, user=user, detail__job=job.pk
    ).exists()
    client.force_login(user)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    book = open_book(b"".join(response.streaming_content))
    assert len(data_rows(book.active)) == 6


def test_import_check_and_apply_run_on_a_worker(celery_queue, client, settings, monkeypatch):
    from tests.ledgers.test_imports import good_file

    settings.LEDGER_SYNC_MAX_BYTES = 0  # every upload goes to the worker
    world = build_world()
    user = world.counties["a"].users[Role.COUNTY_OFFICE]
    monkeypatch.setattr(
        ledger_import_task,
        "delay",
        lambda job_id: ledger_import_task.apply_async(args=[job_id], queue=celery_queue),
    )
    client.force_login(user)
    upload = io.BytesIO(good_file(world).getvalue())
    upload.name = "村上报.xlsx"
    client.post(reverse("ledgers:import"), {"file": upload})
    check = JobRun.objects.get(kind="ledger_import_check")
    wait_for(lambda: JobRun.objects.get(pk=check.pk).is_terminal, timeout=90)
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED and check.result["counts"]["households_new"] == 2
    client.post(reverse("ledgers:import_apply", args=[check.pk]))
    applied = JobRun.objects.get(kind="ledger_import_apply")
    wait_for(lambda: JobRun.objects.get(pk=applied.pk).is_terminal, timeout=90)
    applied.refresh_from_db()
    assert applied.status == JobStatus.SUCCEEDED and applied.result["applied"]
    assert Household.objects.filter(household_number__startswith="431202099000").count() == 2
