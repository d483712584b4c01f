"""JSON request bodies with a size limit; anything malformed is a 400, never a 500."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

__all__ = ["BodyTooLarge", "BoundedJSONParser"]


class BodyTooLarge(ParseError):
    status_code = 400
    default_code = "body_too_large"


class BoundedJSONParser(BaseParser):
    """Reads at most settings.API_MAX_BODY_BYTES, then parses strictly (no NaN, UTF-8 only)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = BodyTooLarge(
            _("请求体过大：不能超过 %(limit)d 字节") % {"limit": limit}, code="body_too_large"
        )
        try:
            if length and int(length) > limit:
                raise too_large
        except ValueError:
            pass
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise too_large
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ParseError(
                _("请求体不是合法的 JSON：%(error)s") % {"error": exc}, code="malformed_json"
            ) from exc
