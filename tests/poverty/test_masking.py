"""Sensitive values are masked for roles that do not need them, by one function, on every page."""

import pytest

from poverty.masking import mask_bank_account, mask_for, mask_id_number, mask_phone
from poverty.roles import Role
from tests.access import build_world


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (mask_id_number, "620422199001011234", "6204**********1234"),
        (mask_id_number, "11010519491231002X", "1101**********002X"),
        (mask_id_number, "", ""),
        (mask_id_number, None, ""),
        (mask_id_number, "1234567", "*******"),
        (mask_phone, "13812345678", "138****5678"),
        (mask_bank_account, "6222020200112233445", "6222***********3445"),
    ],
)
def test_mask_functions(function, value, expected):
    assert function(value) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "masked"),
    [
        (Role.COUNTY_OFFICE, False),
        (Role.VILLAGE_TEAM, False),
        (Role.CADRE, True),
        (Role.INSPECTOR, True),
        ("city_leader", True),
    ],
)
def test_household_page_masks_by_role(client, role, masked):
    world = build_world()
    county = world.counties["a"]
    user = world.city_leader if role == "city_leader" else county.users[role]
    household = county.households[0]  # the cadre's paired household, in village 0
    head = household.members.get(relation="01")
    client.force_login(user)
    body = client.get(f"/households/{household.pk}/").content.decode()
    assert (head.id_number in body) is not masked
    assert (mask_id_number(head.id_number) in body) is masked
    assert ("13912345678" in body) is not masked
    assert ("6222020200112233445" in body) is not masked
    assert mask_for(user, "id_number", head.id_number) == (
        mask_id_number(head.id_number) if masked else head.id_number
    )
