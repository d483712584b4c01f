"""Benchmark: the pairing import (结对帮扶) at county scale, and its export → import round trip.

Results: docs/PERFORMANCE.md, "Issue 8 — visit and pairing imports". Writes: run it on a copy
of the benchmark database, never on poverty_bench itself:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE poverty_h4 TEMPLATE poverty_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_h4 DEBUG=true \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_h4 DEBUG=true \\
        flock /tmp/bench.lock .venv/bin/python bench/pairing_import.py [--runs 3] [--year 2020] \\
        [--county 511722000000]

Steps, each in a fresh subprocess (peak RSS via os.wait4 is the run's own):

1. export the 结对帮扶台账 of ``--county`` (default: the county with the most pairings; give it
   explicitly when repeating, as step 4 leaves only the pairings of ``--year``) (as the system);
2. check the file against the database it came from (every row unchanged) — ``--runs`` times;
3. apply it again (all unchanged, nothing written) — ``--runs`` times;
4. "empty county": delete the county's pairings and cadres, import the file (check + apply,
   committed), compare the pairings in force that year (household, cadre name, unit, unit
   level, position, phone, dates, reason) with those before — ``--runs`` times;
5. with ``--visits N`` (the benchmark database has no visits): a 走访记录 file of N visits to
   the county's households in ``--year`` (deterministic), checked, applied (N created with
   history), applied again (unchanged) — each ``--runs`` times, the created visits deleted
   before each apply and at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILE = "/tmp/bench_pairing_import.xlsx"
VISITS_FILE = "/tmp/bench_visit_import.xlsx"
VISIT_MARK = "基准测试走访"  # findings of the generated visits, to delete them afterwards


def _setup() -> None:
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    import django

    django.setup()


def _in_force(county: str, year: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.household_number, c.name, c.unit_name, c.unit_level, c.position, c.phone,"
            " p.start_date, p.end_date, p.end_reason FROM assistance_cadrepairing p"
            " JOIN households_household h ON h.id = p.household_id"
            " JOIN assistance_cadre c ON c.id = p.cadre_id"
            " WHERE h.village_code LIKE %s AND NOT h.is_deleted AND p.start_date <= %s"
            " AND (p.end_date IS NULL OR p.end_date >= %s) ORDER BY 1, 2, 3, 7",
            [county[:6] + "%", f"{year}-12-31", f"{year}-01-01"],
        )
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model()(username="bench", is_superuser=True, is_active=True)


def step(name: str, county: str, year: int) -> dict:
    """One measurement, run inside the subprocess."""
    _setup()
    from django.db import connection

    from assistance.ledger_imports import pairing_import

    if name == "export":
        from poverty.ledgers.base import ledger_kind_get
        from poverty.ledgers.services import ledger_params_for, ledger_write

        started = time.perf_counter()
        params = ledger_params_for(_user(), region=county, year=year)
        with open(FILE, "wb") as handle:
            _plan, rows = ledger_write(ledger_kind_get("pairing_ledger"), params, handle)
        return {"seconds": time.perf_counter() - started, "rows": rows}
    if name.startswith("visits"):
        return _visit_step(name, county, year)
    before = None
    if name == "empty":
        before = _in_force(county, year)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE assistance_visit SET cadre_id = NULL WHERE division_code LIKE %s",
                [county[:6] + "%"],
            )
            cursor.execute(
                "DELETE FROM assistance_cadrepairing p USING households_household h"
                " WHERE h.id = p.household_id AND h.village_code LIKE %s",
                [county[:6] + "%"],
            )
            cursor.execute(
                "DELETE FROM assistance_cadre c WHERE c.division_code LIKE %s AND NOT EXISTS"
                " (SELECT 1 FROM assistance_cadrepairing p WHERE p.cadre_id = c.id)",
                [county[:6] + "%"],
            )
    started = time.perf_counter()
    outcome = pairing_import(_user(), FILE, apply=name != "check")
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "counts": dict(outcome.counts), "problems": len(outcome.problems)}
    if before is not None:
        result["same_as_before"] = _in_force(county, year) == before
    return result


def _visit_step(name: str, county: str, year: int) -> dict:
    import datetime

    from assistance.ledger_imports import VISIT_SHEET, visit_import
    from assistance.models import Visit
    from households.models import Household
    from poverty.xlsx import XlsxWriter

    prefix = county[:6]
    if name == "visits_write":
        count = int(os.environ["BENCH_VISITS"])
        numbers = list(
            Household.objects.filter(village__code__startswith=prefix, is_deleted=False)
            .order_by("household_number")
            .values_list("household_number", flat=True)
        )
        headers = [f.key for f in VISIT_SHEET.fields]

        def rows():
            for i in range(count):
                values = {
                    "visited_on": datetime.date(year, 1, 1) + datetime.timedelta(days=i % 365),
                    "visitor_name": f"走访人{i % 997}",
                    "household_number": numbers[i % len(numbers)],
                    "kind": ("入户走访", "电话")[i % 2],
                    "findings": f"{VISIT_MARK}{i}",
                    "follow_up_needed": "否",
                    "location": f"31.{i % 1000:06d},107.{i % 997:06d}",
                }
                yield tuple(values.get(key) for key in headers)

        with open(VISITS_FILE, "wb") as handle, XlsxWriter(handle) as book:
            book.write_sheet(VISIT_SHEET.name, VISIT_SHEET.columns, rows(), title="走访记录")
        return {"seconds": 0, "rows": count}
    if name == "visits_delete":
        deleted, _detail = Visit.objects.filter(findings__startswith=VISIT_MARK).delete()
        return {"seconds": 0, "deleted": deleted}
    started = time.perf_counter()
    outcome = visit_import(_user(), VISITS_FILE, apply=name != "visits_check")
    return {
        "seconds": time.perf_counter() - started,
        "counts": dict(outcome.counts),
        "problems": len(outcome.problems),
    }


def _run(name: str, county: str, year: int) -> dict:
    command = [sys.executable, __file__, "--step", name, "--county", county, "--year", str(year)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    out = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"{name} failed ({status})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--step", default="")
    parser.add_argument("--county", default="")
    parser.add_argument("--visits", type=int, default=0)
    parser.add_argument("--skip-pairings", action="store_true")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.county, args.year)))
        return
    _setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(h.village_code, 1, 6) || '000000', count(*)"
            " FROM assistance_cadrepairing p JOIN households_household h ON h.id = p.household_id"
            " WHERE h.village_code LIKE %s GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [args.county[:6] + "%"],
        )
        county, pairings = cursor.fetchone()
    print(f"county {county}: {pairings} pairings; load average {os.getloadavg()[0]:.1f}")
    if not args.skip_pairings:
        export = _run("export", county, args.year)
        print("export", export)
        for name in ("check", "apply", "empty"):
            _report(name, [_run(name, county, args.year) for _ in range(args.runs)])
    if args.visits:
        os.environ["BENCH_VISITS"] = str(args.visits)
        _run("visits_delete", county, args.year)
        print("visits_write", _run("visits_write", county, args.year))
        _report("visits_check", [_run("visits_check", county, args.year) for _ in range(args.runs)])
        applied, again = [], []
        for _ in range(args.runs):
            _run("visits_delete", county, args.year)
            applied.append(_run("visits_apply", county, args.year))
            again.append(_run("visits_again", county, args.year))
        _report("visits_apply", applied)
        _report("visits_again", again)
        print("visits_delete", _run("visits_delete", county, args.year))


def _report(name: str, results: list[dict]) -> None:
    for result in results:
        print(name, result)
    print(
        f"{name}: median {statistics.median(r['seconds'] for r in results):.2f} s, "
        f"peak RSS {max(r['peak_rss_mb'] for r in results)} MB, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
