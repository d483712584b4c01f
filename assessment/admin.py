"""Admin for the policy standards and checklists (the administrator maintains them), county
assessment figures and rankings. Every change leaves history (AuditedAdminMixin); a change of
a standard or checklist item is refused if it would loosen a wider one, and starts a full
recomputation after the commit.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin
from django.forms.models import construct_instance
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessment import services
from assessment.choices import Evidence
from assessment.models import (
    ChecklistItem,
    CountyAssessmentFigures,
    PolicyStandard,
    RankingConfig,
    RegionReadiness,
    RegionStatistic,
)
from poverty.audit.recording import AuditedAdminMixin

__all__ = [
    "ChecklistItemAdmin",
    "CountyAssessmentFiguresAdmin",
    "PolicyStandardAdmin",
    "RankingConfigAdmin",
]


def _evidence_badge(obj) -> str:
    if obj.evidence == Evidence.UNVERIFIED:
        return format_html(
            '<span style="color:#b45309;font-weight:bold">[U] {}</span>', _("待核实")
        )
    return f"[{obj.evidence}]"


def _candidate(form: forms.ModelForm):
    """The instance as it would be saved, without touching the form's own instance."""
    return construct_instance(form, copy.copy(form.instance))


class PolicyStandardForm(forms.ModelForm):
    """Refuses a value looser than the wider scope's, or overlapping years (services)."""

    class Meta:
        model = PolicyStandard
        fields = [
            "key",
            "scope_code",
            "region_class",
            "year_from",
            "year_to",
            "value",
            "measure",
            "evidence",
            "source",
            "note",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for problem in services.standard_problems(_candidate(self)):
                self.add_error("value", problem)
        return cleaned


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = [
            "code",
            "level",
            "scope_code",
            "checklist_name",
            "indicator",
            "fact",
            "operator",
            "threshold",
            "unit",
            "veto",
            "evidence_required",
            "year_from",
            "year_to",
            "evidence",
            "source",
            "sort_order",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for problem in services.checklist_item_problems(_candidate(self)):
                self.add_error("threshold", problem)
        return cleaned


class RankingConfigForm(forms.ModelForm):
    class Meta:
        model = RankingConfig
        fields = ["name", "region_code", "unit_level", "weights", "bottom_n", "is_active"]

    def clean_weights(self):
        weights = self.cleaned_data.get("weights")
        problems = services.ranking_weights_problems(weights)
        if problems:
            raise forms.ValidationError(problems[0])
        return weights


class _RecomputeOnChange:
    """After a save or delete commits, recompute (debounced: edits share one job)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.standards_changed(actor=request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.standards_changed(actor=request.user)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.standards_changed(actor=request.user)


@admin.register(PolicyStandard)
class PolicyStandardAdmin(_RecomputeOnChange, AuditedAdminMixin, admin.ModelAdmin):
    form = PolicyStandardForm
    list_display = ["key", "scope_code", "region_class", "years", "value", "measure", "mark"]
    list_filter = ["evidence", "key", "region_class"]
    search_fields = ["key", "scope_code", "source", "note"]
    ordering = ["key", "scope_code", "region_class", "year_from"]

    @admin.display(description=_("年度"))
    def years(self, obj):
        return obj.years_label

    @admin.display(description=_("依据"), ordering="evidence")
    def mark(self, obj):
        return _evidence_badge(obj)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(_RecomputeOnChange, AuditedAdminMixin, admin.ModelAdmin):
    form = ChecklistItemForm
    list_display = [
        "checklist_name",
        "level",
        "scope_code",
        "code",
        "indicator",
        "operator",
        "threshold",
        "veto",
        "mark",
    ]
    list_filter = ["level", "evidence", "veto", "checklist_name"]
    search_fields = ["code", "indicator", "checklist_name", "scope_code"]

    @admin.display(description=_("依据"), ordering="evidence")
    def mark(self, obj):
        return _evidence_badge(obj)


@admin.register(CountyAssessmentFigures)
class CountyAssessmentFiguresAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "county_code",
        "year",
        "comprehensive_incidence",
        "wrong_exit_rate",
        "missed_rate",
        "approval_rate",
    ]
    search_fields = ["county_code", "source"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.recompute_request(region_code=obj.county_code, year=obj.year, actor=request.user)


@admin.register(RankingConfig)
class RankingConfigAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = RankingConfigForm
    list_display = ["name", "region_code", "unit_level", "bottom_n", "is_active"]
    list_filter = ["unit_level", "is_active"]
    search_fields = ["name", "region_code"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        services.recompute_request(region_code=obj.region_code, actor=request.user)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Derived tables: written by the jobs only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegionStatistic)
class RegionStatisticAdmin(_ReadOnlyAdmin):
    list_display = [
        "region_code",
        "level",
        "year",
        "households",
        "remaining_people",
        "rural_population",
        "incidence",
    ]
    list_filter = ["level", "year"]
    search_fields = ["region_code"]


@admin.register(RegionReadiness)
class RegionReadinessAdmin(_ReadOnlyAdmin):
    list_display = ["region_code", "level", "year", "outcome", "incidence"]
    list_filter = ["level", "year", "outcome"]
    search_fields = ["region_code"]
