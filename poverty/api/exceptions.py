"""Every API error has one shape, in the user's language, with a stable machine code:

    {"code": "validation_error", "message": "members[2].id_number：公民身份号码校验位错误…",
     "errors": [{"field": "members[2].id_number", "code": "id_bad_check_digit",
                 "message": "公民身份号码校验位错误：最后一位应为 X"}]}

``field`` is the path in the request body (``members[2].id_number``) or the query
parameter; null when the error is about the request as a whole. Conflicts add
``changed_by``, ``changed_at`` and ``current_version``. Bad input is always a 4xx: database
errors that a request can provoke are mapped too, so nothing a client sends produces a 500.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, connections
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from poverty.exceptions import BusinessRuleError, ConcurrencyError

__all__ = [
    "Conflict",
    "PreconditionFailed",
    "PreconditionRequired",
    "api_exception_handler",
    "error_body",
    "flatten_errors",
]

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("该记录已被他人修改，请刷新后重试")

    def __init__(self, detail=None, code=None, *, extra: dict | None = None):
        super().__init__(detail, code)
        self.extra = extra or {}


class PreconditionFailed(Conflict):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = gettext_lazy(
        "修改已有记录须提供版本号：请求头 If-Match（取自 ETag）或请求体中的 version 字段"
    )


# Top-level codes and messages by exception class; the per-error codes are in ``errors``.
_GENERIC = {
    exceptions.NotAuthenticated: ("not_authenticated", gettext_lazy("未登录：请提供令牌或登录")),
    exceptions.PermissionDenied: ("permission_denied", gettext_lazy("您的角色无权进行此操作")),
    exceptions.NotFound: ("not_found", gettext_lazy("记录不存在，或不在您的管辖范围内")),
    exceptions.MethodNotAllowed: ("method_not_allowed", None),
    exceptions.NotAcceptable: ("not_acceptable", gettext_lazy("只能返回 application/json")),
    exceptions.UnsupportedMediaType: (
        "unsupported_media_type",
        gettext_lazy("请求体必须是 JSON（Content-Type: application/json）"),
    ),
}


def flatten_errors(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {field, code, message} with JS-like paths."""
    found: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                sub = path
            elif isinstance(key, int) or str(key).isdigit():  # a list's errors keyed by index
                sub = f"{path}[{key}]"
            else:
                sub = f"{path}.{key}" if path else str(key)
            found.extend(flatten_errors(value, sub))
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            for item in detail:
                found.extend(flatten_errors(item, path))
        else:
            for index, item in enumerate(detail):
                if item:
                    found.extend(flatten_errors(item, f"{path}[{index}]"))
    else:
        code = getattr(detail, "code", None) or "invalid"
        found.append({"field": path or None, "code": str(code), "message": str(detail)})
    return found


def error_body(code: str, message, errors: list[dict] | None = None, **extra) -> dict:
    message = str(message)
    return {
        "code": code,
        "message": message,
        "errors": errors or [{"field": None, "code": code, "message": message}],
        **extra,
    }


def _validation_body(errors: list[dict]) -> dict:
    first = errors[0] if errors else {"field": None, "message": _("提交的数据有误")}
    message = f"{first['field']}：{first['message']}" if first["field"] else first["message"]
    return error_body("validation_error", message, errors)


def _business_rule_body(exc: BusinessRuleError) -> dict:
    error = {"field": exc.field or None, "code": exc.code or "invalid", "message": str(exc.message)}
    return _validation_body([error])


def _conflict_body(code: str, exc) -> dict:
    extra = {
        "changed_by": str(exc.extra.get("changed_by") or ""),
        "changed_at": str(exc.extra.get("changed_at") or ""),
        "current_version": exc.extra.get("current_version"),
    }
    return error_body(code, exc.detail, None, **extra)


def _rollback_enclosing_atomic() -> None:
    """After a database error inside an atomic block (tests, ATOMIC_REQUESTS) the block must
    roll back; outside one (autocommit, as in production) nothing is left to undo."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            connection.set_rollback(True)


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: map any exception a request may cause to a 4xx body."""
    headers = {}
    original = exc
    if isinstance(exc, ConcurrencyError):
        exc = Conflict(exc.message, extra=exc.extra)
    if isinstance(exc, Http404 | PermissionError):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, Conflict):
        body = _conflict_body(exc.default_code, exc)
        status_code = exc.status_code
    elif isinstance(exc, BusinessRuleError):
        body, status_code = _business_rule_body(exc), 400
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        body, status_code = _validation_body(flatten_errors(detail)), 400
    elif isinstance(exc, exceptions.ValidationError):
        body, status_code = _validation_body(flatten_errors(exc.detail)), 400
    elif isinstance(exc, IntegrityError):
        body = error_body("integrity_error", _("数据与已有记录冲突（违反唯一性或完整性约束）"))
        status_code = 409
    elif isinstance(exc, DataError):
        body = error_body("invalid_value", _("提交的数值超出允许范围或格式不正确"))
        status_code = 400
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        body = error_body(
            "throttled",
            _("请求过于频繁，请在 %(wait)d 秒后重试") % {"wait": wait},
            retry_after=wait,
        )
        status_code = 429
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        code, message = next(
            ((c, m) for cls, (c, m) in _GENERIC.items() if isinstance(exc, cls)), (None, None)
        )
        if isinstance(exc, exceptions.AuthenticationFailed | exceptions.ParseError) or not code:
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
            message = exc.detail
        if isinstance(exc, exceptions.MethodNotAllowed):
            message = _("不支持的请求方法：%(method)s") % {"method": context["request"].method}
        body = error_body(code, message or exc.detail)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
    else:
        return None  # a real bug: let it be a 500 and be logged
    if isinstance(original, DatabaseError):
        logger.warning("database refused a request's values: %s", original)
        _rollback_enclosing_atomic()
    set_rollback()
    return Response(body, status=status_code, headers=headers)
