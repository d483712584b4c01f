"""The SQL behind a household page: what keeps it fast on 250,000 rows (docs/PERFORMANCE.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poverty.api.views import _code_successor
from poverty.roles import Role
from tests.api.conftest import token_client


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [("511722", "511723"), ("511729", "511730"), ("4312", "4313"), ("09", "10"), ("99", None)],
)
def test_code_successor_bounds_a_prefix(prefix, successor):
    assert _code_successor(prefix) == successor


@pytest.mark.django_db
def test_a_filtered_county_page_is_a_range_scan_without_distinct(world):
    client = token_client(world.counties["a"].users[Role.COUNTY_OFFICE])
    client.get("/api/v1/households/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/api/v1/households/", {"region": "431202100", "status": ["poor", "exited"]}
        )
    assert response.status_code == 200
    page_sql = next(q["sql"] for q in queries if 'FROM "households_household"' in q["sql"])
    assert "DISTINCT" not in page_sql  # django-filter asked for it; no join can repeat a row
    assert '"households_household"."village_code" >= \'431202100\'' in page_sql
    assert '"households_household"."village_code" < \'431202101\'' in page_sql
    assert page_sql.rstrip().endswith("LIMIT 51")
    assert (
        'ORDER BY "households_household"."village_code" ASC, '
        '"households_household"."household_number" ASC, "households_household"."id" ASC'
    ) in page_sql
    # the village's name by a lookup per row of the page, not a join over the region table
    assert "JOIN" not in page_sql
