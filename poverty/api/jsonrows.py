"""Rows whose every value PostgreSQL computes as the API sends it, for the API's hottest reads
(the household list and detail).

poverty.api.fastrows renders ``values()`` rows in Python: for a 100-household page that is
about 6,000 values fetched, then converted (decimals, datetimes, masking, the village's name,
the head and member count from a second query), which was most of a list request's CPU. Here
the same output is described as SQL expressions, derived from the same serializer class that
documents the endpoint; Python only pairs names with values and orjson encodes them (dates
and lists natively). Tried first: PostgreSQL building each row's JSON text (row_to_json):
fewer Python objects, but PostgreSQL 15 spends ~0.9 µs per value on it (5 ms a page, measured)
against ~0.2 µs for psycopg2 and orjson.

Equivalence with the Python rendering, field by field:

- a plain column: its value (dates, booleans, arrays: encoded by orjson as by DRF);
- a decimal: PostgreSQL's text of the numeric (what fastrows sends too);
- a datetime: ``poverty_isoformat(value, zone)`` = ``value.astimezone(zone).isoformat()``;
- a masked value (MaskedCharField) for a role that must not see it:
  ``poverty_mask(value, keep_start, keep_end)`` = ``poverty.masking.mask_value`` with
  ``MASK_KEEP`` (both SQL functions: migration poverty 0003);
- a value through a foreign key (``village.name``): a scalar subquery on the related row
  (a join made PostgreSQL merge-scan thousands of region rows for a 100-row page);
- computed and embedded fields (a household's head, member count, members): expressions the
  view gives; several fields read from the same rows (the head's name and ID number and the
  member count) can come from one subquery returning an array (``Spread``), split in Python.

tests/api/test_prepared_reads.py compares this path with the Python one for every role, and
tests/api/test_jsonrows.py the two SQL functions with their Python twins.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection
from django.db.models import Expression, F, Func, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import serializers

from poverty.api.fastrows import MaskedCharField
from poverty.masking import MASK_KEEP
from poverty.scoping import user_sees_sensitive

__all__ = ["JsonArray", "Spread", "SqlIsoFormat", "SqlMask", "json_expressions", "json_values"]


class SqlMask(Func):
    """poverty.masking.mask_value in SQL (function poverty_mask)."""

    function = "poverty_mask"
    output_field = TextField()

    def __init__(self, expression, kind: str):
        keep_start, keep_end = MASK_KEEP[kind]
        super().__init__(expression, Value(keep_start), Value(keep_end))


class SqlIsoFormat(Func):
    """``value.astimezone(zone).isoformat()`` in SQL (function poverty_isoformat)."""

    function = "poverty_isoformat"
    output_field = TextField()

    def __init__(self, expression, zone: str):
        super().__init__(expression, Value(zone))


class JsonArray(Subquery):
    """A JSON array of the rows of a ``json_values()`` queryset (``[]`` when none): embedded
    lists (a household's members), one subquery per row."""

    output_field = TextField()

    def __init__(self, queryset: QuerySet, names: list[str]):
        super().__init__(queryset)
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        self.template = (
            "(SELECT coalesce(json_agg(row_to_json(_rows)), '[]'::json) "
            f"FROM (%(subquery)s) AS _rows({quoted}))"
        )


class Spread:
    """Several JSON fields from one SQL expression that returns an array: element i is the
    value of ``fields[i]`` (name, cast applied to a non-null element, or None to keep it).

    For fields read from the same rows, e.g. a household's head (name, ID number) and its
    member count: one scan of the household's members per row instead of one per field
    (three index scans a row were about a third of PostgreSQL's time for a 100-row page).
    A view gives the same Spread for each of its fields; they must be consecutive in the
    serializer and come in ``fields`` order (json_expressions checks).
    """

    def __init__(self, expression: Expression, fields: list[tuple[str, type | None]]):
        self.expression = expression
        self.fields = list(fields)

    def split(self, row: tuple, position: int, before: list[str], after: list[str]) -> dict:
        item = dict(zip(before, row))  # noqa: B905 (before is shorter by construction)
        for (name, cast), value in zip(self.fields, row[position] or (), strict=False):
            item[name] = value if cast is None or value is None else cast(value)
        item.update(zip(after, row[position + 1 :]))  # noqa: B905
        return item


class SpreadSubquery(Subquery):
    """``(SELECT ARRAY[<aggregates over the rows of queryset>] FROM (queryset) AS _rows)``:
    the aggregates are SQL text over the subquery's column names."""

    output_field = TextField()

    def __init__(self, queryset: QuerySet, aggregates: list[str]):
        super().__init__(queryset)
        self.template = f"(SELECT ARRAY[{', '.join(aggregates)}] FROM (%(subquery)s) AS _rows)"


def _source(model, source: str) -> Expression:
    """The value of ``source`` ("field", "fk_id" or "fk.field") on a row of ``model``."""
    first, _, rest = source.partition(".")
    if not rest:
        return F(first)
    relation = model._meta.get_field(first)
    related = relation.related_model
    if "." in rest or not relation.many_to_one:
        return F(source.replace(".", "__"))  # deeper paths: a join, as values() would do
    target = relation.target_field.attname
    return Subquery(
        related._default_manager.filter(**{target: OuterRef(relation.attname)})
        .order_by()
        .values(rest)[:1]
    )


def json_expressions(
    serializer_class, user, extra: Mapping[str, Expression] | None = None
) -> list[tuple[str, Expression]]:
    """(name, SQL expression of its JSON value) for every field of the serializer, in order.

    Computed and nested fields come from ``extra``; a field that is neither a model value nor
    in ``extra`` raises ValueError (so a new serializer field cannot be silently left out).
    """
    extra = extra or {}
    model = serializer_class.Meta.model
    sensitive = user_sees_sensitive(user)
    zone = timezone.get_current_timezone_name()
    computed = set(getattr(serializer_class, "computed_fields", ()))
    expressions = []
    spread_pending: list[str] = []
    for name, field in serializer_class().fields.items():
        if spread_pending:
            if name != spread_pending.pop(0):
                raise ValueError(f"the fields of a Spread must be consecutive, in order ({name!r})")
            continue
        if name in extra:
            value = extra[name]
            if isinstance(value, Spread):
                spread_names = [field_name for field_name, _cast in value.fields]
                if spread_names[0] != name:
                    raise ValueError(f"{name!r} is not the first field of its Spread")
                spread_pending = spread_names[1:]
                expressions.append((value, value.expression))
                continue
            expressions.append((name, value))
            continue
        if name in computed or isinstance(
            field, serializers.SerializerMethodField | serializers.BaseSerializer
        ):
            raise ValueError(f"field {name!r} needs an expression from the view")
        expression = _source(model, field.source)
        if isinstance(field, MaskedCharField):
            if not sensitive:
                expression = SqlMask(expression, field.kind)
        elif isinstance(field, serializers.DecimalField):
            expression = Cast(expression, TextField())
        elif isinstance(field, serializers.DateTimeField):
            expression = SqlIsoFormat(expression, zone)
        expressions.append((name, expression))
    if spread_pending:
        raise ValueError(f"fields of a Spread missing from the serializer: {spread_pending}")
    return expressions


def json_values(queryset: QuerySet, expressions: list[tuple[str, Expression]]) -> QuerySet:
    """``queryset`` selecting exactly these expressions, as columns json_0, json_1, …

    (Annotations may not take a model field's name; the JSON names are given back by the
    column alias list that wraps the query: poverty.api.prepared, JsonArray.)
    """
    return queryset.values(
        **{f"json_{index}": expression for index, (_name, expression) in enumerate(expressions)}
    )
