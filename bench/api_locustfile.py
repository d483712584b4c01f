"""Locust scenario for bench/api_bench.py (run headless by it; see docs/PERFORMANCE.md).

Environment (set by api_bench.py):
  API_BENCH_TOKEN     a Bearer token of a county-office user
  API_BENCH_SCENARIO  list | detail
  API_BENCH_PREFIX    /api/v1/households/ (ours) or /api/bench/baseline/households/ …
  API_BENCH_QUERY     the list's filter, e.g. "region=431202&status=poor"
  API_BENCH_IDS       a file with household ids in the user's scope (detail), one per line
Each simulated user sends its next request as soon as the previous one is answered
(closed loop, no think time): 20 users = 20 requests in flight.
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, constant, task

TOKEN = os.environ.get("API_BENCH_TOKEN", "")
SCENARIO = os.environ.get("API_BENCH_SCENARIO", "list")
PREFIX = os.environ.get("API_BENCH_PREFIX", "/api/v1/households/")
QUERY = os.environ.get("API_BENCH_QUERY", "")
IDS_FILE = os.environ.get("API_BENCH_IDS", "")
IDS = [line.strip() for line in open(IDS_FILE)] if IDS_FILE else []  # noqa: SIM115


class ApiUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        self.random = random.Random(id(self))

    @task
    def request(self):
        if SCENARIO == "list":
            with self.client.get(
                f"{PREFIX}?{QUERY}&page_size=100",
                headers=self.headers,
                name="list",
                catch_response=True,
            ) as response:
                # A full page has 100 households, each with one "household_number" key (members
                # have none). Counting the key instead of parsing the page: locust runs on the
                # server's two cores, and even orjson spent 0.4 ms of them per 150 KB page
                # (Python's json module about 5 ms); what the page holds is the tests' business.
                if (
                    response.status_code != 200
                    or response.content.count(b'"household_number":') != 100
                ):
                    response.failure(f"status {response.status_code} or short page")
        else:
            pk = self.random.choice(IDS)
            with self.client.get(
                f"{PREFIX}{pk}/", headers=self.headers, name="detail", catch_response=True
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
