"""The fast read path (poverty.api.prepared) gives exactly what the ORM path gives, for every
role, and a compiled query is never shared between two scopes; tokens cached in the process
still honour revocation."""

import pytest

from households.api.views import HouseholdViewSet
from households.models import Household
from poverty.api import authentication, prepared
from poverty.api.prepared import forget_prepared, scope_key
from poverty.models import ApiToken
from poverty.roles import Role
from poverty.scoping import visible_to
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/households/"


def _users(world):
    a, b = world.counties["a"], world.counties["b"]
    return [
        *(a.users[role] for role in Role if role in a.users),
        b.users[Role.COUNTY_OFFICE],
        b.users[Role.VILLAGE_TEAM],
        world.city_leader,
        world.admin,
    ]


def _both_paths(monkeypatch, client, url):
    """(response with the prepared path — compiled once, then reused —, ORM path)."""
    monkeypatch.setattr(HouseholdViewSet, "prepared_queries", True)
    client.get(url)  # compiles and caches the shape
    fast = client.get(url)
    monkeypatch.setattr(HouseholdViewSet, "prepared_queries", False)
    slow = client.get(url)
    monkeypatch.setattr(HouseholdViewSet, "prepared_queries", True)
    return fast, slow


@pytest.fixture(autouse=True)
def _fresh_prepared():
    forget_prepared()
    yield
    forget_prepared()


def test_prepared_lists_and_details_equal_the_orm_path_for_every_role(world, monkeypatch):
    a, b = world.counties["a"], world.counties["b"]
    urls = [
        f"{URL}?page_size=2",
        f"{URL}?page_size=2&expand=members",
        f"{URL}?region={a.code[:6]}&status=poor&page_size=100",
        f"{URL}?region={b.code[:6]}",
        f"{URL}?include_deleted=true&page_size=3",
        *(f"{URL}{h.pk}/" for h in (a.households[0], a.households[3], b.households[0])),
        f"{URL}{a.households[0].pk}/?expand=members",
        f"{URL}999999999/",
        f"{URL}not-a-number/",
    ]
    for user in _users(world):
        client = token_client(user)
        for url in urls:
            fast, slow = _both_paths(monkeypatch, client, url)
            assert fast.status_code == slow.status_code, (user.username, url)
            assert fast.json() == slow.json(), (user.username, url)
            assert fast.get("ETag") == slow.get("ETag")
        # every page of a walk along the cursor, forwards and back
        url = f"{URL}?page_size=2"
        while url:
            fast, slow = _both_paths(monkeypatch, client, url)
            assert fast.json() == slow.json(), (user.username, url)
            previous = fast.json()["previous"]
            if previous:
                back_fast, back_slow = _both_paths(monkeypatch, client, previous)
                assert back_fast.json() == back_slow.json()
            url = fast.json()["next"]
    assert prepared._cache  # the fast path did run (and compiled at least one shape)


def test_the_fast_path_shows_exactly_what_the_scoping_function_allows(world):
    # given two county clerks asking the same question, one after the other (same shape)
    for key in ("a", "b", "a"):
        clerk = world.counties[key].users[Role.COUNTY_OFFICE]
        client = token_client(clerk)
        # when they list and read households through the compiled queries
        listed = {row["id"] for row in client.get(f"{URL}?page_size=100").json()["results"]}
        # then each sees what visible_to gives, never the other county's compiled scope
        allowed = set(
            visible_to(clerk, Household.objects.filter(is_deleted=False)).values_list(
                "pk", flat=True
            )
        )
        assert listed == allowed
        for household in Household.objects.all():
            code = client.get(f"{URL}{household.pk}/").status_code
            assert code == (200 if household.pk in allowed else 404)


def test_a_cadres_scope_is_never_compiled_once_for_all(world):
    # a cadre's scope names its pairings (a subquery): no plain key, so no shared SQL
    cadre = world.counties["a"].users[Role.CADRE]
    assert scope_key(cadre, Household) is None
    assert scope_key(world.counties["a"].users[Role.COUNTY_OFFICE], Household) is not None


def test_invalid_cursor_values_are_a_400_not_a_500(world):
    import base64

    import orjson

    client = token_client(world.counties["a"].users[Role.COUNTY_OFFICE])
    forged = {"v": ["431202100201", "x", "12"], "k": ["village_id", "household_number", "id"]}
    cursor = base64.urlsafe_b64encode(orjson.dumps(forged)).decode().rstrip("=")
    response = client.get(f"{URL}?cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


# --- tokens remembered by the process ----------------------------------------------------


def test_revoking_through_the_api_refuses_the_token_at_once(world, settings):
    settings.API_TOKEN_CACHE_SECONDS = 60
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    client = token_client(clerk)
    assert client.get(URL).status_code == 200  # now remembered by this process
    token = ApiToken.objects.get(user=clerk)
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert client.get(URL).json()["code"] == "token_revoked"


def test_a_revocation_made_elsewhere_applies_after_the_cache_window(world, settings, monkeypatch):
    # given a token remembered by this process
    settings.API_TOKEN_CACHE_SECONDS = 10
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    client = token_client(clerk)
    assert client.get(URL).status_code == 200
    # when another server process revokes it (this one is not told)
    ApiToken.objects.filter(user=clerk).update(revoked_at="2026-01-01T00:00:00Z")
    # then this process still accepts it within the window, and refuses it after
    assert client.get(URL).status_code == 200
    now = authentication.time.monotonic()
    monkeypatch.setattr(authentication.time, "monotonic", lambda: now + 11)
    refused = client.get(URL)
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"


def test_with_the_cache_off_every_request_looks_the_token_up(world, settings):
    settings.API_TOKEN_CACHE_SECONDS = 0
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    client = token_client(clerk)
    assert client.get(URL).status_code == 200
    ApiToken.objects.filter(user=clerk).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get(URL).status_code == 401


def test_an_expired_token_is_refused_even_when_remembered(world, settings):
    import datetime

    from django.utils import timezone

    settings.API_TOKEN_CACHE_SECONDS = 60
    clerk = world.counties["a"].users[Role.COUNTY_OFFICE]
    client = token_client(clerk)
    assert client.get(URL).status_code == 200
    (cached,) = (
        entry[1] for entry in authentication._cache.values() if entry[1].user_id == clerk.pk
    )
    cached.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    assert client.get(URL).json()["code"] == "token_expired"


@pytest.mark.django_db(transaction=True)
def test_server_side_prepared_statements_give_the_same_pages(settings):
    """Outside a transaction (as requests run), the compiled reads are PREPAREd once per
    connection and EXECUTEd; the answers are those of the SQL sent as text."""
    from django.db import connection

    from tests.access import build_world

    world = build_world()
    a = world.counties["a"]
    urls = [
        f"{URL}?region={a.code[:6]}&status=poor&page_size=2",
        f"{URL}?page_size=3&expand=members",
        f"{URL}{a.households[0].pk}/",
    ]
    for user in (a.users[Role.COUNTY_OFFICE], a.users[Role.INSPECTOR]):
        client = token_client(user)
        settings.DATABASE_PREPARED_STATEMENTS = False
        as_text = [client.get(url).json() for url in urls]
        settings.DATABASE_PREPARED_STATEMENTS = True
        forget_prepared()
        for _ in range(2):  # prepared on the first request, executed by name on both
            assert [client.get(url).json() for url in urls] == as_text
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'poverty_pv%'")
        assert cursor.fetchone()[0] >= len(urls)
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"


def test_the_postgresql_rendered_path_shows_nothing_of_another_county(world):
    """The rows computed by PostgreSQL (json_rows) are read through the same scope: a county
    clerk gets an empty page for the other county and 404 for its households, compiled or not."""
    assert HouseholdViewSet.json_rows and HouseholdViewSet.prepared_queries
    a, b = world.counties["a"], world.counties["b"]
    client = token_client(a.users[Role.COUNTY_OFFICE])
    for _ in range(2):  # compiled on the first request, reused on the second
        page = client.get(f"{URL}?region={b.code[:6]}&page_size=100")
        assert page.status_code == 200 and page.json()["results"] == []
        assert client.get(f"{URL}{b.households[0].pk}/").status_code == 404
        assert client.get(f"{URL}{b.households[0].pk}/?expand=members").status_code == 404
        own = client.get(f"{URL}?page_size=100&expand=members").json()["results"]
        assert own and all(row["village"].startswith(a.code[:6]) for row in own)
        assert all(m["household"] == row["id"] for row in own for m in row["members"])


def test_heads_and_member_counts_from_one_scan_match_the_orm_path(world, monkeypatch):
    """The head's name and ID number and the member count come from one subquery over the
    household's members (jsonrows.Spread): the same as the Python path, also for a household
    without an active head or without any active member (states the deferred one-head check
    refuses at commit, so they are undone before the test's end)."""
    from households.models import Member

    a = world.counties["a"]
    no_head, nobody, plain = a.households[0], a.households[1], a.households[2]
    Member.objects.filter(household=no_head, relation="01").update(
        is_active=False, change_reason="01"
    )
    Member.objects.filter(household=nobody).update(is_active=False, change_reason="01")
    for user in (a.users[Role.COUNTY_OFFICE], world.city_leader, world.admin):
        client = token_client(user)
        for url in (
            f"{URL}?region={a.code[:6]}&page_size=100",
            *(f"{URL}{h.pk}/" for h in (no_head, nobody, plain)),
        ):
            fast, slow = _both_paths(monkeypatch, client, url)
            assert fast.status_code == slow.status_code == 200, (user.username, url)
            assert fast.json() == slow.json(), (user.username, url)
        rows = {
            row["id"]: row
            for row in client.get(f"{URL}?region={a.code[:6]}&page_size=100").json()["results"]
        }
        assert (rows[no_head.pk]["head_name"], rows[no_head.pk]["member_count"]) == (None, 2)
        assert rows[no_head.pk]["head_id_number"] is None
        assert (rows[nobody.pk]["head_name"], rows[nobody.pk]["member_count"]) == (None, 0)
        assert rows[plain.pk]["head_name"] == f"户主{plain.household_number}"
        assert rows[plain.pk]["member_count"] == 3
    Member.objects.filter(household__in=[no_head, nobody]).update(is_active=True, change_reason="")
