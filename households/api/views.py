"""Household API: households (with members embedded on request), members, annual incomes,
两不愁三保障 statuses, status changes and each household's history.

Reads: visible_to + the FilterSets + keyset pages rendered from values() — a constant number
of queries per page (token, page, members). Writes: households.services, so the API gets
the same validation, history (channel "api") and version check as the pages.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, TextField, Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from households import services
from households.api import filters as api_filters
from households.api import serializers as s
from households.filters import HouseholdFilterSet
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from poverty.api.fastrows import renderer_for
from poverty.api.jsonrows import (
    JsonArray,
    Spread,
    SpreadSubquery,
    SqlMask,
    json_expressions,
    json_values,
)
from poverty.api.prepared import fetch_prepared, scope_key
from poverty.api.views import (
    ScopedReadViewSet,
    ScopedWriteMixin,
    ids_sentinels,
    ids_values,
    version_conflicts,
)
from poverty.audit.selectors import SENSITIVE_FIELDS, change_records_for_household, describe_change
from poverty.masking import mask_for
from poverty.roles import ROLE_RULES
from poverty.scoping import (
    get_for_user,
    region_prefixes,
    user_role,
    user_sees_sensitive,
    visible_to,
)
from villages.models import Region

__all__ = [
    "AnnualIncomeViewSet",
    "GuaranteeStatusViewSet",
    "HouseholdStatusChangeViewSet",
    "HouseholdViewSet",
    "MemberViewSet",
]

MSG_EXPAND = _("expand 只能是 members")
MSG_INCOME_EXISTS = _(
    "该户 %(year)s 年度已有收入记录，请修改该记录（PATCH /api/v1/incomes/%(id)s/）"
)
MSG_GUARANTEE_EXISTS = _(
    "该户 %(year)s 年度已有两不愁三保障记录，请修改该记录（PATCH /api/v1/guarantees/%(id)s/）"
)

EXPAND = OpenApiParameter(
    "expand",
    str,
    enum=["members"],
    required=False,
    description="expand=members：同时返回每户的家庭成员（整页只多一次查询）",
)
INCLUDE_DELETED = OpenApiParameter(
    "include_deleted",
    bool,
    required=False,
    description="true：同时返回已删除的户（is_deleted=true），供增量同步发现删除",
)


def villages_for_registration(user):
    """Villages where ``user`` may register or move households (the role's change scope)."""
    villages = Region.objects.filter(level="village")
    role = user_role(user)
    if role is None or not ROLE_RULES[role].may_change("households.household"):
        return villages.none()
    prefixes = region_prefixes(user, "change")
    if prefixes is None:
        return villages
    if not prefixes:
        return villages.none()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix)
    return villages.filter(condition)


def _visible_households(user):
    return visible_to(user, Household.objects.filter(is_deleted=False), "view")


def _check_household_changeable(user, household: Household) -> None:
    if not visible_to(user, Household.objects.filter(pk=household.pk), "change").exists():
        raise exceptions.PermissionDenied(_("您的角色无权修改该户的数据"))


HOUSEHOLD_EXAMPLE = {
    "household_number": "431202100201001",
    "village": "431202100201",
    "attribute": "1",
    "identified_year": 2014,
    "main_cause": "01",
    "phone": "13912345678",
    "members": [
        {"name": "张三", "id_number": "431202197003050012", "relation": "01"},
        {"name": "李四", "id_number": "431202197206110024", "relation": "02"},
    ],
}


HOUSEHOLD_RESPONSE = {
    "id": 1,
    "household_number": "431202100201001",
    "village": "431202100201",
    "village_name": "甲村",
    "registered_village_code": "431202100201",
    "group_name": "一组",
    "address": "一组12号",
    "attribute": "1",
    "identified_year": 2014,
    "status": "exited",
    "exit_year": 2018,
    "main_cause": "01",
    "other_causes": ["04"],
    "phone": "139****5678",
    "bank_account": "6222***********3445",
    "housing_area": "96.50",
    "is_deleted": False,
    "version": 7,
    "updated": "2020-11-30T10:02:11+08:00",
    "head_name": "张三",
    "head_id_number": "4312**********0012",
    "member_count": 3,
    "members": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="贫困户列表",
        description=(
            "按管辖范围返回贫困户，支持与页面相同的筛选（region 区划前缀、status、attribute、main_cause、"
            "gap 保障缺口、q 姓名/户编号/证件号码、updated_since 增量同步）和排序（ordering）。"
            "游标分页：沿 next 链接翻页，插入新记录不会导致重复或遗漏。"
        ),
        parameters=[EXPAND, INCLUDE_DELETED],
        examples=[
            OpenApiExample(
                "某村贫困户（部分字段，检查组视角：敏感信息脱敏）",
                summary="GET /api/v1/households/?region=431202100201&page_size=100",
                value=HOUSEHOLD_RESPONSE,
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="贫困户详情",
        description="响应头 ETag 为当前版本号，修改时放入 If-Match。已删除的户也可读取（is_deleted=true）。",
        parameters=[EXPAND],
        examples=[OpenApiExample("一户（部分字段）", value=HOUSEHOLD_RESPONSE, response_only=True)],
    ),
    create=extend_schema(
        summary="登记贫困户（连同家庭成员）",
        description="户和成员全部校验通过才保存；出错时 errors 中的 field 指向具体成员，如 members[1].id_number。",
        request=s.HouseholdCreateSerializer,
        responses={201: s.HouseholdSerializer},
        examples=[OpenApiExample("登记一户", value=HOUSEHOLD_EXAMPLE, request_only=True)],
    ),
    partial_update=extend_schema(
        summary="修改贫困户（部分字段）",
        description="须提供版本号：If-Match 请求头或 version 字段；版本过期时返回 412/409 及最后修改人。",
        request=s.HouseholdUpdateSerializer,
        responses={200: s.HouseholdSerializer},
        examples=[
            OpenApiExample(
                "修改住址", value={"address": "一组12号", "version": 3}, request_only=True
            )
        ],
    ),
    update=extend_schema(
        summary="修改贫困户（全部字段）",
        request=s.HouseholdUpdateSerializer,
        responses={200: s.HouseholdSerializer},
    ),
    destroy=extend_schema(
        summary="删除贫困户（软删除，须填写原因）",
        description="户保留在库中并标记为已删除，成员退出在册名单。须提供原因和版本号。",
        request=s.HouseholdDeleteSerializer,
        responses={204: None},
        examples=[
            OpenApiExample("删除", value={"reason": "重复登记", "version": 4}, request_only=True)
        ],
    ),
)
class HouseholdViewSet(ScopedWriteMixin, ScopedReadViewSet):
    scope_model = Household
    versioned = True
    serializer_class = s.HouseholdSerializer
    filterset_class = HouseholdFilterSet
    queryset = Household.objects.all()
    # The registry's order (as on the list page); keyset pages follow the village index.
    default_ordering = ("village", "household_number")
    prefix_hint_field = "village_id"
    prepared_queries = True
    json_rows = True
    # Filters whose SQL depends on their values alone (not_visited_days depends on the date,
    # q and gap on their text; ordering changes the cursor's columns): the rest take the ORM
    # path every time.
    prepared_params = frozenset(
        {"region", "status", "attribute", "main_cause", "identified_year", "exit_year",
         "updated_since", "include_deleted", "expand"}
    )  # fmt: skip

    def get_queryset(self):
        queryset = Household.objects.all()
        if self.action == "list" and self.request.query_params.get("include_deleted") != "true":
            queryset = queryset.filter(is_deleted=False)
        return visible_to(self.request.user, queryset, "view")

    def _expand(self) -> bool:
        raw = self.request.query_params.get("expand", "")
        parts = {part.strip() for part in raw.split(",") if part.strip()}
        if parts - {"members"}:
            raise exceptions.ValidationError({"expand": [MSG_EXPAND]})
        return "members" in parts

    def json_extra(self) -> dict:
        """Head, member count and (expand=members) members as SQL (poverty.api.jsonrows): the
        same values as embed() gives the Python path."""
        user = self.request.user
        members = visible_to(user, Member.objects.filter(household_id=OuterRef("id"))).order_by()
        active = members.filter(is_active=True)
        id_number = (
            F("id_number") if user_sees_sensitive(user) else SqlMask("id_number", "id_number")
        )
        # One scan of the household's active members for all three (at most one active head:
        # the households_member_one_head index), split in Python (jsonrows.Spread).
        head_and_count = Spread(
            SpreadSubquery(
                active.values("relation", "name", value=id_number),
                [
                    "max(_rows.name) FILTER (WHERE _rows.relation = '01')",
                    "max(_rows.value) FILTER (WHERE _rows.relation = '01')",
                    "count(*)::text",
                ],
            ),
            [("head_name", None), ("head_id_number", None), ("member_count", int)],
        )
        extra = {
            "head_name": head_and_count,
            "head_id_number": head_and_count,
            "member_count": head_and_count,
            "members": Value(None, output_field=TextField()),  # SQL NULL: JSON null
        }
        if self._expand():
            member_fields = json_expressions(s.MemberSerializer, user)
            extra["members"] = JsonArray(
                json_values(members, member_fields).order_by(
                    "-is_active", "relation", "birth_date", "id"
                ),
                [name for name, _expression in member_fields],
            )
        return extra

    def embed(self, rows: list[dict]) -> None:
        """Head, member count and (expand=members) the members of every row: one query."""
        if not rows:
            return
        user = self.request.user
        ids = [row["id"] for row in rows]
        sensitive = user_sees_sensitive(user)
        expand = self._expand()
        by_household: dict[int, list] = {pk: [] for pk in ids}
        heads: dict[int, tuple] = {}
        counts = dict.fromkeys(ids, 0)
        # The members of the page's households, in one query compiled once per scope and
        # page length (poverty.api.prepared).
        scope = scope_key(user, Member)
        key = None if scope is None else ("members", expand, scope, len(ids))

        def members(slots):
            chosen = [slots[f"id{i}"] for i in range(len(ids))]
            return visible_to(user, Member.objects.filter(household_id__in=chosen))

        if expand:
            renderer = renderer_for(s.MemberSerializer)
            member_rows = fetch_prepared(
                key,
                lambda slots: renderer.values(members(slots)).order_by(
                    "household_id", "-is_active", "relation", "birth_date", "id"
                ),
                ids_sentinels(len(ids)),
                ids_values(ids),
            )
            renderer.render(member_rows, user)
            for row in member_rows:
                by_household[row["household"]].append(row)
                if row["is_active"]:
                    counts[row["household"]] += 1
                    if row["relation"] == "01":
                        heads[row["household"]] = (row["name"], row["id_number"])  # already masked
        else:
            heads_and_counts = fetch_prepared(
                key,
                lambda slots: (
                    members(slots)
                    .filter(is_active=True)
                    .order_by()
                    .values("household_id", "relation", "name", "id_number")
                ),
                ids_sentinels(len(ids)),
                ids_values(ids),
            )
            for row in heads_and_counts:
                household_id = row["household_id"]
                counts[household_id] += 1
                if row["relation"] == "01":
                    id_number = row["id_number"]
                    heads[household_id] = (
                        row["name"],
                        id_number if sensitive else mask_for(user, "id_number", id_number),
                    )
        for row in rows:
            pk = row["id"]
            row["head_name"], row["head_id_number"] = heads.get(pk, (None, None))
            row["member_count"] = counts[pk]
            row["members"] = by_household[pk] if expand else None

    # --- writes ----------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        self.require_change_role()
        serializer = s.HouseholdCreateSerializer(
            data=request.data, villages=villages_for_registration(request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        members = [dict(m) for m in data.pop("members")]
        household = services.household_register(
            actor=request.user, household_data=data, members_data=members
        )
        row = self.get_row(household.pk)
        response = self.row_response(row, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{household.pk}/")
        return response

    def _update(self, request, partial: bool):
        household = self.writable_object(Household.objects.filter(is_deleted=False))
        serializer = s.HouseholdUpdateSerializer(
            instance=household,
            data=request.data,
            partial=partial,
            villages=villages_for_registration(request.user),
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version, from_header = self.version_for_update(data.pop("version", None))
        with version_conflicts(from_header):
            services.household_update(
                actor=request.user, household=household, data=data, expected_version=version
            )
        return self.row_response(self.get_row(household.pk))

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def destroy(self, request, *args, **kwargs):
        household = self.writable_object(Household.objects.filter(is_deleted=False))
        data = request.data if request.data else request.query_params
        serializer = s.HouseholdDeleteSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        version, from_header = self.version_for_update(serializer.validated_data.get("version"))
        with version_conflicts(from_header):
            services.household_soft_delete(
                actor=request.user,
                household=household,
                reason=serializer.validated_data["reason"],
                expected_version=version,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- history ---------------------------------------------------------------------------

    @extend_schema(
        summary="贫困户的修改历史（痕迹）",
        description=(
            "该户及其成员、收入、两不愁三保障记录的每一次修改：谁、何时、通过哪个渠道（页面/接口/导入…）、"
            "改了什么。最新的在前；敏感值按角色脱敏。"
        ),
        parameters=[
            OpenApiParameter(
                "channel",
                str,
                enum=["page", "api", "import", "admin", "job", "command"],
                required=False,
                description="只看某个渠道的修改",
            )
        ],
        responses={200: s.HistoryEntrySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[])
    def history(self, request, pk=None):
        user = request.user
        household = get_for_user(user, Household.objects.all(), "view", pk=pk)
        records = change_records_for_household(user, household.pk)
        channel = request.query_params.get("channel")
        if channel:
            records = records.filter(channel=channel)
        page = self.paginate_queryset(records)
        sensitive = user_sees_sensitive(user)
        rows = []
        for record in page:
            entry = describe_change(record, user)
            changes = record.changes
            if not sensitive:
                changes = {
                    name: [mask_for(user, SENSITIVE_FIELDS[name], v) if v else v for v in pair]
                    if name in SENSITIVE_FIELDS and isinstance(pair, list)
                    else pair
                    for name, pair in changes.items()
                }
            rows.append(
                {
                    "id": record.pk,
                    "at": record.at,
                    "user_name": entry.user_name,
                    "channel": record.channel,
                    "action": record.action,
                    "object_type": record.object_type,
                    "object_id": record.object_id,
                    "object_repr": entry.object_repr,
                    "changes": changes,
                    "sentences": entry.sentences,
                    "message": record.message,
                }
            )
        return self.get_paginated_response(s.HistoryEntrySerializer(rows, many=True).data)


class _HouseholdChildViewSet(ScopedWriteMixin, ScopedReadViewSet):
    """Members, incomes and statuses: scoped like their household, versioned by it."""

    versioned = True

    def target_households(self):
        return _visible_households(self.request.user)

    def _changeable_child(self):
        child = self.writable_object(self.base_queryset().select_related("household"))
        if child.household.is_deleted:
            raise exceptions.NotFound
        return child


_child_docs = {
    "list": "列表（按管辖范围；支持 region 区划前缀、household、updated_since 等筛选）",
    "retrieve": "详情（响应头 ETag 为所属户的版本号）",
    "create": "新增（须在您可修改的户下）",
    "partial_update": "修改（须提供所属户的版本号：If-Match 或 household_version）",
    "update": "修改全部字段（须提供所属户的版本号）",
}


def _child_schema(label: str, output, create_input, update_input, example: dict):
    return extend_schema_view(
        list=extend_schema(summary=f"{label}{_child_docs['list']}"),
        retrieve=extend_schema(summary=f"{label}{_child_docs['retrieve']}"),
        create=extend_schema(
            summary=f"{label}{_child_docs['create']}",
            request=create_input,
            responses={201: output},
            examples=[OpenApiExample("新增", value=example, request_only=True)],
        ),
        partial_update=extend_schema(
            summary=f"{label}{_child_docs['partial_update']}",
            request=update_input,
            responses={200: output},
        ),
        update=extend_schema(
            summary=f"{label}{_child_docs['update']}", request=update_input, responses={200: output}
        ),
    )


@_child_schema(
    "家庭成员",
    s.MemberSerializer,
    s.MemberCreateSerializer,
    s.MemberInputSerializer,
    {"household": 1, "name": "张小三", "id_number": "431202201001010013", "relation": "03"},
)
class MemberViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _HouseholdChildViewSet):
    """Members: add and change through households.services.member_save. A member who leaves
    is not deleted: set is_active=false with change_reason."""

    scope_model = Member
    serializer_class = s.MemberSerializer
    filterset_class = api_filters.MemberFilterSet
    prefix_hint_field = "division_code"
    queryset = Member.objects.all()

    def create(self, request, *args, **kwargs):
        self.require_change_role()
        serializer = s.MemberCreateSerializer(
            data=request.data, households=self.target_households()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household = data.pop("household")
        _check_household_changeable(request.user, household)
        from_header = False
        version = data.pop("household_version", None)
        if version is None:
            version, from_header = self._header_version()
        with version_conflicts(from_header):
            member = services.member_save(
                actor=request.user, household=household, data=data, expected_version=version
            )
        return self.row_response(self.get_row(member.pk), status.HTTP_201_CREATED)

    def _header_version(self):
        from poverty.api.views import requested_version

        return requested_version(self.request, None)

    def _update(self, request, partial: bool):
        member = self._changeable_child()
        serializer = s.MemberInputSerializer(instance=member, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version, from_header = self.version_for_update(data.pop("household_version", None))
        with version_conflicts(from_header):
            services.member_save(
                actor=request.user,
                household=member.household,
                member=member,
                data=data,
                expected_version=version,
            )
        return self.row_response(self.get_row(member.pk))

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)


class _YearlyViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _HouseholdChildViewSet):
    create_serializer = None
    update_serializer = None
    exists_message = None

    def save(self, **kwargs):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        self.require_change_role()
        serializer = self.create_serializer(data=request.data, households=self.target_households())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        household, year = data.pop("household"), data.pop("year")
        _check_household_changeable(request.user, household)
        existing = self.scope_model.objects.filter(household=household, year=year).first()
        if existing is not None:
            raise exceptions.ValidationError(
                {"year": [exceptions.ErrorDetail(
                    self.exists_message % {"year": year, "id": existing.pk}, code="duplicate_year"
                )]}
            )  # fmt: skip
        version = data.pop("household_version", None)
        from_header = False
        if version is None:
            from poverty.api.views import requested_version

            version, from_header = requested_version(request, None)
        with version_conflicts(from_header):
            obj = self.save(household=household, year=year, data=data, expected_version=version)
        return self.row_response(self.get_row(obj.pk), status.HTTP_201_CREATED)

    def _update(self, request, partial: bool):
        obj = self._changeable_child()
        serializer = self.update_serializer(instance=obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version, from_header = self.version_for_update(data.pop("household_version", None))
        with version_conflicts(from_header):
            self.save(household=obj.household, year=obj.year, data=data, expected_version=version)
        return self.row_response(self.get_row(obj.pk))

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)


@_child_schema(
    "年度收入",
    s.AnnualIncomeSerializer,
    s.AnnualIncomeCreateSerializer,
    s.AnnualIncomeInputSerializer,
    {"household": 1, "year": 2019, "wage": "12000.00", "business": "3500.00", "dibao": "1800.00"},
)
class AnnualIncomeViewSet(_YearlyViewSet):
    """Income accounts (算账) per household and year; the derived figures are recomputed on save."""

    scope_model = AnnualIncome
    serializer_class = s.AnnualIncomeSerializer
    filterset_class = api_filters.AnnualIncomeFilterSet
    queryset = AnnualIncome.objects.all()
    create_serializer = s.AnnualIncomeCreateSerializer
    update_serializer = s.AnnualIncomeInputSerializer
    exists_message = MSG_INCOME_EXISTS

    def save(self, **kwargs):
        return services.annual_income_save(actor=self.request.user, **kwargs)


@_child_schema(
    "两不愁三保障情况",
    s.GuaranteeStatusSerializer,
    s.GuaranteeStatusCreateSerializer,
    s.GuaranteeStatusInputSerializer,
    {
        "household": 1,
        "year": 2019,
        "food": "met",
        "housing": "not_met",
        "evidence_note": "危房改造中",
    },
)
class GuaranteeStatusViewSet(_YearlyViewSet):
    scope_model = GuaranteeStatus
    serializer_class = s.GuaranteeStatusSerializer
    filterset_class = api_filters.GuaranteeStatusFilterSet
    queryset = GuaranteeStatus.objects.all()
    create_serializer = s.GuaranteeStatusCreateSerializer
    update_serializer = s.GuaranteeStatusInputSerializer
    exists_message = MSG_GUARANTEE_EXISTS

    def save(self, **kwargs):
        return services.guarantee_status_save(actor=self.request.user, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="贫困户状态变更列表（识别、脱贫、返贫…）"),
    retrieve=extend_schema(summary="贫困户状态变更详情"),
)
class HouseholdStatusChangeViewSet(ScopedReadViewSet):
    scope_model = HouseholdStatusChange
    serializer_class = s.HouseholdStatusChangeSerializer
    filterset_class = api_filters.HouseholdStatusChangeFilterSet
    queryset = HouseholdStatusChange.objects.all()
