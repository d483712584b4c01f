"""Bulk reads of the stored verdicts and statistics (provincial platforms sync these).

Read only, keyset (cursor) pages like the household list, filters like the pages (``region``
is a division-code prefix). Rows come through assessment.list_selectors (poverty.scoping):
out-of-scope rows are never listed. A page costs a fixed number of queries whatever its size:
the rows with their reason lists (one join), then the page's monitoring flags or region
verdicts in one query.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers

from assessment.api.rows import readiness_row, region_statistic_row
from assessment.api.serializers import ReasonSerializer
from assessment.choices import Outcome
from assessment.list_selectors import (
    monitoring_flags_by_key,
    ranking_entries_for_user,
    readiness_rows_for_user,
    region_statistics_for_user,
    region_verdicts_by_key,
)
from assessment.models import HouseholdReadiness, RankingEntry, RegionStatistic
from households.api.filters import RegionCodePrefixFilter
from poverty.api.pagination import KeysetPagination
from villages.choices import RegionLevel

__all__ = [
    "HouseholdVerdictListApiView",
    "RankingEntryListApiView",
    "RegionStatisticListApiView",
]

YEAR_BOUNDS = {"min_value": 1949, "max_value": 2100}
TAGS = ["考核评估"]
COMPUTED_SINCE = {
    "field_name": "computed_at",
    "lookup_expr": "gte",
    "label": _("计算时间不早于（增量同步）"),
}


# --- filters ---------------------------------------------------------------------------------


class HouseholdVerdictFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("division_code")
    year = django_filters.NumberFilter(label=_("年度"), **YEAR_BOUNDS)
    eligible = django_filters.BooleanFilter(label=_("达到退出标准（true/false）"))
    outcome = django_filters.MultipleChoiceFilter(choices=Outcome.choices, label=_("结论"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户ID"))
    monitor = django_filters.BooleanFilter(label=_("纳入监测预警（true/false）"))

    computed_since = django_filters.IsoDateTimeFilter(**COMPUTED_SINCE)

    class Meta:
        model = HouseholdReadiness
        fields: list[str] = []


class RegionStatisticFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("region_code")
    year = django_filters.NumberFilter(label=_("年度"), **YEAR_BOUNDS)
    level = django_filters.MultipleChoiceFilter(choices=RegionLevel.choices, label=_("层级"))

    computed_since = django_filters.IsoDateTimeFilter(**COMPUTED_SINCE)

    class Meta:
        model = RegionStatistic
        fields: list[str] = []


class RankingEntryFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("region_code")
    year = django_filters.NumberFilter(label=_("年度"), **YEAR_BOUNDS)
    config = django_filters.NumberFilter(field_name="config_id", label=_("排名设置ID"))
    is_bottom = django_filters.BooleanFilter(label=_("末位（true/false）"))

    computed_since = django_filters.IsoDateTimeFilter(**COMPUTED_SINCE)

    class Meta:
        model = RankingEntry
        fields: list[str] = []


# --- shapes (OpenAPI) ------------------------------------------------------------------------


class HouseholdVerdictRowSerializer(serializers.Serializer):
    household_id = serializers.IntegerField(help_text="贫困户ID")
    division_code = serializers.CharField(help_text="所在村的12位区划代码")
    year = serializers.IntegerField(help_text="年度")
    eligible = serializers.BooleanField(help_text="是否达到退出标准")
    outcome = serializers.ChoiceField(Outcome.values, help_text="结论")
    per_capita_net_income = serializers.FloatField(allow_null=True, help_text="人均纯收入（元）")
    income_line = serializers.FloatField(allow_null=True, help_text="对照的收入标准（元）")
    monitor = serializers.BooleanField(help_text="是否纳入防返贫监测预警")
    reasons = ReasonSerializer(many=True, help_text="未达标或待核的原因：代码和中文说明")
    monitor_flags = ReasonSerializer(many=True, help_text="监测预警原因")
    computed_at = serializers.DateTimeField(help_text="计算时间")


class RegionVerdictSerializer(serializers.Serializer):
    level = serializers.CharField()
    eligible = serializers.BooleanField()
    outcome = serializers.ChoiceField(Outcome.values)
    reasons = ReasonSerializer(many=True)


class RegionStatisticRowSerializer(serializers.Serializer):
    region_code = serializers.CharField(help_text="12位区划代码")
    level = serializers.ChoiceField(RegionLevel.values, help_text="层级")
    year = serializers.IntegerField()
    households = serializers.IntegerField(help_text="建档立卡户数")
    people = serializers.IntegerField(help_text="建档立卡人数")
    exited_households = serializers.IntegerField(help_text="已脱贫户数")
    exited_people = serializers.IntegerField(help_text="已脱贫人数")
    remaining_households = serializers.IntegerField(help_text="未脱贫户数")
    remaining_people = serializers.IntegerField(help_text="未脱贫人数")
    ready_households = serializers.IntegerField(help_text="未脱贫户中达标户数")
    monitored_households = serializers.IntegerField(help_text="监测预警户数")
    rural_population = serializers.IntegerField(allow_null=True, help_text="农村户籍人口")
    incidence = serializers.FloatField(allow_null=True, help_text="贫困发生率（0–1）")
    computed_at = serializers.DateTimeField(help_text="计算时间")
    verdict = RegionVerdictSerializer(
        allow_null=True, help_text="贫困村出列/贫困县摘帽结论（仅村、县；其他层级为 null）"
    )


class RankingEntryRowSerializer(serializers.Serializer):
    config = serializers.IntegerField(help_text="排名设置ID")
    config_name = serializers.CharField(help_text="排名名称")
    year = serializers.IntegerField()
    region_code = serializers.CharField(help_text="被排名的乡镇或村的区划代码")
    region_name = serializers.CharField()
    rank = serializers.IntegerField(help_text="名次")
    score = serializers.FloatField(help_text="得分")
    indicators = serializers.DictField(help_text="各指标值")
    missing = serializers.ListField(child=serializers.CharField(), help_text="缺少数据的指标")
    is_bottom = serializers.BooleanField(help_text="末位标记")
    computed_at = serializers.DateTimeField()


VERDICT_EXAMPLE = {
    "household_id": 1042,
    "division_code": "431202100201",
    "year": 2019,
    "eligible": False,
    "outcome": "not_eligible",
    "per_capita_net_income": 2000.0,
    "income_line": 3218.0,
    "monitor": False,
    "reasons": [
        {
            "code": "income_below_line",
            "message": "2019 年人均纯收入 2,000 元，低于标准 3,218 元",
            "severity": "fail",
        }
    ],
    "monitor_flags": [],
    "computed_at": "2026-03-02T02:10:00+08:00",
}
STATISTIC_EXAMPLE = {
    "region_code": "431202100201",
    "level": "village",
    "year": 2019,
    "households": 86,
    "people": 301,
    "exited_households": 80,
    "exited_people": 283,
    "remaining_households": 6,
    "remaining_people": 18,
    "ready_households": 4,
    "monitored_households": 3,
    "rural_population": 1204,
    "incidence": 0.01495,
    "computed_at": "2026-03-02T02:10:00+08:00",
    "verdict": {"level": "village", "eligible": True, "outcome": "eligible", "reasons": []},
}
RANKING_EXAMPLE = {
    "config": 3,
    "config_name": "鹤城区村级排名",
    "year": 2019,
    "region_code": "431202100201",
    "region_name": "甲村",
    "rank": 1,
    "score": 92.5,
    "indicators": {"exit_progress": 0.93},
    "missing": [],
    "is_bottom": False,
    "computed_at": "2026-03-02T02:10:00+08:00",
}


def _page_example(name: str, row: dict) -> OpenApiExample:
    return OpenApiExample(
        name, value={"next": None, "previous": None, "results": [row]}, response_only=True
    )


# --- views -----------------------------------------------------------------------------------


class ReadinessPagination(KeysetPagination):
    """Readiness rows are keyed by (household, year): that pair is the keyset ordering."""

    @staticmethod
    def ordering_for(model, names, view) -> list[tuple[str, bool]]:
        return [("household_id", False), ("year", False)]


class _StoredRowListView(generics.ListAPIView):
    pagination_class = KeysetPagination

    def rows(self, page: list) -> list[dict]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.rows(page))


@extend_schema(
    tags=TAGS,
    summary="贫困户退出达标情况列表（批量同步）",
    description=(
        "已保存的各户各年度退出达标结论，每行附原因（代码和中文说明）和监测预警原因。"
        "按管辖范围；帮扶责任人只看到结对户。按 户ID、年度 排序，游标分页。"
        "筛选：region（区划代码前缀）、year、eligible、outcome、household、monitor、computed_since。"
    ),
    examples=[_page_example("一户一年", VERDICT_EXAMPLE)],
)
class HouseholdVerdictListApiView(_StoredRowListView):
    scope_model = HouseholdReadiness
    serializer_class = HouseholdVerdictRowSerializer
    filterset_class = HouseholdVerdictFilterSet
    pagination_class = ReadinessPagination

    def get_queryset(self):
        return readiness_rows_for_user(self.request.user)

    def rows(self, page: list) -> list[dict]:
        flags = monitoring_flags_by_key(self.request.user, page)
        return [
            {
                "household_id": row.household_id,
                "division_code": row.division_code,
                **readiness_row(row, flags.get((row.household_id, row.year), [])),
            }
            for row in page
        ]


@extend_schema(
    tags=TAGS,
    summary="区域统计列表（批量同步）",
    description=(
        "各区域各年度的户数、人数、已脱贫、未脱贫、贫困发生率；村、县附出列/摘帽结论及原因。"
        "按汇总范围（与区域统计页相同）。按 区划代码、年度 排序，游标分页。"
        "筛选：region（区划代码前缀，含该区域本身）、year、level、computed_since。"
    ),
    examples=[_page_example("一村一年", STATISTIC_EXAMPLE)],
)
class RegionStatisticListApiView(_StoredRowListView):
    scope_model = RegionStatistic
    serializer_class = RegionStatisticRowSerializer
    filterset_class = RegionStatisticFilterSet
    default_ordering = ("region_code", "year")

    def get_queryset(self):
        return region_statistics_for_user(self.request.user)

    def rows(self, page: list) -> list[dict]:
        verdicts = region_verdicts_by_key(self.request.user, page)
        rows = []
        for stat in page:
            verdict = verdicts.get((stat.region_code, stat.year))
            rows.append(
                {
                    "region_code": stat.region_code,
                    "level": stat.level,
                    **region_statistic_row(stat, verdict),
                    "computed_at": stat.computed_at,
                }
            )
        return rows


@extend_schema(
    tags=TAGS,
    summary="排名结果列表（批量同步）",
    description=(
        "已计算的乡镇、村排名结果，仅限您可查看的启用中的排名设置（与排名页相同）。"
        "按 排名设置、年度、名次 排序，游标分页。筛选：region（被排名单位的区划代码前缀）、"
        "year、config、is_bottom、computed_since。"
    ),
    examples=[_page_example("一村", RANKING_EXAMPLE)],
)
class RankingEntryListApiView(_StoredRowListView):
    scope_model = RankingEntry
    serializer_class = RankingEntryRowSerializer
    filterset_class = RankingEntryFilterSet
    default_ordering = ("config", "year", "rank", "region_code")

    def get_queryset(self):
        return ranking_entries_for_user(self.request.user)

    def rows(self, page: list) -> list[dict]:
        return [
            {
                "config": entry.config_id,
                "config_name": entry.config.name,
                "year": entry.year,
                "region_code": entry.region_code,
                "region_name": entry.region_name,
                "rank": entry.rank,
                "score": float(entry.score),
                "indicators": entry.indicators,
                "missing": entry.missing,
                "is_bottom": entry.is_bottom,
                "computed_at": entry.computed_at,
            }
            for entry in page
        ]
