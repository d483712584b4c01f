"""The household registry admin: pages render, search and filters find the right rows,
saving applies the registry rules and recomputes incomes, and the household list's query
count does not grow with its rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from tests.factories import make_household, make_region_tree

pytestmark = pytest.mark.django_db

MODELS = ["household", "member", "annualincome", "guaranteestatus", "householdstatuschange"]
WOMAN_ID = "11010519491231002X"  # DOMAIN.md §14.1 vector: a woman born 1949-12-31
MAN_ID = "360426199101010071"  # DOMAIN.md §14.1 vector: a man born 1991-01-01


def changelist(model: str) -> str:
    return reverse(f"admin:households_{model}_changelist")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


@pytest.fixture
def tree():
    return make_region_tree()


@pytest.fixture
def data(tree):
    """One household in 秦州区 (with income, guarantee and status rows) and one in 麦积区."""
    inside = make_household(
        tree.village,
        members=[
            {
                "relation": "01",
                "name": "张三",
                "id_number": MAN_ID,
                "birth_date": datetime.date(1991, 1, 1),
            },
            {
                "relation": "02",
                "name": "李梅",
                "id_number": WOMAN_ID,
                "birth_date": datetime.date(1949, 12, 31),
            },
            {"relation": "03", "name": "张小"},
        ],
        identified_year=2014,
    )
    outside = make_household(
        tree.other_village, members=[{"relation": "01", "name": "王五"}], identified_year=2016
    )
    rows = {"in": {"household": inside}, "out": {"household": outside}}
    for key, household in (("in", inside), ("out", outside)):
        rows[key]["member"] = household.members.get(relation="01")
        rows[key]["annualincome"] = AnnualIncome.objects.create(
            household=household, year=2019, household_size=3, wage=Decimal("9000")
        )
        rows[key]["guaranteestatus"] = GuaranteeStatus.objects.create(
            household=household, year=2019
        )
        rows[key]["householdstatuschange"] = HouseholdStatusChange.objects.create(
            household=household,
            year=2014,
            to_status="poor",
            changed_on=datetime.date(2014, 10, 1),
        )
    return rows


# --- every page renders ---------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_every_row(admin_client, data, model):
    response = admin_client.get(changelist(model))

    assert response.status_code == 200
    pks = {obj.pk for obj in listed(response)}
    assert {data["in"][model].pk, data["out"][model].pk} <= pks
    assert pks == set(response.context["cl"].model.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders(admin_client, data, model):
    response = admin_client.get(reverse(f"admin:households_{model}_add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_page_renders(admin_client, data, model):
    obj = data["in"][model]

    response = admin_client.get(reverse(f"admin:households_{model}_change", args=[obj.pk]))

    assert response.status_code == 200


def test_household_list_shows_the_head_and_the_village(admin_client, data, tree):
    response = admin_client.get(changelist("household"))

    html = response.content.decode()
    assert "张三" in html and "王五" in html
    assert str(tree.village) in html
    heads = {obj.household_number: obj.head_name for obj in listed(response)}
    assert heads == {
        data["in"]["household"].household_number: "张三",
        data["out"]["household"].household_number: "王五",
    }


def test_household_page_lists_its_members_inline(admin_client, data):
    household = data["in"]["household"]

    response = admin_client.get(reverse("admin:households_household_change", args=[household.pk]))

    html = response.content.decode()
    assert 'name="members-0-id_number"' in html
    assert MAN_ID in html and WOMAN_ID in html


def test_households_cannot_be_hard_deleted_from_the_admin(admin_client, data):
    household = data["in"]["household"]

    response = admin_client.get(reverse("admin:households_household_delete", args=[household.pk]))

    assert response.status_code == 403


def test_village_is_picked_by_code_not_from_a_list(admin_client, data):
    html = admin_client.get(reverse("admin:households_household_add")).content.decode()

    assert '<select name="village"' not in html
    assert 'name="village"' in html


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        MAN_ID,  # the head's full ID
        WOMAN_ID,  # another member's ID finds the household
        "11010519491231002x",  # lower-case x
        "１１０１０５１９４９",  # full-width prefix
        "110105491231002",  # the 15-digit legacy form of 11010519491231002X
        "张三",  # head's name
        "李梅",  # a member's name
        "张",  # a surname shared by two members: the household is listed once
    ],
)
def test_household_search_by_member_name_or_id(admin_client, data, term):
    response = admin_client.get(changelist("household"), {"q": term})

    assert [obj.pk for obj in listed(response)] == [data["in"]["household"].pk]


def test_household_search_by_number_prefix(admin_client, data):
    number = data["out"]["household"].household_number

    response = admin_client.get(changelist("household"), {"q": number[:14]})

    assert [obj.pk for obj in listed(response)] == [data["out"]["household"].pk]


def test_household_search_with_two_terms_needs_both(admin_client, data):
    response = admin_client.get(changelist("household"), {"q": "张三 王五"})

    assert listed(response) == []


@pytest.mark.parametrize(
    ("term", "name"), [(WOMAN_ID, "李梅"), ("11010519491231002x", "李梅"), ("张小", "张小")]
)
def test_member_search_by_name_or_id(admin_client, data, term, name):
    response = admin_client.get(changelist("member"), {"q": term})

    assert [obj.name for obj in listed(response)] == [name]


@pytest.mark.parametrize("model", ["annualincome", "guaranteestatus", "householdstatuschange"])
def test_yearly_rows_search_by_household_number(admin_client, data, model):
    number = data["in"]["household"].household_number

    response = admin_client.get(changelist(model), {"q": number})

    assert [obj.pk for obj in listed(response)] == [data["in"][model].pk]


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_region_filter_narrows_to_one_county(admin_client, data, tree, model):
    response = admin_client.get(changelist(model), {"region": tree.county.code})

    assert response.status_code == 200
    pks = {obj.pk for obj in listed(response)}
    assert data["in"][model].pk in pks
    assert data["out"][model].pk not in pks


@pytest.mark.parametrize("model", MODELS)
def test_region_filter_by_city_keeps_both_counties(admin_client, data, tree, model):
    response = admin_client.get(changelist(model), {"region": tree.city.code})

    pks = {obj.pk for obj in listed(response)}
    assert pks == set(response.context["cl"].model.objects.values_list("pk", flat=True))
    assert {data["in"][model].pk, data["out"][model].pk} <= pks


def test_household_filters_by_identified_year(admin_client, data):
    response = admin_client.get(changelist("household"), {"identified_year": "2016"})

    assert [obj.pk for obj in listed(response)] == [data["out"]["household"].pk]


# --- saving through the admin ---------------------------------------------------------------

INLINE_FIELDS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "health",
    "labour_ability",
    "is_active",
    "change_reason",
    "changed_on",
    "id_note",
]


def household_post(village, number: str, members: list[dict], *, initial=0, incomes=()) -> dict:
    """POST data of the household add/change page with its three inline formsets."""
    data = {
        "household_number": number,
        "village": village.code,
        "system_version": "2014",
        "identification_standard": "1",
        "attribute": "1",
        "identified_year": "2014",
        "main_cause": "01",
        "other_causes": ["08"],
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(initial),
        "incomes-TOTAL_FORMS": str(len(incomes)),
        "incomes-INITIAL_FORMS": "0",
        "guarantees-TOTAL_FORMS": "0",
        "guarantees-INITIAL_FORMS": "0",
    }
    for prefix, rows in (("members", members), ("incomes", incomes)):
        for index, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    value = "on"
                if value is not False and value is not None:
                    data[f"{prefix}-{index}-{key}"] = value
    return data


def member_row(name, id_number, relation, **extra) -> dict:
    row = {
        "name": name,
        "id_number": id_number,
        "relation": relation,
        "ethnicity": "01",
        "health": "01",
        "labour_ability": "01",
        "is_active": True,
    }
    row.update(extra)
    return row


def test_add_household_with_members(admin_client, tree):
    data = household_post(
        tree.village,
        "620502100201-0500",
        [
            member_row("赵刚", " 360426 19910101 0071 ", "01"),
            member_row("李梅", "11010519491231002x", "02"),
        ],
    )

    response = admin_client.post(reverse("admin:households_household_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    household = Household.objects.get(household_number="620502100201-0500")
    members = {m.relation: m for m in household.members.all()}
    assert members["01"].id_number == MAN_ID
    assert members["02"].id_number == WOMAN_ID
    assert (members["01"].sex, members["02"].sex) == ("1", "2")
    assert members["02"].birth_date == datetime.date(1949, 12, 31)
    assert {m.division_code for m in members.values()} == {tree.village.code}


def test_add_household_without_head_is_refused_and_nothing_saved(admin_client, tree):
    data = household_post(tree.village, "620502100201-0501", [member_row("李梅", WOMAN_ID, "02")])

    response = admin_client.post(reverse("admin:households_household_add"), data)

    assert response.status_code == 200
    assert "每户必须有且只有一名户主" in response.content.decode()
    assert not Household.objects.filter(household_number="620502100201-0501").exists()


def test_add_household_refuses_an_id_registered_elsewhere(admin_client, data, tree):
    other = data["out"]["household"]
    taken = other.members.get().id_number
    post = household_post(tree.village, "620502100201-0502", [member_row("某人", taken, "01")])

    response = admin_client.post(reverse("admin:households_household_add"), post)

    assert response.status_code == 200
    assert f"证件号码重复，该人员已登记在户{other.household_number}" in response.content.decode()


def test_household_form_errors_show_on_the_add_page(admin_client, tree):
    data = household_post(tree.village, "620502100201-0503", [member_row("赵刚", MAN_ID, "01")])
    data["other_causes"] = ["01"]

    response = admin_client.post(reverse("admin:households_household_add"), data)

    assert response.status_code == 200
    assert "其他致贫原因不得与主要致贫原因重复" in response.content.decode()


def test_income_added_inline_is_recomputed(admin_client, data):
    household = data["out"]["household"]
    head = household.members.get()
    members = [
        {
            "id": head.pk,
            "household": household.pk,
            **member_row(head.name, head.id_number, "01"),
            "sex": head.sex,
            "birth_date": head.birth_date.isoformat(),
        }
    ]
    income = {
        "year": "2020",
        "household_size": "3",
        "wage": "10000",
        "business": "2500.50",
        "business_costs": "500.50",
        "dibao": "0",
        "property_dividend": "0",
        "property_other": "0",
        "family_planning": "0",
        "tekun": "0",
        "pension": "0",
        "eco_compensation": "0",
        "transfer_other": "0",
    }
    post = household_post(
        household.village, household.household_number, members, initial=1, incomes=[income]
    )

    response = admin_client.post(
        reverse("admin:households_household_change", args=[household.pk]), post
    )

    assert response.status_code == 302
    saved = AnnualIncome.objects.get(household=household, year=2020)
    # 年收入 10000 + 2500.50 = 12500.50; 纯收入 12500.50 − 500.50 = 12000; ÷ 3 = 4000.00
    assert (saved.gross_income, saved.net_income, saved.per_capita_net_income) == (
        Decimal("12500.50"),
        Decimal("12000.00"),
        Decimal("4000.00"),
    )
    household.refresh_from_db()
    assert household.version == 2


def test_income_added_on_its_own_page_is_recomputed(admin_client, data):
    household = data["in"]["household"]
    post = {
        "household": household.pk,
        "year": "2020",
        "household_size": "3",
        "wage": "10000",
        "business": "0",
        "property_dividend": "0",
        "property_other": "0",
        "family_planning": "0",
        "dibao": "0",
        "tekun": "0",
        "pension": "0",
        "eco_compensation": "0",
        "transfer_other": "0",
        "business_costs": "0",
    }

    response = admin_client.post(reverse("admin:households_annualincome_add"), post)

    assert response.status_code == 302
    saved = AnnualIncome.objects.get(household=household, year=2020)
    # 10000 ÷ 3 = 3333.333… → 3333.33
    assert (saved.gross_income, saved.net_income, saved.per_capita_net_income) == (
        Decimal("10000.00"),
        Decimal("10000.00"),
        Decimal("3333.33"),
    )


def test_member_page_refuses_a_sex_that_contradicts_the_id(admin_client, data):
    spouse = data["in"]["household"].members.get(relation="02")
    post = {
        "household": spouse.household_id,
        "name": spouse.name,
        "relation": "02",
        "id_type": "1",
        "id_number": spouse.id_number,
        "sex": "1",
        "birth_date": spouse.birth_date.isoformat(),
        "ethnicity": "01",
        "political_status": "13",
        "school_status": "01",
        "health": "01",
        "labour_ability": "01",
        "work_status": "00",
        "work_months": "0",
        "dibao": "0",
        "tekun": "0",
        "is_active": "on",
    }

    response = admin_client.post(reverse("admin:households_member_change", args=[spouse.pk]), post)

    assert response.status_code == 200
    assert "性别与证件号码不一致（证件号码第17位表示女性）" in response.content.decode()


def test_member_page_refuses_to_demote_the_only_head(admin_client, data):
    head = data["in"]["household"].members.get(relation="01")
    post = {
        "household": head.household_id,
        "name": head.name,
        "relation": "99",
        "id_type": "1",
        "id_number": head.id_number,
        "ethnicity": "01",
        "political_status": "13",
        "school_status": "01",
        "health": "01",
        "labour_ability": "01",
        "work_status": "00",
        "work_months": "0",
        "dibao": "0",
        "tekun": "0",
        "is_active": "on",
    }

    response = admin_client.post(reverse("admin:households_member_change", args=[head.pk]), post)

    assert response.status_code == 200  # a form error, not a failed commit
    assert "每户必须有且只有一名户主" in response.content.decode()
    head.refresh_from_db()
    assert head.relation == "01"


# --- query count ----------------------------------------------------------------------------


def changelist_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist("household"), params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"q": "6205"}, {"q": "成员"}, {"region": "620502000000", "status": "poor"}]
)
def test_household_changelist_query_count_does_not_grow_with_rows(admin_client, tree, params):
    make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    admin_client.get(changelist("household"))  # warm the session and content types
    with_one = changelist_queries(admin_client, params)

    for _ in range(9):
        make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
    with_ten = changelist_queries(admin_client, params)

    assert Household.objects.count() == 10
    assert with_ten == with_one


@pytest.mark.parametrize(
    "model", ["member", "annualincome", "guaranteestatus", "householdstatuschange"]
)
def test_other_changelists_query_count_does_not_grow_with_rows(admin_client, tree, model):
    def add_household():
        household = make_household(tree.village, members=[{"relation": "01"}, {"relation": "02"}])
        AnnualIncome.objects.create(household=household, year=2019, household_size=2)
        GuaranteeStatus.objects.create(household=household, year=2019)
        HouseholdStatusChange.objects.create(
            household=household, year=2014, to_status="poor", changed_on=datetime.date(2014, 10, 1)
        )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(changelist(model)).status_code == 200
        return len(queries)

    add_household()
    admin_client.get(changelist(model))
    with_one = count()
    for _ in range(9):
        add_household()

    assert count() == with_one
    assert Member.objects.count() == 20
