"""Each role's main pages open in the browser without an error, and are photographed for the
role guides (docs/guides/). A page that answers an error status or throws in JavaScript fails."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistance.models import WorkTeamMember
from assistance.services import stationing_days_record, visit_record
from poverty.roles import Role
from tests.access import build_world
from tests.browser.conftest import PHONE, new_page, plausible_names, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

CJK = re.compile(r"[\u3400-\u9fff]")


def _dress(world) -> None:
    """Plausible names, a few visits and a month in the village, so the pictures read well."""
    plausible_names(world)
    county = world.counties["a"]
    today = timezone.localdate()
    visit_record(
        actor=county.users[Role.CADRE],
        household=county.households[0],
        data={
            "visited_on": today - datetime.timedelta(days=3),
            "kind": "home",
            "findings": "两不愁三保障已落实，家中生猪出栏 4 头。",
            "actions_taken": "讲解小额信贷政策。",
        },
    )
    visit_record(
        actor=county.users[Role.VILLAGE_TEAM],
        household=county.households[1],
        data={
            "visited_on": today - datetime.timedelta(days=40),
            "kind": "phone",
            "findings": "户主在外务工，子女在校。",
            "follow_up_needed": True,
            "follow_up_note": "核实教育资助到位",
        },
    )
    # The first secretary signs in as the village team's user; in the village the last 20 days.
    secretary = WorkTeamMember.objects.get(team__village=county.villages[0], role="first_secretary")
    secretary.user = county.users[Role.VILLAGE_TEAM]
    secretary.save(update_fields=["user"])
    stationing_days_record(
        actor=county.users[Role.VILLAGE_TEAM],
        member=secretary,
        start=today - datetime.timedelta(days=20),
        end=today - datetime.timedelta(days=1),
    )


# role → (user, viewport, [(screenshot name, path, heading)])
def _tours(world):
    a = world.counties["a"]
    household = a.households[0].pk
    return {
        "county": (
            a.users[Role.COUNTY_OFFICE],
            None,
            # (The registry, its form and the household page: test_registry_journey.py.)
            [("county-visits-overdue", "/assistance/visits/overdue/", None)],
        ),
        "township": (
            a.users[Role.TOWNSHIP_OFFICE],
            None,
            [
                ("township-household-list", "/households/", "贫困户名册"),
                ("township-rankings", "/assessment/rankings/", None),
            ],
        ),
        "village": (
            a.users[Role.VILLAGE_TEAM],
            None,
            [
                ("village-my-households", "/assistance/visits/mine/", "我的走访户"),
                ("village-attendance", "/assistance/attendance/", None),
                ("village-visit-list", "/assistance/visits/", None),
            ],
        ),
        "cadre": (
            a.users[Role.CADRE],
            PHONE,
            [("cadre-household-detail", f"/households/{household}/", None)],
        ),
        "city": (
            world.city_leader,
            None,
            [
                ("city-assessment", "/assessment/", None),
                ("city-rankings", "/assessment/rankings/", None),
            ],  # (The city's registry and its region selectors: test_region_cascade.py.)
        ),
        "inspector": (
            a.users[Role.INSPECTOR],
            None,
            [
                ("inspector-household-detail", f"/households/{household}/", None),
                ("inspector-ledgers", "/ledgers/", None),
            ],
        ),
    }


def test_every_role_opens_its_main_pages(live_server, browser):
    world = build_world()
    _dress(world)
    for role, (user, viewport, pages) in _tours(world).items():
        page = new_page(browser, viewport=viewport)
        try:
            sign_in(page, live_server, user)
            for name, path, heading in pages:
                response = page.goto(live_server.url + path)
                assert response is not None and response.ok, f"{role} {path}: {response.status}"
                if heading:
                    expect(page.locator("h1").first).to_contain_text(heading)
                screenshot(page, name)
            if role == "village":
                # Today's check-in from the attendance page, with the phone's position.
                page.context.grant_permissions(["geolocation"])
                page.context.set_geolocation({"latitude": 27.55, "longitude": 110.0})
                page.goto(live_server.url + "/assistance/attendance/")
                page.click("[data-check-in]")
                expect(page.locator(".alert-success")).to_contain_text("已记录位置")
                expect(page.locator("#check-in-form")).to_contain_text("今日已签到")
            if role == "city":
                # English is one choice away and stays for the next pages.
                page.select_option("select[name=language]", "en")
                page.wait_for_load_state()
                expect(page.locator("html")).to_have_attribute("lang", "en")
                page.goto(live_server.url + "/households/")
                expect(page.locator("h1")).not_to_have_text(CJK)
        finally:
            page.context.close()
        assert not page.js_errors, f"{role}: errors on the page: {page.js_errors}"
