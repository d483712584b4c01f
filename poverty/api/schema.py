"""OpenAPI generation: every operation documents the error responses it can give.

The error shape (poverty.api.exceptions) is one component, ``Error``; which codes an
operation lists depends on what it does, so that the schemathesis check can hold every
response against the schema.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes

from poverty.api.serializers import ErrorSerializer

__all__ = ["ApiAutoSchema", "ApiTokenScheme"]

ERROR_DESCRIPTIONS = {
    "400": "请求有误：参数或请求体不合法（errors 中给出字段路径）",
    "401": "未认证：缺少令牌，或令牌无效、已过期、已吊销",
    "403": "无权操作：您的角色不能进行此操作",
    "404": "记录不存在，或不在您的管辖范围内",
    "409": "冲突：记录已被他人修改（请求体中的版本号已过期），或与已有记录冲突",
    "412": "前提条件不成立：If-Match 中的版本已过期，返回最后修改人和时间",
    "415": "请求体必须是 JSON",
    "428": "修改已有记录必须提供版本号（If-Match 或 version 字段）",
    "429": "请求过于频繁，请按 Retry-After 等待后重试",
}


def _error(code: str, message: str, field: str | None = None, **extra) -> dict:
    return {
        "code": code,
        "message": f"{field}：{message}" if field else message,
        "errors": [
            {"field": field, "code": code if field is None else "invalid", "message": message}
        ],
        **extra,
    }


_STALE = {
    "changed_by": "township-clerk（李明）",
    "changed_at": "2026-03-02T10:15:00+08:00",
    "current_version": 4,
}
# One realistic body per error status, shown under every operation that can answer it.
ERROR_EXAMPLES = {
    "400": {
        "summary": "校验失败（字段路径指向出错的值）",
        "value": {
            "code": "validation_error",
            "message": "members[2].id_number：身份证号码校验位不正确",
            "errors": [
                {
                    "field": "members[2].id_number",
                    "code": "invalid",
                    "message": "身份证号码校验位不正确",
                }
            ],
        },
    },
    "401": {
        "summary": "令牌已过期",
        "value": _error("token_expired", "令牌已过期，请重新获取"),
    },
    "403": {
        "summary": "角色无权操作",
        "value": _error("permission_denied", "您的角色无权修改此类记录"),
    },
    "404": {
        "summary": "不存在或不在管辖范围内",
        "value": _error("not_found", "记录不存在，或不在您的管辖范围内"),
    },
    "409": {
        "summary": "版本号已过期（请求体中的 version）",
        "value": _error(
            "conflict",
            "该记录已于 2026-03-02 10:15 被 township-clerk（李明）修改，请刷新后重试",
            **_STALE,
        ),
    },
    "412": {
        "summary": "If-Match 已过期",
        "value": _error(
            "precondition_failed",
            "该记录已于 2026-03-02 10:15 被 township-clerk（李明）修改，请刷新后重试",
            **_STALE,
        ),
    },
    "415": {
        "summary": "请求体不是 JSON",
        "value": _error(
            "unsupported_media_type", "请求体必须是 JSON（Content-Type: application/json）"
        ),
    },
    "428": {
        "summary": "缺少版本号",
        "value": _error(
            "precondition_required",
            "修改已有记录须提供版本号：请求头 If-Match（取自 ETag）或请求体中的 version 字段",
        ),
    },
    "429": {
        "summary": "请求过于频繁",
        "value": _error("throttled", "请求过于频繁，请在 12 秒后重试", retry_after=12),
    },
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='乐观并发控制：上次读取时响应头 ETag 的值（如 "3"）；也可在请求体中给出版本号',
)


class ApiAutoSchema(AutoSchema):
    #: set on views whose PUT/PATCH/DELETE check a version (If-Match or body field)
    def _is_versioned_write(self) -> bool:
        return self.method in ("PUT", "PATCH", "DELETE") and getattr(self.view, "versioned", False)

    def get_operation_id(self):
        """A plain APIView answering GET with a page of ``results`` is a list, not a retrieve
        (otherwise it collides with the detail view's "…_retrieve")."""
        operation_id = super().get_operation_id()
        if (
            self.method == "GET"
            and operation_id.endswith("_retrieve")
            and "{" not in self.path
            and self._returns_page()
        ):
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _returns_page(self) -> bool:
        serializer = self.get_response_serializers()
        if isinstance(serializer, dict):
            serializer = serializer.get(200) or serializer.get("200")
        if isinstance(serializer, type):
            serializer = serializer()
        fields = getattr(serializer, "fields", None)
        return fields is not None and "results" in fields

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_versioned_write():
            parameters.append(IF_MATCH)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = getattr(self.view, "public", False)
        codes = ["400", "404", "429"]
        if not public:
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "415"]
        if self._is_versioned_write():
            codes += ["409", "412", "428"]
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
            content = responses[code].get("content", {}).get("application/json")
            if code in ERROR_EXAMPLES and content is not None and "examples" not in content:
                content["examples"] = {"error": ERROR_EXAMPLES[code]}
        return dict(sorted(responses.items()))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "poverty.api.authentication.ApiTokenAuthentication"
    name = "令牌"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "POST /api/v1/auth/token/ 获取令牌，然后在请求头中带上 Authorization: Bearer <token>",
        }
