"""Benchmark: Excel ledgers (issue 8). Results: docs/PERFORMANCE.md, "Issue 8 — Excel ledgers".

Usage: exports read a seeded database (read only: bench/seed.py fills it); imports go into a
database of their own, recreated empty (migrated, regions copied) before every import run:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench
    flock /tmp/bench.lock .venv/bin/python bench/ledgers.py --import-db poverty_h4_import \
        [--runs 3] [--import-households 30000] [--baseline-sample 3000] [--skip-city]

Each measurement runs in a fresh subprocess (peak resident memory via os.wait4 is the run's
own; the PostgreSQL server is not ours), with DEBUG off:

- export the county roster (贫困户花名册) of the county with the most households, and the city
  roster of the city with the most: wall time, rows, peak RSS;
- the raw writer: the same county rows, materialised in memory first, written by
  poverty.xlsx.XlsxWriter alone (export overhead = export / raw − 1);
- django-import-export (the library most Django projects use): a ModelResource over the same
  households (model fields plus the head's name and ID, annotated) exported to xlsx;
- import: the county's data package (户信息 + 家庭成员, the import format) for its first
  ``--import-households`` households, written once from the seeded database, imported
  (check + apply, committed) into the empty import database;
- django-import-export import of the same households and members (two resources, their own
  xlsx files) over ``--baseline-sample`` households (it runs row by row), compared with ours
  over the same sample, each into a freshly emptied import database.

Targets: county < 10 s, city < 90 s, peak RSS < 200 MB; import of 30,000 households with
members < 45 s; export ≥ 3× and import ≥ 5× faster than django-import-export; export overhead
over the raw writer < 25 %. Medians reported; exits 1 if a target is missed.
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
OUT = ROOT / "var" / "bench"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["DEBUG"] = "0"
    env.setdefault("POVERTY_ALLOW_INSECURE_KEY", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
    env["PYTHONPATH"] = str(ROOT)
    return env


def _run(*args: str, database: str = "") -> dict:
    """Run one measurement in a child; return its JSON plus its peak RSS in MB."""
    env = _environment()
    if database:
        env["DATABASE_URL"] = _database_url(database)
    process = subprocess.Popen(
        [sys.executable, __file__, "_child", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    stdout = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"child {args} failed with status {status}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


# --- children ---------------------------------------------------------------------------------


def _setup():
    import django

    django.setup()


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model()(username="bench", is_superuser=True, is_active=True)


def _params(region: str, year: int):
    from poverty.ledgers.services import ledger_params_for

    return ledger_params_for(_superuser(), region=region, year=year)


def child_export(kind: str, region: str, year: str) -> dict:
    from poverty.ledgers.base import ledger_kind_get
    from poverty.ledgers.services import ledger_write

    params = _params(region, int(year))
    start = time.perf_counter()
    with open(OUT / f"{kind}-{region}.xlsx", "wb") as handle:
        _plan, rows = ledger_write(ledger_kind_get(kind), params, handle)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def child_raw(region: str, year: str) -> dict:
    from households.ledgers.exports import ROSTER_COLUMNS
    from poverty.ledgers.base import ledger_kind_get
    from poverty.xlsx import XlsxWriter

    plan = ledger_kind_get("households_roster").plan(_params(region, int(year)))
    sheet = plan.sheets[0]
    rows = list(sheet.rows())  # in memory: the database is out of the timing
    start = time.perf_counter()
    with XlsxWriter(OUT / "raw.xlsx") as book:
        book.write_sheet(
            sheet.name, ROSTER_COLUMNS, rows, title=sheet.title, subtitle=sheet.subtitle
        )
    return {"seconds": time.perf_counter() - start, "rows": len(rows)}


def _die_resources():
    from import_export import fields, resources, widgets

    from households.models import Household, Member
    from villages.models import Region

    class HouseholdResource(resources.ModelResource):
        village = fields.Field(attribute="village", column_name="village",
                               widget=widgets.ForeignKeyWidget(Region, "code"))  # fmt: skip
        head_name = fields.Field(attribute="head_name", column_name="户主姓名", readonly=True)
        head_id = fields.Field(
            attribute="head_id_number", column_name="户主证件号码", readonly=True
        )

        class Meta:
            model = Household
            import_id_fields = ("household_number",)
            exclude = ("id", "created", "updated", "deleted_by", "deleted_at", "version")
            use_bulk = False

    class MemberResource(resources.ModelResource):
        household = fields.Field(attribute="household", column_name="household",
                                 widget=widgets.ForeignKeyWidget(Household, "household_number"))  # fmt: skip

        class Meta:
            model = Member
            import_id_fields = ("id_number",)
            exclude = ("id", "created", "updated")

    return HouseholdResource, MemberResource


def child_package(region: str, year: str, limit: str, die: str = "1") -> dict:
    return _package(region, year, limit, die=die == "1")


def child_die_export(region: str) -> dict:
    from households.selectors import household_list

    HouseholdResource, _M = _die_resources()
    queryset = household_list(_superuser()).filter(village__code__startswith=region[:6])
    start = time.perf_counter()
    dataset = HouseholdResource().export(queryset)
    data = dataset.export("xlsx")
    (OUT / "die-export.xlsx").write_bytes(data)
    return {"seconds": time.perf_counter() - start, "rows": len(dataset)}


def _package(region: str, year: str, limit: str, *, die: bool = True) -> dict:
    """Write, from the seeded database (read only), the county's data package trimmed to
    ``limit`` households and their members, and the same rows as django-import-export's two
    xlsx files (its own format, read back by tablib)."""
    from households.ledgers.columns import HOUSEHOLD_SHEET, MEMBER_SHEET
    from households.ledgers.exports import _maskers, _package_rows, households_for_export
    from households.models import Member
    from households.selectors import household_list
    from poverty.ledgers.base import region_names
    from poverty.xlsx import XlsxWriter

    params = _params(region, int(year))
    numbers = list(
        households_for_export(params).values_list("household_number", flat=True)[: int(limit)]
    )
    keep = set(numbers)
    names = region_names(params.prefix)
    mask = _maskers(params.user)
    with XlsxWriter(OUT / f"package-{limit}.xlsx") as book:
        for spec in (HOUSEHOLD_SHEET, MEMBER_SHEET):
            rows = (r for r in _package_rows(spec, params, names, mask) if r[0] in keep)
            book.write_sheet(spec.name, spec.columns, rows, title=spec.title, subtitle="")
    members = Member.objects.filter(household__household_number__in=numbers).order_by("pk")
    if not die:
        return {"seconds": 0.0, "households": len(numbers), "members": members.count()}
    HouseholdResource, MemberResource = _die_resources()
    households = household_list(_superuser()).filter(household_number__in=numbers).order_by("pk")
    (OUT / f"die-households-{limit}.xlsx").write_bytes(
        HouseholdResource().export(households).export("xlsx")
    )
    (OUT / f"die-members-{limit}.xlsx").write_bytes(MemberResource().export(members).export("xlsx"))
    return {"seconds": 0.0, "households": len(numbers), "members": members.count()}


def _commit_counted(start: float) -> float:
    """The deferred constraint triggers run at commit: the timing includes the commit."""
    from django.db import connection

    connection.commit()
    return time.perf_counter() - start


def child_import(limit: str) -> dict:
    from django.db import transaction

    from households.ledgers.imports import household_import

    path = OUT / f"package-{limit}.xlsx"
    start = time.perf_counter()
    transaction.set_autocommit(False)
    outcome = household_import(_superuser(), str(path), apply=True)
    seconds = _commit_counted(start)
    assert outcome.applied, [p.text() for p in outcome.problems[:5]]
    return {
        "seconds": seconds,
        "households": outcome.counts["households_new"],
        "members": outcome.counts["members_new"],
    }


def child_die_import(limit: str) -> dict:
    import tablib
    from django.db import transaction

    HouseholdResource, MemberResource = _die_resources()
    start = time.perf_counter()
    households = tablib.Dataset().load((OUT / f"die-households-{limit}.xlsx").read_bytes(), "xlsx")
    members = tablib.Dataset().load((OUT / f"die-members-{limit}.xlsx").read_bytes(), "xlsx")
    transaction.set_autocommit(False)
    result_h = HouseholdResource().import_data(households, dry_run=False, raise_errors=True)
    result_m = MemberResource().import_data(members, dry_run=False, raise_errors=True)
    seconds = _commit_counted(start)
    return {
        "seconds": seconds,
        "households": result_h.totals["new"],
        "members": result_m.totals["new"],
    }


# --- the import database ----------------------------------------------------------------------


def _database_url(name: str) -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{name}"


def _psql(*args: str, database: str = "postgres", stdin=None) -> None:
    url = _database_url(database)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, *args], check=True, stdin=stdin,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def import_database_prepare(name: str) -> None:
    """``NAME_tpl``: migrated, with the seeded database's regions (read with pg_dump); the
    import database is cloned from it before every import run."""
    source = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    template = f"{name}_tpl"
    _psql("-c", f'DROP DATABASE IF EXISTS "{template}"')
    _psql("-c", f'CREATE DATABASE "{template}"')
    env = {**_environment(), "DATABASE_URL": _database_url(template)}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    dump = subprocess.Popen(
        ["pg_dump", "--data-only", "--disable-triggers", "-t", "villages_region",
         _database_url(source)], stdout=subprocess.PIPE,
    )  # fmt: skip
    _psql(database=template, stdin=dump.stdout)
    if dump.wait() != 0:
        raise SystemExit("pg_dump of the regions failed")


def import_database_reset(name: str) -> None:
    _psql("-c", f'DROP DATABASE IF EXISTS "{name}"')
    _psql("-c", f'CREATE DATABASE "{name}" TEMPLATE "{name}_tpl"')


def child_choose() -> dict:
    from django.db.models import Count
    from django.db.models.functions import Substr

    from households.models import AnnualIncome, Household

    def biggest(length: int) -> tuple[str, int]:
        row = (
            Household.objects.filter(is_deleted=False)
            .annotate(p=Substr("village_id", 1, length))
            .values("p")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        return row["p"].ljust(12, "0"), row["n"]

    county, county_n = biggest(6)
    city, city_n = biggest(4)
    year = AnnualIncome.objects.order_by("-year").values_list("year", flat=True).first() or 2020
    return {
        "county": county, "county_households": county_n, "city": city,
        "city_households": city_n, "year": year, "total": Household.objects.count(),
    }  # fmt: skip


# --- parent ---------------------------------------------------------------------------------


def _median(results: list[dict]) -> dict:
    return {
        "seconds": round(statistics.median(r["seconds"] for r in results), 2),
        "rss_mb": max(r["rss_mb"] for r in results),
        **{k: v for k, v in results[0].items() if k not in ("seconds", "rss_mb")},
    }


def _imports(args, world: dict, report: dict, *, baselines: bool = True) -> None:
    county, city, year = world["county"], world["city"], str(world["year"])
    import_db = args.import_db
    import_database_prepare(import_db)
    n, sample = str(args.import_households), str(args.baseline_sample)
    # the county's households if it has enough, else the city's first N
    source = county if world["county_households"] >= args.import_households else city
    # django-import-export's own files only for the sample it imports (writing them for all
    # N households took minutes and was never used)
    report["package"] = _run("package", source, year, n, "0")
    if baselines:
        _run("package", source, year, sample)

    def imported(kind: str, limit: str) -> dict:
        import_database_reset(import_db)
        return _run(kind, limit, database=import_db)

    import_runs = args.import_runs or max(1, args.runs - 1)
    report["import"] = _median([imported("import", n) for _ in range(import_runs)])
    print("import       ", report["import"])
    if not baselines:
        return
    report["import_sample"] = imported("import", sample)
    report["die_import_sample"] = imported("die_import", sample)
    print("import sample", report["import_sample"], "import-export", report["die_import_sample"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--import-households", type=int, default=30000)
    parser.add_argument("--import-runs", type=int, default=0, help="default: runs − 1, at least 1")
    parser.add_argument("--baseline-sample", type=int, default=3000)
    parser.add_argument("--skip-city", action="store_true")
    parser.add_argument("--only-import", action="store_true", help="only the import of N")
    parser.add_argument(
        "--import-db", default="poverty_bench_ledgers_import",
        help="database the imports go into (dropped and recreated; NAME_tpl too)",
    )  # fmt: skip
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    world = _run("choose")
    county, city, year = world["county"], world["city"], str(world["year"])
    print(f"# {platform.node()} {platform.python_version()} load {os.getloadavg()[0]:.1f}; {world}")
    report: dict = {"world": world}
    if args.only_import:  # the import alone (N households, no baselines)
        _imports(args, world, report, baselines=False)
        ok = report["import"]["seconds"] < 45
        print(f"{'ok  ' if ok else 'MISS'} import < 45 s")
        (OUT / "ledgers-import.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if ok else 1
    report["county_export"] = _median(
        [_run("export", "households_roster", county, year) for _ in range(args.runs)]
    )
    print("county roster", report["county_export"])
    report["raw_writer"] = _median([_run("raw", county, year) for _ in range(args.runs)])
    print("raw writer  ", report["raw_writer"])
    report["die_export"] = _run("die_export", county)
    print("import-export export", report["die_export"])
    if not args.skip_city:
        report["city_export"] = _run("export", "households_roster", city, year)
        print("city roster  ", report["city_export"])
    _imports(args, world, report)

    county_s = report["county_export"]["seconds"]
    ratios = {
        "export_vs_import_export": round(report["die_export"]["seconds"] / county_s, 1),
        "export_overhead_over_raw_pct": round(
            100 * (county_s / report["raw_writer"]["seconds"] - 1), 1
        ),
        "import_vs_import_export": round(
            report["die_import_sample"]["seconds"] / report["import_sample"]["seconds"], 1
        ),
    }
    report["ratios"] = ratios
    print("ratios", ratios)
    checks = {
        "county < 10 s": county_s < 10,
        "city < 90 s": args.skip_city or report["city_export"]["seconds"] < 90,
        "peak RSS < 200 MB": max(
            report["county_export"]["rss_mb"], report.get("city_export", {}).get("rss_mb", 0)
        )
        < 200,
        "import < 45 s": report["import"]["seconds"] < 45,
        "export ≥ 3× import-export": ratios["export_vs_import_export"] >= 3,
        "import ≥ 5× import-export": ratios["import_vs_import_export"] >= 5,
        "overhead < 25 %": ratios["export_overhead_over_raw_pct"] < 25,
    }
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {name}")
    (OUT / "ledgers.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _setup()
        name, rest = sys.argv[2], sys.argv[3:]
        print(json.dumps(globals()[f"child_{name}"](*rest), default=str))
    else:
        sys.exit(main())
