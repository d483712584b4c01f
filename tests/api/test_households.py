"""Households through the API: scope, roles, filters, keyset pages, expand=members, masking,
validation with field paths, optimistic concurrency, history with channel "api"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.models import Household
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.access import citizen_id, make_household
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/households/"


def _numbers(response) -> set[str]:
    return {row["household_number"] for row in response.json()["results"]}


def _register_body(village, number="431202100201099", **overrides):
    area = village.code[:6]
    body = {
        "household_number": number,
        "village": village.code,
        "attribute": "1",
        "identified_year": 2015,
        "main_cause": "02",
        "members": [
            {
                "name": "王一",
                "id_number": citizen_id(area, "19650101", male=True),
                "relation": "01",
            },
            {
                "name": "赵二",
                "id_number": citizen_id(area, "19680202", male=False),
                "relation": "02",
            },
        ],
    }
    body.update(overrides)
    return body


# --- reading -------------------------------------------------------------------------------


def test_each_role_lists_only_its_scope_and_the_other_county_is_404(world):
    a, b = world.counties["a"], world.counties["b"]
    a_numbers = {h.household_number for h in a.households}
    expected = {
        Role.COUNTY_OFFICE: a_numbers,
        Role.TOWNSHIP_OFFICE: {h.household_number for h in a.households[:4]},  # 一镇: 2 villages
        Role.VILLAGE_TEAM: {h.household_number for h in a.households[:2]},
        Role.CADRE: {a.households[0].household_number},  # paired household only
        Role.INSPECTOR: a_numbers,
    }
    for role, numbers in expected.items():
        client = token_client(a.users[role])
        assert _numbers(client.get(URL, {"page_size": 100})) == numbers, role
        assert client.get(f"{URL}{b.households[0].pk}/").status_code == 404, role
        assert client.get(f"{URL}{b.households[0].pk}/history/").status_code == 404, role
    leader = token_client(world.city_leader)
    assert len(_numbers(leader.get(URL, {"page_size": 100}))) == 12
    cadre = token_client(a.users[Role.CADRE])
    assert cadre.get(f"{URL}{a.households[1].pk}/").status_code == 404  # not paired with it


def test_filters_are_the_pages_filterset_and_bad_values_name_the_parameter(world):
    a = world.counties["a"]
    client = token_client(a.users[Role.COUNTY_OFFICE])
    village = a.villages[2]
    assert _numbers(client.get(URL, {"region": village.code})) == {
        h.household_number for h in a.households if h.village_id == village.code
    }
    assert _numbers(client.get(URL, {"region": "431221"})) == set()  # county B: nothing widens
    assert _numbers(client.get(URL, {"q": a.households[3].household_number})) == {
        a.households[3].household_number
    }
    assert _numbers(client.get(URL, {"status": "exited"})) == set()
    bad = client.get(URL, {"region": "12ab", "status": "nonsense"})
    assert bad.status_code == 400
    fields = {error["field"] for error in bad.json()["errors"]}
    assert fields == {"region", "status"}
    assert bad.json()["code"] == "validation_error"


def test_keyset_pages_cover_every_row_once_even_when_rows_are_inserted(world):
    a = world.counties["a"]
    client = token_client(a.users[Role.COUNTY_OFFICE])
    seen: list[str] = []
    response = client.get(URL, {"page_size": 2, "ordering": "household_number"})
    inserted = False
    while True:
        page = [row["household_number"] for row in response.json()["results"]]
        seen.extend(page)
        if not inserted:  # someone registers a household that sorts first, mid-way
            make_household(a.villages[0], "431202000000")
            inserted = True
        next_url = response.json()["next"]
        if not next_url:
            break
        response = client.get(next_url)
    originals = sorted(h.household_number for h in a.households)
    assert seen == originals  # in order, no repeats, nothing skipped
    # a previous link leads back to the page before
    second = client.get(client.get(URL, {"page_size": 2}).json()["next"]).json()
    back = client.get(second["previous"]).json()
    registry_order = Household.objects.filter(village__code__startswith="431202").order_by(
        "village_id", "household_number", "id"
    )
    assert [r["id"] for r in back["results"]] == list(
        registry_order.values_list("id", flat=True)[:2]
    )
    assert client.get(URL, {"page_size": 1000}).status_code == 200  # capped, not refused
    assert len(client.get(URL, {"cursor": "garbage"}).json()["errors"]) == 1


def test_query_count_does_not_grow_with_the_page_size(world):
    a = world.counties["a"]
    client = token_client(a.users[Role.COUNTY_OFFICE])
    client.get(URL)  # token last-used stamp written once
    counts = {}
    for size in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": size, "expand": "members"})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[6], counts
    assert counts[6] <= 3, counts  # token, page, members


def test_expand_members_embeds_them_and_the_head_is_summarised_always(world):
    a = world.counties["a"]
    client = token_client(a.users[Role.COUNTY_OFFICE])
    household = a.households[0]
    plain = client.get(f"{URL}{household.pk}/").json()
    assert plain["members"] is None
    assert plain["member_count"] == 3 and plain["head_name"] == f"户主{household.household_number}"
    expanded = client.get(f"{URL}{household.pk}/", {"expand": "members"}).json()
    assert [m["relation"] for m in expanded["members"]] == ["01", "02", "03"]
    assert client.get(URL, {"expand": "everything"}).status_code == 400


def test_sensitive_values_are_masked_for_roles_that_need_not_see_them(world):
    a = world.counties["a"]
    household = a.households[0]
    head = household.members.get(relation="01")
    full = token_client(a.users[Role.COUNTY_OFFICE]).get(f"{URL}{household.pk}/?expand=members")
    assert full.json()["phone"] == "13912345678"
    assert full.json()["head_id_number"] == head.id_number
    for user in (a.users[Role.INSPECTOR], a.users[Role.CADRE], world.city_leader):
        body = token_client(user).get(f"{URL}{household.pk}/?expand=members").json()
        assert body["phone"] == "139****5678"
        assert body["bank_account"].startswith("6222") and "*" in body["bank_account"]
        assert body["head_id_number"] == head.id_number[:4] + "*" * 10 + head.id_number[-4:]
        assert head.id_number not in str(body)
        history = token_client(user).get(f"{URL}{household.pk}/history/").json()["results"]
        assert head.id_number not in str(history)


# --- writing -------------------------------------------------------------------------------


def test_update_checks_the_version_and_records_history_through_the_api_channel(world):
    a = world.counties["a"]
    household = a.households[0]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    township = token_client(a.users[Role.TOWNSHIP_OFFICE])
    etag = clerk.get(f"{URL}{household.pk}/")["ETag"]

    updated = clerk.patch(
        f"{URL}{household.pk}/", {"address": "一组12号"}, format="json", HTTP_IF_MATCH=etag
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["address"] == "一组12号"
    assert updated["ETag"] != etag
    record = ChangeRecord.objects.filter(household_id=household.pk, action="update").get()
    assert record.channel == "api" and record.user_name == "county-a"
    assert record.changes == {"address": ["", "一组12号"]}

    # the township, still holding the old ETag, is refused with who changed it
    stale = township.patch(
        f"{URL}{household.pk}/", {"group_name": "二组"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert stale.json()["changed_by"] == "county-a"
    assert stale.json()["current_version"] == household.version + 1
    # the same through the body's version field is a 409
    stale_body = township.patch(
        f"{URL}{household.pk}/", {"group_name": "二组", "version": household.version}, format="json"
    )
    assert stale_body.status_code == 409 and stale_body.json()["code"] == "conflict"
    # and without any version, a 428
    assert (
        township.patch(f"{URL}{household.pk}/", {"group_name": "二组"}, format="json").status_code
        == 428
    )
    assert Household.objects.get(pk=household.pk).group_name == ""

    history = clerk.get(f"{URL}{household.pk}/history/", {"channel": "api"}).json()["results"]
    assert len(history) == 1 and history[0]["sentences"] == ["将 住址 从 空 改为 一组12号"]


def test_roles_that_may_not_change_households_get_403_in_scope_and_404_outside(world):
    a, b = world.counties["a"], world.counties["b"]
    mine, theirs = a.households[0], b.households[0]
    body = {"address": "x", "version": mine.version}
    for user in (a.users[Role.CADRE], a.users[Role.INSPECTOR], world.city_leader):
        client = token_client(user)
        response = client.patch(f"{URL}{mine.pk}/", body, format="json")
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
        assert client.post(URL, _register_body(a.villages[0]), format="json").status_code == 403
    for role in (Role.CADRE, Role.INSPECTOR, Role.COUNTY_OFFICE):
        assert (
            token_client(a.users[role]).patch(f"{URL}{theirs.pk}/", body, format="json").status_code
            == 404
        )
    # a village team edits its own village only
    team = token_client(a.users[Role.VILLAGE_TEAM])
    assert team.patch(f"{URL}{mine.pk}/", body, format="json").status_code == 200
    other_village = a.households[4]
    assert (
        team.patch(
            f"{URL}{other_village.pk}/", {"address": "x", "version": 1}, format="json"
        ).status_code
        == 404
    )
    # and cannot move a household out of it
    moved = team.patch(
        f"{URL}{mine.pk}/",
        {"village": a.villages[2].code, "version": mine.version + 1},
        format="json",
    )
    assert moved.status_code == 400 and moved.json()["errors"][0]["field"] == "village"


def test_register_with_members_validates_every_member_and_names_its_path(world):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    body = _register_body(a.villages[0])
    bad_id = body["members"][1]["id_number"][:-1] + (
        "0" if body["members"][1]["id_number"][-1] != "0" else "1"
    )
    body["members"][1]["id_number"] = bad_id
    response = clerk.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["field"] == "members[1].id_number"
    assert error["code"] == "id_bad_check_digit" and "校验位" in error["message"]
    assert not Household.objects.filter(household_number=body["household_number"]).exists()

    wrong = clerk.post(
        URL,
        _register_body(a.villages[0], attribute="9", identified_year="abc", colour="red"),
        format="json",
    )
    assert wrong.status_code == 400
    assert {e["field"]: e["code"] for e in wrong.json()["errors"]} == {"colour": "unknown_field"}
    wrong = clerk.post(
        URL, _register_body(a.villages[0], attribute="9", identified_year="abc"), format="json"
    )
    assert {e["field"]: e["code"] for e in wrong.json()["errors"]} == {
        "attribute": "invalid_choice",
        "identified_year": "invalid",
    }
    nested_unknown = _register_body(a.villages[0])
    nested_unknown["members"][0]["shoe_size"] = 42
    assert (
        clerk.post(URL, nested_unknown, format="json").json()["errors"][0]["field"]
        == "members[0].shoe_size"
    )

    created = clerk.post(URL, _register_body(a.villages[0]), format="json")
    assert created.status_code == 201, created.content
    household_id = created.json()["id"]
    assert created.json()["member_count"] == 2
    records = ChangeRecord.objects.filter(household_id=household_id)
    assert records.count() == 3 and set(records.values_list("channel", flat=True)) == {"api"}
    duplicate = clerk.post(URL, _register_body(a.villages[0]), format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"][0]["field"] == "household_number"


def test_bad_input_is_a_400_never_a_500(world, settings):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    malformed = clerk.generic(
        "POST", URL, b'{"household_number": ', content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    settings.API_MAX_BODY_BYTES = 1000
    huge = clerk.post(URL, {"cause_note": "x" * 5000}, format="json")
    assert huge.status_code == 400 and huge.json()["code"] == "body_too_large"
    not_an_object = clerk.post(URL, [1, 2, 3], format="json")
    assert not_an_object.status_code == 400
    nested_deep = clerk.generic(
        "POST", URL, b"[" * 5000 + b"]" * 5000, content_type="application/json"
    )
    assert nested_deep.status_code == 400
    form = clerk.post(URL, {"a": "b"})  # multipart: not JSON
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    assert clerk.get("/api/v1/no-such-thing/").json()["code"] == "not_found"
    assert clerk.get(f"{URL}abc/").status_code == 404
    assert clerk.put("/api/v1/regions/431202000000/", {}, format="json").status_code == 405


def test_soft_delete_needs_a_reason_and_a_version_and_sync_can_see_it(world):
    a = world.counties["a"]
    household = a.households[5]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    no_reason = clerk.delete(f"{URL}{household.pk}/", {"version": household.version}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    deleted = clerk.delete(
        f"{URL}{household.pk}/",
        {"reason": "重复登记"},
        format="json",
        HTTP_IF_MATCH=f'"{household.version}"',
    )
    assert deleted.status_code == 204
    assert household.household_number not in _numbers(clerk.get(URL))
    listed = clerk.get(URL, {"include_deleted": "true", "q": household.household_number}).json()[
        "results"
    ]
    assert listed[0]["is_deleted"] is True and listed[0]["deleted_reason"] == "重复登记"
    assert ChangeRecord.objects.get(household_id=household.pk, action="delete").channel == "api"
