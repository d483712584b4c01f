"""Benchmark: the household API under load (issue 6). Results go to docs/PERFORMANCE.md.

Usage (a database of its own, seeded once):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE poverty_bench_api'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench_api
    export REDIS_URL=redis://127.0.0.1:6379/0          # throttle counters, as in production
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --households 250000
    .venv/bin/pip install -c constraints.txt -e ".[bench]"   # locust
    .venv/bin/python bench/api_bench.py [--users 20] [--duration 30] [--repeats 3] [--workers 3]

The setup writes (a user, a token, ANALYZE): when the seeded database is shared and must stay
read only, bench a copy of it (``CREATE DATABASE mine TEMPLATE shared``, seconds).

What it does: creates a county-office user for the county with the most households and a
token for it; ANALYZEs; starts gunicorn (bench.api_settings: production settings plus the
bench-only baseline routes, limits raised); then, for each implementation and endpoint, runs
locust headless with ``--users`` closed-loop users for ``--duration`` seconds, ``--repeats``
times, interleaved (ours, baseline, ours, …) so that machine noise hits both alike:

- list: ``GET …/households/?region=<county>&status=<commonest status>&page_size=100``
- detail: ``GET …/households/<random id in the county>/``

Implementations: ``ours`` (/api/v1/), ``baseline`` (plain ModelViewSet, nested members, page
numbers), ``prefetch`` (the same with prefetch_related) and ``pyrows`` (ours with the rows
rendered in Python, poverty.api.fastrows, instead of computed by PostgreSQL). CPU per request
is reported for gunicorn, locust and the PostgreSQL backends serving the database. It reports medians over the
repeats of p50, p95 and requests/s, the ratio ours/baseline, and exits 1 if a target is
missed (list p95 < 100 ms, detail p95 < 50 ms).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")

IMPLEMENTATIONS = {
    "ours": "/api/v1/households/",
    "baseline": "/api/bench/baseline/households/",
    "prefetch": "/api/bench/prefetch/households/",
    # ours with the rows rendered in Python instead of by PostgreSQL (json_rows off)
    "pyrows": "/api/bench/pyrows/households/",
}
TARGETS_MS = {"list": 100, "detail": 50}


def _setup(ids_path: Path) -> dict:
    """User, token, county, filter and sample ids, inside the bench database."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from households.models import Household
    from poverty.api.tokens import token_create
    from poverty.models import UserProfile

    counties = (
        Household.objects.filter(is_deleted=False)
        .values("village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_county: dict[str, int] = {}
    for row in counties:
        by_county[row["village_id"][:6]] = by_county.get(row["village_id"][:6], 0) + row["n"]
    county = max(by_county, key=by_county.get)
    in_county = Household.objects.filter(is_deleted=False, village__code__startswith=county)
    status = in_county.values("status").annotate(n=Count("id")).order_by("-n").first()["status"]
    user, _ = get_user_model().objects.get_or_create(username="bench-api-county")
    UserProfile.objects.update_or_create(
        user=user, defaults={"role": "county_office", "region_code": county.ljust(12, "0")}
    )
    _token, key = token_create(user=user, name="api bench")
    ids = list(in_county.order_by("?").values_list("pk", flat=True)[:5000])
    ids_path.write_text("\n".join(map(str, ids)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "county": county,
        "county_households": by_county[county],
        "households": sum(by_county.values()),
        "status": status,
        "filtered": in_county.filter(status=status).count(),
        "token": key,
    }


def _wait_for(url: str, headers: dict, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer {url}")


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers)."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _database_cpu_seconds() -> float:
    """User + system CPU of the PostgreSQL backends connected to this database (the server
    workers keep theirs open: CONN_MAX_AGE), this process's own excluded."""
    import psutil
    import psycopg2
    from django.db import connection

    settings_dict = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"] or 5432,
        ) as probe,
        probe.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


NGINX_CONF = """daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            # as in docs/deployment.md; a page (~160 KB) fits the buffers
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
            proxy_buffer_size 64k;
            proxy_buffers 8 64k;
        }}
    }}
}}
"""


def _nginx(workdir: Path, port: int, upstream: int) -> subprocess.Popen:
    """nginx in front of gunicorn, as deployed (docs/deployment.md): it reads each response
    at once and closes the connection to gunicorn, so a sync worker is not held until the
    client closes (gunicorn lingers on close), and the clients keep their connections."""
    import shutil

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("--proxy nginx needs nginx (Debian: apt-get install nginx-light)")
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workdir=workdir, port=port, upstream=upstream))
    return subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir), "-e", "stderr"])


def _locust(args, env: dict, csv_prefix: str, server_pid: int, proxy_pid: int | None) -> dict:
    command = [
        str(ROOT / ".venv/bin/locust"),
        "-f", str(ROOT / "bench/api_locustfile.py"),
        "--headless", "--only-summary",
        "-u", str(args.users), "-r", str(args.users),
        "-t", f"{args.duration}s",
        "--host", f"http://127.0.0.1:{args.port}",
        "--csv", csv_prefix,
        "--stop-timeout", "5",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    if args.locust_processes > 1:  # locust's own CPU spread over forked workers
        command += ["--processes", str(args.locust_processes)]
    server_before, locust_before = _tree_cpu_seconds(server_pid), _children_cpu_seconds()
    proxy_before = _tree_cpu_seconds(proxy_pid) if proxy_pid else 0.0
    database_before = _database_cpu_seconds()
    load = os.getloadavg()[0]
    subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True)
    server_cpu = _tree_cpu_seconds(server_pid) - server_before
    proxy_cpu = _tree_cpu_seconds(proxy_pid) - proxy_before if proxy_pid else 0.0
    locust_cpu = _children_cpu_seconds() - locust_before
    # backends that connected during the run count from zero (they did not exist before)
    database_cpu = max(0.0, _database_cpu_seconds() - database_before)
    with open(f"{csv_prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] in ("list", "detail"):
                requests = max(1, int(row["Request Count"]))
                return {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "rps": float(row["Requests/s"]),
                    # CPU per request: gunicorn (all workers), locust, PostgreSQL backends
                    "server_cpu_ms": server_cpu * 1000 / requests,
                    "locust_cpu_ms": locust_cpu * 1000 / requests,
                    "database_cpu_ms": database_cpu * 1000 / requests,
                    "proxy_cpu_ms": proxy_cpu * 1000 / requests,
                    "load_start": load,
                }
    raise SystemExit(f"locust wrote no stats to {csv_prefix}_stats.csv")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30, help="seconds per locust run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument(
        "--locust-processes", type=int, default=1, help="locust --processes (1: one process)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--proxy",
        choices=["none", "nginx"],
        default="none",
        help="nginx: locust talks to nginx (keep-alive), nginx to gunicorn, as deployed",
    )
    parser.add_argument(
        "--implementations", default="ours,baseline,prefetch", help="comma-separated"
    )
    parser.add_argument("--output", default=str(ROOT / "var/bench/api_bench.json"))
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to the seeded bench database")

    workdir = Path(tempfile.mkdtemp(prefix="api-bench-"))
    ids_path = workdir / "ids.txt"
    info = _setup(ids_path)
    query = f"region={info['county']}&status={info['status']}"
    print(
        f"{info['households']:,} households; county {info['county']}: "
        f"{info['county_households']:,}, filtered ({query}): {info['filtered']:,}"
    )
    gunicorn_port = args.port + 1 if args.proxy == "nginx" else args.port
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"), "poverty.wsgi:application",
            "-w", str(args.workers), "-b", f"127.0.0.1:{gunicorn_port}",
            "-k", args.worker_class, "--threads", str(args.threads),
            "--log-level", "warning", "--backlog", "256",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.api_settings"},
    )  # fmt: skip
    proxy = _nginx(workdir, args.port, gunicorn_port) if args.proxy == "nginx" else None
    headers = {"Authorization": f"Bearer {info['token']}"}
    results: dict = {}
    try:
        for prefix in IMPLEMENTATIONS.values():
            _wait_for(f"http://127.0.0.1:{args.port}{prefix}?{query}&page_size=100", headers)
        implementations = args.implementations.split(",")
        for repeat in range(args.repeats):
            for scenario in ("list", "detail"):
                for name in implementations:
                    env = {
                        "API_BENCH_TOKEN": info["token"],
                        "API_BENCH_SCENARIO": scenario,
                        "API_BENCH_PREFIX": IMPLEMENTATIONS[name],
                        "API_BENCH_QUERY": query,
                        "API_BENCH_IDS": str(ids_path),
                    }
                    stats = _locust(
                        args,
                        env,
                        str(workdir / f"{name}-{scenario}-{repeat}"),
                        server.pid,
                        proxy.pid if proxy else None,
                    )
                    results.setdefault(name, {}).setdefault(scenario, []).append(stats)
                    print(
                        f"run {repeat + 1} {name:8} {scenario:6} p50 {stats['p50']:6.0f} ms  "
                        f"p95 {stats['p95']:6.0f} ms  {stats['rps']:6.1f} req/s  "
                        f"failures {stats['failures']}  CPU/request: gunicorn "
                        f"{stats['server_cpu_ms']:.1f} ms, locust {stats['locust_cpu_ms']:.1f} ms, "
                        f"PostgreSQL {stats['database_cpu_ms']:.1f} ms, "
                        f"nginx {stats['proxy_cpu_ms']:.1f} ms  "
                        f"load {stats['load_start']:.1f}",
                        flush=True,
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if proxy:
            proxy.terminate()
            proxy.wait(timeout=30)

    summary: dict = {}
    for name, scenarios in results.items():
        for scenario, runs in scenarios.items():
            summary.setdefault(name, {})[scenario] = {
                key: statistics.median(run[key] for run in runs)
                for key in (
                    "p50",
                    "p95",
                    "rps",
                    "failures",
                    "server_cpu_ms",
                    "locust_cpu_ms",
                    "database_cpu_ms",
                    "proxy_cpu_ms",
                )  # fmt: skip
            }
    print(
        f"\nmedians over {args.repeats} runs, {args.users} users, {args.duration}s each; "
        f"gunicorn {args.workers} x {args.worker_class} ({args.threads} threads); "
        f"proxy {args.proxy}; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end:"
    )
    print(
        "| implementation | endpoint | p50 ms | p95 ms | req/s "
        "| gunicorn CPU ms/req | locust CPU ms/req | PostgreSQL CPU ms/req | nginx CPU ms/req |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, scenarios in summary.items():
        for scenario, m in scenarios.items():
            print(
                f"| {name} | {scenario} | {m['p50']:.0f} | {m['p95']:.0f} | {m['rps']:.1f} "
                f"| {m['server_cpu_ms']:.1f} | {m['locust_cpu_ms']:.1f} "
                f"| {m['database_cpu_ms']:.1f} | {m['proxy_cpu_ms']:.1f} |"
            )
    ok = True
    for scenario, target in TARGETS_MS.items():
        ours = summary["ours"][scenario]
        line = f"{scenario}: ours p95 {ours['p95']:.0f} ms (target < {target} ms)"
        for other in ("baseline", "prefetch", "pyrows"):
            if other in summary:
                theirs = summary[other][scenario]
                # each repeat's ratio (runs next to each other see the same machine), median
                paired = statistics.median(
                    a["rps"] / b["rps"]
                    for a, b in zip(
                        results["ours"][scenario], results[other][scenario], strict=True
                    )
                )
                line += (
                    f"; {other} p95 {theirs['p95']:.0f} ms, "
                    f"throughput ratio ours/{other} {ours['rps'] / theirs['rps']:.1f}x "
                    f"(median of per-repeat ratios {paired:.1f}x)"
                )
        print(line)
        ok = ok and ours["p95"] < target and ours["failures"] == 0
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(
        json.dumps(
            {
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "info": {k: v for k, v in info.items() if k != "token"},
                "args": vars(args),
                "runs": results,
                "medians": summary,
            },
            indent=2,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
