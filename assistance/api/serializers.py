"""Assistance API serializers (read only): cadres, pairings, helping units, work teams."""

from rest_framework import serializers

from assistance.models import AidUnit, AidUnitVillage, Cadre, CadrePairing, WorkTeam, WorkTeamMember
from poverty.api.fastrows import MaskedCharField
from poverty.api.serializers import OutputModelSerializer

__all__ = [
    "AidUnitSerializer",
    "AidUnitVillageSerializer",
    "CadrePairingSerializer",
    "CadreSerializer",
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
            "is_active", "created", "updated",
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
            "end_date", "end_reason", "created", "updated",
        ]  # fmt: skip
        read_only_fields = fields


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
