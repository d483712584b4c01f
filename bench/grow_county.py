"""Make one county of a benchmark database hold about N households (issue 5's ~30,000).

The demo seed spreads 250,000 households over five cities; its largest county has 12,664,
while issue 5 times the list of a county of about 30,000. This script takes a **copy** of a
seeded database and moves households of the same city's other counties into the largest
county's villages (round robin) until it holds ``--households``. Totals, members, incomes and
everything else stay as seeded; only ``village_code`` changes. Then VACUUM ANALYZE.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE poverty_bench_30k TEMPLATE poverty_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench_30k \\
        .venv/bin/python bench/grow_county.py --households 30000 --yes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_bench_30k \\
        .venv/bin/python bench/pages.py --runs 60

It refuses to run without ``--yes`` and on a database named ``poverty_bench`` (the shared
original), because it rewrites data.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("POVERTY_ALLOW_INSECURE_KEY", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--yes", action="store_true", help="really rewrite this database")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    name = connection.settings_dict["NAME"]
    if not args.yes or name == "poverty_bench":
        print(f"refusing to rewrite {name!r}: use a copy and pass --yes", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substring(village_code, 1, 6), count(*) FROM households_household"
            " WHERE NOT is_deleted GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        county, count = cursor.fetchone()
        missing = args.households - count
        if missing <= 0:
            print(f"county {county} already holds {count:,} households")
            return 0
        with transaction.atomic():
            cursor.execute(
                """
                WITH villages AS (
                    SELECT code, row_number() OVER (ORDER BY code) - 1 AS n,
                           count(*) OVER () AS total
                    FROM villages_region WHERE level = 'village' AND code LIKE %(county)s || '%%'
                ), movers AS (
                    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                    FROM households_household
                    WHERE NOT is_deleted AND village_code LIKE substring(%(county)s, 1, 4) || '%%'
                      AND village_code NOT LIKE %(county)s || '%%'
                    ORDER BY id LIMIT %(missing)s
                )
                UPDATE households_household AS h SET village_code = v.code
                FROM movers m JOIN villages v ON v.n = m.n %% v.total
                WHERE h.id = m.id
                """,
                {"county": county, "missing": missing},
            )
            moved = cursor.rowcount
        cursor.execute("VACUUM ANALYZE households_household")
        cursor.execute(
            "SELECT count(*) FROM households_household"
            " WHERE NOT is_deleted AND substring(village_code, 1, 6) = %s",
            [county],
        )
        print(f"county {county}: moved {moved:,} households in, now {cursor.fetchone()[0]:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
