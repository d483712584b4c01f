"""Benchmark: full recomputation of the assessment tables (issue 7). Results: docs/PERFORMANCE.md.

Usage (a database of its own, seeded once):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE poverty_bench_assess'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench_assess
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --households 250000
    .venv/bin/python bench/recompute.py [--runs 3] [--sample 1000] [--small 50000]

What it measures, each in a fresh subprocess so that peak memory is the run's own:

(a) ``assessment.recompute.recompute()`` over every household and every year — readiness and
    monitoring flags (batched COPY out, the pure rules, COPY in), region statistics, village
    and county verdicts, rankings — ``--runs`` times: wall time per phase, household-years
    per second, peak resident memory (``os.wait4``; the PostgreSQL server is not ours).
(b) The household pass alone over the first ``--small`` households (by id) and over all of
    them: peak memory of each, to show memory stays flat as households grow.
(c) A baseline: a per-household ORM loop that calls the same rule functions
    (assessment.rules.household_assess) — get the household, its incomes, guarantee records
    and members with the ORM, judge every year, replace its rows with one DELETE and one
    bulk_create — over ``--sample`` households spread over the id range, scaled to all.

Targets (issue 7): full recomputation of 250,000 households under 30 s on the 2-core machine,
at least 20× faster than the baseline, flat memory. Medians are reported; exits 1 if a target
is missed. DEBUG is off in every run (Django keeps no query log).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30
TARGET_RATIO = 20


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("POVERTY_ALLOW_INSECURE_KEY", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    return env


def _child(args: list[str]) -> tuple[dict, float]:
    """Run this script as a child; returns (its JSON result, its peak RSS in MB)."""
    process = subprocess.Popen(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read()
    err = process.stderr.read()
    if status != 0:
        raise SystemExit(f"child {args} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    # CPU of this Python process and its forked workers (not of the PostgreSQL server)
    result["python_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result, usage.ru_maxrss / 1024


# --- children -----------------------------------------------------------------------------------


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    import django

    django.setup()


def child_full(workers: int) -> dict:
    from assessment.recompute import recompute

    started = time.perf_counter()
    result = recompute(workers=workers)
    seconds = time.perf_counter() - started
    summary = result.as_dict()
    summary["phases"] = summary.pop("seconds")
    return {**summary, "total_seconds": seconds}


def child_small(count: int, workers: int) -> dict:
    from django.db import connection

    from assessment.recompute import households_recompute

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM households_household ORDER BY id LIMIT %s", [count])
        ids = [row[0] for row in cursor.fetchall()]
    started = time.perf_counter()
    result = households_recompute(household_ids=ids, workers=workers)
    summary = result.as_dict()
    summary["phases"] = summary.pop("seconds")
    return {**summary, "total_seconds": time.perf_counter() - started}


def child_loop(sample: int) -> dict:
    """The baseline: one household at a time through the ORM, the same rule functions (the
    reason sets it has seen are remembered, as the set-based pass does)."""
    from django.db import connection, transaction

    from assessment.models import HouseholdReadiness, MonitoringFlag, ReasonSet
    from assessment.recompute import _Context, _json, reason_set_id
    from assessment.rules import HouseholdFacts, MemberFacts, household_assess
    from households.models import AnnualIncome, GuaranteeStatus, Household, Member

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM households_household")
        total = cursor.fetchone()[0]
        step = max(1, total // sample)
        cursor.execute(
            "SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n "
            "FROM households_household) t WHERE n %% %s = 0 LIMIT %s",
            [step, sample],
        )
        ids = [row[0] for row in cursor.fetchall()]
    ctx = _Context()
    started = time.perf_counter()
    household_years = 0
    reason_sets: set[int] = set()  # the sets this loop has made sure of

    def reason_set(text: str) -> int:
        set_id = reason_set_id(text)
        if set_id not in reason_sets:
            ReasonSet.objects.get_or_create(id=set_id, defaults={"reasons": json.loads(text)})
            reason_sets.add(set_id)
        return set_id

    for household_id in ids:
        household = Household.objects.get(pk=household_id)
        if household.is_deleted:
            continue
        incomes = {i.year: i for i in AnnualIncome.objects.filter(household_id=household_id)}
        records = {g.year: g for g in GuaranteeStatus.objects.filter(household_id=household_id)}
        members = list(Member.objects.filter(household_id=household_id, is_active=True))
        years = sorted(set(incomes) | set(records))
        rows, flags = [], []
        for year in years:
            income = incomes.get(year)
            record = records.get(year)
            previous = incomes.get(year - 1)
            latest = year == years[-1]
            status = "poor"
            if household.exit_year is not None and household.exit_year <= year:
                status = "monitored" if household.status == "monitored" else "exited"
            facts = HouseholdFacts(
                year=year,
                division_code=household.village_id,
                per_capita_net_income=income.per_capita_net_income if income else None,
                identified_year=household.identified_year,
                guarantees=(
                    {k: getattr(record, k) for k in GuaranteeStatus.ITEMS} if record else None
                ),
                housing_grade=household.house_grade if latest else "",
                members=[
                    MemberFacts(
                        age=year - m.birth_date.year,
                        in_school=m.school_status != "01",
                        medical_insured=m.has_resident_medical_insurance
                        or m.has_employee_medical_insurance,
                    )
                    for m in members
                ]
                if latest
                else None,
                checklist={
                    "has_living_power": household.has_living_power,
                    "has_broadcast_tv": household.has_broadcast_tv,
                    "water_litres_per_day": record.water_litres_per_day if record else None,
                    "water_quality_ok": record.water_quality_ok if record else None,
                    "water_trip_minutes": record.water_trip_minutes if record else None,
                    "water_reliability_pct": record.water_reliability_pct if record else None,
                },
                status=status,
                previous_per_capita_net_income=previous.per_capita_net_income if previous else None,
                previous_net_income=previous.net_income if previous else None,
            )
            verdict = household_assess(facts, ctx.view(household.village_id, year))
            rows.append(
                HouseholdReadiness(
                    household_id=household_id,
                    division_code=household.village_id,
                    year=year,
                    eligible=verdict.eligible,
                    outcome=verdict.outcome,
                    per_capita_net_income=facts.per_capita_net_income,
                    income_line=verdict.figures["line"],
                    reason_set_id=reason_set(_json([r.stored() for r in verdict.reasons])),
                    monitor=verdict.monitor,
                )
            )
            flags += [
                MonitoringFlag(
                    household_id=household_id,
                    division_code=household.village_id,
                    year=year,
                    code=f.code,
                    item=f.item,
                    unconfirmed=f.unconfirmed,
                    params=json.loads(_json(dict(f.params or {}))),
                )
                for f in verdict.monitor_flags
            ]
        with transaction.atomic():
            HouseholdReadiness.objects.filter(household_id=household_id).delete()
            MonitoringFlag.objects.filter(household_id=household_id).delete()
            HouseholdReadiness.objects.bulk_create(rows)
            MonitoringFlag.objects.bulk_create(flags)
        household_years += len(rows)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "households": len(ids),
        "household_years": household_years,
        "total_households": total,
        "scaled_seconds": seconds / len(ids) * total,
    }


# --- parent -------------------------------------------------------------------------------------


def _vacuum() -> None:
    """Between runs, untimed: what autovacuum does between two nightly recomputations (each run
    replaces every row, leaving as many dead ones)."""
    _setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) assessment_householdreadiness, assessment_monitoringflag, "
            "assessment_regionstatistic, assessment_regionreadiness"
        )
    connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--small", type=int, default=50000)
    parser.add_argument(
        "--workers", type=int, default=2, help="forked processes for the household pass"
    )
    parser.add_argument(
        "--no-passes",
        action="store_true",
        help="skip the separate household passes (b): peak RSS from the full runs only",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        _setup()
        kind = args.child[0]
        if kind == "full":
            result = child_full(args.workers)
        elif kind == "small":
            result = child_small(int(args.child[1]), args.workers)
        else:
            result = child_loop(int(args.child[1]))
        print(json.dumps(result))
        return 0

    print(
        f"# {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{args.workers} worker(s) · load average {os.getloadavg()[0]:.1f}"
    )
    workers = ["--workers", str(args.workers)]
    full = []
    for run in range(args.runs):
        if run:
            _vacuum()
        result, rss = _child(["--child", "full", *workers])
        result["rss_mb"] = rss
        full.append(result)
        print(
            f"full run {run + 1}: {result['total_seconds']:.1f} s for {result['households']} "
            f"households, {result['household_years']} household-years; phases (s) "
            f"{result['phases']}; Python CPU {result['python_cpu_seconds']:.1f} s; "
            f"peak RSS {rss:.0f} MB"
        )
    passes = []
    if not args.no_passes:
        small, small_rss = _child(["--child", "small", str(args.small), *workers])
        every, every_rss = _child(["--child", "small", str(10**9), *workers])
        passes = [("first", small, small_rss), ("all", every, every_rss)]
    for label, result, rss in passes:
        print(
            f"household pass over {label} {result['households']} households: "
            f"{result['total_seconds']:.1f} s, peak RSS {rss:.0f} MB"
        )
    loop, _rss = _child(["--child", "loop", str(args.sample)])
    print(
        f"per-household ORM loop: {loop['households']} households ({loop['household_years']} "
        f"household-years) in {loop['seconds']:.1f} s → {loop['scaled_seconds']:.0f} s "
        f"scaled to {loop['total_households']} households"
    )

    median = statistics.median(r["total_seconds"] for r in full)
    median_households = statistics.median(r["phases"]["households"] for r in full)
    ratio = loop["scaled_seconds"] / median
    full_rss = statistics.median(r["rss_mb"] for r in full)
    years = full[0]["household_years"]
    print()
    print(
        f"median full recomputation: {median:.1f} s (household pass {median_households:.1f} s, "
        f"{years / median_households:,.0f} household-years/s)"
    )
    if passes:
        (_l, small, small_rss), (_l, every, every_rss) = passes
        print(
            f"peak RSS of the household pass: {small_rss:.0f} MB at {small['households']} "
            f"households, {every_rss:.0f} MB at {every['households']}"
        )
    print(f"peak RSS of the full run (largest process): {full_rss:.0f} MB")
    print(f"speed-up over the per-household ORM loop: {ratio:.0f}×")
    ok = median < TARGET_SECONDS and ratio >= TARGET_RATIO
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
