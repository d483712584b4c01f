"""The registry pages: list (filters, sorting, paging, counts), detail, create/edit with the
member formset, delete/restore; scoping per role (another county's household is a 404).

Built on tests.access.build_world(): counties a (431202) and b (431221), six households each,
one user per role; the cadre is paired with the county's first household only.
"""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from assistance.models import CadrePairing, Visit
from households.models import Household, Member
from households.services import annual_income_save, guarantee_status_save
from poverty.audit.models import ChangeRecord
from poverty.roles import Role
from tests.access import build_world, citizen_id, make_household
from tests.pages import post_data

pytestmark = pytest.mark.django_db

LIST = "/households/"


@pytest.fixture
def world():
    return build_world()


def county_user(world, role, key="a"):
    return world.counties[key].users[role]


def listed(response) -> list[str]:
    return [h.household_number for h in response.context["households"]]


# --- list ------------------------------------------------------------------------------------


def test_list_shows_the_users_county_with_counts(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(LIST)
    assert response.status_code == 200
    numbers = listed(response)
    assert len(numbers) == 6 and all(n.startswith("431202") for n in numbers)
    assert response.context["total"] == 6
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts["poor"] == 6 and sum(counts.values()) == 6
    assert response.context["may_create"] and response.context["may_restore"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=431202100201", {"431202000001", "431202000002"}),
        ("region=431202101", {"431202002001", "431202002002"}),
        ("region=431202100000", {f"431202{v:03d}00{n}" for v in (0, 1) for n in (1, 2)}),
        ("identified_year=2014", {f"431202{v:03d}00{n}" for v in (0, 1, 2) for n in (1, 2)}),
        ("identified_year=2016", set()),
        ("status=exited", set()),
        ("attribute=2", set()),
        ("main_cause=01", {f"431202{v:03d}00{n}" for v in (0, 1, 2) for n in (1, 2)}),
        ("main_cause=03", set()),
        ("q=431202001", {"431202001001", "431202001002"}),
        ("q=户主431202002001", {"431202002001"}),
        ("q=配偶43120200200", {"431202002001", "431202002002"}),
    ],
)
def test_list_filters(world, client, query, expected):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert set(listed(response)) == expected
    assert response.context["total"] == len(expected)


def test_list_filters_by_citizen_id_exact_and_partial(world, client):
    household = world.counties["a"].households[3]
    id_number = household.members.get(relation="02").id_number
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    assert listed(client.get(f"{LIST}?q={id_number}")) == [household.household_number]
    assert listed(client.get(f"{LIST}?q={id_number.lower()}")) == [household.household_number]
    partial = client.get(f"{LIST}?q={id_number[:14]}")
    assert household.household_number in listed(partial)
    # Another county's citizen ID finds nothing (scope, not search, decides).
    foreign = world.counties["b"].households[0].members.get(relation="01").id_number
    assert listed(client.get(f"{LIST}?q={foreign}")) == []


def test_list_filters_by_guarantee_gap_in_a_year(world, client):
    county = world.counties["a"]
    unsafe, fine = county.households[0], county.households[1]
    guarantee_status_save(
        actor=None,
        household=unsafe,
        year=2019,
        data={"housing": "not_met", "food": "met"},
        expected_version=None,
    )
    guarantee_status_save(actor=None, household=fine, year=2019,
                          data={"housing": "met"}, expected_version=None)  # fmt: skip
    client.force_login(county.users[Role.COUNTY_OFFICE])
    assert listed(client.get(f"{LIST}?gap=housing")) == [unsafe.household_number]
    assert listed(client.get(f"{LIST}?gap=housing&year=2019")) == [unsafe.household_number]
    assert listed(client.get(f"{LIST}?gap=housing&year=2020")) == []
    assert listed(client.get(f"{LIST}?gap=water")) == []
    assert "住房不安全" in client.get(LIST).content.decode()


def test_list_filters_by_cadre_and_not_visited(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.COUNTY_OFFICE])
    response = client.get(f"{LIST}?cadre={county.cadre.pk}")
    assert listed(response) == [county.households[0].household_number]
    assert response.context["selected_cadre"] == county.cadre
    # Another county's cadre id: no rows and no name shown.
    other = client.get(f"{LIST}?cadre={world.counties['b'].cadre.pk}")
    assert listed(other) == [] and other.context["selected_cadre"] is None
    Visit.objects.create(
        household=county.households[0], division_code=county.households[0].village_id,
        visitor_name="x", visited_on=datetime.date.today(), findings="ok",
    )  # fmt: skip
    not_visited = listed(client.get(f"{LIST}?not_visited_days=30"))
    assert len(not_visited) == 5 and county.households[0].household_number not in not_visited


def test_list_bad_filter_input_is_reported_not_crashing(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(f"{LIST}?region=abc&identified_year=x&status=nonsense&page=zz&per_page=7")
    assert response.status_code == 200
    page = response.content.decode()
    assert "区划代码格式不正确" in page
    assert response.context["page_number"] == 1 and response.context["page_size"] == 50


def test_list_never_widens_beyond_the_scope(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(f"{LIST}?region=431221")
    assert listed(response) == []
    response = client.get(f"{LIST}?region=43")
    assert len(listed(response)) == 6


def test_list_sorts_and_pages_with_the_filter_in_the_url(world, client):
    county = world.counties["a"]
    for n in range(30):
        make_household(county.villages[1], f"431202009{n:03d}", identified_year=2015)
    client.force_login(county.users[Role.COUNTY_OFFICE])
    query = "identified_year=2015&ordering=-household_number&per_page=20"
    first = client.get(f"{LIST}?{query}")
    numbers = listed(first)
    assert first.context["total"] == 30 and first.context["pages"] == 2
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == "431202009029"
    assert (first.context["first_row"], first.context["last_row"]) == (1, 20)
    second = client.get(f"{LIST}?{query}&page=2")
    assert len(listed(second)) == 10 and listed(second)[-1] == "431202009000"
    # The page links keep the filter and the sort.
    links = [
        parse_qs(urlsplit(href).query)
        for href in _hrefs(first.content.decode())
        if parse_qs(urlsplit(href).query).get("page") == ["2"]
    ]
    assert links and all(
        q.get("identified_year") == ["2015"] and q.get("ordering") == ["-household_number"]
        for q in links
    )
    # Beyond the last page: the last page.
    assert client.get(f"{LIST}?{query}&page=99").context["page_number"] == 2
    by_village = listed(client.get(f"{LIST}?ordering=village,household_number&per_page=100"))
    assert by_village[0] == "431202000001"


def test_list_sorted_by_number_is_exact_whatever_index_serves_it(world, client):
    """Within one county the page comes off hh_county_number (an implied condition is added);
    across counties it is sorted in memory. Both give the same rows in the same order."""
    county_a = sorted((h.household_number for h in world.counties["a"].households), reverse=True)
    both = sorted(
        (h.household_number for key in "ab" for h in world.counties[key].households), reverse=True
    )
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    assert listed(client.get(f"{LIST}?ordering=-household_number")) == county_a
    assert listed(client.get(f"{LIST}?ordering=household_number")) == county_a[::-1]
    township = [n for n in county_a if n[6:9] in ("000", "001")]  # villages of the first township
    assert listed(client.get(f"{LIST}?region=431202100&ordering=-household_number")) == township
    client.force_login(world.city_leader)
    assert listed(client.get(f"{LIST}?ordering=-household_number")) == both
    assert listed(client.get(f"{LIST}?region=431202&ordering=-household_number")) == county_a
    assert listed(client.get(f"{LIST}?region=431221&ordering=household_number")) == sorted(
        set(both) - set(county_a)
    )


def test_list_region_prefix_from_the_filter_or_a_one_county_or_city_scope(world):
    from households.selectors import list_region_prefix

    county = county_user(world, Role.COUNTY_OFFICE)
    assert list_region_prefix(county) == "431202"
    assert list_region_prefix(county, "431202100") == "431202"
    assert list_region_prefix(county_user(world, Role.TOWNSHIP_OFFICE, "b")) == "431221"
    city = world.city_leader
    assert list_region_prefix(city) == "4312"
    assert list_region_prefix(city, "4312") == "4312"
    assert list_region_prefix(city, "431221") == "431221"
    assert list_region_prefix(city, "43") is None
    assert list_region_prefix(world.admin) is None


def _hrefs(html: str) -> list[str]:
    import html as html_lib
    import re

    return [html_lib.unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_list_htmx_request_gets_only_the_results(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(LIST, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "households/_household_results.html"
    assert "<html" not in response.content.decode()


def test_cadre_lists_only_paired_households_and_may_not_create(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.CADRE])
    response = client.get(LIST)
    assert listed(response) == [county.households[0].household_number]
    assert not response.context["may_create"] and not response.context["may_restore"]
    assert client.get(reverse("households:create")).status_code == 404


def test_region_cascade_offers_only_visible_children(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(reverse("households:region_cascade") + "?region=431202000000")
    levels = {level["level"]: level for level in response.context["cascade"]["levels"]}
    assert [code for code, _name in levels["county"]["options"]] == ["431202000000"]
    assert {code for code, _ in levels["township"]["options"]} == {"431202100000", "431202101000"}
    # Asking for the other county's township falls back to the user's own region.
    other = client.get(reverse("households:region_cascade") + "?region=431221100000")
    assert "431221" not in other.content.decode()
    page = client.get(LIST).content.decode()
    assert "鹤城区" in page and "中方县一镇" not in page


def test_cadre_options_are_scoped(world, client):
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    response = client.get(reverse("households:cadre_options"))
    assert [c.pk for c in response.context["cadres"]] == [world.counties["a"].cadre.pk]


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_every_section(world, client):
    county = world.counties["a"]
    household = county.households[0]
    clerk = county.users[Role.COUNTY_OFFICE]
    annual_income_save(
        actor=clerk,
        household=household,
        year=2019,
        data={"wage": 12000, "household_size": 3},
        expected_version=None,
    )
    guarantee_status_save(actor=clerk, household=household, year=2019,
                          data={"housing": "not_met"}, expected_version=None)  # fmt: skip
    Visit.objects.create(household=household, division_code=household.village_id,
                         visitor_name="干部a", visited_on=datetime.date(2024, 5, 6),
                         findings="屋顶漏雨")  # fmt: skip
    client.force_login(clerk)
    response = client.get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for anchor in ("members", "incomes", "guarantees", "helpers", "visits", "timeline"):
        assert f'id="{anchor}"' in page, anchor
    assert "户主431202000001" in page and "配偶431202000001" in page
    assert "干部a" in page and "县财政局" in page  # cadre and work team
    assert "屋顶漏雨" in page and "2024-05-06" in page
    assert "4,000.00" in page  # 12000 / 3 per capita
    assert response.context["may_change"] and response.context["may_visit"]
    assert response.context["timeline"]


@pytest.mark.parametrize(
    "role",
    [Role.COUNTY_OFFICE, Role.TOWNSHIP_OFFICE, Role.VILLAGE_TEAM, Role.CADRE, Role.INSPECTOR],
)
def test_other_countys_household_pages_are_404(world, client, role):
    other = world.counties["b"].households[0]
    client.force_login(county_user(world, role, "a"))
    for name in ("detail", "edit", "delete", "restore"):
        assert client.get(reverse(f"households:{name}", args=[other.pk])).status_code == 404, name
    assert client.post(reverse("households:edit", args=[other.pk]), {}).status_code == 404
    assert (
        client.post(reverse("households:delete", args=[other.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert not Household.objects.get(pk=other.pk).is_deleted


def test_role_limits_on_a_household_of_the_users_own_county(world, client):
    county = world.counties["a"]
    paired, unpaired = county.households[0], county.households[1]
    client.force_login(county.users[Role.CADRE])
    assert client.get(reverse("households:detail", args=[paired.pk])).status_code == 200
    assert client.get(reverse("households:detail", args=[unpaired.pk])).status_code == 404
    assert client.get(reverse("households:edit", args=[paired.pk])).status_code == 404
    client.force_login(county.users[Role.INSPECTOR])
    detail = client.get(reverse("households:detail", args=[unpaired.pk]))
    assert detail.status_code == 200 and not detail.context["may_change"]
    assert client.get(reverse("households:edit", args=[unpaired.pk])).status_code == 404
    client.force_login(county.users[Role.VILLAGE_TEAM])  # village 0 only
    assert client.get(reverse("households:edit", args=[unpaired.pk])).status_code == 200
    elsewhere = county.households[4]
    assert client.get(reverse("households:detail", args=[elsewhere.pk])).status_code == 404
    client.force_login(county.users[Role.TOWNSHIP_OFFICE])
    assert client.get(reverse("households:restore", args=[unpaired.pk])).status_code == 404


# --- create ----------------------------------------------------------------------------------


def _create_form(client, village) -> dict:
    response = client.get(reverse("households:create"))
    assert response.status_code == 200
    data = post_data(response)
    data.update(
        {"household_number": "431202000777", "village": village.code, "attribute": "1",
         "identified_year": "2016", "main_cause": "03"}
    )  # fmt: skip
    return data


def _member(data: dict, index: int, name: str, id_number: str, relation: str) -> None:
    data[f"members-{index}-name"] = name
    data[f"members-{index}-id_number"] = id_number
    data[f"members-{index}-relation"] = relation
    data[f"members-{index}-is_active"] = "on"


def test_create_a_household_with_three_members(world, client):
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    village = county.villages[1]
    client.force_login(clerk)
    data = _create_form(client, village)
    head_id = citizen_id("431202", "19650304", male=True)
    _member(data, 0, "张三", head_id, "01")
    _member(data, 1, "李四", citizen_id("431202", "19660708", male=False), "02")
    _member(data, 2, "张小", citizen_id("431202", "19950101", male=True), "03")
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 302, response.context and response.context["page_errors"]
    household = Household.objects.get(household_number="431202000777")
    assert response["Location"] == reverse("households:detail", args=[household.pk])
    members = {m.name: m for m in household.members.all()}
    assert set(members) == {"张三", "李四", "张小"}
    # Birth date and sex come from the citizen ID.
    assert members["张三"].birth_date == datetime.date(1965, 3, 4) and members["张三"].sex == "1"
    assert members["李四"].sex == "2"
    records = ChangeRecord.objects.filter(household_id=household.pk)
    assert {r.object_type for r in records} == {"households.household", "households.member"}
    assert {r.channel for r in records} == {"page"} and {r.user for r in records} == {clerk}
    # The next blank form starts in the same village.
    assert client.get(reverse("households:create")).context["form"].initial["village"] == (
        village.code
    )


def test_save_and_new_returns_to_a_blank_form_in_the_same_village(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.COUNTY_OFFICE])
    data = _create_form(client, county.villages[2])
    _member(data, 0, "王五", citizen_id("431202", "19700101", male=True), "01")
    data["save_and_new"] = "1"
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("households:create") + f"?village={county.villages[2].code}"
    )


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (lambda d: d.update({"members-0-relation": "03"}), "page", "户主"),
        (lambda d: d.update({"members-1-id_number": "431202196607080000"}), "members-1", "校验"),
        (lambda d: d.update({"members-1-relation": "01"}), "page", "户主"),
        (lambda d: d.update({"household_number": ""}), "household_number", "必填"),
        (lambda d: d.update({"main_cause": ""}), "main_cause", "必填"),
        (lambda d: d.update({"village": "431221100201"}), "village", ""),
        (lambda d: d.update({"members-1-birth_date": "1980-01-01"}), "members-1", "出生日期"),
    ],
)
def test_create_refuses_bad_input_keeping_everything_typed(world, client, change, where, message):
    county = world.counties["a"]
    client.force_login(county.users[Role.COUNTY_OFFICE])
    data = _create_form(client, county.villages[0])
    _member(data, 0, "赵六", citizen_id("431202", "19650304", male=True), "01")
    _member(data, 1, "钱七", citizen_id("431202", "19660708", male=False), "02")
    data["address"] = "村东头三号"
    change(data)
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 400
    assert not Household.objects.filter(household_number="431202000777").exists()
    assert not Member.objects.filter(name__in=["赵六", "钱七"]).exists()
    page = response.content.decode()
    assert "赵六" in page and "钱七" in page and "村东头三号" in page
    context = response.context
    if where == "page":
        errors = " ".join(context["page_errors"]) + " ".join(
            " ".join(e for e in f.non_field_errors()) for f in context["formset"].forms
        )
        errors += " ".join(" ".join(e) for f in context["formset"].forms for e in f.errors.values())
    elif where.startswith("members-"):
        form = context["formset"].forms[int(where.split("-")[1])]
        errors = " ".join(" ".join(e) for e in form.errors.values())
    else:
        errors = " ".join(context["form"].errors.get(where, []))
        assert errors, context["form"].errors
    assert message in errors, errors


def test_create_refuses_a_duplicate_id_with_a_link_to_a_visible_household(world, client):
    county = world.counties["a"]
    existing = county.households[2]
    duplicate = existing.members.get(relation="02").id_number
    client.force_login(county.users[Role.COUNTY_OFFICE])
    data = _create_form(client, county.villages[0])
    _member(data, 0, "孙八", citizen_id("431202", "19650304", male=True), "01")
    _member(data, 1, "周九", duplicate, "02")
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 400
    form = response.context["formset"].forms[1]
    assert existing.household_number in " ".join(form.errors["id_number"])
    assert form.duplicate_household == (existing.pk, existing.household_number)
    assert reverse("households:detail", args=[existing.pk]) in response.content.decode()
    assert not Household.objects.filter(household_number="431202000777").exists()


def test_duplicate_id_in_a_household_out_of_scope_gives_no_link(world, client):
    county = world.counties["a"]
    hidden = world.counties["b"].households[0]
    duplicate = hidden.members.get(relation="02").id_number
    client.force_login(county.users[Role.COUNTY_OFFICE])
    data = _create_form(client, county.villages[0])
    _member(data, 0, "吴十", citizen_id("431202", "19650304", male=True), "01")
    _member(data, 1, "郑一", duplicate, "02")
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 400
    form = response.context["formset"].forms[1]
    message = " ".join(form.errors["id_number"])
    assert "不在您的管辖范围内" in message and hidden.household_number not in message
    assert form.duplicate_household is None
    assert reverse("households:detail", args=[hidden.pk]) not in response.content.decode()


@pytest.mark.parametrize("role", [Role.CADRE, Role.INSPECTOR])
def test_roles_that_do_not_register_households_get_404(world, client, role):
    client.force_login(county_user(world, role))
    assert client.get(reverse("households:create")).status_code == 404
    assert client.post(reverse("households:create"), {}).status_code == 404


def test_village_team_registers_only_in_its_village(world, client):
    county = world.counties["a"]
    client.force_login(county.users[Role.VILLAGE_TEAM])
    response = client.get(reverse("households:create"))
    villages = list(response.context["form"].fields["village"].queryset)
    assert villages == [county.villages[0]]
    data = post_data(response)
    data.update({"household_number": "431202000888", "village": county.villages[1].code,
                 "attribute": "1", "identified_year": "2016", "main_cause": "03"})  # fmt: skip
    _member(data, 0, "冯二", citizen_id("431202", "19650304", male=True), "01")
    refused = client.post(reverse("households:create"), data)
    assert refused.status_code == 400 and "village" in refused.context["form"].errors
    data["village"] = county.villages[0].code
    assert client.post(reverse("households:create"), data).status_code == 302


def _errors(response) -> str:
    context = response.context
    forms = [context["form"], *context["formset"].forms]
    return repr([context["page_errors"], *[f.errors for f in forms]])


# --- edit, delete, restore --------------------------------------------------------------------


def test_edit_changes_household_and_members_and_adds_one(world, client):
    county = world.counties["a"]
    household = county.households[1]
    clerk = county.users[Role.COUNTY_OFFICE]
    client.force_login(clerk)
    url = reverse("households:edit", args=[household.pk])
    data = post_data(client.get(url))
    data["address"] = "新址"
    spouse_index = next(i for i in range(3) if data.get(f"members-{i}-relation") == "02")
    data[f"members-{spouse_index}-name"] = "改名配偶"
    _member(data, 3, "新生儿", citizen_id("431202", "20240101", male=True), "03")
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    household.refresh_from_db()
    assert household.address == "新址"
    assert set(household.members.values_list("name", flat=True)) >= {"改名配偶", "新生儿"}
    changes = ChangeRecord.objects.filter(household_id=household.pk, channel="page", user=clerk)
    assert {c.action for c in changes} >= {"update", "create"}
    timeline = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "新址" in timeline and "改名配偶" in timeline


def test_edit_with_an_error_saves_nothing(world, client):
    county = world.counties["a"]
    household = county.households[1]
    client.force_login(county.users[Role.COUNTY_OFFICE])
    url = reverse("households:edit", args=[household.pk])
    data = post_data(client.get(url))
    data["address"] = "不应保存"
    _member(data, 3, "坏证件", "123", "03")
    response = client.post(url, data)
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.address != "不应保存" and not household.members.filter(name="坏证件")
    assert "不应保存" in response.content.decode()


def test_delete_needs_a_reason_and_county_restores(world, client):
    county = world.counties["a"]
    household = county.households[3]
    client.force_login(county.users[Role.TOWNSHIP_OFFICE])
    url = reverse("households:delete", args=[household.pk])
    version = client.get(url).context["version"]
    refused = client.post(url, {"reason": "", "version": version})
    assert refused.status_code == 400 and refused.context["form"].errors["reason"]
    assert client.post(url, {"reason": "重复登记", "version": version}).status_code == 302
    household.refresh_from_db()
    assert household.is_deleted
    assert household.household_number not in listed(client.get(LIST))
    assert client.get(reverse("households:deleted")).status_code == 404  # township may not
    client.force_login(county.users[Role.COUNTY_OFFICE])
    deleted = client.get(reverse("households:deleted"))
    assert [h.pk for h in deleted.context["households"]] == [household.pk]
    restore = reverse("households:restore", args=[household.pk])
    assert client.post(restore, {"reason": "误删"}).status_code == 302
    household.refresh_from_db()
    assert not household.is_deleted
    assert ChangeRecord.objects.filter(household_id=household.pk, channel="page").count() >= 2


def test_deleted_list_of_the_other_county_is_empty(world, client):
    other = world.counties["b"]
    from households.services import household_soft_delete

    household_soft_delete(actor=None, household=other.households[0], reason="x",
                          expected_version=other.households[0].version)  # fmt: skip
    client.force_login(county_user(world, Role.COUNTY_OFFICE))
    assert client.get(reverse("households:deleted")).context["households"] == []


def test_pairing_shows_on_the_detail_for_the_cadre(world, client):
    county = world.counties["a"]
    pairing = CadrePairing.objects.get(household=county.households[0])
    client.force_login(county.users[Role.CADRE])
    response = client.get(reverse("households:detail", args=[county.households[0].pk]))
    assert response.context["current_pairing"] == pairing
    assert response.context["may_visit"] and not response.context["may_change"]
