"""Production settings: secure by default, fail fast without secrets, deploy checks clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_SECRET_KEY",
            "SECURE_SSL_REDIRECT",
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS",
        }
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_are_clean_with_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY="x" * 20 + "a-long-random-production-like-key-0123456789", ALLOWED_HOSTS="example.org",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="false", POVERTY_ALLOW_INSECURE_KEY="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def _database_setting(name, **env):
    result = run_manage(
        "shell", "-c", f"from django.conf import settings; print(settings.DATABASES['default'][{name!r}])",
        **{"DEBUG": "true", **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_server_side_cursors_stay_on_by_default():
    assert _database_setting("DISABLE_SERVER_SIDE_CURSORS") == "False"


def test_pgbouncer_transaction_pooling_disables_server_side_cursors():
    value = _database_setting(
        "DISABLE_SERVER_SIDE_CURSORS", DATABASE_DISABLE_SERVER_SIDE_CURSORS="true"
    )
    assert value == "True"
    assert (
        _database_setting("DISABLE_SERVER_SIDE_CURSORS", DATABASE_DISABLE_SERVER_SIDE_CURSORS="0")
        == "False"
    )
