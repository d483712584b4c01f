"""Render rows straight from ``QuerySet.values()`` as a DRF output serializer would.

DRF serializers cost tens of microseconds per field and row; a 100-household page with 70
fields each spends most of its time there. A :class:`RowRenderer` is compiled once from the
serializer class that documents the endpoint (so the OpenAPI schema and the output cannot
drift apart: the schemathesis check compares them), asks the database for exactly those
columns, and converts only the values whose JSON form differs from the Python one
(decimals, dates, datetimes, masked values).
"""

from __future__ import annotations

import functools

from django.db.models import F
from django.utils import timezone
from rest_framework import serializers

from poverty.masking import mask_for
from poverty.scoping import user_sees_sensitive

__all__ = ["MaskedCharField", "RowRenderer", "renderer_for"]


class MaskedCharField(serializers.CharField):
    """A sensitive value (ID number, phone, bank account): masked for roles that need not see it."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        return mask_for(getattr(request, "user", None), self.kind, value)


def _decimal(value):
    # str: already PostgreSQL's text of the numeric (poverty.api.prepared)
    return value if value is None or type(value) is str else format(value, "f")


def _date(value):
    return None if value is None else value.isoformat()


def _datetime(value, tz=None):
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat()


class RowRenderer:
    """``columns``/``aliases`` for ``values()``; ``render(rows, user)`` → JSON-ready dicts."""

    def __init__(self, serializer_class):
        self.columns: list[str] = []
        self.aliases: dict[str, F] = {}
        self.converters: list[tuple[str, object]] = []
        self.masked: list[tuple[str, str]] = []
        computed = set(getattr(serializer_class, "computed_fields", ()))
        for name, field in serializer_class().fields.items():
            if name in computed or isinstance(
                field, serializers.SerializerMethodField | serializers.BaseSerializer
            ):
                continue  # filled by the view (embedded lists, per-page lookups)
            source = field.source.replace(".", "__")
            if source == name or source == f"{name}_id":
                self.columns.append(name)  # values("village") gives the foreign key's value
            else:
                self.aliases[name] = F(source)
            if isinstance(field, MaskedCharField):
                self.masked.append((name, field.kind))
            elif isinstance(field, serializers.DecimalField):
                self.converters.append((name, _decimal))
            elif isinstance(field, serializers.DateTimeField):
                self.converters.append((name, _datetime))
            elif isinstance(field, serializers.DateField):
                self.converters.append((name, _date))

        self.has_datetimes = any(convert is _datetime for _, convert in self.converters)

    def values(self, queryset):
        return queryset.values(*self.columns, **self.aliases)

    def render(self, rows, user) -> list[dict]:
        masked = [] if user_sees_sensitive(user) else self.masked
        converters = self.converters
        if self.has_datetimes:  # look the time zone up once per page, not once per value
            tz = timezone.get_current_timezone()
            converters = [
                (name, functools.partial(_datetime, tz=tz) if convert is _datetime else convert)
                for name, convert in converters
            ]
        for row in rows:
            for name, convert in converters:
                row[name] = convert(row[name])
            for name, kind in masked:
                row[name] = mask_for(user, kind, row[name])
        return rows


@functools.cache
def renderer_for(serializer_class) -> RowRenderer:
    return RowRenderer(serializer_class)
