"""The income formula in SQL (ledger exports) equals the Python rule, boundary cases included."""

from decimal import Decimal

import pytest
from django.db import connection

from households.rules import INCOME_COMPONENTS, income_account, income_account_sql

pytestmark = pytest.mark.django_db

CASES = [
    # (components, business costs, household size)
    ({}, "0", 1),
    ({"wage": "0.01"}, "0", 2),  # 0.005 per head: half a fen rounds up
    ({"wage": "0.03"}, "0", 2),  # 0.015 → 0.02
    ({"wage": "0.01"}, "0.02", 2),  # net −0.01: −0.005 rounds away from zero → −0.01
    ({"wage": "10.00"}, "0", 3),  # 3.333… → 3.33
    ({"wage": "20.00"}, "0", 3),  # 6.666… → 6.67
    ({"business": "100.05", "dibao": "2400.50", "tekun": "0.45"}, "120.00", 7),
    ({"property_dividend": "0.99", "property_other": "0.01", "pension": "1"}, "0.00", 4),
    ({name: "12345678.99" for name in INCOME_COMPONENTS}, "99999.99", 9),
    ({"eco_compensation": "3.35", "family_planning": "0.10"}, "5000", 1),  # negative net
    ({"transfer_other": None, "wage": "7.00"}, None, 6),  # blanks count as zero
]


def _sql_account(components: dict, costs, size: int) -> dict:
    expressions = income_account_sql("i")
    names = [*INCOME_COMPONENTS, "business_costs", "household_size"]
    values = [components.get(name) for name in INCOME_COMPONENTS] + [costs, size]
    columns = ", ".join(f"%s::numeric AS {n}" for n in names[:-1]) + ", %s::int AS household_size"
    select = ", ".join(f"{expr} AS {key}" for key, expr in expressions.items())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM (SELECT 1 AS id, {columns}) i", values)
        row = cursor.fetchone()
    return dict(zip(expressions, row, strict=True))


@pytest.mark.parametrize(("components", "costs", "size"), CASES)
def test_sql_formula_equals_the_python_rule(components, costs, size):
    python = income_account(
        {k: (Decimal(v) if v is not None else None) for k, v in components.items()},
        business_costs=Decimal(costs) if costs is not None else None,
        household_size=size,
    )
    sql = _sql_account(components, costs, size)
    for key, value in sql.items():
        expected = getattr(python, key)
        assert value == expected, (key, value, expected)
        assert str(value) == str(expected), (key, value, expected)  # same scale: same cell


def test_sql_formula_is_null_without_an_income_row():
    expressions = income_account_sql("i")
    select = ", ".join(expressions.values())
    names = ", ".join(f"NULL::numeric AS {n}" for n in [*INCOME_COMPONENTS, "business_costs"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM (SELECT NULL::int AS id, {names}, NULL::int AS household_size) i"
        )
        assert set(cursor.fetchone()) == {None}
