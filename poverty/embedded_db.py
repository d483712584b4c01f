"""A private PostgreSQL server for development and tests, started from the pgserver wheel.

Used only when DATABASE_URL is not set. pgserver ships PostgreSQL 16; the server keeps its
data in ``var/pg`` and is shared by every process of the project (web, worker, beat, tests):
each process registers itself, and the server stops when the last one exits.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

DATABASE_NAME = "poverty"


def embedded_database_config(pgdata: Path, *, name: str = DATABASE_NAME) -> dict:
    """Start (or join) the private server in ``pgdata`` and return Django's settings for it."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    _ensure_database(server, name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without unregistering (killed, or ended by a signal).

    pgserver stops the server when the last registered process exits; a process killed by
    SIGKILL or SIGTERM never unregisters, and the server would then run forever.
    """
    import json

    import psutil

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def embedded_database_stop(pgdata: Path) -> None:
    """Stop the private server now (end of `make run`), whoever else registered."""
    import json

    from pgserver._commands import pg_ctl
    from pgserver.postgres_server import PostgresServer

    server = PostgresServer._instances.get(pgdata.expanduser().resolve())
    if server is None:
        return
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
    except Exception:  # noqa: BLE001 - already stopped is fine
        pass
    (server.pgdata / ".handle_pids.json").write_text(json.dumps([]))


def _ensure_database(server, name: str) -> None:
    import psycopg2

    info = server.get_postmaster_info()
    conn = psycopg2.connect(
        dbname="postgres", user="postgres", host=str(info.socket_dir), port=info.port
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
