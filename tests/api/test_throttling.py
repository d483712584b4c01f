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
