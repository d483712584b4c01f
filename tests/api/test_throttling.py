"""Throttling per user and per token: the request over the limit is a 429 with Retry-After."""

import pytest

from poverty.roles import Role
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_user_over_the_limit_gets_429_with_retry_after(world, settings):
    settings.API_THROTTLE_RATES = {"user": "3/min", "token": None, "anon": None}
    client = token_client(world.counties["a"].users[Role.COUNTY_OFFICE])
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/regions/")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    # another user has their own budget
    other = token_client(world.counties["b"].users[Role.COUNTY_OFFICE])
    assert other.get("/api/v1/regions/").status_code == 200


def test_each_token_has_its_own_budget_within_the_users(world, settings):
    settings.API_THROTTLE_RATES = {"user": "100/min", "token": "2/min", "anon": None}
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    first, second = token_client(clerk), token_client(clerk)
    assert [first.get("/api/v1/regions/").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/regions/").status_code == 200


def test_token_requests_without_credentials_are_limited_by_address(world, settings):
    from rest_framework.test import APIClient

    settings.API_THROTTLE_RATES = {"user": None, "token": None, "anon": "2/min"}
    anonymous = APIClient()
    codes = [
        anonymous.post(
            "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]


def test_a_process_reserves_blocks_of_the_budget_and_never_exceeds_the_limit(
    world, settings, monkeypatch
):
    """Leases: one Redis call per block of requests; two server processes (simulated by
    swapping the process's lease table) together stay within the limit."""
    from django.core.cache import cache

    from poverty.api import throttling

    settings.API_THROTTLE_RATES = {"user": "100/min", "token": None, "anon": None}
    settings.API_THROTTLE_LEASE = 20
    assert throttling.lease_size(100) == 2  # a fiftieth of the limit
    assert throttling.lease_size(3000) == 20  # at most API_THROTTLE_LEASE
    calls = []
    real_count = throttling._count
    monkeypatch.setattr(
        throttling, "_count", lambda windows: calls.append(windows) or real_count(windows)
    )
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    client = token_client(clerk)
    processes = [{}, {}]
    served = 0
    statuses = []
    for request in range(120):
        monkeypatch.setattr(throttling, "_leases", processes[request % 2])
        status = client.get("/api/v1/regions/").status_code
        statuses.append(status)
        served += status == 200
    assert served <= 100
    assert served >= 100 - 2 * (2 - 1)  # at most lease - 1 left unused per process
    assert statuses[-1] == 429
    # one Redis round trip per block of two, not per request (and none once refused)
    assert len(calls) <= served // 2 + 4
    key = calls[0][0][0]
    assert cache.get(key) <= 100 + 2 * 2


def test_a_lease_of_one_counts_every_request(world, settings):
    settings.API_THROTTLE_RATES = {"user": "3000/min", "token": None, "anon": None}
    settings.API_THROTTLE_LEASE = 1
    from poverty.api import throttling

    assert throttling.lease_size(3000) == 1
