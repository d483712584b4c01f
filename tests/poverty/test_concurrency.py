"""Two people edit the same household: the second save is refused, nothing is lost."""

import pytest

from households.models import Household
from households.services import household_update, member_save
from poverty.audit.models import ChangeRecord
from poverty.exceptions import ConcurrencyError
from poverty.roles import Role
from tests.access import build_world
from tests.pages import post_data

pytestmark = pytest.mark.django_db


def test_stale_edit_is_refused_naming_who_changed_it_and_when():
    world = build_world()
    county = world.counties["a"]
    first, second = county.users[Role.COUNTY_OFFICE], county.users[Role.TOWNSHIP_OFFICE]
    household = county.households[0]
    loaded_version = household.version  # both opened the form at this version

    household_update(
        actor=first,
        household=household,
        data={"group_name": "一组"},
        expected_version=loaded_version,
    )
    with pytest.raises(ConcurrencyError) as conflict:
        household_update(
            actor=second,
            household=household,
            data={"address": "新地址"},
            expected_version=loaded_version,
        )

    message = str(conflict.value.message)
    assert "county-a" in message and "刷新" in message
    assert conflict.value.changed_by == "county-a"
    assert conflict.value.current_version == loaded_version + 1
    fresh = Household.objects.get(pk=household.pk)
    assert fresh.group_name == "一组"  # the first edit kept
    assert fresh.address == ""  # the second not applied


def test_member_edit_also_moves_the_version():
    world = build_world()
    county = world.counties["a"]
    clerk = county.users[Role.COUNTY_OFFICE]
    household = county.households[0]
    version = household.version
    spouse = household.members.get(relation="02")
    member_save(
        actor=clerk,
        household=household,
        member=spouse,
        data={"name": "李四"},
        expected_version=version,
    )
    with pytest.raises(ConcurrencyError):
        household_update(
            actor=clerk, household=household, data={"address": "x"}, expected_version=version
        )


def test_member_rules_apply_to_service_writes():
    from households.services import household_register
    from poverty.exceptions import BusinessRuleError
    from tests.access import citizen_id

    world = build_world()
    village = world.counties["a"].villages[0]
    area = village.code[:6]
    with pytest.raises(BusinessRuleError) as same_sex_spouse:
        household_register(
            actor=None,
            household_data={"household_number": "431202777001", "village": village, "attribute": "1",
                            "identified_year": 2016, "main_cause": "01"},
            members_data=[
                {"name": "甲", "id_number": citizen_id(area, "19700101", male=True), "relation": "01"},
                {"name": "乙", "id_number": citizen_id(area, "19710101", male=True), "relation": "02"},
            ],
        )  # fmt: skip
    assert same_sex_spouse.value.field == "members[1].relation"
    assert "配偶" in str(same_sex_spouse.value.message)
    assert not Household.objects.filter(household_number="431202777001").exists()


def test_stale_edit_page_is_refused_with_who_changed_it_and_keeps_what_was_typed(client):
    """The same conflict through the edit page: 409, the name of the first editor, the second
    editor's typed values still in the form, and nothing of the second edit stored."""
    world = build_world()
    county = world.counties["a"]
    first, second = county.users[Role.COUNTY_OFFICE], county.users[Role.TOWNSHIP_OFFICE]
    household = county.households[0]
    url = f"/households/{household.pk}/edit/"

    client.force_login(second)
    opened = client.get(url)
    assert opened.status_code == 200
    stale_form = post_data(opened)

    household_update(
        actor=first,
        household=household,
        data={"group_name": "一组"},
        expected_version=household.version,
    )

    stale_form["address"] = "第二人输入的新地址"
    refused = client.post(url, stale_form)
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "county-a" in page  # who changed it
    assert "第二人输入的新地址" in page  # what the second person typed is still on the form
    fresh = Household.objects.get(pk=household.pk)
    assert fresh.group_name == "一组" and fresh.address != "第二人输入的新地址"

    # Reloading gives the new version; saving again then succeeds.
    reloaded = post_data(client.get(url))
    reloaded["address"] = "第二人输入的新地址"
    saved = client.post(url, reloaded)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    fresh.refresh_from_db()
    assert fresh.address == "第二人输入的新地址" and fresh.group_name == "一组"
    record = ChangeRecord.objects.filter(household_id=household.pk, action="update").latest("at")
    assert record.channel == "page" and record.user == second
    assert record.ip_address == "127.0.0.1"
    assert record.changes["address"][1] == "第二人输入的新地址"
