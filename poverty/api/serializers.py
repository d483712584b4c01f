"""Serializers shared by every API app: strict input, the error shape, tokens."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from poverty.models import ApiToken

__all__ = [
    "ErrorItemSerializer",
    "ErrorSerializer",
    "OutputModelSerializer",
    "StrictInputSerializer",
    "TokenCreateSerializer",
    "TokenCreatedSerializer",
    "TokenSerializer",
]

MSG_UNKNOWN_FIELD = _("未知字段：接口不接受该字段")


class StrictInputMixin:
    """Refuse keys the serializer does not know (a typo must not be silently dropped).

    ``tolerated_fields`` are output-only names (id, created …) that a client may send back
    unchanged after a GET; they are ignored, not refused.
    """

    tolerated_fields: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = [
                key for key in data if key not in writable and key not in self.tolerated_fields
            ]
            if unknown:
                raise serializers.ValidationError(
                    {str(key): [serializers.ErrorDetail(MSG_UNKNOWN_FIELD, code="unknown_field")]
                     for key in unknown}
                )  # fmt: skip
        return super().to_internal_value(data)


class StrictInputSerializer(StrictInputMixin, serializers.Serializer):
    pass


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="出错字段的路径，如 members[2].id_number；null 表示整个请求"
    )
    code = serializers.CharField(help_text="稳定的机器可读错误代码")
    message = serializers.CharField(help_text="中文错误说明")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "错误类别：validation_error、not_authenticated、token_invalid、token_expired、"
            "token_revoked、permission_denied、not_found、conflict、precondition_failed、"
            "precondition_required、throttled、malformed_json、body_too_large …"
        )
    )
    message = serializers.CharField(help_text="中文说明")
    errors = ErrorItemSerializer(many=True)
    changed_by = serializers.CharField(required=False, help_text="冲突时：最后修改人")
    changed_at = serializers.CharField(required=False, help_text="冲突时：最后修改时间")
    current_version = serializers.IntegerField(
        required=False, allow_null=True, help_text="冲突时：记录当前版本号"
    )
    retry_after = serializers.IntegerField(required=False, help_text="限流时：需等待的秒数")


class TokenCreateSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150, help_text="用户名")
    password = serializers.CharField(
        max_length=128, help_text="密码", style={"input_type": "password"}
    )
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="用途说明，如“省平台同步”",
    )


class TokenSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(
        help_text="active 有效、expired 已过期、revoked 已吊销"
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, token) -> str:
        from django.utils import timezone

        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at is not None and token.expires_at <= timezone.now():
            return "expired"
        return "active"


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(help_text="令牌本身：只在创建时返回一次，请妥善保存")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class OutputModelSerializer(serializers.ModelSerializer):
    """A read-only ModelSerializer whose schema admits what the database holds.

    DRF drops ``allow_blank`` from read-only fields, so a blank choice (an optional code left
    empty) would be outside the documented enum; keep it.
    """

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        allow_blank = kwargs.get("allow_blank")
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank:
            kwargs["allow_blank"] = True
        return kwargs
