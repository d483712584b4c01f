"""A cadre on a phone logs a visit for a paired household, through a dropped connection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assistance.models import Visit
from poverty.roles import Role
from tests.access import PASSWORD, build_world
from tests.browser.conftest import login, plausible_names, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

FINDINGS = "两不愁三保障均已落实，今年养猪收入增加。"
ACTIONS = "协助申请产业奖补资金。"


def test_cadre_logs_a_visit_on_a_phone_and_loses_nothing_when_the_connection_drops(
    live_server, phone
):
    world = build_world()
    plausible_names(world)
    county = world.counties["a"]
    household = county.households[0]  # the one household paired with cadre-a
    page = phone

    # A cadre lands on the households to visit.
    login(page, live_server, county.users[Role.CADRE].username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/assistance/visits/mine/$"))
    row = page.locator(f"[data-household='{household.household_number}']")
    expect(row).to_contain_text("从未走访")
    expect(page.locator(".visit-households > li")).to_have_count(1)
    # One screen: no sideways scrolling on a 390 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-my-households")

    # The menu folds behind the button; it names the role and starts with the visits.
    page.click(".navbar-toggler")
    expect(page.locator(".navbar-text")).to_contain_text("帮扶责任人")
    expect(page.locator(".navbar-nav .nav-link").first).to_have_text("我的走访户")
    expect(page.locator(".navbar-nav .nav-link").first).to_be_visible()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))  # opened
    page.click(".navbar-toggler")
    expect(page.locator(".navbar-nav .nav-link").first).to_be_hidden()

    row.locator("a:has-text('走访')").click()
    expect(page.locator("h1")).to_contain_text("登记走访")
    page.select_option("#id_kind", "home")
    # Saved without what was found: refused, the message under that field (from the JSON answer).
    page.fill("#id_actions_taken", ACTIONS)
    page.click("#visit-save")
    expect(page.locator("#visit-status .alert-danger")).to_contain_text("未保存")
    expect(page.locator("[data-errors-for=findings]")).not_to_be_empty()
    expect(page.locator("#id_actions_taken")).to_have_value(ACTIONS)
    assert Visit.objects.count() == 0
    page.fill("#id_findings", FINDINGS)
    page.check("#id_follow_up_needed")
    page.fill("#id_follow_up_note", "下月回访")
    # The phone's position, asked for with one tap (the browser allows it on localhost).
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 27.5501, "longitude": 109.9986, "accuracy": 12})
    page.click("[data-locate]")
    expect(page.locator("#location-note")).to_contain_text("已定位 ±12m")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone-visit-form", full_page=True)

    # The connection drops: the page says the visit was NOT saved and keeps what was typed.
    page.context.set_offline(True)
    page.click("#visit-save")
    status = page.locator("#visit-status .alert-danger")
    expect(status).to_contain_text("未保存")
    expect(status).to_contain_text("网络中断")
    expect(page.locator("#id_findings")).to_have_value(FINDINGS)
    expect(page.locator("#visit-save")).to_be_enabled()
    assert Visit.objects.count() == 0
    screenshot(page, "phone-visit-offline")

    # Back online, a reload (or a tab closed and opened again) still has the draft.
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#draft-note")).to_be_visible()
    expect(page.locator("#id_findings")).to_have_value(FINDINGS)
    expect(page.locator("#id_actions_taken")).to_have_value(ACTIONS)
    expect(page.locator("#id_follow_up_needed")).to_be_checked()
    expect(page.locator("#id_follow_up_note")).to_have_value("下月回访")

    # The request is cut while saving (the network drops mid-way): still not saved, still kept.
    def drop_posts(route):
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/visits/new/", drop_posts)
    page.click("#visit-save")
    expect(status).to_contain_text("网络中断")
    expect(page.locator("#id_findings")).to_have_value(FINDINGS)
    page.unroute("**/visits/new/")

    # Saved at last: back to the list, the household shows today's visit, the draft is gone.
    page.click("#visit-save")
    page.wait_for_url("**/assistance/visits/mine/")
    expect(page.locator(".alert-success")).to_contain_text("已保存走访记录")
    expect(row).not_to_contain_text("从未走访")
    visit = Visit.objects.get()
    assert visit.household_id == household.pk
    assert visit.findings == FINDINGS
    assert visit.follow_up_needed is True
    assert visit.cadre_id == county.cadre.pk
    assert (str(visit.latitude), str(visit.longitude)) == ("27.550100", "109.998600")
    draft = page.evaluate(f"localStorage.getItem('visit-draft:{household.pk}')")
    assert draft is None
