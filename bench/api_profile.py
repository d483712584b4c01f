"""CPU per request of the household API inside Django (no HTTP, no load generator).

Usage (a writable copy of the bench database; the setup writes a user and a token):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/api_profile.py [--requests 40] [--profile list|detail] [--top 25]

Sends ``--requests`` list requests (county scope, filtered, 100 per page) and as many detail
requests through Django's test client with the same Bearer token as bench/api_bench.py, after
a warm-up, and prints the process CPU time per request (median of 3 rounds). With --profile,
also runs cProfile over one round of that endpoint and prints the top functions (cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api_settings"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", choices=["list", "detail"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--prefix", default="/api/v1/households/")
    args = parser.parse_args()

    from bench.api_bench import _setup

    ids_path = Path(tempfile.mkdtemp(prefix="api-profile-")) / "ids.txt"
    info = _setup(ids_path)
    ids = ids_path.read_text().split()

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {info['token']}", HTTP_HOST="127.0.0.1")
    list_url = f"{args.prefix}?region={info['county']}&status={info['status']}&page_size=100"

    def run(kind: str, count: int) -> None:
        for i in range(count):
            url = list_url if kind == "list" else f"{args.prefix}{ids[i % len(ids)]}/"
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content)

    for kind in ("list", "detail"):
        run(kind, 10)  # warm-up: imports, compiled renderers, connections
        rounds = []
        for _ in range(3):
            start = time.process_time()
            run(kind, args.requests)
            rounds.append((time.process_time() - start) * 1000 / args.requests)
        print(
            f"{kind:6}: {statistics.median(rounds):5.2f} ms CPU per request "
            f"(rounds {', '.join(f'{r:.2f}' for r in rounds)})"
        )
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for PostgreSQL
        profiler.enable()
        run(args.profile, args.requests)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
