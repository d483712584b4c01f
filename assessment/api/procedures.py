"""Procedure API: list and read procedures in the user's scope, and take the next step.

Reads go through poverty.scoping (a procedure outside the scope is a 404); the step goes
through assessment.procedure_services, the same function as the page, so the rules (role,
order, notice period, objections, evidence) and the history are the same.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import procedure_services as services
from assessment.models import Procedure, ProcedureObjection
from assessment.procedure_selectors import procedure_detail, procedure_get_for_user, procedure_list
from assessment.procedures import ProcedureKind, ProcedureStatus
from poverty.api.parsers import BoundedJSONParser
from poverty.scoping import get_for_user

__all__ = [
    "ObjectionResolveApiView",
    "ProcedureDetailApiView",
    "ProcedureListApiView",
    "ProcedureObjectionApiView",
    "ProcedureStepApiView",
]

PAGE_SIZE = 100


class ProcedureStepOutSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    role = serializers.CharField(help_text="办理该步骤的角色")
    done = serializers.BooleanField()
    actor_name = serializers.CharField(allow_null=True)
    acted_on = serializers.DateField(allow_null=True)
    note = serializers.CharField(allow_null=True)
    has_evidence = serializers.BooleanField()
    notice_start = serializers.DateField(allow_null=True)
    notice_end = serializers.DateField(allow_null=True)


class ObjectionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    raised_on = serializers.DateField()
    objector = serializers.CharField()
    content = serializers.CharField()
    resolved = serializers.BooleanField()
    resolution = serializers.CharField()


class ProcedureOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(ProcedureKind.choices)
    kind_label = serializers.CharField()
    year = serializers.IntegerField()
    household_id = serializers.IntegerField(allow_null=True)
    region_code = serializers.CharField(allow_null=True)
    division_code = serializers.CharField()
    status = serializers.ChoiceField(ProcedureStatus.choices)
    steps_done = serializers.IntegerField()
    steps_total = serializers.IntegerField()
    next_step = serializers.CharField(allow_null=True)
    notice_start = serializers.DateField(allow_null=True)
    notice_end = serializers.DateField(allow_null=True)


class ProcedureDetailOutSerializer(ProcedureOutSerializer):
    steps = ProcedureStepOutSerializer(many=True)
    objections = ObjectionOutSerializer(many=True)
    may_take_next = serializers.BooleanField(help_text="当前用户能否办理下一步")
    blocking = serializers.ListField(
        child=serializers.DictField(), help_text="下一步暂不能办理的原因（公示未结束、异议未处理…）"
    )


class ProcedurePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ProcedureOutSerializer(many=True)


class ProcedureStepInSerializer(serializers.Serializer):
    step = serializers.CharField(max_length=30, help_text="要办理的步骤代码（须是下一步）")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    acted_on = serializers.DateField(
        required=False, allow_null=True, help_text="办理日期，默认今天"
    )
    notice_start = serializers.DateField(
        required=False, allow_null=True, help_text="公示步骤：公示开始日期，默认办理日期"
    )
    evidence = serializers.FileField(
        required=False, allow_null=True, help_text="佐证材料（PDF 或图片，multipart 上传）"
    )


class ObjectionInSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=2000, help_text="异议内容")
    objector = serializers.CharField(required=False, allow_blank=True, max_length=50)
    raised_on = serializers.DateField(required=False, allow_null=True, help_text="默认今天")


class ResolveInSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000, help_text="核实处理结果")


def _row(procedure: Procedure) -> dict:
    definition = procedure.definition
    done = procedure.steps_done
    upcoming = definition.steps[done] if done < len(definition.steps) else None
    return {
        "id": procedure.pk,
        "kind": procedure.kind,
        "kind_label": str(definition.label),
        "year": procedure.year,
        "household_id": procedure.household_id,
        "region_code": procedure.region_id,
        "division_code": procedure.division_code,
        "status": procedure.status,
        "steps_done": done,
        "steps_total": len(definition.steps),
        "next_step": upcoming.code if upcoming and procedure.status == "open" else None,
        "notice_start": procedure.notice_start,
        "notice_end": procedure.notice_end,
    }


def _detail(user, procedure: Procedure) -> dict:
    view = procedure_detail(user, procedure)
    return {
        **_row(procedure),
        "steps": [
            {
                "position": e.position,
                "code": e.step.code,
                "label": str(e.step.label),
                "role": e.step.role,
                "done": e.record is not None,
                "actor_name": e.record.actor_name if e.record else None,
                "acted_on": e.record.acted_on if e.record else None,
                "note": e.record.note if e.record else None,
                "has_evidence": bool(e.record and e.record.evidence),
                "notice_start": e.record.notice_start if e.record else None,
                "notice_end": e.record.notice_end if e.record else None,
            }
            for e in view.timeline
        ],
        "objections": [
            {
                "id": o.pk,
                "raised_on": o.raised_on,
                "objector": o.objector,
                "content": o.content,
                "resolved": not o.is_open,
                "resolution": o.resolution,
            }
            for o in view.objections
        ],
        "may_take_next": view.may_take,
        "blocking": [{"code": p.code, "message": p.message} for p in view.problems],
    }


def _year(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 2013 <= value <= 2035 else None


def _household(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), 1_000_000)
    except (TypeError, ValueError):
        return 1


class ProcedureListApiView(APIView):
    """Procedures in the user's scope, newest year first, 100 per page."""

    scope_model = Procedure

    @extend_schema(
        tags=["考核评估"],
        summary="程序列表（识别、退出、返贫、监测、出列、摘帽）",
        parameters=[
            OpenApiParameter("kind", str, enum=ProcedureKind.values, required=False),
            OpenApiParameter("status", str, enum=ProcedureStatus.values, required=False),
            OpenApiParameter("year", int, required=False),
            OpenApiParameter("region", str, required=False, description="区划代码前缀"),
            OpenApiParameter("household", int, required=False, description="贫困户 id"),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: ProcedurePageSerializer},
    )
    def get(self, request):
        params = request.query_params
        queryset = procedure_list(
            request.user,
            kind=params.get("kind", ""),
            status=params.get("status", ""),
            year=_year(params.get("year")),
            region=params.get("region", ""),
            household=_household(params.get("household")),
        )
        paginator = Paginator(queryset, PAGE_SIZE)
        number = _page_number(params.get("page"))
        try:
            rows = [_row(p) for p in paginator.page(number).object_list]
        except EmptyPage:
            rows = []
        return Response(
            {
                "count": paginator.count,
                "page": number,
                "pages": paginator.num_pages,
                "results": rows,
            }
        )


class ProcedureDetailApiView(APIView):
    """One procedure with its steps (who, when, evidence), objections and what blocks the next step."""

    scope_model = Procedure

    @extend_schema(
        tags=["考核评估"],
        summary="程序详情与办理记录",
        responses={200: ProcedureDetailOutSerializer},
    )
    def get(self, request, pk):
        procedure = procedure_get_for_user(request.user, pk)
        return Response(_detail(request.user, procedure))


class ProcedureStepApiView(APIView):
    """Take the next step: JSON, or multipart with the evidence file."""

    scope_model = Procedure
    parser_classes = [BoundedJSONParser, MultiPartParser]

    @extend_schema(
        tags=["考核评估"],
        summary="办理程序的下一步",
        request=ProcedureStepInSerializer,
        responses={201: ProcedureDetailOutSerializer},
    )
    def post(self, request, pk):
        procedure = procedure_get_for_user(request.user, pk)
        data = ProcedureStepInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.procedure_step_take(
            actor=request.user,
            procedure=procedure,
            step_code=values["step"],
            note=values.get("note", ""),
            acted_on=values.get("acted_on"),
            notice_start=values.get("notice_start"),
            evidence=values.get("evidence"),
        )
        procedure.refresh_from_db()
        return Response(_detail(request.user, procedure), status=201)


class ProcedureObjectionApiView(APIView):
    """Record an objection raised during the running notice; it blocks approval until settled."""

    scope_model = Procedure

    @extend_schema(
        tags=["考核评估"],
        summary="登记公示异议",
        request=ObjectionInSerializer,
        responses={201: ProcedureDetailOutSerializer},
    )
    def post(self, request, pk):
        procedure = procedure_get_for_user(request.user, pk)
        data = ObjectionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.objection_record(
            actor=request.user,
            procedure=procedure,
            content=values["content"],
            objector=values.get("objector", ""),
            raised_on=values.get("raised_on"),
        )
        procedure.refresh_from_db()
        return Response(_detail(request.user, procedure), status=201)


class ObjectionResolveApiView(APIView):
    """Record how an objection was settled."""

    scope_model = ProcedureObjection

    @extend_schema(
        tags=["考核评估"],
        summary="处理公示异议",
        request=ResolveInSerializer,
        responses={200: ProcedureDetailOutSerializer},
    )
    def post(self, request, pk):
        objection = get_for_user(
            request.user, ProcedureObjection.objects.select_related("procedure"), pk=pk
        )
        data = ResolveInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.objection_resolve(
            actor=request.user, objection=objection, resolution=data.validated_data["resolution"]
        )
        procedure = objection.procedure
        procedure.refresh_from_db()
        return Response(_detail(request.user, procedure))
