"""The visit FilterSet: one definition for the visit log page (and, later, API and ledger)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from assistance.choices import VisitKind, VisitorRole
from assistance.models import Visit
from households.filters import RegionPrefixField
from households.models import Member

__all__ = ["VisitFilterSet"]


class _DivisionPrefixFilter(django_filters.CharFilter):
    field_class = RegionPrefixField

    def filter(self, qs, value):
        return qs.filter(division_code__startswith=value) if value else qs


class VisitFilterSet(django_filters.FilterSet):
    region = _DivisionPrefixFilter(label=_("区划"))
    visited_from = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", label=_("走访日期起")
    )
    visited_to = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", label=_("走访日期止")
    )
    kind = django_filters.MultipleChoiceFilter(choices=VisitKind.choices, label=_("走访方式"))
    visitor_role = django_filters.MultipleChoiceFilter(
        choices=VisitorRole.choices, label=_("走访人身份")
    )
    follow_up_needed = django_filters.BooleanFilter(label=_("需要跟进"))
    cadre = django_filters.NumberFilter(field_name="cadre_id", label=_("帮扶责任人"))
    household = django_filters.NumberFilter(field_name="household_id", label=_("贫困户"))
    q = django_filters.CharFilter(method="filter_q", label=_("户编号、户主姓名或走访人"))

    class Meta:
        model = Visit
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        text = (value or "").strip()
        if not text:
            return queryset
        heads = Member.objects.filter(
            household=OuterRef("household_id"), relation="01", name__startswith=text
        )
        return queryset.filter(
            Q(household__household_number__startswith=text)
            | Q(visitor_name__startswith=text)
            | Exists(heads)
        )
