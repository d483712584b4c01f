"""Assistance API: cadres, pairings, helping units and work teams (read only: their writes
wait for assistance services), visits and stationing days (read, and recorded through
assistance.services like the pages: same validation, history channel "api").
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response

from assistance import services
from assistance.api import serializers as s
from assistance.choices import AttendanceStatus, VisitKind
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
from assistance.selectors import attendance_members_for_user, user_may_record_visit
from households.api.filters import RegionCodePrefixFilter
from households.models import Household
from poverty.api.fastrows import renderer_for
from poverty.api.serializers import ErrorSerializer
from poverty.api.views import ScopedReadViewSet, ScopedWriteMixin
from poverty.scoping import visible_to

__all__ = [
    "AidUnitViewSet",
    "AidUnitVillageViewSet",
    "CadrePairingViewSet",
    "CadreViewSet",
    "StationingDayViewSet",
    "VisitViewSet",
    "WorkTeamViewSet",
]

MSG_MAY_NOT_RECORD_VISIT = _("您不能为该户登记走访（只能走访本人结对或本村的户）")

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


class VisitFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("division_code")
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户ID"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶责任人ID"))
    kind = django_filters.MultipleChoiceFilter(choices=VisitKind.choices, label=_("走访方式"))
    visited_from = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", label=_("走访日期不早于")
    )
    visited_to = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", label=_("走访日期不晚于")
    )
    follow_up_needed = django_filters.BooleanFilter(label=_("需要跟进"))
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = Visit
        fields: list[str] = []


class StationingDayFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("division_code")
    member = django_filters.NumberFilter(field_name="member_id", label=_("工作队队员ID"))
    team = django_filters.NumberFilter(field_name="member__team_id", label=_("工作队ID"))
    status = django_filters.MultipleChoiceFilter(
        choices=AttendanceStatus.choices, label=_("考勤状态")
    )
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("日期不早于")
    )
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("日期不晚于"))
    updated_since = django_filters.IsoDateTimeFilter(**UPDATED_SINCE)

    class Meta:
        model = StationingDay
        fields: list[str] = []


VISIT_EXAMPLE = {
    "household": 1,
    "visited_on": "2019-06-12",
    "kind": "home",
    "findings": "两不愁三保障均已落实，饮水安全；务工收入稳定",
    "policies_explained": "产业奖补政策",
    "follow_up_needed": True,
    "follow_up_note": "协助申请小额信贷",
    "latitude": "27.550000",
    "longitude": "109.980000",
    "client_token": "6f1c2b8e-2d7a-4c1e-9d55-0c3f7a9b1e42",
}


@extend_schema_view(
    list=extend_schema(
        summary="走访记录列表",
        description="按管辖范围；帮扶责任人只看到结对户的走访。支持 region、household、日期区间等筛选。",
    ),
    retrieve=extend_schema(summary="走访记录详情"),
    create=extend_schema(
        summary="登记走访",
        description=(
            "走访人为当前用户，身份（帮扶责任人/工作队员/第一书记…）按结对和驻村关系自动确定；"
            "与页面登记走全同一校验并记入该户变更历史（渠道“接口”）。走访记录登记后不能修改。"
            "带 client_token 重发同一请求只保存一次：首次返回 201，重发返回 200 和原记录。"
        ),
        request=s.VisitCreateSerializer,
        responses={
            201: s.VisitSerializer,
            200: s.VisitSerializer,
            400: OpenApiResponse(ErrorSerializer, description="校验失败"),
            403: OpenApiResponse(ErrorSerializer, description="您的角色不能为该户登记走访"),
        },
        examples=[OpenApiExample("登记走访", value=VISIT_EXAMPLE, request_only=True)],
    ),
)
class VisitViewSet(ScopedWriteMixin, ScopedReadViewSet):
    scope_model = Visit
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet
    prefix_hint_field = "division_code"
    queryset = Visit.objects.all()

    def create(self, request, *args, **kwargs):
        user = request.user
        self.require_change_role()
        households = visible_to(user, Household.objects.filter(is_deleted=False), "view")
        serializer = s.VisitCreateSerializer(data=request.data, households=households)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = data.pop("household")
        token = data.pop("client_token", None)
        if not user_may_record_visit(user, household.pk):
            raise exceptions.PermissionDenied(MSG_MAY_NOT_RECORD_VISIT)
        repeated = token is not None and Visit.objects.filter(client_token=token).exists()
        visit = services.visit_record(
            actor=user, household=household, data=data, client_token=token
        )
        code = status.HTTP_200_OK if repeated else status.HTTP_201_CREATED
        return self.row_response(self.get_row(visit.pk), code)


@extend_schema_view(
    list=extend_schema(
        summary="驻村考勤列表",
        description="每行是一名工作队队员一天的考勤。支持 region、team、member、日期区间筛选。",
    ),
    retrieve=extend_schema(summary="驻村考勤详情"),
    create=extend_schema(
        summary="登记驻村考勤（一段日期）",
        description=(
            "为一名队员从 start 到 end 的每一天登记同一考勤状态（已有记录的天被覆盖）；"
            "与页面同一校验（须在其驻村期间、不晚于今天、一次最多366天），"
            "改动记入变更历史（渠道“接口”）。"
        ),
        request=s.StationingRecordSerializer,
        responses={
            200: s.StationingRecordedSerializer,
            400: OpenApiResponse(ErrorSerializer, description="校验失败"),
            403: OpenApiResponse(ErrorSerializer, description="您的角色不能登记考勤"),
        },
        examples=[
            OpenApiExample(
                "请假三天",
                value={"member": 7, "start": "2019-05-06", "end": "2019-05-08", "status": "leave"},
                request_only=True,
            )
        ],
    ),
)
class StationingDayViewSet(ScopedWriteMixin, ScopedReadViewSet):
    scope_model = StationingDay
    serializer_class = s.StationingDaySerializer
    filterset_class = StationingDayFilterSet
    prefix_hint_field = "division_code"
    queryset = StationingDay.objects.all()

    def create(self, request, *args, **kwargs):
        self.require_change_role()
        members = attendance_members_for_user(request.user).select_related("team")
        serializer = s.StationingRecordSerializer(data=request.data, members=members)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        written = services.stationing_days_record(
            actor=request.user,
            member=data["member"],
            start=data["start"],
            end=data["end"],
            status=data["status"],
            note=data["note"],
        )
        body = {
            "written": written,
            "member": data["member"].pk,
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
        }
        return Response(body, status=status.HTTP_200_OK)
