"""签到 with the position a browser gives: floats, stored to the column's six decimals."""

from decimal import Decimal

import pytest

from assistance.models import WorkTeamMember
from assistance.services import stationing_check_in
from poverty.roles import Role
from tests.access import build_world

pytestmark = pytest.mark.django_db


def test_check_in_stores_a_browser_position_given_as_floats():
    world = build_world()
    county = world.counties["a"]
    user = county.users[Role.VILLAGE_TEAM]
    member = WorkTeamMember.objects.get(team__village=county.villages[0])
    member.user = user
    member.save(update_fields=["user"])

    day = stationing_check_in(actor=user, latitude=27.55, longitude=109.99861234)

    day.refresh_from_db()
    assert (day.latitude, day.longitude) == (Decimal("27.550000"), Decimal("109.998612"))
    assert day.status == "present"
