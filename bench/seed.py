"""Benchmark: seeding the demo data (issue: Foundation). Results go to docs/PERFORMANCE.md.

Usage (a database of its own: every run deletes and rewrites the demo data):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE poverty_bench'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench
    .venv/bin/python bench/seed.py [--households 250000] [--runs 3] [--baseline 2000] [--seed 1]

What it measures:

(a) ``manage.py seed_demo --households N`` in a subprocess, ``--runs`` times, each on a
    database without demo data (the demo rows are deleted before each run, outside the
    timing, so every run does the same work as a first seed): wall time, rows per second
    over every row the command wrote (its own count, checked against the tables), and peak
    memory of the whole process tree (the command and the generator it forks): the sum of
    VmRSS over the live tree, sampled every 50 ms (shared copy-on-write pages counted once
    per process: an upper bound), the same sum of PSS, and the kernel's exact peak of the
    largest single process (``os.wait4``). The PostgreSQL server's memory is not included:
    it is not our process. The last run's data stay in the database.
(b) A baseline: the same generated rows for ``--baseline`` households (villages, cadres,
    households, members, incomes, 两不愁三保障, status changes, pairings) saved with one ORM
    ``save()`` per object, one transaction per household as a registration service would,
    scaled linearly to N, and the ratio of the two times. With a baseline each run is a pair,
    (b) then (a), and the ratio quoted is the median of the pairs' ratios.

Targets (issue "Foundation"): 250,000 households in under 2 minutes on a 2-core machine, peak
memory under 500 MB, at least 20 times faster than the baseline. The script exits 1 if a
target is missed. Both sides run with DEBUG off, so Django keeps no query log.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 120
TARGET_RSS_MB = 500
TARGET_RATIO = 20


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("POVERTY_ALLOW_INSECURE_KEY", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    return env


def _manage(*args: str) -> subprocess.Popen:
    # libpq reads PGAPPNAME: it lets BackendWatch find the command's database backend.
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**_environment(), "PGAPPNAME": APPLICATION_NAME},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


APPLICATION_NAME = "bench-seed-demo"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_busy() -> float:
    """Seconds of CPU time the whole machine has spent busy (all processes), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


class TreeMemory(threading.Thread):
    """Samples the memory of a process and all its descendants (forked children included).

    Every ``interval`` seconds it sums, over the live process tree, the resident set (VmRSS:
    pages a forked child still shares with its parent are counted in both, so this is an
    upper bound) and the proportional set (Pss from smaps_rollup: shared pages split between
    the processes that share them). The peaks of both sums are kept.
    """

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.rss_mb = 0.0
        self.pss_mb = 0.0
        self.processes = 1

    @staticmethod
    def _field(path: Path, name: str) -> int:
        for line in path.read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])  # kB
        return 0

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        tree, queue = [], [self.pid]
        while queue:
            pid = queue.pop()
            tree.append(pid)
            queue.extend(children.get(pid, ()))
        return tree

    def run(self):
        while True:
            rss = pss = 0
            tree = self._tree()
            for pid in tree:
                try:
                    rss += self._field(Path(f"/proc/{pid}/status"), "VmRSS:")
                    pss += self._field(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
                except OSError:
                    continue
            self.rss_mb = max(self.rss_mb, rss / 1024)
            self.pss_mb = max(self.pss_mb, pss / 1024)
            self.processes = max(self.processes, len(tree))
            if self.stop.wait(self.interval):
                return


class BackendWatch(threading.Thread):
    """Samples the CPU time of the seed's PostgreSQL backend (found by application name).

    Works when the server runs on this machine (/proc/<pid>/stat); otherwise reports None.
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.seconds: float | None = None
        self.loads: list[float] = []

    def run(self):
        import psycopg2

        connection = psycopg2.connect(os.environ["DATABASE_URL"])
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self.stop.wait(0.5):
                self.loads.append(os.getloadavg()[0])
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                    [APPLICATION_NAME],
                )
                for (pid,) in cursor.fetchall():
                    try:
                        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    seconds = (int(stat[11]) + int(stat[12])) / TICK
                    self.seconds = max(self.seconds or 0, seconds)
        connection.close()


def demo_clear() -> None:
    """Delete the demo rows (untimed), so that the next seed starts from the same state."""
    from django.db import connection, transaction

    from poverty import demo

    with transaction.atomic():
        demo.demo_reset()
    connection.close()


def _tables_check(rows: dict[str, int]) -> None:
    """The command's per-table counts against the tables (villages_region also holds the
    imported regions, so it is left out)."""
    import psycopg2

    with psycopg2.connect(os.environ["DATABASE_URL"]) as connection:
        with connection.cursor() as cursor:
            for table, count in rows.items():
                if table == "villages_region":
                    continue
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                found = cursor.fetchone()[0]
                if found != count:
                    raise SystemExit(f"{table}: seed_demo reported {count} rows, table has {found}")
    connection.close()


def seed_run(households: int, seed: int) -> dict:
    """One timed ``seed_demo`` in a subprocess, on a database without demo data."""
    demo_clear()
    watch = BackendWatch()
    watch.start()
    busy_before = _cpu_busy()
    started = time.perf_counter()
    process = _manage(
        "seed_demo", "--households", str(households), "--seed", str(seed), "--timings"
    )
    memory = TreeMemory(process.pid)
    memory.start()
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    memory.stop.set()
    memory.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    busy = _cpu_busy() - busy_before
    watch.stop.set()
    watch.join()
    if process.returncode != 0:
        raise SystemExit(f"seed_demo failed ({process.returncode}):\n{output}")
    rows = int(re.search(r"共写入 (\d+) 行", output)[1])
    tables = {name: int(count) for name, count in re.findall(r"^  (\w+)\s+(\d+)$", output, re.M)}
    if sum(tables.values()) != rows:
        raise SystemExit(f"seed_demo's table counts do not add up to {rows}:\n{output}")
    _tables_check(tables)
    ours = usage.ru_utime + usage.ru_stime  # the command and its forked generator
    backend = watch.seconds
    return {
        "wall": wall,
        "rows": rows,
        "rss_mb": usage.ru_maxrss / 1024,  # largest single process, kilobytes on Linux
        "tree_rss_mb": memory.rss_mb,
        "tree_pss_mb": memory.pss_mb,
        "processes": memory.processes,
        "cpu": ours,
        "backend_cpu": backend,
        "others_cpu": busy - ours - (backend or 0),
        "load": statistics.mean(watch.loads) if watch.loads else os.getloadavg()[0],
        "output": output,
    }


def _django():
    os.environ.update(_environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _instances(model, names, lines):
    """Model instances from COPY text lines (the generator's own output)."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import BooleanField

    fields = {f.column: f for f in model._meta.concrete_fields}
    columns = [fields[name] for name in names]
    for line in lines:
        values = {}
        for field, text in zip(columns, line.split("\t"), strict=True):
            if text == "\\N":
                value = None
            elif isinstance(field, ArrayField):
                value = text.strip("{}").split(",") if text != "{}" else []
            elif isinstance(field, BooleanField):
                value = text == "t"
            else:
                value = field.to_python(text)
            values[field.attname] = value
        yield model(**values)


def baseline_run(households: int, seed: int) -> dict:
    """The same kind of data written with one save() per object; returns time and rows."""
    from django.db import transaction

    from households.models import Household
    from poverty import demo
    from villages.codes import code_parent
    from villages.models import Region

    with transaction.atomic():
        demo.demo_regions_ensure()
        demo.demo_reset()
    plan = demo.demo_plan(households=households, seed=seed)
    first_household, first_cadre = demo.demo_ids_reserve(plan)
    tables = demo.demo_table_rows(plan, first_cadre_id=first_cadre)
    by_household: dict[int, list] = {}
    cadres = []
    for model, names, lines in tables:
        for instance in _instances(model, names, lines):
            if model.__name__ == "Cadre":
                cadres.append(instance)
            elif model is Household:
                by_household.setdefault(instance.id, []).insert(0, instance)
            else:
                by_household.setdefault(instance.household_id, []).append(instance)

    saved = 0
    started = time.perf_counter()
    for village in plan.villages:
        Region(
            code=village.code,
            name=village.name,
            level="village",
            level_name="村",
            parent_id=code_parent(village.code),
            is_poor_village=village.is_poor,
            rural_population=village.rural_population,
        ).save(force_insert=True)
        saved += 1
    for cadre in cadres:
        cadre.save(force_insert=True)
        saved += 1
    for objects in by_household.values():
        with transaction.atomic():  # one registration = one transaction (head trigger at commit)
            for instance in objects:
                instance.save(force_insert=True)
                saved += 1
    seconds = time.perf_counter() - started
    with transaction.atomic():
        demo.demo_reset()
    return {"seconds": seconds, "rows": saved}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--baseline", type=int, default=2_000, help="households for (b); 0 skips it"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a database of its own (see the usage at the top)")

    migrate = _manage("migrate", "--noinput", "-v", "0")
    if migrate.wait() != 0:
        raise SystemExit(migrate.stdout.read())
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[-1]
    print(f"database {database}; {os.cpu_count()} CPUs; {platform.platform()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    _django()
    runs, baselines = [], []
    for number in range(1, args.runs + 1):
        # Pairs, baseline then seed, so the ratio of each pair is taken at the same machine load.
        if args.baseline:
            baseline = baseline_run(args.baseline, args.seed)
            baselines.append(baseline)
            print(
                f"(b) run {number}: one save() per object, {args.baseline} households, "
                f"{baseline['rows']} rows in {baseline['seconds']:.1f} s "
                f"({baseline['rows'] / baseline['seconds']:.0f} rows/s)"
            )
        run = seed_run(args.households, args.seed)
        runs.append(run)
        backend = run["backend_cpu"]
        print(
            f"(a) run {number}: {run['wall']:.1f} s wall, {run['rows']} rows, "
            f"{run['rows'] / run['wall']:.0f} rows/s, peak RSS of the process tree "
            f"{run['tree_rss_mb']:.0f} MB ({run['processes']} processes; PSS "
            f"{run['tree_pss_mb']:.0f} MB; largest single process {run['rss_mb']:.0f} MB); CPU: "
            f"seed {run['cpu']:.1f} s, PostgreSQL backend "
            f"{'n/a' if backend is None else f'{backend:.1f} s'}, other processes "
            f"{run['others_cpu']:.1f} s; mean load average {run['load']:.2f}"
        )
        steps = re.findall(r"\[\s*([\d.]+)s\] (.+)", run["output"])
        print("    " + ", ".join(f"{name} {seconds}s" for seconds, name in steps))
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    wall = statistics.median(run["wall"] for run in runs)
    rows = runs[0]["rows"]
    # Sampled sums can miss a spike between samples; the kernel's single-process peak cannot.
    rss = max(max(run["tree_rss_mb"], run["rss_mb"]) for run in runs)
    pss = max(run["tree_pss_mb"] for run in runs)
    cpu = statistics.median(run["cpu"] + (run["backend_cpu"] or 0) for run in runs)
    cores = os.cpu_count() or 1
    print()
    print(f"median wall time   {wall:.1f} s over {len(runs)} runs (target < {TARGET_SECONDS} s)")
    print(f"rows written       {rows} ({rows / wall:,.0f} rows/s at the median)")
    print(
        f"CPU, seed + server {cpu:.1f} s at the median: at least {cpu / cores:.1f} s on "
        f"{cores} otherwise idle cores"
    )
    print(
        f"peak RSS, tree     {rss:.0f} MB, the largest run (target < {TARGET_RSS_MB} MB); "
        f"PSS {pss:.0f} MB; largest single process (getrusage) {children_peak:.0f} MB"
    )
    ok = wall < TARGET_SECONDS and max(rss, children_peak) < TARGET_RSS_MB
    if baselines:
        factor = args.households / args.baseline
        scaled = statistics.median(b["seconds"] * factor for b in baselines)
        ratios = [
            b["seconds"] * factor / run["wall"] for b, run in zip(baselines, runs, strict=True)
        ]
        ratio = statistics.median(ratios)
        print(
            f"baseline scaled    {scaled:.0f} s for {args.households} households at the median "
            f"(from {args.baseline}, {statistics.median(b['seconds'] for b in baselines):.1f} s)"
        )
        print(
            f"ratio              COPY is {ratio:.1f}x faster, median of the pairs "
            f"({', '.join(f'{r:.1f}' for r in ratios)}; target >= {TARGET_RATIO}x)"
        )
        ok = ok and ratio >= TARGET_RATIO
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
