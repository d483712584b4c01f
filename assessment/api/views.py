"""Assessment API: the what-if calculator and scoped reads of verdicts with their reasons.

Reads go through poverty.scoping (get_for_user / summary prefixes): a household or region
outside the user's scope is a 404, never a 403.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.api import serializers as s
from assessment.api.rows import readiness_row, region_statistic_row
from assessment.selectors import household_verdicts, region_summary, whatif_run
from assessment.whatif import PayloadError
from households.models import Household
from households.selectors import household_get_for_user
from villages.models import Region

__all__ = ["HouseholdVerdictsApiView", "RegionAssessmentApiView", "WhatIfApiView"]

WHATIF_EXAMPLE = {
    "cases": [
        {
            "id": "a1",
            "level": "household",
            "year": 2019,
            "province": "62",
            "identified_year": 2016,
            "household_size": 4,
            "income": {
                "wage": 8000,
                "business": 3000,
                "property": 0,
                "transfer": 2400,
                "business_costs": 1000,
            },
            "guarantees": {
                "food": "met",
                "clothing": "met",
                "education": "met",
                "medical": "met",
                "housing": "met",
                "water": "met",
            },
            "housing_grade": "B",
            "members": [{"age": 12, "in_school": True, "medical_insured": True}],
        },
        {
            "id": "v1",
            "level": "village",
            "year": 2019,
            "province": "51",
            "west": True,
            "rural_population": 1200,
            "remaining_poor": 30,
            "checklist": {"collective_income": True},
        },
        {
            "id": "c1",
            "level": "county",
            "year": 2019,
            "province": "62",
            "west": True,
            "incidence": 0.021,
            "wrong_exit_rate": 0.01,
            "missed_rate": 0.015,
            "approval_rate": 0.93,
        },
    ]
}


class WhatIfApiView(APIView):
    """POST cases, get verdicts; nothing is saved. GET describes the input with an example."""

    # A household-level tool for logged-in users; it reads the standards table only.
    scope_model = Household

    @extend_schema(
        tags=["考核评估"],
        summary="试算：退出、出列、摘帽（不保存）",
        request=s.WhatIfRequestSerializer,
        responses={200: s.WhatIfResponseSerializer},
        examples=[OpenApiExample("三个层级各一例", value=WHATIF_EXAMPLE, request_only=True)],
    )
    def post(self, request):
        try:
            result = whatif_run(request.data)
        except PayloadError as exc:
            raise exceptions.ValidationError({"cases": [exc.message]}) from exc
        return Response(result)

    @extend_schema(
        tags=["考核评估"],
        summary="试算接口的输入示例",
        responses={200: s.WhatIfRequestSerializer},
    )
    def get(self, request):
        return Response(WHATIF_EXAMPLE)


class HouseholdVerdictsApiView(APIView):
    """A household's exit readiness for every year, with reasons and monitoring flags."""

    scope_model = Household

    @extend_schema(
        tags=["考核评估"],
        summary="贫困户各年度退出达标情况及原因",
        responses={200: s.HouseholdVerdictsSerializer},
    )
    def get(self, request, pk):
        household = household_get_for_user(request.user, pk)
        verdicts = household_verdicts(request.user, household)
        return Response(
            {
                "household_id": household.pk,
                "household_number": household.household_number,
                "years": [readiness_row(row, row.flags) for row in verdicts["readiness"]],
            }
        )


class RegionAssessmentApiView(APIView):
    """A region's statistics by year, with its 出列/摘帽 verdict and reasons."""

    scope_model = Region
    scope_action = "summary"

    @extend_schema(
        tags=["考核评估"],
        summary="区域各年度统计与出列/摘帽结论",
        responses={200: s.RegionAssessmentSerializer},
    )
    def get(self, request, pk):
        summary = region_summary(request.user, pk)
        region = summary["region"]
        verdicts = {v.year: v for v in summary["verdicts"]}
        years = []
        for stat in summary["statistics"]:
            verdict = verdicts.get(stat.year)
            years.append(region_statistic_row(stat, verdict))
        return Response(
            {"code": region.code, "name": region.name, "level": region.level, "years": years}
        )
