"""The visit log and attendance pages: forms (good and bad input), scoping, roles, history.

Built on tests.access.build_world(): two counties (a = 431202, b = 431221) with one user per
role; the cadre of each county is paired with the county's first household only, and each
county's first village has a work team with a first secretary.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assistance.forms import OverdueForm, StationingForm, VisitForm
from assistance.models import StationingDay, Visit, WorkTeam, WorkTeamMember
from assistance.selectors import attendance_members_for_user
from assistance.services import visit_record
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.access import build_world, make_user

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def world():
    return build_world()


def user(world, role, key="a"):
    return world.counties[key].users[role]


def visit_post(**changes) -> dict:
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "kind": "home",
        "findings": "两不愁三保障均已落实，饮水正常",
        "actions_taken": "讲解了医保政策",
        "client_token": str(uuid.uuid4()),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def photo(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def record(actor, household, days_ago=0, **fields):
    data = {
        "visited_on": timezone.localdate() - datetime.timedelta(days=days_ago),
        "kind": "home",
        "findings": "情况正常",
        **fields,
    }
    return visit_record(actor=actor, household=household, data=data)


# --- VisitForm -------------------------------------------------------------------------------


def test_visit_form_accepts_a_plain_visit_and_defaults_to_today():
    assert VisitForm().initial["visited_on"] == timezone.localdate()
    form = VisitForm(visit_post())
    assert form.is_valid(), form.errors
    assert form.visit_data()["kind"] == "home"


def test_visit_form_accepts_a_photo_and_a_location():
    form = VisitForm(
        visit_post(latitude="27.55", longitude="109.99", location_accuracy_m="30"),
        {"photo": photo(PNG, "IMG_1.png", "image/png")},
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"findings": ""}, "findings", "必填"),
        ({"visited_on": ""}, "visited_on", "必填"),
        ({"visited_on": "2031-01-01"}, "visited_on", "不能晚于今天"),
        ({"visited_on": "2001-01-01"}, "visited_on", "2013"),
        ({"visited_on": "昨天"}, "visited_on", "日期"),
        ({"kind": "walk"}, "kind", "选择"),
        ({"latitude": "27.5"}, "__all__", "经度和纬度"),
        ({"latitude": "abc", "longitude": "1"}, "latitude", "数"),
    ],
)
def test_visit_form_refuses(changes, field, message):
    form = VisitForm(visit_post(**changes))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_visit_form_refuses_a_renamed_document_as_photo():
    form = VisitForm(visit_post(), {"photo": photo(b"%PDF-1.4 not an image", "scan.jpg")})
    assert not form.is_valid()
    assert "JPEG" in form.errors["photo"][0]


def test_visit_form_refuses_a_photo_over_the_size_limit(settings):
    settings.POVERTY_VISIT_PHOTO_MAX_BYTES = 100
    form = VisitForm(visit_post(), {"photo": photo(JPEG)})
    assert not form.is_valid()
    assert "不能超过" in form.errors["photo"][0]


def test_visit_form_follow_up_note_implies_follow_up():
    form = VisitForm(visit_post(follow_up_note="下月落实危房改造"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["follow_up_needed"] is True


# --- logging a visit through the page ----------------------------------------------------------


def test_cadre_logs_a_visit_to_a_paired_household_with_history(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cadre = user(world, Role.CADRE)
    household = world.counties["a"].households[0]
    client.force_login(cadre)
    url = reverse("assistance:visit_create", args=[household.pk])
    assert client.get(url).status_code == 200
    data = visit_post(latitude="27.551234", longitude="109.998765", location_accuracy_m="25")
    data["photo"] = photo(JPEG, "../../evil.php.jpg")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("assistance:my_households")
    visit = Visit.objects.get(household=household)
    assert visit.visitor == cadre and visit.visitor_role == "cadre"
    assert visit.cadre == world.counties["a"].cadre
    assert visit.division_code == household.village_id
    assert str(visit.latitude) == "27.551234"
    assert visit.photo.name.endswith(".jpg") and "evil" not in visit.photo.name
    change = ChangeRecord.objects.get(object_type="assistance.visit", object_id=str(visit.pk))
    assert change.action == "create" and change.channel == "page" and change.user == cadre
    assert change.household_id == household.pk
    assert "findings" in change.changes
    # The photo is served to whoever may read the visit, and to nobody else.
    photo_url = reverse("assistance:visit_photo", args=[visit.pk])
    served = client.get(photo_url)
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8\xff")
    client.force_login(user(world, Role.COUNTY_OFFICE, "b"))
    assert client.get(photo_url).status_code == 404


def test_visit_without_gps_is_saved_without_location(world, client):
    client.force_login(user(world, Role.VILLAGE_TEAM))
    household = world.counties["a"].households[1]  # village team: every household of its village
    url = reverse("assistance:visit_create", args=[household.pk])
    assert client.post(url, visit_post(kind="phone")).status_code == 302
    visit = Visit.objects.get(household=household)
    assert visit.latitude is None and visit.kind == "phone"
    assert visit.visitor_role == "village_cadre"


def test_the_same_form_sent_twice_is_saved_once(world, client):
    client.force_login(user(world, Role.CADRE))
    household = world.counties["a"].households[0]
    url = reverse("assistance:visit_create", args=[household.pk])
    data = visit_post()
    first = client.post(url, data, HTTP_ACCEPT="application/json")
    second = client.post(url, data, HTTP_ACCEPT="application/json")
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.filter(household=household).count() == 1
    assert ChangeRecord.objects.filter(object_type="assistance.visit").count() == 1


def test_a_refused_visit_keeps_what_was_typed(world, client):
    client.force_login(user(world, Role.CADRE))
    household = world.counties["a"].households[0]
    url = reverse("assistance:visit_create", args=[household.pk])
    response = client.post(url, visit_post(visited_on="2031-01-01", findings="房屋漏雨需维修"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "房屋漏雨需维修" in page and "不能晚于今天" in page
    assert not Visit.objects.exists()
    as_json = client.post(url, visit_post(findings=""), HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400
    assert as_json.json()["ok"] is False and "findings" in as_json.json()["errors"]


def test_cadre_cannot_log_or_read_visits_of_unpaired_households(world, client):
    county = world.counties["a"]
    record(county.users[Role.VILLAGE_TEAM], county.households[1])
    unpaired_visit = Visit.objects.get()
    client.force_login(county.users[Role.CADRE])
    create = reverse("assistance:visit_create", args=[county.households[1].pk])
    assert client.get(create).status_code == 404
    assert client.post(create, visit_post()).status_code == 404
    detail = reverse("assistance:visit_detail", args=[unpaired_visit.pk])
    assert client.get(detail).status_code == 404
    assert (
        client.get(reverse("households:detail", args=[county.households[1].pk])).status_code == 404
    )
    listed = client.get(reverse("assistance:visit_list"))
    assert listed.context["total"] == 0
    assert not Visit.objects.filter(household=county.households[1]).exclude(pk=unpaired_visit.pk)


@pytest.mark.parametrize(
    "role",
    [Role.COUNTY_OFFICE, Role.TOWNSHIP_OFFICE, Role.VILLAGE_TEAM, Role.CADRE, Role.INSPECTOR],
)
def test_other_countys_visits_and_households_are_404(world, client, role):
    other = world.counties["b"]
    record(other.users[Role.COUNTY_OFFICE], other.households[0])
    visit = Visit.objects.get()
    client.force_login(user(world, role, "a"))
    for url in (
        reverse("assistance:visit_create", args=[other.households[0].pk]),
        reverse("assistance:visit_detail", args=[visit.pk]),
        reverse("assistance:visit_photo", args=[visit.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("assistance:visit_create", args=[other.households[0].pk]), visit_post()
        ).status_code
        == 404
    )
    assert Visit.objects.count() == 1
    for name in ("visit_list", "my_households", "visits_overdue", "attendance"):
        page = client.get(reverse(f"assistance:{name}"))
        assert page.status_code == 200, name
        assert other.households[0].household_number not in page.content.decode(), name


def test_inspector_reads_visits_but_cannot_log_one(world, client):
    county = world.counties["a"]
    record(county.users[Role.COUNTY_OFFICE], county.households[0])
    client.force_login(county.users[Role.INSPECTOR])
    visit = Visit.objects.get()
    assert client.get(reverse("assistance:visit_detail", args=[visit.pk])).status_code == 200
    create = reverse("assistance:visit_create", args=[county.households[0].pk])
    assert client.get(create).status_code == 404
    assert client.post(create, visit_post()).status_code == 404
    assert Visit.objects.count() == 1


def test_anonymous_users_are_sent_to_log_in(world, client):
    for name in ("visit_list", "my_households", "visits_overdue", "attendance"):
        response = client.get(reverse(f"assistance:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]


# --- my households --------------------------------------------------------------------------


def test_my_households_lists_only_paired_households_for_a_cadre(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.CADRE])
    page = client.get(reverse("assistance:my_households"))
    assert [h.pk for h in page.context["households"]] == [county.households[0].pk]


def test_my_households_puts_never_visited_then_longest_ago_first(world, client):
    county = world.counties["a"]
    team = county.users[Role.VILLAGE_TEAM]
    first, second = county.households[0], county.households[1]
    record(team, first, days_ago=40)
    record(team, second, days_ago=3)
    client.force_login(team)
    page = client.get(reverse("assistance:my_households"))
    rows = page.context["households"]
    assert [h.pk for h in rows] == [first.pk, second.pk]  # 40 days ago before 3 days ago
    assert rows[0].overdue and rows[0].days_since == 40 and not rows[1].overdue
    overdue = client.get(reverse("assistance:my_households") + "?overdue=1")
    assert [h.pk for h in overdue.context["households"]] == [first.pk]
    found = client.get(reverse("assistance:my_households") + "?q=" + second.household_number)
    assert [h.pk for h in found.context["households"]] == [second.pk]
    assert "40 天前" in page.content.decode()


def test_my_households_never_visited_comes_before_visited(world, client):
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    for household in county.households[1:]:
        record(clerk, household, days_ago=100)
    client.force_login(clerk)
    rows = client.get(reverse("assistance:my_households")).context["households"]
    assert rows[0].pk == county.households[0].pk and rows[0].last_visit is None


# --- not-visited lists ------------------------------------------------------------------------


def test_overdue_per_village_and_per_cadre(world, client):
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    village = county.villages[0]
    record(clerk, county.households[0], days_ago=5)  # paired with the cadre, recent
    record(clerk, county.households[1], days_ago=45)
    client.force_login(clerk)
    url = reverse("assistance:visits_overdue")
    by_village = client.get(url)
    rows = {row["code"]: row for row in by_village.context["rows"]}
    assert set(rows) == {v.code for v in county.villages}
    assert rows[village.code]["total"] == 2 and rows[village.code]["overdue"] == 1
    assert by_village.context["days"] == 30 and by_village.context["overdue"] == 5
    wider = client.get(url + "?days=60")
    assert {r["code"]: r["overdue"] for r in wider.context["rows"]}[village.code] == 0
    by_cadre = client.get(url + "?by=cadre&days=3")
    assert by_cadre.context["rows"] == [
        {
            "cadre_id": county.cadre.pk,
            "name": county.cadre.name,
            "unit": county.cadre.unit_name,
            "position": county.cadre.position,
            "total": 1,
            "overdue": 1,
            "share": 1.0,
        }
    ]
    narrowed = client.get(url + f"?region={county.villages[2].code}")
    assert [r["code"] for r in narrowed.context["rows"]] == [county.villages[2].code]


def test_overdue_period_defaults_to_the_standard(settings):
    settings.POVERTY_VISIT_PERIOD_DAYS = 14
    assert OverdueForm({}).period() == 14
    assert OverdueForm({"days": "45"}).period() == 45
    assert OverdueForm({"days": "0"}).period() == 14  # refused: back to the standard
    assert OverdueForm({"days": "abc", "by": "cadre"}).grouping() == "village"
    assert OverdueForm({"by": "cadre"}).grouping() == "cadre"


def test_overdue_page_takes_a_bad_period_without_error(world, client):
    client.force_login(user(world, Role.COUNTY_OFFICE))
    response = client.get(reverse("assistance:visits_overdue") + "?days=-5&by=nonsense")
    assert response.status_code == 200 and response.context["days"] == 30


# --- visit list -----------------------------------------------------------------------------


def test_visit_list_filters(world, client):
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    record(clerk, county.households[0], days_ago=2, kind="phone", follow_up_needed=True)
    record(clerk, county.households[2], days_ago=20)
    client.force_login(clerk)
    url = reverse("assistance:visit_list")
    assert client.get(url).context["total"] == 2
    assert client.get(url + "?kind=phone").context["total"] == 1
    assert client.get(url + "?follow_up_needed=true").context["total"] == 1
    since = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert client.get(url + f"?visited_from={since}").context["total"] == 1
    assert client.get(url + f"?region={county.villages[1].code}").context["total"] == 1
    number = county.households[2].household_number
    assert client.get(url + f"?q={number}").context["total"] == 1
    assert client.get(url + f"?household={county.households[0].pk}").context["total"] == 1
    bad = client.get(url + "?region=abc&visited_from=notadate")
    assert bad.status_code == 200


# --- attendance -----------------------------------------------------------------------------


def _secretary(world, key="a") -> WorkTeamMember:
    return WorkTeamMember.objects.get(team__village=world.counties[key].villages[0])


def test_stationing_form_good_and_bad_input(world):
    clerk = user(world, Role.COUNTY_OFFICE)
    members = attendance_members_for_user(clerk, on=timezone.localdate())
    secretary = _secretary(world)
    today = timezone.localdate()
    good = StationingForm(
        {"member": secretary.pk, "start": today, "end": today, "status": "present"},
        members=members,
    )
    assert good.is_valid(), good.errors
    backwards = StationingForm(
        {
            "member": secretary.pk,
            "start": today,
            "end": today - datetime.timedelta(days=1),
            "status": "present",
        },
        members=members,
    )
    assert not backwards.is_valid() and "早于开始日期" in backwards.errors["end"][0]
    future = StationingForm(
        {
            "member": secretary.pk,
            "start": today,
            "end": today + datetime.timedelta(days=3),
            "status": "leave",
        },
        members=members,
    )
    assert not future.is_valid() and "不能晚于今天" in future.errors["end"][0]
    outsider = StationingForm(
        {"member": _secretary(world, "b").pk, "start": today, "end": today, "status": "present"},
        members=members,
    )
    assert not outsider.is_valid() and "member" in outsider.errors
    missing = StationingForm({"status": "sick"}, members=members)
    assert not missing.is_valid()
    assert {"member", "start", "end", "status"} <= set(missing.errors)


def test_recording_attendance_writes_days_and_history(world, client):
    clerk = user(world, Role.COUNTY_OFFICE)
    secretary = _secretary(world)
    client.force_login(clerk)
    end = timezone.localdate()
    start = end - datetime.timedelta(days=9)
    response = client.post(
        reverse("assistance:attendance_record"),
        {
            "member": secretary.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status": "present",
            "note": "驻村",
        },
    )
    assert response.status_code == 302
    assert StationingDay.objects.filter(member=secretary, status="present").count() == 10
    changes = ChangeRecord.objects.filter(object_type="assistance.stationingday")
    assert changes.count() == 10 and {c.channel for c in changes} == {"page"}
    # Overwriting two days with a leave records two updates.
    client.post(
        reverse("assistance:attendance_record"),
        {"member": secretary.pk, "start": end - datetime.timedelta(days=1), "end": end,
         "status": "leave"},
    )  # fmt: skip
    assert StationingDay.objects.filter(member=secretary, status="present").count() == 8
    assert changes.filter(action="update").count() == 2


def test_recording_attendance_refused_keeps_the_page(world, client):
    client.force_login(user(world, Role.COUNTY_OFFICE))
    secretary = _secretary(world)
    before_tenure = secretary.start_date - datetime.timedelta(days=3)
    response = client.post(
        reverse("assistance:attendance_record"),
        {"member": secretary.pk, "start": before_tenure, "end": before_tenure, "status": "present"},
    )
    assert response.status_code == 400
    assert "所选日期不在其中" in response.content.decode()
    assert not StationingDay.objects.exists()


def test_recording_attendance_for_another_countys_member_is_refused(world, client):
    client.force_login(user(world, Role.COUNTY_OFFICE))
    today = timezone.localdate()
    response = client.post(
        reverse("assistance:attendance_record"),
        {"member": _secretary(world, "b").pk, "start": today, "end": today, "status": "present"},
    )
    assert response.status_code == 400
    assert not StationingDay.objects.exists()


@pytest.mark.parametrize("role", [Role.CADRE, Role.INSPECTOR])
def test_roles_without_attendance_rights_cannot_record(world, client, role):
    client.force_login(user(world, role))
    today = timezone.localdate()
    response = client.post(
        reverse("assistance:attendance_record"),
        {"member": _secretary(world).pk, "start": today, "end": today, "status": "present"},
    )
    assert response.status_code in (400, 404)
    assert not StationingDay.objects.exists()


def test_first_secretary_short_of_the_yearly_minimum_is_flagged(world, client):
    secretary = _secretary(world)
    year = timezone.localdate().year - 1
    days = [datetime.date(year, 1, 1) + datetime.timedelta(days=n) for n in range(150)]
    StationingDay.objects.bulk_create(
        StationingDay(member=secretary, division_code=secretary.team.village_id, date=d,
                      status="present")
        for d in days
    )  # fmt: skip
    # A second team with a secretary who met the minimum.
    team = WorkTeam.objects.create(
        village=world.counties["a"].villages[1],
        sending_unit_name="县教育局",
        term_start=datetime.date(2018, 1, 1),
    )
    diligent = WorkTeamMember.objects.create(
        team=team, name="勤书记", role="first_secretary", start_date=datetime.date(2018, 1, 1)
    )
    StationingDay.objects.bulk_create(
        StationingDay(member=diligent, division_code=team.village_id,
                      date=datetime.date(year, 1, 1) + datetime.timedelta(days=n),
                      status="present")
        for n in range(210)
    )  # fmt: skip
    client.force_login(user(world, Role.COUNTY_OFFICE))
    page = client.get(reverse("assistance:attendance") + f"?year={year}")
    rows = {row.member.pk: row for row in page.context["rows"]}
    assert rows[secretary.pk].total == 150 and rows[secretary.pk].verdict.short
    assert rows[secretary.pk].verdict.required == 200
    assert rows[diligent.pk].total == 210 and not rows[diligent.pk].verdict.short
    assert [r.member.pk for r in page.context["short"]] == [secretary.pk]
    assert rows[secretary.pk].months[0]["days"] == 31
    assert "少于应在村 200 天" in page.content.decode()
    # The other county's members are not listed.
    assert _secretary(world, "b").pk not in rows


def test_attendance_year_out_of_range_falls_back_to_this_year(world, client):
    client.force_login(user(world, Role.COUNTY_OFFICE))
    for value in ("1990", "3000", "abc"):
        page = client.get(reverse("assistance:attendance") + f"?year={value}")
        assert page.context["year"] == timezone.localdate().year


def test_team_member_checks_in_with_and_without_location(world, client):
    county = world.counties["a"]
    member_user = make_user("team-a-member", Role.VILLAGE_TEAM, county.villages[0].code)
    member = WorkTeamMember.objects.create(
        team=WorkTeam.objects.get(village=county.villages[0]),
        name="队员甲",
        role="member",
        start_date=datetime.date(2020, 1, 1),
        user=member_user,
    )
    client.force_login(member_user)
    url = reverse("assistance:check_in")
    assert client.post(url, {"latitude": "27.5", "longitude": "109.9"}).status_code == 302
    day = StationingDay.objects.get(member=member, date=timezone.localdate())
    assert day.status == "present" and str(day.latitude) == "27.500000"
    # Again, with a broken location: still one day, location dropped.
    client.post(url, {"latitude": "north", "longitude": "999"})
    day.refresh_from_db()
    assert day.latitude is None
    assert StationingDay.objects.filter(member=member).count() == 1
    assert ChangeRecord.objects.filter(object_type="assistance.stationingday").count() == 2


def test_check_in_without_a_membership_is_refused(world, client):
    client.force_login(user(world, Role.COUNTY_OFFICE))
    response = client.post(reverse("assistance:check_in"), follow=True)
    assert response.status_code == 200
    assert not StationingDay.objects.exists()
    assert any("不能签到" in str(m) for m in response.context["messages"])


def test_visit_detail_shows_the_visit(world, client):
    county = world.counties["a"]
    record(county.users[Role.COUNTY_OFFICE], county.households[0], findings="新修了院坝")
    client.force_login(county.users[Role.TOWNSHIP_OFFICE])
    visit = Visit.objects.get()
    page = client.get(reverse("assistance:visit_detail", args=[visit.pk]))
    assert page.status_code == 200 and "新修了院坝" in page.content.decode()
    assert client.get(reverse("assistance:visit_photo", args=[visit.pk])).status_code == 404


def test_attendance_narrowed_to_a_village(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = reverse("assistance:attendance")
    inside = client.get(url + f"?region={county.villages[0].code}")
    assert [r.member.pk for r in inside.context["rows"]] == [_secretary(world).pk]
    outside = client.get(url + f"?region={county.villages[2].code}")
    assert outside.context["rows"] == []
