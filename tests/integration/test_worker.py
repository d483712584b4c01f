"""A real worker picks tasks from the configured broker and records them in the test database."""

import pytest

from poverty.jobs.models import JobRun, JobStatus
from poverty.jobs.services import job_enqueue_once
from poverty.jobs.tasks import job_echo_task
from tests.integration.conftest import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def test_worker_runs_task_and_records_outcome(celery_queue):
    # given a pending job
    job, created = job_enqueue_once(kind="echo", subject="integration")
    assert created

    # when a task for it is sent through the broker
    job_echo_task.apply_async(args=[job.pk], queue=celery_queue)

    # then a worker process marks it succeeded in the database
    def done():
        job.refresh_from_db()
        return job.status == JobStatus.SUCCEEDED

    wait_for(done, timeout=90, message="the worker did not finish the job: see var/worker-*.log")
    assert job.progress_done == job.progress_total == 1
    assert job.worker  # the worker's host name, written by the worker process
    assert job.result == {"worker": job.worker}


def test_redelivered_task_does_not_run_a_finished_job_again(celery_queue):
    job, _ = job_enqueue_once(kind="echo", subject="redelivery")
    job_echo_task.apply_async(args=[job.pk], queue=celery_queue)
    wait_for(lambda: JobRun.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED, timeout=90)
    finished_first = JobRun.objects.get(pk=job.pk).finished

    # a second delivery of the same message (acks_late redelivery) must be a no-op
    job_echo_task.apply_async(args=[job.pk], queue=celery_queue)
    marker, _ = job_enqueue_once(kind="echo", subject="marker")
    job_echo_task.apply_async(args=[marker.pk], queue=celery_queue)  # processed after the repeat
    wait_for(lambda: JobRun.objects.get(pk=marker.pk).status == JobStatus.SUCCEEDED, timeout=90)

    assert JobRun.objects.get(pk=job.pk).finished == finished_first


def test_enqueue_once_refuses_a_second_active_job():
    first, created_first = job_enqueue_once(kind="echo", subject="same")
    second, created_second = job_enqueue_once(kind="echo", subject="same")
    assert created_first and not created_second
    assert second.pk == first.pk
