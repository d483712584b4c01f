"""Household API serializers: output shapes (also the schema) and strict input shapes.

Output serializers are rendered from values() by poverty.api.fastrows; input serializers
check types, codes and the same pure rules as the forms (households.rules), then the view
hands the data to households.services, which validates against the database and records
history. Sensitive values go through poverty.masking.mask_for.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from households import rules
from households.forms import HOUSEHOLD_FORM_FIELDS, MEMBER_FORM_FIELDS
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.rules import INCOME_COMPONENTS
from households.validators import normalize_phone, validate_phone
from poverty.api.fastrows import MaskedCharField
from poverty.api.serializers import OutputModelSerializer, StrictInputMixin
from villages.models import Region

__all__ = [
    "AnnualIncomeInputSerializer",
    "AnnualIncomeSerializer",
    "GuaranteeStatusInputSerializer",
    "GuaranteeStatusSerializer",
    "HistoryEntrySerializer",
    "HouseholdCreateSerializer",
    "HouseholdDeleteSerializer",
    "HouseholdSerializer",
    "HouseholdStatusChangeSerializer",
    "HouseholdUpdateSerializer",
    "MemberInputSerializer",
    "MemberSerializer",
    "NestedMemberInputSerializer",
]


def _problems_to_error(problems) -> None:
    if problems:
        errors: dict[str, list] = {}
        for field, message in problems:
            errors.setdefault(field or "non_field_errors", []).append(
                serializers.ErrorDetail(str(message), code="rule")
            )
        raise serializers.ValidationError(errors)


def _phone(value: str) -> str:
    phone = normalize_phone(value)
    try:
        validate_phone(phone)
    except Exception as exc:  # django ValidationError: one message
        raise serializers.ValidationError(exc.messages[0], code="phone_invalid") from exc
    return phone


# --- output ----------------------------------------------------------------------------------

MEMBER_OUTPUT_FIELDS = [
    "id",
    "household",
    "division_code",
    *[name for name in MEMBER_FORM_FIELDS if name != "household"],
    "household_version",
    "created",
    "updated",
]


class MemberSerializer(OutputModelSerializer):
    """A household member (家庭成员). ID number and phone are masked for roles that need not see them."""

    household = serializers.IntegerField(source="household_id", help_text="所属贫困户ID")
    id_number = MaskedCharField(kind="id_number", help_text="证件号码（部分角色脱敏）")
    phone = MaskedCharField(kind="phone", help_text="联系电话（部分角色脱敏）")
    household_version = serializers.IntegerField(
        source="household.version", help_text="所属贫困户的版本号（修改时提交）"
    )

    class Meta:
        model = Member
        fields = MEMBER_OUTPUT_FIELDS
        read_only_fields = fields


HOUSEHOLD_OUTPUT_FIELDS = [
    "id",
    "household_number",
    "village",
    "village_name",
    "registered_village_code",
    *[name for name in HOUSEHOLD_FORM_FIELDS if name not in ("household_number", "village")],
    "status",
    "status_changed_on",
    "exit_year",
    "is_deleted",
    "deleted_reason",
    "deleted_at",
    "version",
    "created",
    "updated",
    "head_name",
    "head_id_number",
    "member_count",
    "members",
]


class HouseholdSerializer(OutputModelSerializer):
    """A registered poor household (建档立卡贫困户) as the API returns it."""

    #: filled per page by the view from one query on members (not from the household row)
    computed_fields = ("head_name", "head_id_number", "member_count")

    village = serializers.CharField(source="village_id", help_text="所在村的12位区划代码")
    village_name = serializers.CharField(source="village.name", help_text="所在村名称")
    phone = MaskedCharField(kind="phone", help_text="联系电话（部分角色脱敏）")
    bank_account = MaskedCharField(kind="bank_account", help_text="银行卡号（部分角色脱敏）")
    version = serializers.IntegerField(
        help_text="版本号：每次修改加一；修改时通过 If-Match 或 version 提交"
    )
    head_name = serializers.CharField(allow_null=True, help_text="户主姓名")
    head_id_number = serializers.CharField(
        allow_null=True, help_text="户主证件号码（部分角色脱敏）"
    )
    member_count = serializers.IntegerField(help_text="在户人数")
    members = MemberSerializer(
        many=True, allow_null=True, help_text="家庭成员：仅当 expand=members 时返回，否则为 null"
    )

    class Meta:
        model = Household
        fields = HOUSEHOLD_OUTPUT_FIELDS
        read_only_fields = fields


INCOME_INPUT_FIELDS = [
    "period_start",
    "period_end",
    "household_size",
    *INCOME_COMPONENTS,
    "business_costs",
    "confirmed_by_head",
]


class AnnualIncomeSerializer(OutputModelSerializer):
    """A household's income account (算账) for one year; the derived figures are computed."""

    household = serializers.IntegerField(source="household_id", help_text="贫困户ID")
    household_version = serializers.IntegerField(
        source="household.version", help_text="所属贫困户的版本号（修改时提交）"
    )

    class Meta:
        model = AnnualIncome
        fields = [
            "id",
            "household",
            "year",
            *INCOME_INPUT_FIELDS,
            "gross_income",
            "net_income",
            "per_capita_net_income",
            "household_version",
            "created",
            "updated",
        ]
        read_only_fields = fields


GUARANTEE_INPUT_FIELDS = [
    *GuaranteeStatus.ITEMS,
    "water_litres_per_day",
    "water_quality_ok",
    "water_trip_minutes",
    "water_reliability_pct",
    "evidence_note",
    "checked_by_name",
    "checked_on",
]


class GuaranteeStatusSerializer(OutputModelSerializer):
    """Whether a household has 两不愁三保障 and safe water in one year."""

    household = serializers.IntegerField(source="household_id", help_text="贫困户ID")
    household_version = serializers.IntegerField(
        source="household.version", help_text="所属贫困户的版本号（修改时提交）"
    )

    class Meta:
        model = GuaranteeStatus
        fields = [
            "id",
            "household",
            "year",
            *GUARANTEE_INPUT_FIELDS,
            "household_version",
            "created",
            "updated",
        ]
        read_only_fields = fields


class HouseholdStatusChangeSerializer(OutputModelSerializer):
    household = serializers.IntegerField(source="household_id", help_text="贫困户ID")

    class Meta:
        model = HouseholdStatusChange
        fields = [
            "id",
            "household",
            "year",
            "from_status",
            "to_status",
            "changed_on",
            "reason",
            "created",
        ]
        read_only_fields = fields


class HistoryEntrySerializer(serializers.Serializer):
    """One change record of a household, its members, incomes or statuses (痕迹)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="修改时间")
    user_name = serializers.CharField(help_text="操作人")
    channel = serializers.CharField(
        help_text="渠道：page 页面、api 接口、import 导入、admin 后台、job 任务、command 命令"
    )
    action = serializers.CharField(help_text="create 新增、update 修改、delete 删除、restore 恢复")
    object_type = serializers.CharField(help_text="对象类型，如 households.member")
    object_id = serializers.CharField()
    object_repr = serializers.CharField(help_text="对象（证件号码对部分角色脱敏）")
    changes = serializers.DictField(
        child=serializers.ListField(allow_null=True),
        help_text="{字段: [修改前, 修改后]}；敏感值对部分角色脱敏",
    )
    sentences = serializers.ListField(
        child=serializers.CharField(), help_text="用中文描述的修改内容"
    )
    message = serializers.CharField(help_text="说明（如删除原因）")


# --- input -----------------------------------------------------------------------------------

_MEMBER_INPUT_FIELDS = [name for name in MEMBER_FORM_FIELDS if name != "household"]


class NestedMemberInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A member inside a household registration. Birth date and sex default to the ID's."""

    id_number = serializers.CharField(max_length=40, help_text="证件号码（18位；15位旧号自动升级）")
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="联系电话"
    )

    class Meta:
        model = Member
        fields = _MEMBER_INPUT_FIELDS
        extra_kwargs = {"birth_date": {"required": False}, "sex": {"required": False}}
        validators: list = []

    def validate_phone(self, value):
        return _phone(value)

    def validate(self, attrs):
        merged = {**self._current_values(), **attrs}
        _problems_to_error(rules.member_problems(merged))
        return attrs

    def _current_values(self) -> dict:
        instance = getattr(self, "instance", None)
        if instance is None:
            return {}
        return {
            name: getattr(instance, name) for name in _MEMBER_INPUT_FIELDS if name != "household"
        }


class MemberInputSerializer(NestedMemberInputSerializer):
    """A member added to (or changed in) an existing household."""

    tolerated_fields = frozenset(MEMBER_OUTPUT_FIELDS) | {"household"}
    household_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="所属贫困户的版本号（乐观并发控制）",
    )

    class Meta(NestedMemberInputSerializer.Meta):
        fields = [*_MEMBER_INPUT_FIELDS, "household_version"]


class MemberCreateSerializer(MemberInputSerializer):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="所属贫困户ID（须在您的管辖范围内）"
    )

    class Meta(MemberInputSerializer.Meta):
        fields = ["household", *MemberInputSerializer.Meta.fields]

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households


class HouseholdUpdateSerializer(StrictInputMixin, serializers.ModelSerializer):
    """The household's own fields (members, incomes and statuses have their own endpoints)."""

    tolerated_fields = frozenset(HOUSEHOLD_OUTPUT_FIELDS) - {"members"}
    village = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.none(), help_text="所在村的12位区划代码（须在您的管辖范围内）"
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="联系电话"
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="上次读取时的版本号（或用 If-Match）",
    )

    class Meta:
        model = Household
        fields = [*HOUSEHOLD_FORM_FIELDS, "version"]
        validators: list = []

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages

    def validate_phone(self, value):
        return _phone(value)

    def validate(self, attrs):
        current = {}
        if self.instance is not None:
            current = {
                name: getattr(self.instance, name)
                for name in ("main_cause", "other_causes", "is_dangerous_house", "house_grade")
            }
        _problems_to_error(rules.household_problems({**current, **attrs}))
        return attrs


class HouseholdCreateSerializer(HouseholdUpdateSerializer):
    """Register a household with its members in one request: all saved, or nothing."""

    members = NestedMemberInputSerializer(
        many=True, help_text="家庭成员，须有且只有一名户主（关系 01）"
    )

    class Meta(HouseholdUpdateSerializer.Meta):
        fields = [*HOUSEHOLD_FORM_FIELDS, "members"]

    def validate_members(self, members):
        if not members:
            raise serializers.ValidationError(_("至少需要一名家庭成员（户主）"), code="required")
        return members


class HouseholdDeleteSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="删除原因（必填）")
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="上次读取时的版本号（或用 If-Match）",
    )


class _YearlyInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    household_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="所属贫困户的版本号（乐观并发控制）",
    )

    class Meta:
        validators: list = []


class AnnualIncomeInputSerializer(_YearlyInputSerializer):
    """Change a year's income account; gross, net and per-capita figures are recomputed."""

    tolerated_fields = frozenset(AnnualIncomeSerializer.Meta.fields)

    class Meta(_YearlyInputSerializer.Meta):
        model = AnnualIncome
        fields = [*INCOME_INPUT_FIELDS, "household_version"]
        extra_kwargs = {
            "household_size": {"required": False},
            **{name: {"min_value": 0} for name in [*INCOME_COMPONENTS, "business_costs"]},
        }


class AnnualIncomeCreateSerializer(AnnualIncomeInputSerializer):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="贫困户ID"
    )

    class Meta(AnnualIncomeInputSerializer.Meta):
        fields = ["household", "year", *AnnualIncomeInputSerializer.Meta.fields]

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households


class GuaranteeStatusInputSerializer(_YearlyInputSerializer):
    tolerated_fields = frozenset(GuaranteeStatusSerializer.Meta.fields)

    class Meta(_YearlyInputSerializer.Meta):
        model = GuaranteeStatus
        fields = [*GUARANTEE_INPUT_FIELDS, "household_version"]


class GuaranteeStatusCreateSerializer(GuaranteeStatusInputSerializer):
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="贫困户ID"
    )

    class Meta(GuaranteeStatusInputSerializer.Meta):
        fields = ["household", "year", *GuaranteeStatusInputSerializer.Meta.fields]

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households
