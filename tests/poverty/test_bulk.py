"""poverty.bulk: instances built without Model.__init__, COPY text per column type; and the
audit snapshot read from the instance's own attributes (the import's fast paths)."""

import datetime
from decimal import Decimal

import pytest

from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from poverty.audit.recording import model_snapshot
from poverty.bulk import _converter, copy_text, instance_builder
from tests.access import build_world

MEMBER = {
    "name": "张三",
    "id_number": "11010119900307001X",
    "relation": "01",
    "birth_date": datetime.date(1990, 3, 7),
    "sex": "1",
    "changed_on": None,
    "household_id": 7,
}


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Member, MEMBER),
        (Member, {}),
        (Household, {"village_id": "431202001001", "household_number": "4312020010010001"}),
        (AnnualIncome, {"year": 2020, "wage": Decimal("100.50"), "household_size": 3}),
        (GuaranteeStatus, {"year": 2020}),
    ],
)
def test_instance_builder_builds_what_the_model_would(model, values):
    built = instance_builder(model)(dict(values))
    expected = model(**values)
    assert _fields(built) == _fields(expected)
    assert list(built.__dict__) == list(expected.__dict__)  # same field order
    assert built._state.adding and built._state.db is None
    assert built.pk is None
    assert model_snapshot(built) == model_snapshot(expected)


def test_instance_builder_calls_callable_defaults_per_instance_and_refuses_unknown_names():
    build = instance_builder(Household)
    first, second = build({}), build({})
    array_fields = [
        f.attname
        for f in Household._meta.concrete_fields
        if f.has_default() and callable(f.default)
    ]
    for attname in array_fields:  # e.g. other_causes=list: never one shared list
        assert getattr(first, attname) == getattr(second, attname)
        if isinstance(getattr(first, attname), list):
            assert getattr(first, attname) is not getattr(second, attname)
    with pytest.raises(TypeError, match="unexpected keyword arguments: 'village'"):
        build({"village": "431202001001"})


@pytest.mark.django_db
def test_snapshot_of_a_loaded_and_a_deferred_instance_is_the_getattr_one():
    world = build_world()
    household = world.counties["a"].households[0]
    member = Member.objects.filter(household=household).first()
    slow = {
        f.attname: getattr(member, f.attname)
        for f in Member._meta.concrete_fields
        if f.attname not in ("created", "updated", "version")
    }
    snapshot = model_snapshot(member)
    assert set(snapshot) == set(slow)
    assert snapshot["birth_date"] == slow["birth_date"].isoformat()
    deferred = Member.objects.only("id", "name").get(pk=member.pk)
    assert model_snapshot(deferred) == snapshot  # deferred fields are loaded, as getattr does


@pytest.mark.parametrize(
    "value",
    [None, 0, 12, Decimal("1.50"), Decimal("-0.00"), True, False,
     datetime.date(2020, 1, 2), "a\tb", "普通"],
)  # fmt: skip
def test_copy_converters_per_column_type_agree_with_copy_text(value):
    for model in (Member, AnnualIncome, Household):
        for field in model._meta.concrete_fields:
            kind = field.get_internal_type()
            if kind in ("CharField", "TextField") and not isinstance(value, str | None):
                continue
            if kind == "BooleanField" and not isinstance(value, bool | None):
                continue
            assert _converter(field)(value) == copy_text(value), (field.name, value)
