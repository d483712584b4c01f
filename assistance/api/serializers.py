"""Assistance API serializers: cadres and pairings (read, and written through
assistance.services), helping units and work teams (read only), visits and stationing days
(read, and recorded through assistance.services)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assistance.choices import AttendanceStatus
from assistance.models import (
    AidUnit,
    AidUnitVillage,
    Cadre,
    CadrePairing,
    StationingDay,
    Visit,
    WorkTeam,
    WorkTeamMember,
)
from households.models import Household
from households.validators import normalize_phone, validate_phone
from poverty.api.fastrows import MaskedCharField
from poverty.api.serializers import (
    OutputModelSerializer,
    StrictInputMixin,
    StrictInputSerializer,
)

__all__ = [
    "AidUnitSerializer",
    "AidUnitVillageSerializer",
    "CadreInputSerializer",
    "CadrePairingSerializer",
    "CadreSerializer",
    "PairingCreateSerializer",
    "PairingUpdateSerializer",
    "StationingDaySerializer",
    "StationingRecordSerializer",
    "StationingRecordedSerializer",
    "VisitCreateSerializer",
    "VisitSerializer",
    "WorkTeamMemberSerializer",
    "WorkTeamSerializer",
]


class CadreSerializer(OutputModelSerializer):
    """An assigned helper (帮扶责任人)."""

    phone = MaskedCharField(kind="phone", help_text="联系电话（部分角色脱敏）")

    class Meta:
        model = Cadre
        fields = [
            "id", "name", "division_code", "unit_name", "unit_level", "position", "phone",
            "is_active", "version", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


class CadrePairingSerializer(OutputModelSerializer):
    """A cadre paired with a household (结对帮扶) from a date; a change of helper adds a row."""

    cadre = serializers.IntegerField(source="cadre_id", help_text="帮扶责任人ID")
    cadre_name = serializers.CharField(source="cadre.name", help_text="帮扶责任人姓名")
    household = serializers.IntegerField(source="household_id", help_text="贫困户ID")
    household_number = serializers.CharField(
        source="household.household_number", help_text="户编号"
    )

    class Meta:
        model = CadrePairing
        fields = [
            "id", "cadre", "cadre_name", "household", "household_number", "start_date",
            "end_date", "end_reason", "version", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


MSG_REGION_OUT_OF_SCOPE = _("区划代码不在您可修改的管辖范围内")
VERSION_HELP = "上次读取时的版本号（或用 If-Match 请求头）"


def _version_field():
    return serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class CadreInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Register or change an assigned helper (帮扶责任人); the login account is not set here."""

    tolerated_fields = frozenset(CadreSerializer.Meta.fields)
    division_code = serializers.RegexField(
        r"^[0-9]{12}$",
        help_text="帮扶区域的12位区划代码（县、乡镇或村；须在您的管辖范围内）",
        error_messages={"invalid": _("区划代码必须是12位数字")},
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="联系电话"
    )
    version = _version_field()

    class Meta:
        model = Cadre
        fields = [
            "name", "division_code", "unit_name", "unit_level", "position", "phone",
            "is_active", "version",
        ]  # fmt: skip
        validators: list = []

    def __init__(self, *args, prefixes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefixes = prefixes  # None: anywhere (administrator)

    def validate_division_code(self, value):
        if self.prefixes is not None and not value.startswith(tuple(self.prefixes)):
            raise serializers.ValidationError(MSG_REGION_OUT_OF_SCOPE, code="out_of_scope")
        return value

    def validate_phone(self, value):
        phone = normalize_phone(value)
        if phone:
            try:
                validate_phone(phone)
            except Exception as exc:  # django ValidationError: one message
                raise serializers.ValidationError(exc.messages[0], code="phone_invalid") from exc
        return phone


class PairingCreateSerializer(StrictInputSerializer):
    """Pair a cadre with a household (结对) from a date."""

    cadre = serializers.PrimaryKeyRelatedField(
        queryset=Cadre.objects.none(), help_text="帮扶责任人ID（须在您的管辖范围内）"
    )
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="贫困户ID（须是您可修改的户）"
    )
    start_date = serializers.DateField(help_text="帮扶起始时间")
    end_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="结束时间（补录已结束的结对时填写）",
    )
    end_reason = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="结束原因"
    )

    def __init__(self, *args, cadres=None, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cadres is not None:
            self.fields["cadre"].queryset = cadres
        if households is not None:
            self.fields["household"].queryset = households


class PairingUpdateSerializer(StrictInputSerializer):
    """Change a pairing's dates; an end_date ends it (结束结对). Cadre and household stay."""

    tolerated_fields = frozenset(CadrePairingSerializer.Meta.fields)
    start_date = serializers.DateField(required=False, help_text="帮扶起始时间")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="结束时间（填写即结束结对；null 表示仍在帮）"
    )
    end_reason = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="结束原因"
    )
    version = _version_field()


class AidUnitSerializer(OutputModelSerializer):
    contact_phone = MaskedCharField(kind="phone", help_text="联系电话（部分角色脱敏）")

    class Meta:
        model = AidUnit
        fields = [
            "id", "name", "division_code", "unit_type", "unit_level", "credit_code",
            "contact_name", "contact_phone", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


class AidUnitVillageSerializer(OutputModelSerializer):
    aid_unit = serializers.IntegerField(source="aid_unit_id", help_text="帮扶单位ID")
    village = serializers.CharField(source="village_id", help_text="帮扶村区划代码")

    class Meta:
        model = AidUnitVillage
        fields = ["id", "aid_unit", "village", "start_year", "end_year", "created", "updated"]
        read_only_fields = fields


class WorkTeamMemberSerializer(OutputModelSerializer):
    team = serializers.IntegerField(source="team_id", help_text="工作队ID")
    phone = MaskedCharField(kind="phone", help_text="联系电话（部分角色脱敏）")

    class Meta:
        model = WorkTeamMember
        fields = [
            "id", "team", "name", "role", "unit_name", "position", "phone", "start_date",
            "end_date",
        ]  # fmt: skip
        read_only_fields = fields


class WorkTeamSerializer(OutputModelSerializer):
    """A resident village work team (驻村工作队) with its members."""

    village = serializers.CharField(source="village_id", help_text="驻村区划代码")
    sending_unit = serializers.IntegerField(
        source="sending_unit_id", allow_null=True, help_text="派驻单位ID"
    )
    members = WorkTeamMemberSerializer(many=True, help_text="队员（含第一书记）")

    class Meta:
        model = WorkTeam
        fields = [
            "id", "village", "sending_unit", "sending_unit_name", "term_start", "term_end",
            "members", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


class VisitSerializer(OutputModelSerializer):
    """A visit to a household (走访记录). Photos are shown on the household page only."""

    household = serializers.IntegerField(source="household_id", help_text="贫困户ID")
    household_number = serializers.CharField(
        source="household.household_number", help_text="户编号"
    )
    cadre = serializers.IntegerField(
        source="cadre_id", allow_null=True, help_text="帮扶责任人ID（走访人是该户帮扶责任人时）"
    )

    class Meta:
        model = Visit
        fields = [
            "id", "household", "household_number", "division_code", "visitor_name",
            "visitor_role", "cadre", "visited_on", "kind", "findings", "policies_explained",
            "actions_taken", "demands", "follow_up_needed", "follow_up_note", "latitude",
            "longitude", "location_accuracy_m", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


VISIT_INPUT_FIELDS = [
    "visited_on", "kind", "findings", "policies_explained", "actions_taken", "demands",
    "follow_up_needed", "follow_up_note", "latitude", "longitude", "location_accuracy_m",
]  # fmt: skip


class VisitCreateSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Record a visit: the visitor is the authenticated user; the role is derived."""

    tolerated_fields = frozenset(VisitSerializer.Meta.fields)
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), help_text="贫困户ID（须是您可登记走访的户）"
    )
    client_token = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="提交标识（UUID）：网络不稳重发时带同一个值，只保存一次",
    )

    class Meta:
        model = Visit
        fields = ["household", *VISIT_INPUT_FIELDS, "client_token"]
        extra_kwargs = {
            "location_accuracy_m": {"max_value": 2**31 - 1},
        }

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households


class StationingDaySerializer(OutputModelSerializer):
    """One day of a work-team member's attendance (驻村考勤)."""

    member = serializers.IntegerField(source="member_id", help_text="工作队队员ID")
    member_name = serializers.CharField(source="member.name", help_text="队员姓名")
    team = serializers.IntegerField(source="member.team_id", help_text="工作队ID")

    class Meta:
        model = StationingDay
        fields = [
            "id", "member", "member_name", "team", "division_code", "date", "status", "note",
            "latitude", "longitude", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


class StationingRecordSerializer(StrictInputSerializer):
    """One status for every day from ``start`` to ``end`` (days already recorded are overwritten)."""

    member = serializers.PrimaryKeyRelatedField(
        queryset=WorkTeamMember.objects.none(), help_text="工作队队员ID（须是您可登记考勤的队员）"
    )
    start = serializers.DateField(help_text="开始日期")
    end = serializers.DateField(help_text="结束日期（含当天；一次最多366天，不晚于今天）")
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, default=AttendanceStatus.PRESENT, help_text="考勤状态"
    )
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="备注"
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"].queryset = members


class StationingRecordedSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="新写入或改动的天数（状态未变的天不计）")
    member = serializers.IntegerField(help_text="工作队队员ID")
    start = serializers.DateField(help_text="开始日期")
    end = serializers.DateField(help_text="结束日期")
