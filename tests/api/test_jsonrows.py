"""The SQL twins of the Python renderers (poverty.api.jsonrows, migration poverty 0003) give
the same text on edge values; the household pages compare the two whole paths
(test_prepared_reads)."""

import datetime
import zoneinfo

import pytest
from django.db import connection

from households.api import serializers as s
from poverty.api.jsonrows import json_expressions
from poverty.masking import MASK_KEEP, mask_value

pytestmark = pytest.mark.django_db

MASK_VALUES = [
    None,
    "",
    "   ",
    "1",
    "1234567",
    "12345678",
    "123456789",
    "13912345678",
    " 13912345678 ",
    "\t431202197003050012\n",
    "\u3000431202197003050012\u3000",
    "\xa0\x1c13912345678\u2028\x85",  # other whitespace str.strip() removes
    "\u200b13912345678",  # a zero-width space is not whitespace: kept, and counted
    "43120219700305001X",
    "6222 0212 3456 7890",
    "张三丰",
    "甲乙丙丁戊己庚辛壬癸",
]


@pytest.mark.parametrize("kind", sorted(MASK_KEEP))
def test_sql_mask_equals_python_mask(kind):
    keep_start, keep_end = MASK_KEEP[kind]
    with connection.cursor() as cursor:
        for value in MASK_VALUES:
            cursor.execute("SELECT poverty_mask(%s, %s, %s)", [value, keep_start, keep_end])
            assert cursor.fetchone()[0] == mask_value(value, keep_start, keep_end), repr(value)


UTC = datetime.UTC
INSTANTS = [
    datetime.datetime(2026, 11, 23, 16, 5, 0, tzinfo=UTC),  # no microseconds
    datetime.datetime(2026, 11, 23, 16, 5, 0, 1, tzinfo=UTC),
    datetime.datetime(2026, 11, 23, 16, 5, 0, 999999, tzinfo=UTC),
    datetime.datetime(2020, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),  # another day locally
    datetime.datetime(1988, 7, 1, 12, 0, tzinfo=UTC),  # China's summer time: +09:00
    datetime.datetime(1900, 1, 1, tzinfo=UTC),  # local mean time: +08:05:43
    datetime.datetime(2014, 3, 1, 0, 0, 0, 10, tzinfo=UTC),
]
ZONES = ["Asia/Shanghai", "UTC", "America/St_Johns", "Asia/Kolkata"]


@pytest.mark.parametrize("zone", ZONES)
def test_sql_isoformat_equals_python_isoformat(zone):
    with connection.cursor() as cursor:
        for instant in [*INSTANTS, None]:
            cursor.execute("SELECT poverty_isoformat(%s, %s)", [instant, zone])
            expected = None if instant is None else instant.astimezone(zoneinfo.ZoneInfo(zone))
            assert cursor.fetchone()[0] == (expected and expected.isoformat()), (instant, zone)


def test_every_serializer_field_needs_an_expression(world):
    """A computed field the view gives no SQL for is an error, not a missing key."""
    user = world.admin
    with pytest.raises(ValueError, match="head_name"):
        json_expressions(s.HouseholdSerializer, user)
    names = [name for name, _e in json_expressions(s.MemberSerializer, user)]
    assert names == list(s.MemberSerializer().fields)


def test_a_spread_must_cover_consecutive_fields_in_order(world):
    """A Spread's fields are split from one array column in order: giving it for fields out of
    order or with a gap is refused when the SQL is built, not sent wrong."""
    from django.db.models import Value

    from poverty.api.jsonrows import Spread

    user = world.admin
    base = {"members": Value(None)}

    def spread(*names):
        return Spread(Value(None), [(name, None) for name in names])

    ok = spread("head_name", "head_id_number", "member_count")
    names = [
        name
        for name, _e in json_expressions(
            s.HouseholdSerializer,
            user,
            {**base, **dict.fromkeys(("head_name", "head_id_number", "member_count"), ok)},
        )
    ]
    assert names[-2:] == [ok, "members"] and "head_name" not in names
    swapped = spread("head_name", "member_count", "head_id_number")
    with pytest.raises(ValueError, match="consecutive"):
        json_expressions(
            s.HouseholdSerializer,
            user,
            {**base, **dict.fromkeys(("head_name", "head_id_number", "member_count"), swapped)},
        )
    late = spread("head_id_number", "member_count")
    with pytest.raises(ValueError, match="first field"):
        json_expressions(
            s.HouseholdSerializer,
            user,
            {
                **base,
                "head_name": Value(None),
                "head_id_number": late,
                "member_count": late,
                "members": spread("head_name"),
            },
        )
