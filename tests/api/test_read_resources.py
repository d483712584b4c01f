"""Read-only resources: regions, cadres, pairings, helping units, work teams, status changes —
scoped like everything else, filtered by region prefix, phones masked for masked roles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import WorkTeam, WorkTeamMember
from poverty.roles import Role
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _ids(response, key="id"):
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


def test_regions_show_own_subtree_and_ancestors_only(world):
    a, b = world.counties["a"], world.counties["b"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    codes = _ids(clerk.get("/api/v1/regions/", {"page_size": 100}), "code")
    assert "430000000000" in codes and "431200000000" in codes  # ancestors, for breadcrumbs
    assert a.villages[0].code in codes and b.code not in codes
    assert all(not code.startswith("431221") for code in codes)
    assert _ids(clerk.get("/api/v1/regions/", {"region": a.code, "level": "village"}), "code") == {
        v.code for v in a.villages
    }
    assert clerk.get(f"/api/v1/regions/{b.villages[0].code}/").status_code == 404
    assert clerk.get(f"/api/v1/regions/{a.villages[0].code}/").json()["is_poor_village"] is True


def test_cadres_and_pairings_are_scoped_and_a_cadre_sees_its_own_pairing(world):
    a, b = world.counties["a"], world.counties["b"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    assert _ids(clerk.get("/api/v1/cadres/")) == {a.cadre.pk}
    assert clerk.get(f"/api/v1/cadres/{b.cadre.pk}/").status_code == 404
    pairings = clerk.get("/api/v1/pairings/", {"current": "true"}).json()["results"]
    assert [p["household_number"] for p in pairings] == [a.households[0].household_number]
    assert pairings[0]["cadre_name"] == a.cadre.name
    cadre = token_client(a.users[Role.CADRE])
    assert len(cadre.get("/api/v1/pairings/").json()["results"]) == 1
    assert cadre.get("/api/v1/cadres/").json()["results"] == []  # cadres see households, not cadres


def test_work_teams_embed_members_in_one_query_and_mask_phones(world):
    a = world.counties["a"]
    team = WorkTeam.objects.get(village=a.villages[0])
    WorkTeamMember.objects.create(
        team=team, name="队员甲", phone="13700001111", start_date="2019-01-01"
    )
    for village in a.villages[1:]:
        other = WorkTeam.objects.create(village=village, term_start="2019-01-01")
        WorkTeamMember.objects.create(team=other, name="队员", start_date="2019-01-01")
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    clerk.get("/api/v1/work-teams/")
    with CaptureQueriesContext(connection) as one:
        clerk.get("/api/v1/work-teams/", {"page_size": 1})
    with CaptureQueriesContext(connection) as three:
        teams = clerk.get("/api/v1/work-teams/", {"page_size": 10}).json()["results"]
    assert len(teams) == 3 and len(one) == len(three)
    first = next(t for t in teams if t["id"] == team.pk)
    assert {m["name"] for m in first["members"]} == {"书记a", "队员甲"}
    inspector = token_client(a.users[Role.INSPECTOR])
    phones = [
        m["phone"]
        for t in inspector.get("/api/v1/work-teams/").json()["results"]
        for m in t["members"]
    ]
    assert "137****1111" in phones and "13700001111" not in phones
    b_team = WorkTeam.objects.get(village=world.counties["b"].villages[0])
    assert clerk.get(f"/api/v1/work-teams/{b_team.pk}/").status_code == 404


def test_read_only_resources_refuse_writes(world):
    a = world.counties["a"]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    # cadres and pairings are written through assistance.services: test_cadres_and_pairings
    for url in ("/api/v1/aid-units/", "/api/v1/work-teams/", "/api/v1/regions/"):
        response = clerk.post(url, {}, format="json")
        assert response.status_code == 405, url
        assert response.json()["code"] == "method_not_allowed"
