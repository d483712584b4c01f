"""Cadres (帮扶责任人) and pairings (结对帮扶) written through the API: scoped across two counties,
allowed per role, validated with JSON errors (code, Chinese message, field path), checked for
concurrent edits (409/412/428) and recorded in the history through the "api" channel."""

import datetime

import pytest

from assistance.models import Cadre, CadrePairing
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

CADRES = "/api/v1/cadres/"
PAIRINGS = "/api/v1/pairings/"


def _cadre_body(division_code, **overrides):
    body = {
        "name": "王建国",
        "division_code": division_code,
        "unit_name": "区农业农村局",
        "unit_level": "4",
        "position": "副局长",
        "phone": "13907451234",
    }
    body.update(overrides)
    return body


def _error(response):
    body = response.json()
    assert set(body) >= {"code", "message", "errors"}, body
    return body["errors"][0]


# --- cadres ----------------------------------------------------------------------------------


def test_a_county_clerk_registers_a_cadre_in_its_county_with_history(world):
    # given the clerk of county a
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])

    # when they register a cadre of their county
    response = clerk.post(CADRES, _cadre_body(a.code), format="json")

    # then it is saved at version 1 (the ETag) and the history names the API channel
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["division_code"] == a.code and body["version"] == 1
    assert response["ETag"] == '"1"'
    record = ChangeRecord.objects.get(object_type="assistance.cadre", object_id=str(body["id"]))
    assert record.channel == "api" and record.action == "create"
    assert record.user_id == a.users[Role.COUNTY_OFFICE].pk


def test_a_cadre_outside_ones_region_is_refused_and_the_other_countys_cadre_is_404(world):
    a, b = world.counties["a"], world.counties["b"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])

    refused = clerk.post(CADRES, _cadre_body(b.code), format="json")
    assert refused.status_code == 400
    error = _error(refused)
    assert error["field"] == "division_code" and error["code"] == "out_of_scope"
    assert "管辖范围" in error["message"]

    assert clerk.get(f"{CADRES}{b.cadre.pk}/").status_code == 404
    patched = clerk.patch(f"{CADRES}{b.cadre.pk}/", {"position": "x", "version": 1}, format="json")
    assert patched.status_code == 404
    assert Cadre.objects.get(pk=b.cadre.pk).position == ""
    listed = {row["id"] for row in clerk.get(CADRES).json()["results"]}
    assert a.cadre.pk in listed and b.cadre.pk not in listed


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COUNTY_OFFICE, 201),
        (Role.TOWNSHIP_OFFICE, 201),
        (Role.VILLAGE_TEAM, 403),
        (Role.CADRE, 403),
        (Role.INSPECTOR, 403),
    ],
)
def test_who_may_register_cadres_and_pairings(world, role, expected):
    a = world.counties["a"]
    client = token_client(a.users[role])
    township = a.township.code
    cadre = client.post(CADRES, _cadre_body(township), format="json")
    assert cadre.status_code == expected, cadre.content
    # the township's unpaired household (village 甲村 of 一镇), with a cadre of the township
    township_cadre = Cadre.objects.create(name="乡干部", division_code=township, unit_name="镇政府")
    pairing = client.post(
        PAIRINGS,
        {"cadre": township_cadre.pk, "household": a.households[1].pk, "start_date": "2017-05-01"},
        format="json",
    )
    assert pairing.status_code == expected, pairing.content
    if expected == 403:
        assert pairing.json()["code"] == "permission_denied"
        assert not CadrePairing.objects.filter(cadre=township_cadre).exists()


def test_a_city_leader_reads_cadres_but_changes_none(world):
    leader = token_client(world.city_leader)
    a = world.counties["a"]
    assert leader.get(f"{CADRES}{a.cadre.pk}/").status_code == 200
    response = leader.patch(
        f"{CADRES}{a.cadre.pk}/", {"position": "x", "version": 1}, format="json"
    )
    assert response.status_code == 403


def test_cadre_validation_errors_name_the_field_in_chinese(world):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    cases = [
        (_cadre_body(a.code, phone="12345"), "phone"),
        (_cadre_body("4312"), "division_code"),
        (_cadre_body(a.code, name=""), "name"),
        (_cadre_body(a.code, unit_level="x"), "unit_level"),
        (_cadre_body(a.code, salary=3), "salary"),  # unknown field
        (_cadre_body(a.code[:6] + "999999"), "division_code"),  # no such region
    ]
    for body, field in cases:
        response = clerk.post(CADRES, body, format="json")
        assert response.status_code == 400, (field, response.content)
        error = _error(response)
        assert error["field"] == field, (field, response.json())
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    assert not Cadre.objects.filter(name="王建国").exists()


def test_cadre_update_checks_the_version_409_412_428_and_names_who_changed_it(world):
    a = world.counties["a"]
    clerk_user = a.users[Role.COUNTY_OFFICE]
    clerk = token_client(clerk_user)
    url = f"{CADRES}{a.cadre.pk}/"
    assert clerk.get(url)["ETag"] == '"1"'

    changed = clerk.patch(url, {"position": "局长", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed["ETag"] == '"2"'

    stale_body = clerk.patch(url, {"position": "科长", "version": 1}, format="json")
    assert stale_body.status_code == 409
    assert stale_body.json()["changed_by"] == clerk_user.username
    assert stale_body.json()["current_version"] == 2
    assert "修改" in stale_body.json()["message"]

    stale_header = clerk.patch(url, {"position": "科长"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale_header.status_code == 412

    missing = clerk.patch(url, {"position": "科长"}, format="json")
    assert missing.status_code == 428

    assert Cadre.objects.get(pk=a.cadre.pk).position == "局长"
    update = ChangeRecord.objects.get(object_type="assistance.cadre", action="update")
    assert update.channel == "api" and update.changes == {"position": ["", "局长"]}


# --- pairings ------------------------------------------------------------------------------


def test_pairing_a_household_records_it_in_the_households_history(world):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    household = a.households[2]

    response = clerk.post(
        PAIRINGS,
        {"cadre": a.cadre.pk, "household": household.pk, "start_date": "2016-04-01"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["household"] == household.pk and body["end_date"] is None
    assert body["cadre_name"] == a.cadre.name and response["ETag"] == '"1"'
    record = ChangeRecord.objects.get(object_type="assistance.cadrepairing", action="create")
    assert record.household_id == household.pk and record.channel == "api"
    history = clerk.get(f"/api/v1/households/{household.pk}/history/").json()["results"]
    assert any(entry["object_type"] == "assistance.cadrepairing" for entry in history)


def test_pairing_across_counties_is_refused_without_revealing_the_other_county(world):
    a, b = world.counties["a"], world.counties["b"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    other_household = clerk.post(
        PAIRINGS,
        {"cadre": a.cadre.pk, "household": b.households[1].pk, "start_date": "2016-04-01"},
        format="json",
    )
    assert other_household.status_code == 400
    assert _error(other_household)["field"] == "household"
    other_cadre = clerk.post(
        PAIRINGS,
        {"cadre": b.cadre.pk, "household": a.households[1].pk, "start_date": "2016-04-01"},
        format="json",
    )
    assert other_cadre.status_code == 400
    assert _error(other_cadre)["field"] == "cadre"
    b_pairing = CadrePairing.objects.get(household=b.households[0])
    assert clerk.get(f"{PAIRINGS}{b_pairing.pk}/").status_code == 404
    ended = clerk.patch(
        f"{PAIRINGS}{b_pairing.pk}/", {"end_date": "2019-01-01", "version": 1}, format="json"
    )
    assert ended.status_code == 404
    assert CadrePairing.objects.get(pk=b_pairing.pk).end_date is None


def test_pairing_rules_answer_400_with_the_field(world):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    village_cadre = Cadre.objects.create(
        name="村干部", division_code=a.villages[1].code, unit_name="村委会"
    )
    retired = Cadre.objects.create(
        name="退休干部", division_code=a.code, unit_name="县局", is_active=False
    )
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    cases = [
        # the household already has a helper (world: households[0] is paired)
        ({"cadre": a.cadre.pk, "household": a.households[0].pk, "start_date": "2019-01-01"},
         "household", "current_pairing"),
        # a village cadre cannot help a household of another village
        ({"cadre": village_cadre.pk, "household": a.households[0].pk, "start_date": "2019-01-01"},
         "household", "outside_region"),
        ({"cadre": retired.pk, "household": a.households[1].pk, "start_date": "2019-01-01"},
         "cadre", "cadre_inactive"),
        ({"cadre": a.cadre.pk, "household": a.households[1].pk, "start_date": "2019-01-01",
          "end_date": "2018-01-01"}, "end_date", "rule"),
        ({"cadre": a.cadre.pk, "household": a.households[1].pk, "start_date": "2019-01-01",
          "end_date": tomorrow}, "end_date", "rule"),
        ({"cadre": a.cadre.pk, "household": a.households[1].pk, "start_date": "2019-02-30"},
         "start_date", "invalid"),
    ]  # fmt: skip
    for body, field, code in cases:
        response = clerk.post(PAIRINGS, body, format="json")
        assert response.status_code == 400, (body, response.content)
        error = _error(response)
        assert (error["field"], error["code"]) == (field, code), response.json()
        assert response.json()["code"] == "validation_error"
    assert CadrePairing.objects.count() == 2  # the world's two


def test_ending_a_pairing_then_pairing_the_next_helper(world):
    # given household 0 of county a, paired since 2016
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    pairing = CadrePairing.objects.get(household=a.households[0])
    url = f"{PAIRINGS}{pairing.pk}/"

    # when the clerk ends it (If-Match) and pairs a new cadre from that day
    ended = clerk.patch(
        url, {"end_date": "2020-06-30", "end_reason": "调离"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["end_date"] == "2020-06-30" and ended.json()["version"] == 2
    successor = Cadre.objects.create(name="接任干部", division_code=a.code, unit_name="县局")
    paired = clerk.post(
        PAIRINGS,
        {"cadre": successor.pk, "household": a.households[0].pk, "start_date": "2020-06-30"},
        format="json",
    )

    # then both are in the history, and an overlapping back-dated edit is refused
    assert paired.status_code == 201, paired.content
    actions = list(
        ChangeRecord.objects.filter(
            household_id=a.households[0].pk, object_type="assistance.cadrepairing"
        )
        .order_by("id")
        .values_list("action", "channel")
    )
    assert actions == [("update", "api"), ("create", "api")]
    overlap = clerk.patch(url, {"end_date": None, "end_reason": "", "version": 2}, format="json")
    assert overlap.status_code == 400
    assert _error(overlap)["code"] == "current_pairing"
    stale = clerk.patch(url, {"end_reason": "调走", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_an_admin_edit_raises_the_version_so_a_stale_api_write_is_refused(world, client):
    from django.urls import reverse

    a = world.counties["a"]
    cadre = a.cadre
    client.force_login(world.admin)
    url = reverse("admin:assistance_cadre_change", args=[cadre.pk])
    form = client.get(url)
    assert form.status_code == 200 and 'name="version"' not in form.content.decode()
    response = client.post(
        url,
        {
            "name": cadre.name,
            "division_code": cadre.division_code,
            "unit_name": cadre.unit_name,
            "unit_level": cadre.unit_level,
            "position": "办公室主任",
            "phone": "",
            "user": cadre.user_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Cadre.objects.get(pk=cadre.pk).version == 2
    stale = token_client(a.users[Role.COUNTY_OFFICE]).patch(
        f"{CADRES}{cadre.pk}/", {"position": "x", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["changed_by"] == world.admin.username
