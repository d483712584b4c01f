"""Benchmark: the registry pages in the browser (issue 5). Results go to docs/PERFORMANCE.md.

Usage (a seeded database; the script only reads it, apart from creating its login once):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench
    .venv/bin/python manage.py seed_demo --households 250000      # once, if not seeded
    .venv/bin/python bench/pages.py [--runs 60] [--warmup 10]

What it measures: full Django requests through the test client (every middleware, the
templates rendered, DEBUG off, production settings apart from the session engine), in this
one process, timed with ``time.perf_counter`` around ``client.get``:

- list: the household list of the county with the most households, filtered by that county
  and its commonest status and sorted by household number descending, first page (50 rows):
  ``/households/?region=<county>&status=<status>&ordering=-household_number``
- detail: ``/households/<id>/`` for households picked at random (fixed seed) in that county.

The two pages alternate (list, detail, list, …) so machine noise hits both alike. For each
page it prints the median, p90 and max of the whole request, the median time spent waiting
for PostgreSQL (an execute_wrapper sums query times) and the number of queries. Targets
(issue 5): list median < 100 ms, detail median < 80 ms; exit status 1 if one is missed.

The logged-in user is a county-office user for that county, created once with
``manage.py create_role_user`` (the only write). Everything else is read-only: the database
connection runs with ``default_transaction_read_only=on`` and the session lives in a signed
cookie made here (no login signal, so no access-log row or last_login update).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/poverty_bench")
os.environ["DEBUG"] = "0"
os.environ.setdefault("POVERTY_ALLOW_INSECURE_KEY", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("STATICFILES_MANIFEST", "0")  # no collectstatic needed; same cost

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no collectstatic

USERNAME = "bench-pages-county"
TARGETS_MS = {"list": 100, "detail": 80}


# --level: the county list the issue names, or a whole city (several times the 30,000
# households when the demo's largest county is smaller than that) as a city leader sees it.
LEVELS = {"county": (6, "county_office"), "city": (4, "city_leader")}


def _county_with_most_households(digits: int = 6) -> tuple[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(village_code, %s) AS county, count(*) FROM households_household"
            " WHERE NOT is_deleted GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [digits],
        )
        county, count = cursor.fetchone()
    return county, count


def _ensure_user(county: str, level: str = "county"):
    from django.contrib.auth import get_user_model

    username = USERNAME if level == "county" else f"bench-pages-{level}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "create_role_user", username,
             "--role", LEVELS[level][1], "--region", county.ljust(12, "0"),
             "--name", "页面基准", "--password-stdin"],
            input="bench-pages-password-2026!\n", text=True, check=True, cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "poverty.settings"},
        )  # fmt: skip
        user = get_user_model().objects.get(username=username)
    return user


def _client_for(user):
    """A test client logged in as ``user`` through a signed-cookie session (nothing stored)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.test import Client

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client(HTTP_HOST="localhost")
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


class _DatabaseTimer:
    """Sums the time spent in cursor.execute (an execute_wrapper)."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--level", choices=sorted(LEVELS), default="county",
                        help="list scope: the largest county, or the largest city")  # fmt: skip
    parser.add_argument("--ordering", default="-household_number",
                        help="the list's sort, as in its URL (default: -household_number)")  # fmt: skip
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from households.models import Household

    county, county_total = _county_with_most_households(LEVELS[args.level][0])
    user = _ensure_user(county, args.level)

    # From here on: read only, and sessions in signed cookies.
    connection.close()
    settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c default_transaction_read_only=on"
    )
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    total_households = Household.objects.filter(is_deleted=False).count()
    in_county = Household.objects.filter(is_deleted=False, village__code__startswith=county)
    status = in_county.values("status").annotate(n=Count("id")).order_by("-n").first()["status"]
    ids = list(in_county.order_by("?").values_list("pk", flat=True)[:200])
    random.Random(args.seed).shuffle(ids)

    client = _client_for(user)
    list_url = (
        f"/households/?region={county.ljust(12, '0')}&status={status}&ordering={args.ordering}"
    )
    first = client.get(list_url, secure=True)
    if first.status_code != 200:
        print(f"list page answered {first.status_code}", file=sys.stderr)
        return 2
    matching = in_county.filter(status=status).count()

    timings: dict[str, list[float]] = {"list": [], "detail": []}
    database: dict[str, list[float]] = {"list": [], "detail": []}
    cpu: dict[str, list[float]] = {"list": [], "detail": []}
    queries: dict[str, int] = {}
    for index in range(args.warmup + args.runs):
        for page in ("list", "detail"):
            url = list_url if page == "list" else f"/households/{ids[index % len(ids)]}/"
            timer = _DatabaseTimer()
            with connection.execute_wrapper(timer):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, secure=True)
                elapsed = time.perf_counter() - start
                used_cpu = time.process_time() - start_cpu
            if response.status_code != 200:
                print(f"{url} answered {response.status_code}", file=sys.stderr)
                return 2
            if index >= args.warmup:
                timings[page].append(elapsed * 1000)
                database[page].append(timer.seconds * 1000)
                cpu[page].append(used_cpu * 1000)
                queries[page] = timer.queries

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"database: {connection.settings_dict['NAME']}, {total_households:,} households; "
        f"{args.level} {county}: {county_total:,} households, {matching:,} with status {status}"
    )
    print(f"runs: {args.runs} per page after {args.warmup} warm-up, pages alternating")
    print(f"list:   {list_url}")
    print("detail: /households/<random id in the county>/")
    print(f"{'page':<8}{'median ms':>10}{'p90 ms':>9}{'max ms':>9}{'db median':>11}"
          f"{'cpu median':>12}{'queries':>9}{'target':>8}")  # fmt: skip
    missed = []
    for page in ("list", "detail"):
        median = statistics.median(timings[page])
        print(
            f"{page:<8}{median:>10.1f}{_percentile(timings[page], 0.9):>9.1f}"
            f"{max(timings[page]):>9.1f}{statistics.median(database[page]):>11.1f}"
            f"{statistics.median(cpu[page]):>12.1f}"
            f"{queries[page]:>9}{'< ' + str(TARGETS_MS[page]):>8}"
        )
        if median >= TARGETS_MS[page]:
            missed.append(page)
    if missed:
        print(f"target missed: {', '.join(missed)}")
        return 1
    print("targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
