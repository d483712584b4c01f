"""`make run`: migrate, load demo data, then run web, Celery worker and beat together.

    python -m poverty.devstack [--port 8000] [--households 3000]

Ctrl-C stops every process; the embedded PostgreSQL (when DATABASE_URL is not set) stops
with the last of them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

__all__ = ["main"]


def _prepare(households: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    call_command("seed_demo", households=households)
    call_command("create_demo_users")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument(
        "--households", type=int, default=int(os.environ.get("DEMO_HOUSEHOLDS", "3000"))
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    os.environ.setdefault("DEBUG", "true")
    from poverty.preflight import main as preflight

    if preflight() != 0:
        return 1
    _prepare(args.households)

    python = sys.executable
    var_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "var")
    commands = {
        "web": [python, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        "worker": [python, "-m", "celery", "-A", "poverty", "worker", "-l", "info", "--concurrency", "2"],
        "beat": [
            python, "-m", "celery", "-A", "poverty", "beat", "-l", "info",
            "--schedule", os.path.join(var_dir, "celerybeat-schedule"),
        ],
    }  # fmt: skip
    processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}

    from poverty.demo_accounts import demo_accounts_plan

    print("\n" + "=" * 70)
    print(f"  精准扶贫业务管理系统 is running at http://{args.host}:{args.port}/")
    for account in demo_accounts_plan():
        print(
            f"  login: {account.username:<14} / {account.password:<16} {account.description} {account.region_code}"
        )
    print("  Ctrl-C stops the web server, the worker and beat.")
    print("=" * 70 + "\n", flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(
                    f"devstack: {name} exited with {process.returncode}; stopping the rest",
                    file=sys.stderr,
                )
                exit_code = process.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # like Ctrl-C: each exits cleanly
    deadline = time.time() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
    from django.conf import settings

    if settings.EMBEDDED_DATABASE:
        from poverty.embedded_db import embedded_database_stop

        embedded_database_stop(settings.VAR_DIR / "pg")
        print("devstack: embedded PostgreSQL stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
