"""Compiled SQL of the hot API reads, kept per process and reused with new parameter values.

Building a 70-column ``values()`` query and compiling it to SQL costs more CPU than running
it (measured on the household detail: about a third of the request). The SQL depends only on
the *shape* of the request — which user scope, which filters with which values, page size,
whether a cursor is given — and the few values that change from request to request (the
primary key, the cursor's values, the ids of a page) are plain parameters. So a read is
built once per shape with the ORM as usual — the scope from poverty.scoping.scope_q, the
same FilterSets — but with recognisable *sentinel* values in those parameter positions; the
compiled SQL and the positions of the sentinels are kept, and the next request with the same
shape substitutes its own values and runs the SQL directly.

Keys are built only from plain values (strings, numbers): a scope that holds a subquery (a
cadre's, which names the cadre's pairings) is not cached and takes the ORM path every time.

Each compiled query is also a server-side prepared statement (``PREPARE`` once per database
connection, then ``EXECUTE``): PostgreSQL then neither parses nor, once it settles on a
generic plan, plans the query again (1-2 ms of the database's CPU for a 100-row household
page, measured; generic plans forced, see _prepared). ``DATABASE_PREPARED_STATEMENTS=false``
turns that off (pgbouncer in transaction pooling mode before 1.21 cannot carry prepared
statements).
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

import psycopg2.extensions
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import Q, QuerySet

from poverty.scoping import scope_q

__all__ = ["PreparedValues", "fetch_prepared", "forget_prepared", "q_key", "scope_key"]

_PLAIN = (str, int, float, bool, type(None))
# numeric columns as PostgreSQL's text ("96.50"): what the API sends anyway, without building
# a Decimal per value and formatting it again (poverty.api.fastrows accepts both)
_NUMERIC_AS_TEXT = psycopg2.extensions.new_type((1700,), "NUMERIC_AS_TEXT", lambda value, _c: value)
_MAX_ENTRIES = 512
# Prepared statements per database connection, at most (each holds its plan in the backend).
_MAX_STATEMENTS = 200
_statement_numbers = itertools.count()
# database connection (psycopg2's) → names of the statements prepared on it
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%[s%]")


def _numbered(sql: str) -> str | None:
    """Django's ``%s`` placeholders as ``$1, $2, …`` (``%%`` back to ``%``)."""
    numbers = itertools.count(1)
    try:
        return _PLACEHOLDER.sub(
            lambda match: "%" if match.group() == "%%" else f"${next(numbers)}", sql
        )
    except ValueError:
        return None


def _plain_key(value) -> Hashable | None:
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain_key(item) for item in value]
        if any(item is None for item in items):
            return None
        return (
            type(value).__name__,
            tuple(sorted(items) if isinstance(value, set | frozenset) else items),
        )
    return None


def q_key(q: Q) -> Hashable | None:
    """A hashable key equal for equal Q objects of plain values; None if it holds anything else."""
    parts = []
    for child in q.children:
        if isinstance(child, Q):
            part = q_key(child)
        else:
            name, value = child
            value_key = _plain_key(value)
            part = None if value_key is None else (name, value_key)
        if part is None:
            return None
        parts.append(part)
    return (q.connector, q.negated, tuple(parts))


def scope_key(user, model, action: str = "view") -> Hashable | None:
    """The key of ``user``'s scope on ``model`` (poverty.scoping.scope_q), or None."""
    return q_key(scope_q(user, model, action))


class PreparedValues:
    """The compiled SQL of a ``values()`` queryset whose slots hold sentinel values.

    With ``json_names`` (a ``poverty.api.jsonrows.json_values()`` queryset), rows come back
    keyed by those names, every value already as the API sends it (no converters).
    """

    def __init__(
        self, queryset: QuerySet, slots: Mapping[str, object], json_names: list[str] | None = None
    ):
        query = queryset.query
        self.using = queryset.db
        compiler = query.get_compiler(self.using)
        self.names = (
            list(query.selected)
            if query.selected
            else [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
        )
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:  # the scope or a filter selects nothing
            self.sql, params = None, ()
        self.json = json_names is not None
        if self.json and self.sql is not None:
            if self.names != [f"json_{index}" for index in range(len(json_names))]:
                raise ValueError("not a json_values() queryset of these names")
            self.names = list(json_names)
        # a jsonrows.Spread among the names: (its position, it)
        self.spread = (
            None
            if not self.json
            else next(
                (
                    (index, name)
                    for index, name in enumerate(self.names)
                    if not isinstance(name, str)
                ),
                None,
            )
        )
        self.params = list(params)
        self.positions: list[tuple[str, int]] = []
        for name, sentinel in slots.items():
            found = [
                index
                for index, param in enumerate(self.params)
                if type(param) is type(sentinel) and param == sentinel
            ]
            if self.sql is not None and not found:
                raise ValueError(f"slot {name!r} is not a parameter of the compiled query")
            self.positions += [(name, index) for index in found]
        self.statement = f"poverty_pv{next(_statement_numbers)}"
        self.numbered = None if self.sql is None else _numbered(self.sql)
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields) if self.sql is not None else {}
        # Only what running it needs: no compiler or query (a few hundred shapes per process).
        self.converters = [
            (position, tuple(functions), expression)
            for position, (functions, expression) in converters.items()
        ]

    def fetch(self, values: Mapping[str, object]) -> list[dict]:
        if self.sql is None:
            return []
        params = self.params.copy()
        for name, index in self.positions:
            params[index] = values[name]
        with connections[self.using].cursor() as cursor:
            psycopg2.extensions.register_type(_NUMERIC_AS_TEXT, cursor.cursor)
            if self._prepared(cursor):
                placeholders = ", ".join(["%s"] * len(params))
                cursor.execute(f"EXECUTE {self.statement}({placeholders})", params)
            else:
                cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters and not self.json:
            connection = connections[self.using]
            rows = [list(row) for row in rows]
            for row in rows:
                for position, functions, expression in self.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
        names = self.names
        if self.spread is not None:  # poverty.api.jsonrows.Spread: one column, several fields
            position, spread = self.spread
            before, after = names[:position], names[position + 1 :]
            return [spread.split(row, position, before, after) for row in rows]
        return [dict(zip(names, row)) for row in rows]  # noqa: B905 (as long by construction)

    def _prepared(self, cursor) -> bool:
        """Whether the statement is prepared on this cursor's connection (preparing it now if
        there is room); False: run the SQL as text."""
        if self.numbered is None or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
            return False
        connection = connections[self.using]
        raw = cursor.cursor.connection
        names = _prepared_on.get(raw)
        if names is None:
            if connection.in_atomic_block:
                return False
            # Each statement is one request shape with its filter values fixed (only cursor,
            # primary key or page ids vary): its generic plan is the one a custom plan would
            # choose, and PostgreSQL's default (auto) kept replanning every execution (the
            # generic plan's estimate for a range of unknown bounds is worse): 1.5-2 ms of a
            # 100-row page. It applies to this session's prepared statements only (and
            # PL/pgSQL's cached plans); Django prepares none of its own.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            names = _prepared_on[raw] = set()
        if self.statement in names:
            return True
        if len(names) >= _MAX_STATEMENTS or connection.in_atomic_block:
            # in a transaction a failed PREPARE would abort it; requests run in autocommit
            return False
        try:
            cursor.execute(f"PREPARE {self.statement} AS {self.numbered}")
        except DatabaseError:  # e.g. a parameter whose type PostgreSQL cannot infer
            self.numbered = None
            return False
        names.add(self.statement)
        return True


def _split(built, json: bool) -> tuple[QuerySet, list[str] | None]:
    return built if json else (built, None)


_cache: OrderedDict[Hashable, PreparedValues] = OrderedDict()
_lock = threading.Lock()


def forget_prepared() -> None:
    """Drop every compiled query of this process (tests; after a schema change)."""
    with _lock:
        _cache.clear()


def fetch_prepared(
    key: Hashable | None,
    build: Callable[[Mapping[str, object]], QuerySet],
    sentinels: Mapping[str, object],
    values: Mapping[str, object],
    json: bool = False,
) -> list[dict]:
    """Rows of the values() queryset ``build(values)``, compiled once per ``key``.

    ``build`` gets the slot values to put into the queryset: the ``sentinels`` when the query
    is compiled for the key, the request's ``values`` when ``key`` is None (not cacheable).
    With ``json``, ``build`` returns (a json_values() queryset, its JSON names) and the rows
    are keyed by those names (see PreparedValues).
    """
    if key is None:
        if json:
            queryset, json_names = _split(build(values), json)
            return PreparedValues(queryset, {}, json_names).fetch({})
        return list(build(values))
    with _lock:
        prepared = _cache.get(key)
        if prepared is not None:
            _cache.move_to_end(key)
    if prepared is None:
        queryset, json_names = _split(build(sentinels), json)
        prepared = PreparedValues(queryset, sentinels, json_names)
        with _lock:
            _cache[key] = prepared
            if len(_cache) > _MAX_ENTRIES:
                _cache.popitem(last=False)
    return prepared.fetch(values)
