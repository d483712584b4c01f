"""FilterSets of the household-related API lists other than households themselves.

Households use households.filters.HouseholdFilterSet, the same one as the list page. These
follow its conventions: ``region`` is a division-code prefix, ``updated_since`` serves
incremental sync, and every filter narrows an already-scoped queryset.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from households import choices as c
from households.filters import RegionPrefixField
from households.models import AnnualIncome, GuaranteeStatus, HouseholdStatusChange, Member

__all__ = [
    "AnnualIncomeFilterSet",
    "GuaranteeStatusFilterSet",
    "HouseholdStatusChangeFilterSet",
    "MemberFilterSet",
    "RegionCodePrefixFilter",
]


class RegionCodePrefixFilter(django_filters.CharFilter):
    """``region=431202`` (or a full 12-digit code): rows whose division code starts with it."""

    field_class = RegionPrefixField

    def __init__(self, field_name: str, **kwargs):
        kwargs.setdefault("label", _("区划代码或前缀"))
        super().__init__(field_name=field_name, lookup_expr="startswith", **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": value})


class _HouseholdChildFilterSet(django_filters.FilterSet):
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户ID"))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated", lookup_expr="gte", label=_("更新时间不早于（增量同步）")
    )


class MemberFilterSet(_HouseholdChildFilterSet):
    region = RegionCodePrefixFilter("division_code")
    is_active = django_filters.BooleanFilter(label=_("在户"))
    relation = django_filters.MultipleChoiceFilter(
        choices=c.Relation.choices, label=_("与户主关系")
    )
    name = django_filters.CharFilter(lookup_expr="startswith", label=_("姓名（前缀）"))

    class Meta:
        model = Member
        fields: list[str] = []


class AnnualIncomeFilterSet(_HouseholdChildFilterSet):
    region = RegionCodePrefixFilter("household__village__code")
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = AnnualIncome
        fields: list[str] = []


class GuaranteeStatusFilterSet(_HouseholdChildFilterSet):
    region = RegionCodePrefixFilter("household__village__code")
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = GuaranteeStatus
        fields: list[str] = []


class HouseholdStatusChangeFilterSet(django_filters.FilterSet):
    region = RegionCodePrefixFilter("household__village__code")
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户ID"))
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = HouseholdStatusChange
        fields: list[str] = []
