"""poverty.bulk: instances built without Model.__init__, COPY text per column type; and the
audit snapshot read from the instance's own attributes (the import's fast paths)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from poverty.audit.recording import model_snapshot
from poverty.bulk import _converter, copy_rows, copy_text, instance_builder
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


@pytest.mark.django_db
def test_snapshots_and_creation_diffs_equal_the_field_by_field_ones():
    """model_snapshot reads a loaded instance's __dict__ and snapshot_diff a creation's
    snapshot: the same dicts, in the same order, as reading field by field with getattr
    (the models an import writes, with None, dates, Decimals, lists and the ignored
    bookkeeping fields)."""
    from poverty.audit.recording import IGNORED_FIELDS, _plain, snapshot_diff

    world = build_world()
    household = world.counties["a"].households[0]
    instances = [
        Household.objects.get(pk=household.pk),
        *Member.objects.filter(household=household),
        *AnnualIncome.objects.all()[:3],
    ]
    assert len(instances) > 3
    for instance in instances:
        slow = {
            f.attname: _plain(getattr(instance, f.attname))
            for f in type(instance)._meta.concrete_fields
            if f.attname not in IGNORED_FIELDS
        }
        snapshot = model_snapshot(instance)
        assert list(snapshot.items()) == list(slow.items())
        with_bookkeeping = {**snapshot, "created": "x", "updated": "y", "version": 3}
        diff = snapshot_diff(None, with_bookkeeping)
        expected = {
            key: [None, with_bookkeeping[key]]
            for key in sorted(with_bookkeeping)
            if with_bookkeeping[key] is not None and key not in IGNORED_FIELDS and key != "id"
        }
        assert list(diff.items()) == list(expected.items())


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


@pytest.mark.django_db
def test_copy_rows_sends_chunks_from_a_helper_thread_within_the_same_transaction():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (n int PRIMARY KEY, s text)")

    def stored() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT n, s FROM copy_probe ORDER BY n")
            return cursor.fetchall()

    def with_query(count: int):  # the caller may use the connection between lines
        for i in range(count):
            if i % 3 == 0:
                assert stored() is not None
            yield f"{i}\tx\\t{i}"

    assert copy_rows("copy_probe", ["n", "s"], with_query(7), chunk=2) == 7
    assert stored() == [(i, f"x\t{i}") for i in range(7)]
    duplicate = (f"{i}\ty" for i in (100, 101, 102, 103, 5))  # fails in the last chunk
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows("copy_probe", ["n", "s"], duplicate, chunk=2)

    def failing():
        yield "200\ta"
        yield "201\tb"
        yield "202\tc"
        raise ValueError("bad line")

    with pytest.raises(ValueError, match="bad line"), transaction.atomic():
        copy_rows("copy_probe", ["n", "s"], failing(), chunk=2)
    assert [n for n, _s in stored()] == list(range(7))  # nothing of the failed copies


@pytest.mark.django_db
def test_copy_insert_stamps_created_and_updated_with_one_moment_and_stores_every_value():
    """copy_insert gives the objects their ids and the auto_now(_add) columns one moment
    (its text made once); the stored rows read back equal the objects, field for field."""
    from django.utils import timezone

    from poverty.bulk import copy_insert

    world = build_world()
    household = world.counties["a"].households[0]
    source = list(Member.objects.filter(household=household))
    build = instance_builder(Member)
    skip = {"id", "created", "updated"}
    objs = [
        build({f.attname: getattr(m, f.attname) for f in Member._meta.concrete_fields
               if f.attname not in skip} | {"id_number": f"{m.id_number[:-1]}{n}", "is_active": False,
                                            "change_reason": "08"})
        for n, m in enumerate(source)
    ]  # fmt: skip
    before = timezone.now()
    copy_insert(Member, objs)
    assert all(o.pk and o.created == o.updated == objs[0].created >= before for o in objs)
    for obj in objs:
        stored = Member.objects.get(pk=obj.pk)
        for f in Member._meta.concrete_fields:
            assert getattr(stored, f.attname) == getattr(obj, f.attname), f.attname
