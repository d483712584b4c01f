"""The household FilterSet: one definition serves the list page, the API and the Excel exports.

Every filter narrows an already-scoped queryset (households.selectors.household_list); none
of them widens it. Text search is by prefix so that the varchar_pattern_ops indexes serve it.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households import choices as c
from households.models import GuaranteeStatus, Household, Member
from households.validators import normalize_id_number
from villages.codes import code_is_well_formed, code_prefix, code_under_q, normalize_code

__all__ = ["GUARANTEE_GAP_CHOICES", "MSG_BAD_REGION", "HouseholdFilterSet"]

MSG_BAD_REGION = _("区划代码格式不正确：应为12位数字或其前缀（2、4、6、9位）")

GUARANTEE_GAP_CHOICES = [
    ("food", _("吃不愁")),
    ("clothing", _("穿不愁")),
    ("education", _("义务教育无保障")),
    ("medical", _("基本医疗无保障")),
    ("housing", _("住房不安全")),
    ("water", _("饮水不安全")),
]


class RegionPrefixField(forms.CharField):
    """A division code or prefix; cleaned to the significant prefix ("431202")."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        code = normalize_code(value)
        if code_is_well_formed(code):
            return code_prefix(code)
        raise forms.ValidationError(MSG_BAD_REGION, code="bad_region")


class RegionPrefixFilter(django_filters.CharFilter):
    field_class = RegionPrefixField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(code_under_q("village__code", value))


class HouseholdFilterSet(django_filters.FilterSet):
    """Filters of the household list. Query parameters are the public names in the URL."""

    region = RegionPrefixFilter(label=_("区划"))
    # distinct=False: these are columns of the household itself (no join), and DISTINCT would
    # make PostgreSQL sort or hash every matching row before counting or paging.
    status = django_filters.MultipleChoiceFilter(
        choices=c.HouseholdStatus.choices, label=_("脱贫属性"), distinct=False
    )
    attribute = django_filters.MultipleChoiceFilter(
        choices=c.HouseholdAttribute.choices, label=_("贫困户属性"), distinct=False
    )
    main_cause = django_filters.MultipleChoiceFilter(
        choices=c.CauseOfPoverty.choices, label=_("主要致贫原因"), distinct=False
    )
    identified_year = django_filters.NumberFilter(label=_("识别年度"))
    exit_year = django_filters.NumberFilter(label=_("脱贫年度"))
    year = django_filters.NumberFilter(method="filter_noop", label=_("数据年度"))
    gap = django_filters.MultipleChoiceFilter(
        choices=GUARANTEE_GAP_CHOICES, method="filter_gap", label=_("保障缺口"), distinct=False
    )
    cadre = django_filters.NumberFilter(method="filter_cadre", label=_("帮扶责任人"))
    not_visited_days = django_filters.NumberFilter(
        method="filter_not_visited", min_value=1, max_value=3660, label=_("超过N天未走访")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("户主/成员姓名、户编号或证件号码"))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated", lookup_expr="gte", label=_("更新时间不早于")
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("household_number", "household_number"),
            ("village", "village"),
            ("identified_year", "identified_year"),
            ("status", "status"),
            ("updated", "updated"),
        ),
        label=_("排序"),
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_gap: the year the guarantee gap is looked at

    def filter_gap(self, queryset, name, value):
        """Households with a *not met* guarantee item in the chosen year (default: any year)."""
        if not value:
            return queryset
        year = self.form.cleaned_data.get("year")
        gaps = Q()
        for item in value:
            gaps |= Q(**{item: c.GuaranteeState.NOT_MET})
        statuses = GuaranteeStatus.objects.filter(gaps, household=OuterRef("pk"))
        if year:
            statuses = statuses.filter(year=year)
        return queryset.filter(Exists(statuses))

    def filter_cadre(self, queryset, name, value):
        from assistance.models import CadrePairing

        paired = CadrePairing.objects.filter(
            household=OuterRef("pk"), cadre_id=value, end_date__isnull=True
        )
        return queryset.filter(Exists(paired))

    def filter_not_visited(self, queryset, name, value):
        """Households with no visit (assistance.Visit) within the last ``value`` days."""
        from assistance.models import Visit
        from assistance.rules import visit_cutoff

        if not value:
            return queryset
        recent = Visit.objects.filter(
            household=OuterRef("pk"), visited_on__gt=visit_cutoff(timezone.localdate(), int(value))
        )
        return queryset.filter(~Exists(recent))

    def filter_q(self, queryset, name, value):
        """户编号 prefix, member name prefix, or citizen ID (exact, or a prefix of 6+ characters)."""
        text = (value or "").strip()
        if not text:
            return queryset
        id_text = normalize_id_number(text)
        member_match = Q(name__startswith=text)
        if len(id_text) >= 6 and id_text[:6].isdigit():
            member_match |= Q(id_number__startswith=id_text)
        members = Member.objects.filter(member_match, household=OuterRef("pk"))
        return queryset.filter(Q(household_number__startswith=text) | Exists(members))
