"""A real Celery worker process for integration tests.

The worker runs `celery -A poverty worker` in a subprocess, against the configured broker
(Redis in CI, the filesystem transport otherwise) and the *test* database, consuming a queue
whose name is unique to this test session so that no other worker on the machine competes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _worker_env(database_name: str) -> dict[str, str]:
    env = dict(os.environ)
    if settings.EMBEDDED_DATABASE:
        env["EMBEDDED_DATABASE_NAME"] = database_name
    else:
        url = env["DATABASE_URL"]
        base, _sep, _old_name = url.rpartition("/")
        query = ""
        if "?" in _old_name:
            query = "?" + _old_name.split("?", 1)[1]
        env["DATABASE_URL"] = f"{base}/{database_name}{query}"
    env.setdefault("DEBUG", "true")
    return env


@pytest.fixture(scope="module")
def celery_queue(django_db_setup, django_db_blocker):
    """Start a worker on a fresh queue; yield the queue name; stop the worker."""
    from django.db import connection

    queue = f"test-{uuid.uuid4().hex[:12]}"
    database_name = connection.settings_dict["NAME"]
    log_path = ROOT / "var" / f"worker-{queue}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "poverty", "worker",
            "-Q", queue, "--concurrency", "1", "--pool", "solo", "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env=_worker_env(database_name),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if process.returncode not in (0, -15, None):
            print(log_path.read_text()[-4000:])


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2, message: str = "") -> None:
    """Poll until predicate() is true, or fail with message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(message or "condition not met in time")
