"""CheckConstraints of a model are validated in one query, with Django's own outcome per
constraint (poverty.models.OneQueryCheckConstraintsMixin)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from households.models import Household
from poverty.models import _check_constraint_results

pytestmark = pytest.mark.django_db

CHECKS = [c for c in Household._meta.constraints if isinstance(c, models.CheckConstraint)]


def _django_says(instance, constraint, exclude=None) -> bool:
    try:
        constraint.validate(Household, instance, exclude=exclude, using="default")
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    "fields",
    [
        {},  # valid
        {"main_cause": "01", "other_causes": ["01", "02"]},  # other cause repeats the main one
        {"other_causes": ["02", "03", "04"]},  # more than two
        {"household_number": "431202 0001"},  # a space: number format
        {"is_dangerous_house": True, "house_grade": "B"},
        {"is_deleted": True, "deleted_reason": ""},
        {"identified_year": 2018, "exit_year": 2016},
        {"identified_year": None, "exit_year": None},  # NULLs pass, as in Django
    ],
)
def test_one_query_gives_djangos_outcome_for_every_check_constraint(fields):
    values = {"household_number": "431202000001", "main_cause": "01", "other_causes": ["02"],
              "identified_year": 2016, **fields}  # fmt: skip
    household = Household(**values)
    with CaptureQueriesContext(connection) as queries:
        ours = _check_constraint_results(household, CHECKS, None, "default")
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1, selects  # (and a savepoint around it, as Django's Q.check)
    assert ours == [_django_says(household, c) for c in CHECKS]
    if fields and fields.get("identified_year", 0) is not None:
        assert not all(ours)


def test_a_constraint_on_an_excluded_field_is_skipped_and_messages_are_kept():
    household = Household(household_number="431202000001", main_cause="01", other_causes=["01"])
    ours = _check_constraint_results(household, CHECKS, {"other_causes"}, "default")
    assert ours == [_django_says(household, c, exclude={"other_causes"}) for c in CHECKS]
    with pytest.raises(ValidationError) as caught:
        household.validate_constraints()
    assert "其他致贫原因不得与主要致贫原因重复" in str(caught.value)
