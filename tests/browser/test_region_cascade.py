"""The cascading region selector on the household list loads each level's children and
filters the list, keeping the choice in the URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.access import build_world
from tests.browser.conftest import plausible_names, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_city_leader_narrows_the_list_county_township_village(live_server, desktop):
    world = build_world()
    plausible_names(world)
    county_b = world.counties["b"]
    page = desktop

    sign_in(page, live_server, world.city_leader)
    page.goto(f"{live_server.url}/households/")
    county = page.locator("select[data-region-level=county]")
    township = page.locator("select[data-region-level=township]")
    village = page.locator("select[data-region-level=village]")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(12)  # both counties of the city
    expect(county.locator("option")).to_have_text(["全部县", "鹤城区", "中方县"])
    expect(township).to_be_disabled()

    county.select_option("431221000000")
    expect(township).to_be_enabled()
    expect(township.locator("option")).to_have_text(["全部乡镇", "中方县一镇", "中方县二镇"])
    expect(rows).to_have_count(6)
    expect(page).to_have_url(re.compile(r"region=431221000000"))

    township.select_option(county_b.township.code)
    expect(village.locator("option")).to_have_text(["全部村", "中方县甲村", "中方县乙村"])
    expect(rows).to_have_count(4)

    village.select_option(county_b.villages[1].code)
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(f"region={county_b.villages[1].code}"))
    screenshot(page, "household-list-filtered")

    # The URL is shareable: opened again, the selectors and the list come back the same.
    page.goto(page.url)
    expect(village).to_have_value(county_b.villages[1].code)
    expect(rows).to_have_count(2)

    # Back to "all townships": the list widens again.
    township.select_option("")
    expect(village).to_be_disabled()
    expect(rows).to_have_count(6)

    # Typing the start of a household number narrows the list as one types (htmx).
    number = county_b.households[3].household_number
    page.fill("#id_q", number[:10])
    expect(rows).to_have_count(2)
    page.fill("#id_q", number)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(page).to_have_url(re.compile(f"q={number}"))

    # The cadre filter loads its options when first opened, then narrows to the paired household.
    page.fill("#id_q", "")
    expect(rows).to_have_count(6)
    page.click("summary:has-text('更多条件')")
    cadre = page.locator("#id_cadre")
    cadre.click()
    expect(cadre.locator("option", has_text="干部b")).to_have_count(1)
    cadre.select_option(label="干部b（县农业农村局）")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(county_b.households[0].household_number)
