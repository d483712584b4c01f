"""Assistance API: cadres and pairings (read; created and changed through assistance.services:
validation, history channel "api", version check), helping units and work teams (read only),
visits and stationing days (read, and recorded through assistance.services like the pages).
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
from poverty.api.views import ScopedReadViewSet, ScopedWriteMixin, version_conflicts
from poverty.scoping import region_prefixes, visible_to

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


CADRE_EXAMPLE = {
    "name": "王建国",
    "division_code": "431202000000",
    "unit_name": "鹤城区农业农村局",
    "unit_level": "4",
    "position": "副局长",
    "phone": "13907451234",
}
CADRE_RESPONSE = {
    "id": 17,
    **CADRE_EXAMPLE,
    "is_active": True,
    "version": 1,
    "created": "2026-03-01T09:00:00+08:00",
    "updated": "2026-03-01T09:00:00+08:00",
}
PAIRING_EXAMPLE = {"cadre": 17, "household": 1024, "start_date": "2016-03-01"}
PAIRING_RESPONSE = {
    "id": 88,
    "cadre": 17,
    "cadre_name": "王建国",
    "household": 1024,
    "household_number": "431202100201001",
    "start_date": "2016-03-01",
    "end_date": None,
    "end_reason": "",
    "version": 1,
    "created": "2026-03-01T09:00:00+08:00",
    "updated": "2026-03-01T09:00:00+08:00",
}
CONFLICT_RESPONSES = {
    409: OpenApiResponse(ErrorSerializer, description="版本号（请求体 version）已过期：他人已修改"),
    412: OpenApiResponse(ErrorSerializer, description="If-Match 的版本已过期：他人已修改"),
    428: OpenApiResponse(ErrorSerializer, description="未提供版本号（If-Match 或 version）"),
}
WRITE_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="校验失败（errors 中 field 指向出错字段）"),
    403: OpenApiResponse(ErrorSerializer, description="您的角色不能修改此类记录"),
}


class _VersionedWriteMixin(ScopedWriteMixin):
    """Update through a service that checks ``version`` (If-Match or the body's version)."""

    input_serializer = None

    def serializer_kwargs(self) -> dict:
        return {}

    def save_update(self, obj, data: dict, version: int):
        raise NotImplementedError

    def _update(self, request, partial: bool):
        obj = self.writable_object()
        serializer = self.input_serializer(
            instance=obj, data=request.data, partial=partial, **self.serializer_kwargs()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version, from_header = self.version_for_update(data.pop("version", None))
        with version_conflicts(from_header):
            self.save_update(obj, data, version)
        return self.row_response(self.get_row(obj.pk))

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)


@extend_schema_view(
    list=extend_schema(summary="帮扶责任人列表"),
    retrieve=extend_schema(
        summary="帮扶责任人详情",
        description="响应头 ETag 为当前版本号，修改时放入 If-Match。",
        examples=[OpenApiExample("帮扶责任人", value=CADRE_RESPONSE, response_only=True)],
    ),
    create=extend_schema(
        summary="登记帮扶责任人",
        description=(
            "县扶贫办、乡镇（及管理员）可登记本辖区的帮扶责任人；division_code 须在您的管辖范围内。"
            "与后台录入走同一服务（assistance.services.cadre_create）：同一校验，记入变更历史（渠道“接口”）。"
        ),
        request=s.CadreInputSerializer,
        responses={201: s.CadreSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample("登记", value=CADRE_EXAMPLE, request_only=True),
            OpenApiExample(
                "已登记", value=CADRE_RESPONSE, response_only=True, status_codes=["201"]
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="修改帮扶责任人（部分字段）",
        description=(
            "须提供版本号：If-Match 请求头或 version 字段；版本过期时返回 412（If-Match）或 409（version），"
            "并给出最后修改人和时间。离岗：is_active=false（原有结对不自动结束）。"
        ),
        request=s.CadreInputSerializer,
        responses={200: s.CadreSerializer, **WRITE_ERRORS, **CONFLICT_RESPONSES},
        examples=[
            OpenApiExample("调整职务", value={"position": "局长", "version": 1}, request_only=True),
            OpenApiExample("离岗", value={"is_active": False, "version": 2}, request_only=True),
        ],
    ),
    update=extend_schema(
        summary="修改帮扶责任人（全部字段）",
        request=s.CadreInputSerializer,
        responses={200: s.CadreSerializer, **WRITE_ERRORS, **CONFLICT_RESPONSES},
    ),
)
class CadreViewSet(_VersionedWriteMixin, ScopedReadViewSet):
    scope_model = Cadre
    serializer_class = s.CadreSerializer
    filterset_class = CadreFilterSet
    queryset = Cadre.objects.all()
    input_serializer = s.CadreInputSerializer

    def serializer_kwargs(self) -> dict:
        return {"prefixes": region_prefixes(self.request.user, "change")}

    def create(self, request, *args, **kwargs):
        self.require_change_role()
        serializer = s.CadreInputSerializer(data=request.data, **self.serializer_kwargs())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        cadre = services.cadre_create(actor=request.user, data=data)
        return self.row_response(self.get_row(cadre.pk), status.HTTP_201_CREATED)

    def save_update(self, obj, data, version):
        services.cadre_update(
            actor=self.request.user, cadre=obj, data=data, expected_version=version
        )


@extend_schema_view(
    list=extend_schema(summary="结对帮扶列表（帮扶责任人与贫困户）"),
    retrieve=extend_schema(
        summary="结对帮扶详情",
        description="响应头 ETag 为当前版本号，修改时放入 If-Match。",
        examples=[OpenApiExample("结对", value=PAIRING_RESPONSE, response_only=True)],
    ),
    create=extend_schema(
        summary="结对：为贫困户安排帮扶责任人",
        description=(
            "household 须是您可修改的户，cadre 须在您的管辖范围内、在岗，且该户在其帮扶区域内。"
            "一户同一时间只有一名帮扶责任人：已有在帮的结对时先结束原结对（PATCH end_date），再新建。"
            "与后台、台账导入同一规则（assistance.rules），记入该户变更历史（渠道“接口”）。"
        ),
        request=s.PairingCreateSerializer,
        responses={201: s.CadrePairingSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample("结对", value=PAIRING_EXAMPLE, request_only=True),
            OpenApiExample(
                "已结对", value=PAIRING_RESPONSE, response_only=True, status_codes=["201"]
            ),
        ],
    ),
    partial_update=extend_schema(
        summary="修改或结束结对",
        description=(
            "填写 end_date（及 end_reason）即结束结对；帮扶责任人和户不能修改（结束后重新结对）。"
            "须提供版本号：If-Match 请求头或 version 字段；版本过期时返回 412 或 409 及最后修改人。"
        ),
        request=s.PairingUpdateSerializer,
        responses={200: s.CadrePairingSerializer, **WRITE_ERRORS, **CONFLICT_RESPONSES},
        examples=[
            OpenApiExample(
                "结束结对",
                value={"end_date": "2020-12-31", "end_reason": "帮扶责任人调离", "version": 1},
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        summary="修改结对（全部可改字段）",
        request=s.PairingUpdateSerializer,
        responses={200: s.CadrePairingSerializer, **WRITE_ERRORS, **CONFLICT_RESPONSES},
    ),
)
class CadrePairingViewSet(_VersionedWriteMixin, ScopedReadViewSet):
    scope_model = CadrePairing
    serializer_class = s.CadrePairingSerializer
    filterset_class = CadrePairingFilterSet
    queryset = CadrePairing.objects.all()
    input_serializer = s.PairingUpdateSerializer

    def create(self, request, *args, **kwargs):
        user = request.user
        self.require_change_role()
        serializer = s.PairingCreateSerializer(
            data=request.data,
            cadres=visible_to(user, Cadre.objects.all(), "view"),
            households=visible_to(user, Household.objects.filter(is_deleted=False), "change"),
        )
        serializer.is_valid(raise_exception=True)
        pairing = services.pairing_assign(actor=user, **serializer.validated_data)
        return self.row_response(self.get_row(pairing.pk), status.HTTP_201_CREATED)

    def save_update(self, obj, data, version):
        services.pairing_update(
            actor=self.request.user, pairing=obj, data=data, expected_version=version
        )


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
