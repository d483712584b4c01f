"""Check that the servers named in the environment answer, before tests or the stack start.

    python -m poverty.preflight

A server that is named (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL) but cannot be reached
fails at once with a message that says which one and how to start it. Nothing switches
silently to another backend: without DATABASE_URL the embedded PostgreSQL is used *by
design*, and that is said too.
"""

from __future__ import annotations

import os
import sys

import environ

__all__ = ["check_broker", "check_database", "main"]

HOW_TO_START_POSTGRES = (
    "start it (Debian: pg_ctlcluster 15 main start) or unset DATABASE_URL to use the embedded "
    "PostgreSQL in var/pg"
)
HOW_TO_START_REDIS = (
    "start it (redis-server --daemonize yes) or unset REDIS_URL/CELERY_BROKER_URL to use the "
    "filesystem broker in var/celery"
)


def check_database(url: str) -> str | None:
    """None if PostgreSQL at ``url`` accepts a connection, else a message."""
    import psycopg2

    config = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":  # the URL scheme, not our backend
        return f"DATABASE_URL is not a PostgreSQL URL: {url}"
    params = {
        "dbname": "postgres",  # the target database may not exist yet (the test runner creates it)
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "connect_timeout": 5,
    }
    try:
        psycopg2.connect(**{k: v for k, v in params.items() if v is not None}).close()
    except psycopg2.Error as exc:
        return f"PostgreSQL named by DATABASE_URL ({url}) cannot be reached: {exc}".strip() + (
            f"\n  → {HOW_TO_START_POSTGRES}"
        )
    return None


def check_broker(url: str) -> str | None:
    """None if the Redis broker at ``url`` answers PING, else a message."""
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return f"Redis named by REDIS_URL/CELERY_BROKER_URL ({url}) cannot be reached: {exc}\n  → {HOW_TO_START_REDIS}"
    return None


def main() -> int:
    environ.Env.read_env(os.path.join(os.path.dirname(os.path.dirname(__file__)), ".env"))
    problems: list[str] = []
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
    if database_url:
        problem = check_database(database_url)
        if problem:
            problems.append(problem)
        else:
            print(f"preflight: PostgreSQL at {database_url}: ok")
    else:
        print("preflight: DATABASE_URL not set: using the embedded PostgreSQL in var/pg")
    if broker_url:
        problem = check_broker(broker_url)
        if problem:
            problems.append(problem)
        else:
            print(f"preflight: broker at {broker_url}: ok")
    else:
        print("preflight: REDIS_URL not set: Celery uses the filesystem broker in var/celery")
    for problem in problems:
        print(f"preflight: ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
