"""Tokens: created with the password (logged as a login), listed without secrets, revocable,
expiring; session auth for the browser; 401 with WWW-Authenticate when credentials are missing."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from poverty.models import AccessLog, ApiToken
from poverty.roles import Role
from tests.access import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_lifecycle_create_use_list_revoke(world):
    # given a county clerk with a password
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    anonymous = APIClient()

    # when they ask for a token
    response = anonymous.post(
        "/api/v1/auth/token/",
        {"username": clerk.username, "password": PASSWORD, "name": "省平台同步"},
        format="json",
    )

    # then they get it once, it works, and the grant is logged like a login
    assert response.status_code == 201, response.content
    key = response.json()["token"]
    assert key.startswith("pat_") and response.json()["status"] == "active"
    assert AccessLog.objects.filter(user=clerk, event="login", detail__channel="api").exists()
    stored = ApiToken.objects.get(user=clerk)
    assert stored.key_digest != key and key not in stored.key_digest  # only a digest is kept
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/households/").status_code == 200

    # the list shows the token without its secret
    listed = client.get("/api/v1/auth/tokens/").json()
    assert [t["name"] for t in listed] == ["省平台同步"]
    assert "token" not in listed[0] and key not in str(listed)

    # another user cannot revoke it (404, existence not leaked)
    other = APIClient()
    other.force_authenticate(world.counties["b"].users[Role.COUNTY_OFFICE])
    assert other.delete(f"/api/v1/auth/tokens/{stored.pk}/").status_code == 404

    # revoked by its owner, it stops working at once
    assert client.delete(f"/api/v1/auth/tokens/{stored.pk}/").status_code == 204
    refused = client.get("/api/v1/households/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401


def test_wrong_password_is_a_400_on_the_password_field(world):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": clerk.username, "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "password"
    assert body["errors"][0]["code"] == "bad_credentials"
    assert "密码" in body["message"]
    assert not ApiToken.objects.exists()


def test_expiry_follows_the_setting_and_an_expired_token_is_refused(world, settings):
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    settings.API_TOKEN_TTL_DAYS = 2
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": clerk.username, "password": PASSWORD}, format="json"
    )
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (
        abs(token.expires_at - (timezone.now() + datetime.timedelta(days=2))).total_seconds() < 60
    )

    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    refused = client.get("/api/v1/households/")
    assert refused.status_code == 401 and refused.json()["code"] == "token_expired"
    assert "过期" in refused.json()["message"]

    settings.API_TOKEN_TTL_DAYS = 0  # 0: never expires
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": clerk.username, "password": PASSWORD}, format="json"
    )
    assert response.json()["expires_at"] is None


def test_missing_or_bad_credentials_answer_401_with_a_challenge(world):
    anonymous = APIClient().get("/api/v1/households/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Bearer"
    assert anonymous.json()["code"] == "not_authenticated"
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer pat_not-a-real-token")
    assert bad.get("/api/v1/households/").json()["code"] == "token_invalid"


def test_session_auth_serves_the_browser(world, client):
    client.force_login(world.counties["a"].users[Role.COUNTY_OFFICE])
    response = client.get("/api/v1/households/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6
