"""API test helpers: a client per user (token or session), the two-county world, fresh throttle
counters per test (the cache may be a Redis server shared across runs)."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from poverty.api.tokens import token_create
from tests.access import build_world


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(settings):
    settings.API_THROTTLE_NAMESPACE = f"test-{uuid.uuid4().hex}"


@pytest.fixture
def world(db):
    return build_world()


def token_client(user) -> APIClient:
    """A client that authenticates like a system does: with a Bearer token."""
    _token, key = token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def client_for():
    return token_client
