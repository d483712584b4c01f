"""The Celery app. Tasks are thin wrappers over services; results are JobRun rows."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")

app = Celery("poverty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["poverty.ledgers"])  # not an app of its own

app.conf.beat_schedule = {
    "nightly-analyze": {
        "task": "poverty.jobs.tasks.database_analyze_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "expire-ledger-files": {
        "task": "poverty.ledgers.tasks.job_files_expire_task",
        "schedule": crontab(minute=17),  # hourly
    },
    # Exit readiness, monitoring flags, statistics, rankings: changed households every minute
    # (the debounce), everything nightly before the ANALYZE.
    "assessment-changes": {
        "task": "assessment.tasks.assessment_changes_task",
        "schedule": 60.0,
    },
    "assessment-nightly-recompute": {
        "task": "assessment.tasks.assessment_nightly_task",
        "schedule": crontab(hour=1, minute=30),
    },
}
