"""Visits (走访) and stationing days (驻村考勤) through the API: scoped reads across the two
counties, writes through assistance.services (same rules as the pages, history channel
"api"), per-role permissions, idempotent retries, field-named validation errors."""

import datetime
import uuid

import pytest
from django.utils import timezone

from assistance.models import StationingDay, Visit, WorkTeamMember
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

VISITS = "/api/v1/visits/"
DAYS = "/api/v1/stationing-days/"


def _visit_body(household, **extra):
    return {
        "household": household.pk,
        "visited_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "kind": "home",
        "findings": "两不愁三保障已落实",
        **extra,
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_cadre_records_a_visit_to_its_paired_household_once_and_history_says_api(world):
    a = world.counties["a"]
    household = a.households[0]  # the cadre's paired household
    cadre = token_client(a.users[Role.CADRE])
    token = str(uuid.uuid4())
    created = cadre.post(VISITS, _visit_body(household, client_token=token), format="json")
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["visitor_role"] == "cadre" and row["cadre"] == a.cadre.pk
    assert row["household_number"] == household.household_number
    assert row["division_code"] == household.village_id
    record = ChangeRecord.objects.get(object_type="assistance.visit", object_id=str(row["id"]))
    assert record.channel == "api" and record.household_id == household.pk

    # a retry over a weak connection (same token): the same visit, not a second one
    again = cadre.post(VISITS, _visit_body(household, client_token=token), format="json")
    assert again.status_code == 200 and again.json()["id"] == row["id"]
    assert Visit.objects.filter(household=household).count() == 1

    # the cadre's other village households are not its own: not visible, so not found
    other = cadre.post(VISITS, _visit_body(a.households[1]), format="json")
    assert other.status_code == 400 and other.json()["errors"][0]["field"] == "household"


def test_visits_are_scoped_per_county_and_per_role(world):
    a, b = world.counties["a"], world.counties["b"]
    team_a = token_client(a.users[Role.VILLAGE_TEAM])
    team_b = token_client(b.users[Role.VILLAGE_TEAM])
    mine = team_a.post(VISITS, _visit_body(a.households[0]), format="json").json()["id"]
    theirs = team_b.post(VISITS, _visit_body(b.households[0]), format="json").json()["id"]

    unpaired = team_a.post(VISITS, _visit_body(a.households[1]), format="json").json()["id"]

    clerk_a = token_client(a.users[Role.COUNTY_OFFICE])
    assert _ids(clerk_a.get(VISITS)) == {mine, unpaired}
    # a cadre reads the visits of its paired household only
    cadre = token_client(a.users[Role.CADRE])
    assert _ids(cadre.get(VISITS)) == {mine}
    assert cadre.get(f"{VISITS}{unpaired}/").status_code == 404
    assert clerk_a.get(f"{VISITS}{theirs}/").status_code == 404
    assert _ids(clerk_a.get(VISITS, {"region": "431221"})) == set()
    assert _ids(clerk_a.get(VISITS, {"household": a.households[0].pk, "kind": "home"})) == {mine}
    assert _ids(clerk_a.get(VISITS, {"visited_from": "2100-01-01"})) == set()
    assert token_client(world.city_leader).get(f"{VISITS}{theirs}/").status_code == 200

    # an inspector reads but may not record; a county clerk may record in its county only
    inspector = token_client(a.users[Role.INSPECTOR])
    assert inspector.get(f"{VISITS}{mine}/").status_code == 200
    refused = inspector.post(VISITS, _visit_body(a.households[0]), format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    foreign = clerk_a.post(VISITS, _visit_body(b.households[0]), format="json")
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "household"
    # a village team sees its own village only: a household of the next village is unknown
    assert team_a.post(VISITS, _visit_body(a.households[2]), format="json").status_code == 400

    # visits are never edited or deleted through the API
    assert clerk_a.patch(f"{VISITS}{mine}/", {"findings": "x"}, format="json").status_code == 405
    assert clerk_a.delete(f"{VISITS}{mine}/").status_code == 405


def test_visit_validation_names_the_field_and_saves_nothing(world):
    a = world.counties["a"]
    team = token_client(a.users[Role.VILLAGE_TEAM])
    household = a.households[0]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = [
        ({"visited_on": tomorrow}, "visited_on"),
        ({"visited_on": "2001-01-01"}, "visited_on"),
        ({"kind": "carrier-pigeon"}, "kind"),
        ({"latitude": "123.000000", "longitude": "10.000000"}, None),
        ({"findings": ""}, "findings"),
        ({"colour": "red"}, "colour"),
        ({"client_token": "not-a-uuid"}, "client_token"),
    ]
    for extra, field in cases:
        response = team.post(VISITS, _visit_body(household, **extra), format="json")
        assert response.status_code == 400, (extra, response.content)
        body = response.json()
        assert body["code"] and body["message"]
        if field is not None:
            assert body["errors"][0]["field"] == field, (extra, body)
    assert not Visit.objects.exists()


def test_stationing_days_are_recorded_through_the_service_and_scoped(world):
    a, b = world.counties["a"], world.counties["b"]
    member_a = WorkTeamMember.objects.get(team__village=a.villages[0])
    member_b = WorkTeamMember.objects.get(team__village=b.villages[0])
    team_a = token_client(a.users[Role.VILLAGE_TEAM])
    today = timezone.localdate()
    start = today - datetime.timedelta(days=4)
    body = {"member": member_a.pk, "start": start.isoformat(), "end": today.isoformat()}
    recorded = team_a.post(DAYS, {**body, "status": "leave", "note": "病假"}, format="json")
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["written"] == 5
    assert StationingDay.objects.filter(member=member_a, status="leave").count() == 5
    assert set(
        ChangeRecord.objects.filter(object_type="assistance.stationingday").values_list(
            "channel", flat=True
        )
    ) == {"api"}
    # the same range again changes nothing; another status rewrites the days
    same = team_a.post(DAYS, {**body, "status": "leave", "note": "病假"}, format="json")
    assert same.json()["written"] == 0
    assert team_a.post(DAYS, body, format="json").json()["written"] == 5
    assert not StationingDay.objects.filter(member=member_a, status="leave").exists()

    clerk_a = token_client(a.users[Role.COUNTY_OFFICE])
    rows = clerk_a.get(DAYS, {"member": member_a.pk, "status": "present"}).json()["results"]
    assert len(rows) == 5 and rows[0]["member_name"] == member_a.name
    assert rows[0]["team"] == member_a.team_id
    StationingDay.objects.create(
        member=member_b, division_code=b.villages[0].code, date=today, status="present"
    )
    theirs = StationingDay.objects.get(member=member_b).pk
    assert clerk_a.get(f"{DAYS}{theirs}/").status_code == 404
    assert clerk_a.get(DAYS, {"region": "431221"}).json()["results"] == []

    # the other county's member is unknown; a cadre and an inspector may not record attendance
    foreign = team_a.post(DAYS, {**body, "member": member_b.pk}, format="json")
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "member"
    for role in (Role.CADRE, Role.INSPECTOR):
        assert token_client(a.users[role]).post(DAYS, body, format="json").status_code == 403

    # the service's rules answer 400 with the field: reversed range, outside the tenure
    reversed_range = team_a.post(
        DAYS, {**body, "start": today.isoformat(), "end": start.isoformat()}, format="json"
    )
    assert reversed_range.status_code == 400
    assert reversed_range.json()["errors"][0]["field"] == "end"
    before_tenure = team_a.post(
        DAYS, {**body, "start": "2018-01-01", "end": "2018-01-02"}, format="json"
    )
    assert before_tenure.status_code == 400
    assert before_tenure.json()["errors"][0]["field"] == "start"
