"""Region API: the division tree the user may see (their region, below it, and its ancestors)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from households.api.filters import RegionCodePrefixFilter
from poverty.api.views import ScopedReadViewSet
from villages.api.serializers import RegionSerializer
from villages.choices import RegionLevel
from villages.models import Region

__all__ = ["RegionFilterSet", "RegionViewSet"]


class RegionFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("code")
    level = django_filters.MultipleChoiceFilter(choices=RegionLevel.choices, label=_("层级"))
    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区划代码"))
    is_poor_village = django_filters.BooleanFilter(label=_("贫困村"))
    name = django_filters.CharFilter(lookup_expr="startswith", label=_("名称（前缀）"))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated", lookup_expr="gte", label=_("更新时间不早于")
    )

    class Meta:
        model = Region
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="行政区划列表",
        description="本人管辖区域及其下级，另加上级区划（便于逐级选择）。region=431202 取某县全部下级。",
    ),
    retrieve=extend_schema(summary="行政区划详情（按12位区划代码）"),
)
class RegionViewSet(ScopedReadViewSet):
    scope_model = Region
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    queryset = Region.objects.all()
