"""Keyset (cursor) pagination: stable under inserts and as fast on page 1,000 as on page 1.

The cursor is an opaque token holding the last row's ordering values; the next page is
"rows after these values", so rows inserted meanwhile neither shift nor repeat a page, and
no page costs an OFFSET scan or a COUNT. The ordering is whatever the FilterSet's
``ordering`` parameter chose (or the view's default), with the primary key as tie-breaker.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import operator

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

__all__ = ["KeysetPagination", "invalid_cursor"]


def _bad(field: str, message, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code).detail[0]]})


def invalid_cursor() -> ValidationError:
    return _bad(
        "cursor",
        _("分页游标无效（或与当前排序不符），请从第一页重新开始"),
        "invalid_cursor",
    )


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return settings.API_PAGE_SIZE
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = 0
        if size < 1:
            raise _bad("page_size", _("每页条数必须是正整数"), "invalid")
        return min(size, settings.API_MAX_PAGE_SIZE)

    # --- ordering --------------------------------------------------------------------------

    def _ordering(self, queryset, view) -> list[tuple[str, bool]]:
        """[(attname, descending)], ending with the primary key."""
        names = [o for o in queryset.query.order_by if isinstance(o, str)]
        return self.ordering_for(queryset.model, names, view)

    @staticmethod
    def ordering_for(model, names, view) -> list[tuple[str, bool]]:
        """The keyset ordering for ``names`` (the view's default ordering when empty)."""
        names = list(names) or list(getattr(view, "default_ordering", None) or ["pk"])
        fields: list[tuple[str, bool]] = []
        for name in names:
            desc = name.startswith("-")
            bare = name.lstrip("-")
            attname = (
                model._meta.pk.attname if bare == "pk" else model._meta.get_field(bare).attname
            )
            fields.append((attname, desc))
        pk = model._meta.pk.attname
        if fields[-1][0] != pk:
            fields.append((pk, fields[0][1]))
        return fields

    def _decode(self, raw: str, ordering) -> tuple[list, bool]:
        try:
            padded = raw + "=" * (-len(raw) % 4)
            data = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            values, reverse, keys = data["v"], bool(data.get("r")), data["k"]
            if keys != [f"{'-' if d else ''}{a}" for a, d in ordering] or len(values) != len(
                ordering
            ):
                raise ValueError("cursor of another ordering")
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
            raise invalid_cursor() from exc
        return values, reverse

    def _encode(self, values, ordering, reverse: bool) -> str:
        data = {
            "v": [_plain(v) for v in values],
            "k": [f"{'-' if d else ''}{a}" for a, d in ordering],
            "r": int(reverse),
        }
        return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")

    @staticmethod
    def _after(ordering, values, reverse: bool) -> Q:
        """Rows strictly after ``values`` in ``ordering`` (before, when ``reverse``)."""
        branches = []
        for index, (attname, desc) in enumerate(ordering):
            forward = desc == reverse  # ascending and not reversed, or descending and reversed
            equal = {a: v for (a, _d), v in zip(ordering[:index], values[:index], strict=True)}
            lookup = "gt" if forward else "lt"
            branches.append(Q(**equal, **{f"{attname}__{lookup}": values[index]}))
        first_attname, first_desc = ordering[0]
        bound = "gte" if first_desc == reverse else "lte"
        # The redundant bound on the first column lets PostgreSQL scan an index range.
        return Q(**{f"{first_attname}__{bound}": values[0]}) & functools.reduce(
            operator.or_, branches
        )

    # --- the page --------------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        values, reverse = self.begin(request, self._ordering(queryset, view))
        return self.finish(list(self.page_of(queryset, values, reverse)), reverse)

    def begin(self, request, ordering) -> tuple[list | None, bool]:
        """Read page size and cursor: (the cursor's values or None, whether going backwards)."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.ordering = ordering
        self.raw_cursor = raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None, False
        return self._decode(raw, ordering)

    def page_of(self, queryset, values: list | None, reverse: bool):
        """The page's queryset (one more row than the page, to know whether more follow)."""
        if values is not None:
            try:
                queryset = queryset.filter(self._after(self.ordering, values, reverse))
            except (ValueError, TypeError, DjangoValidationError) as exc:
                raise _bad(
                    "cursor", _("分页游标无效，请从第一页重新开始"), "invalid_cursor"
                ) from exc
        order = [("-" if desc != reverse else "") + attname for attname, desc in self.ordering]
        return queryset.order_by(*order)[: self.page_size + 1]

    def finish(self, rows: list, reverse: bool) -> list:
        """The page's rows, in order, from what page_of() selected."""
        has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
        self.has_next = has_more if not reverse else True
        self.has_previous = bool(self.raw_cursor) if not reverse else has_more
        self.rows = rows
        return rows

    def _key(self, row) -> list:
        if isinstance(row, dict):
            # values("village") names the foreign key's column by the field, not the attname
            return [
                row[attname] if attname in row else row[attname.removesuffix("_id")]
                for attname, _desc in self.ordering
            ]
        return [getattr(row, attname) for attname, _desc in self.ordering]

    def _link(self, row, reverse: bool) -> str:
        url = self.request.build_absolute_uri()
        cursor = self._encode(self._key(row), self.ordering, reverse)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self):
        if not (self.has_next and self.rows):
            return None
        return self._link(self.rows[-1], reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.rows[0], reverse=True)

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "下一页地址；null 表示已是最后一页",
                    "example": "https://fupin.example.gov.cn/api/v1/households/?cursor=eyJ2IjpbIjQzMTIwMjEwMDIwMSJdfQ",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "上一页地址；null 表示已是第一页",
                    "example": None,
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "分页游标：取自上一次响应的 next / previous 链接，不要自行构造",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"每页条数，默认 {settings.API_PAGE_SIZE}，最大 {settings.API_MAX_PAGE_SIZE}"
                    "（超过按最大值返回）"
                ),
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
