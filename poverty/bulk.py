"""Fast inserts with PostgreSQL's COPY, for the few writers that add tens of thousands of rows.

``bulk_create`` prepares every value through its field and assembles one large INSERT; for
an import of 30,000 households (about 135,000 rows plus one history record for each) that
preparation cost more than the database (docs/PERFORMANCE.md, issue 8). ``copy_insert``
sends the rows in COPY's text format instead: primary keys are drawn from the table's
sequence first, so the objects carry them afterwards, exactly as after bulk_create. No
signals and no ``save()``, like bulk_create. Plain columns only: every value must be one
that psycopg2 would send as its text form (str, numbers, Decimal, bool, date/datetime,
lists of codes for ArrayFields); anything else is passed as ``str(value)``.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

__all__ = ["copy_insert", "copy_rows", "copy_text", "instance_builder", "sequence_ids"]

_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (NULL is \\N)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (list, tuple)):  # ArrayField of codes
        items = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in value)
        return ("{" + ",".join(f'"{v}"' for v in items) + "}").translate(_COPY_ESCAPE)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    # str.translate is slow on non-ASCII text (about 100 µs for a 650-character Chinese
    # JSON document); four substring tests are not, and most values need no escaping.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPE)
    return text


def _bool_text(value: Any) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def _str_text(value: Any) -> str:
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPE)
        return value
    return copy_text(value)


def _number_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value.__class__ is int or value.__class__ is Decimal:
        return str(value)
    return copy_text(value)


def _date_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value.__class__ is datetime.date:
        return value.isoformat()
    return copy_text(value)


_NUMBER_FIELDS = frozenset({
    "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "BigIntegerField", "PositiveBigIntegerField", "DecimalField", "ForeignKey",
})  # fmt: skip


def _converter(field) -> Callable[[Any], str]:
    """copy_text, specialised for the common column types (an import sends millions)."""
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return _bool_text
    if kind in ("CharField", "TextField"):
        return _str_text
    if kind in _NUMBER_FIELDS:
        return _number_text
    if kind == "DateField":
        return _date_text
    return copy_text


def instance_builder(model) -> Callable[[dict[str, Any]], Any]:
    """A function ``values → model(**values)`` for values keyed by attname (``household_id``,
    not ``household``), without ``Model.__init__``.

    ``Model.__init__`` walks every field and pops each keyword (about 130 µs for a 35-field
    member, 10 % of a large import's time: docs/PERFORMANCE.md, issue 8). The instance built
    here is the same: the same ``__dict__`` (every concrete field, in field order, missing
    ones at their defaults — a callable default called for each instance), a fresh
    ``ModelState``, no related object cached. Unknown names raise TypeError as the model
    would. A model with pre_init/post_init receivers gets the real ``__init__``.
    """
    meta = model._meta
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return lambda values: model(**values)
    template: dict[str, Any] = {"_state": None}
    computed: list[tuple[str, Callable[[], Any]]] = []
    for f in meta.concrete_fields:
        if f.generated:
            continue
        if f.has_default() and callable(f.default):
            computed.append((f.attname, f.get_default))
            template[f.attname] = None
        else:
            template[f.attname] = f.get_default()
    names = frozenset(template) - {"_state"}
    new = object.__new__

    def build(values: dict[str, Any]):
        if not names.issuperset(values):
            unexpected = ", ".join(repr(n) for n in values if n not in names)
            raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {unexpected}")
        obj = new(model)
        state = template.copy()
        state["_state"] = ModelState()
        for attname, default in computed:
            if attname not in values:
                state[attname] = default()
        state.update(values)
        obj.__dict__ = state
        return obj

    return build


def sequence_ids(model, count: int) -> list[int]:
    """``count`` new primary keys from the model's sequence, in order."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    table: str, columns: Sequence[str], lines: Iterable[str], *, chunk: int = 5000
) -> int:
    """COPY ``lines`` (in COPY text format, tab-separated, no newline) into ``table``.

    One COPY per ``chunk`` lines, so a large insert never holds more than two chunks of
    text. Each chunk is sent from a helper thread on the same connection (same transaction)
    while the next chunk's lines are built here: PostgreSQL's work on a chunk (indexes,
    constraints, JSON) overlaps Python's on the next instead of following it. A statement
    the caller runs meanwhile on the connection (``sequence_ids`` between history blocks)
    first waits for the chunk in flight: psycopg2 would interleave it with the COPY.
    Returns the number of lines sent.
    """
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    sent = 0
    buffer: list[str] = []
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor: usable from the helper thread

        def send(text: str) -> None:
            raw.copy_expert(sql, io.StringIO(text))

        pending = None

        def after_copy(execute, statement, params, many, context):
            if pending is not None:
                pending.result()
            return execute(statement, params, many, context)

        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy") as pool,
            connection.execute_wrapper(after_copy),
        ):
            try:
                for line in lines:
                    buffer.append(line)
                    if len(buffer) >= chunk:
                        text = "\n".join(buffer) + "\n"
                        if pending is not None:
                            pending.result()
                        pending = pool.submit(send, text)
                        sent += len(buffer)
                        buffer.clear()
                if buffer:
                    text = "\n".join(buffer) + "\n"
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(send, text)
                    sent += len(buffer)
                if pending is not None:
                    pending.result()
                    pending = None
            finally:
                if pending is not None:  # an error while building lines: let the copy end
                    pending.exception()
    return sent


def copy_insert(model, objs: list) -> None:
    """Insert new model instances ``objs`` with one COPY; they carry their ids afterwards."""
    if not objs:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    now = timezone.now()
    ids = sequence_ids(model, len(objs))
    # the auto_now(_add) columns all hold ``now``: its text is made once
    now_text = copy_text(now)
    plan = [
        (f.attname, (lambda _value: now_text) if f in stamped else _converter(f)) for f in fields
    ]
    stamped_names = [f.attname for f in stamped]

    def lines():
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            values = obj.__dict__
            for name in stamped_names:
                values[name] = now
            line = "\t".join([str(pk), *[convert(values[name]) for name, convert in plan]])
            obj._state.adding = False
            obj._state.db = connection.alias
            yield line

    copy_rows(meta.db_table, [meta.pk.column, *(f.column for f in fields)], lines())
