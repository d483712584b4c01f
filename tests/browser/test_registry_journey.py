"""County staff in a desktop browser: register a household with three members, hit a
validation error and fix it, edit, and find the change in the history timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from households.models import Household
from households.validators import id_check_character
from poverty.roles import Role
from tests.access import PASSWORD, build_world
from tests.browser.conftest import login, plausible_names, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _id(first17: str) -> str:
    return first17 + id_check_character(first17)


def _wrong_check(valid: str) -> str:
    """The same ID with a wrong check character."""
    wrong = "0" if valid[-1] != "0" else "1"
    return valid[:-1] + wrong


def _member(page, index: int, *, name: str, id_number: str, relation: str) -> None:
    prefix = f"#id_members-{index}-"
    page.fill(prefix + "name", name)
    page.fill(prefix + "id_number", id_number)
    page.select_option(prefix + "relation", relation)


def test_county_staff_registers_corrects_and_edits_a_household(live_server, desktop):
    world = build_world()
    plausible_names(world)
    county = world.counties["a"]
    village = county.villages[1]
    page = desktop

    login(page, live_server, county.users[Role.COUNTY_OFFICE].username, PASSWORD)
    expect(page.locator("h1")).to_contain_text("贫困户名册")
    screenshot(page, "household-list")

    page.click("text=登记新户")
    expect(page.locator("h1")).to_contain_text("登记新户")
    page.fill("#id_household_number", "431202100202901")
    page.select_option("#id_village", village.code)
    page.select_option("#id_attribute", index=1)
    page.select_option("#id_main_cause", index=1)

    head = _id("43120219680315001")
    spouse = _id("43120219700701002")
    child = _id("43120219961001003")
    _member(page, 0, name="张大山", id_number=head, relation="01")
    # Typing the ID filled birth date and sex (registry.js).
    expect(page.locator("#id_members-0-birth_date")).to_have_value("1968-03-15")
    expect(page.locator("#id_members-0-sex")).to_have_value("1")
    page.click("[data-add-member]")
    _member(page, 1, name="李秀英", id_number=_wrong_check(spouse), relation="02")
    page.click("[data-add-member]")
    _member(page, 2, name="张小明", id_number=child, relation="03")
    page.click("button[name=save]")

    # Nothing saved; the message stands beside the spouse's ID, everything typed is kept.
    expect(page.locator("#page-errors")).to_contain_text("未保存")
    error = page.locator("#id_members-1-id_number-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("校验")
    # The cursor waits in the field to fix; everything else typed is still there.
    expect(page.locator("#id_members-1-id_number")).to_be_focused()
    expect(page.locator("#id_members-1-id_number")).to_have_value(_wrong_check(spouse))
    expect(page.locator("#id_members-2-name")).to_have_value("张小明")
    expect(page.locator("#id_household_number")).to_have_value("431202100202901")
    assert not Household.objects.filter(household_number="431202100202901").exists()
    screenshot(page, "household-form-error", full_page=False)

    page.fill("#id_members-1-id_number", spouse)
    page.click("button[name=save]")
    expect(page.locator(".alert-success")).to_contain_text("已登记")
    household = Household.objects.get(household_number="431202100202901")
    assert household.members.filter(is_active=True).count() == 3
    assert re.search(rf"/households/{household.pk}/$", page.url)
    expect(page.locator("#members + div tbody tr")).to_have_count(3)
    screenshot(page, "household-detail")

    # Edit from the keyboard: Ctrl+Enter saves, no dialog to dismiss.
    page.click("a.btn:has-text('修改')")
    expect(page.locator("h1")).to_contain_text("修改贫困户")
    page.fill("#id_phone", "13711112222")
    page.press("#id_phone", "Control+Enter")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    household.refresh_from_db()
    assert household.phone == "13711112222"
    timeline = page.locator("#timeline + .timeline")
    expect(timeline.locator("li").first).to_contain_text("13711112222")
    expect(timeline.locator("li").first).to_contain_text(county.users[Role.COUNTY_OFFICE].username)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the timeline ends the page
    screenshot(page, "household-history")
