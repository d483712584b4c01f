"""Assistance API (read only for now): cadres, pairings, helping units and work teams.

Writes wait for assistance services (pairing changes, team terms), so that the API and the
pages share one write path when they come.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from assistance.api import serializers as s
from assistance.models import AidUnit, AidUnitVillage, Cadre, CadrePairing, WorkTeam, WorkTeamMember
from households.api.filters import RegionCodePrefixFilter
from poverty.api.fastrows import renderer_for
from poverty.api.views import ScopedReadViewSet
from poverty.scoping import visible_to

__all__ = [
    "AidUnitViewSet",
    "AidUnitVillageViewSet",
    "CadrePairingViewSet",
    "CadreViewSet",
    "WorkTeamViewSet",
]

UPDATED_SINCE = {"field_name": "updated", "lookup_expr": "gte", "label": _("更新时间不早于")}


class CadreFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("division_code")
    is_active = django_filters.BooleanFilter(label=_("在岗"))
    name = django_filters.CharFilter(lookup_expr="startswith", label=_("姓名（前缀）"))
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = Cadre
        fields: list[str] = []


class CadrePairingFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("household__village__code")
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户ID"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶责任人ID"))
    current = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label=_("仅在帮（未结束）")
    )
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = CadrePairing
        fields: list[str] = []


class AidUnitFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("division_code")
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = AidUnit
        fields: list[str] = []


class AidUnitVillageFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("village__code")
    aid_unit = django_filters.NumberFilter(field_name="aid_unit_id", label=_("帮扶单位ID"))

    class Meta:
        model = AidUnitVillage
        fields: list[str] = []


class WorkTeamFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("village__code")
    current = django_filters.BooleanFilter(
        field_name="term_end", lookup_expr="isnull", label=_("仅在任（任期未结束）")
    )
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = WorkTeam
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="帮扶责任人列表"), retrieve=extend_schema(summary="帮扶责任人详情")
)
class CadreViewSet(ScopedReadViewSet):
    scope_model = Cadre
    serializer_class = s.CadreSerializer
    filterset_class = CadreFilterSet
    queryset = Cadre.objects.all()


@extend_schema_view(
    list=extend_schema(summary="结对帮扶列表（帮扶责任人与贫困户）"),
    retrieve=extend_schema(summary="结对帮扶详情"),
)
class CadrePairingViewSet(ScopedReadViewSet):
    scope_model = CadrePairing
    serializer_class = s.CadrePairingSerializer
    filterset_class = CadrePairingFilterSet
    queryset = CadrePairing.objects.all()


@extend_schema_view(
    list=extend_schema(summary="帮扶单位列表"), retrieve=extend_schema(summary="帮扶单位详情")
)
class AidUnitViewSet(ScopedReadViewSet):
    scope_model = AidUnit
    serializer_class = s.AidUnitSerializer
    filterset_class = AidUnitFilterSet
    queryset = AidUnit.objects.all()


@extend_schema_view(
    list=extend_schema(summary="单位包村列表"), retrieve=extend_schema(summary="单位包村详情")
)
class AidUnitVillageViewSet(ScopedReadViewSet):
    scope_model = AidUnitVillage
    serializer_class = s.AidUnitVillageSerializer
    filterset_class = AidUnitVillageFilterSet
    queryset = AidUnitVillage.objects.all()


@extend_schema_view(
    list=extend_schema(summary="驻村工作队列表（含队员）"),
    retrieve=extend_schema(summary="驻村工作队详情（含队员）"),
)
class WorkTeamViewSet(ScopedReadViewSet):
    scope_model = WorkTeam
    serializer_class = s.WorkTeamSerializer
    filterset_class = WorkTeamFilterSet
    queryset = WorkTeam.objects.all()

    def embed(self, rows: list[dict]) -> None:
        """The members of every team on the page, in one query."""
        by_team: dict[int, list] = {row["id"]: [] for row in rows}
        if rows:
            renderer = renderer_for(s.WorkTeamMemberSerializer)
            members = visible_to(
                self.request.user, WorkTeamMember.objects.filter(team_id__in=list(by_team))
            )
            member_rows = list(renderer.values(members).order_by("team_id", "role", "name", "id"))
            for member in renderer.render(member_rows, self.request.user):
                by_team[member["team"]].append(member)
        for row in rows:
            row["members"] = by_team[row["id"]]
