"""Logins are logged; repeated failures lock the account; sessions and CSRF are enforced."""

import pytest
from django.conf import settings
from django.test import Client

from poverty.models import AccessLog
from tests.access import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return make_user("clerk", "county_office", "431202000000")


def login(client, password):
    return client.post(
        "/accounts/login/", {"username": "clerk", "password": password}, REMOTE_ADDR="10.0.0.7"
    )


def test_login_and_failed_login_are_logged_with_address(client, clerk):
    assert login(client, "wrong-password").status_code == 200
    assert login(client, PASSWORD).status_code == 302
    events = list(AccessLog.objects.order_by("at").values_list("event", "username", "ip_address"))
    assert events == [("login_failed", "clerk", "10.0.0.7"), ("login", "clerk", "10.0.0.7")]


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, clerk):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password")
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_forms_require_csrf_token(clerk):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 403


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_password_rules_reject_short_and_common_passwords(clerk):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password1", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak, clerk)
    validate_password("Huaihua-county-2026", clerk)
