"""Members, annual incomes and 两不愁三保障 statuses through the API: each written through
households.services (same rules, same history, the household's version), scoped like the
household they belong to."""

from decimal import Decimal

import pytest

from households.models import AnnualIncome, Member
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.access import citizen_id
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_members_scope_masking_add_and_change(world):
    a, b = world.counties["a"], world.counties["b"]
    household = a.households[0]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    listed = clerk.get("/api/v1/members/", {"household": household.pk}).json()["results"]
    assert len(listed) == 3
    assert clerk.get("/api/v1/members/", {"region": "431221"}).json()["results"] == []
    b_member = b.households[0].members.first()
    assert clerk.get(f"/api/v1/members/{b_member.pk}/").status_code == 404
    inspector = token_client(a.users[Role.INSPECTOR])
    masked = inspector.get(f"/api/v1/members/{listed[0]['id']}/").json()
    assert "*" in masked["id_number"] and masked["id_number"] != listed[0]["id_number"]

    # add a child: birth date and sex come from the ID; history says "api"
    child_id = citizen_id(household.village_id[:6], "20100505", male=False)
    body = {"household": household.pk, "name": "小红", "id_number": child_id, "relation": "04"}
    created = clerk.post("/api/v1/members/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["birth_date"] == "2010-05-05" and created.json()["sex"] == "2"
    assert (
        ChangeRecord.objects.get(
            object_type="households.member", object_id=str(created.json()["id"])
        ).channel
        == "api"
    )

    # a member of another county's household: the reference does not exist for this user
    foreign = clerk.post(
        "/api/v1/members/", {**body, "household": b.households[0].pk}, format="json"
    )
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "household"

    # a bad ID: the field is named, nothing is saved
    bad = clerk.post(
        "/api/v1/members/",
        {**body, "id_number": child_id[:-1] + "0" if child_id[-1] != "0" else child_id[:-1] + "1"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "id_number"

    # change with the household's version (ETag of the member)
    member_url = f"/api/v1/members/{created.json()['id']}/"
    etag = clerk.get(member_url)["ETag"]
    changed = clerk.patch(member_url, {"education": "02"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    stale = clerk.patch(member_url, {"education": "03"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["changed_by"] == "county-a"
    # the head cannot be demoted: the household would have none
    head = household.members.get(relation="01")
    version = clerk.get(f"/api/v1/households/{household.pk}/").json()["version"]
    demoted = clerk.patch(
        f"/api/v1/members/{head.pk}/",
        {"relation": "03", "household_version": version},
        format="json",
    )
    assert demoted.status_code == 400 and "户主" in demoted.json()["message"]
    # a cadre may not change members
    cadre = token_client(a.users[Role.CADRE])
    assert (
        cadre.patch(
            f"/api/v1/members/{head.pk}/",
            {"name": "x", "household_version": version},
            format="json",
        ).status_code
        == 403
    )
    assert cadre.post("/api/v1/members/", body, format="json").status_code == 403
    assert clerk.delete(member_url).status_code == 405  # members leave with is_active=false
    assert Member.objects.filter(household=household).count() == 4


def test_member_leaving_needs_a_change_reason(world):
    a = world.counties["a"]
    household = a.households[0]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    son = household.members.get(relation="03")
    version = household.version
    refused = clerk.patch(
        f"/api/v1/members/{son.pk}/",
        {"is_active": False, "household_version": version},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "change_reason"
    left = clerk.patch(
        f"/api/v1/members/{son.pk}/",
        {
            "is_active": False,
            "change_reason": "03",
            "changed_on": "2020-09-01",
            "household_version": version,
        },
        format="json",
    )
    assert left.status_code == 200, left.content
    assert clerk.get(f"/api/v1/households/{household.pk}/").json()["member_count"] == 2


def test_income_create_recomputes_figures_and_update_checks_the_version(world):
    a, b = world.counties["a"], world.counties["b"]
    household = a.households[0]
    clerk = token_client(a.users[Role.COUNTY_OFFICE])
    body = {
        "household": household.pk,
        "year": 2019,
        "wage": "9000.00",
        "dibao": "1500",
        "business_costs": "300",
    }
    created = clerk.post("/api/v1/incomes/", body, format="json")
    assert created.status_code == 201, created.content
    income = created.json()
    assert income["household_size"] == 3
    assert income["net_income"] == "10200.00" and income["per_capita_net_income"] == "3400.00"
    record = ChangeRecord.objects.get(
        object_type="households.annualincome", object_id=str(income["id"])
    )
    assert record.channel == "api"
    again = clerk.post("/api/v1/incomes/", body, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "duplicate_year"

    url = f"/api/v1/incomes/{income['id']}/"
    updated = clerk.patch(
        url, {"wage": "12000", "household_version": income["household_version"]}, format="json"
    )
    assert updated.status_code == 200
    assert updated.json()["per_capita_net_income"] == "4400.00"
    stale = clerk.patch(
        url, {"wage": "1", "household_version": income["household_version"]}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["changed_by"] == "county-a"
    assert AnnualIncome.objects.get(pk=income["id"]).wage == Decimal("12000.00")
    negative = clerk.patch(
        url, {"wage": "-5", "household_version": updated.json()["household_version"]}, format="json"
    )
    assert negative.status_code == 400 and negative.json()["errors"][0]["field"] == "wage"
    wrong_type = clerk.patch(
        url,
        {"wage": "lots", "household_version": updated.json()["household_version"]},
        format="json",
    )
    assert wrong_type.status_code == 400 and wrong_type.json()["errors"][0]["field"] == "wage"

    assert clerk.get("/api/v1/incomes/", {"year": 2019}).json()["results"][0]["id"] == income["id"]
    other = token_client(b.users[Role.COUNTY_OFFICE])
    assert other.get(url).status_code == 404
    assert other.get("/api/v1/incomes/").json()["results"] == []
    assert (
        other.patch(url, {"wage": "1", "household_version": 99}, format="json").status_code == 404
    )
    inspector = token_client(a.users[Role.INSPECTOR])
    assert inspector.get(url).status_code == 200
    assert (
        inspector.patch(url, {"wage": "1", "household_version": 99}, format="json").status_code
        == 403
    )


def test_guarantee_status_create_and_update(world):
    a = world.counties["a"]
    household = a.households[1]
    team = token_client(a.users[Role.VILLAGE_TEAM])
    created = team.post(
        "/api/v1/guarantees/",
        {
            "household": household.pk,
            "year": 2020,
            "food": "met",
            "housing": "not_met",
            "evidence_note": "危房改造中",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    status = created.json()
    assert status["housing"] == "not_met"
    bad = team.patch(
        f"/api/v1/guarantees/{status['id']}/",
        {"water": "maybe", "household_version": status["household_version"]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0] == {
        "field": "water",
        "code": "invalid_choice",
        "message": bad.json()["errors"][0]["message"],
    }
    ok = team.patch(
        f"/api/v1/guarantees/{status['id']}/",
        {"housing": "met", "household_version": status["household_version"]},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["housing"] == "met"
    gaps = (
        token_client(a.users[Role.COUNTY_OFFICE])
        .get("/api/v1/households/", {"gap": "housing"})
        .json()
    )
    assert gaps["results"] == []
