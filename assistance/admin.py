"""Admin for cadres, pairings, helping units and resident work teams (帮扶).

Households and villages are picked by id (raw id), never from a drop-down of every row;
cadres, units and teams through autocomplete. Every changelist joins what it shows in one
query (list_select_related) and can be narrowed by region with the shared prefix filter.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.models import (
    AidUnit,
    AidUnitVillage,
    Cadre,
    CadrePairing,
    WorkTeam,
    WorkTeamMember,
)
from assistance.rules import MSG_PAIRING_OVERLAP, pairing_problems, pairings_overlap
from poverty.admin_filters import RegionPrefixFilter
from poverty.audit.recording import AuditedAdminMixin

__all__ = [
    "AidUnitAdmin",
    "AidUnitVillageAdmin",
    "CadreAdmin",
    "CadrePairingAdmin",
    "CadrePairingAdminForm",
    "VersionedAdminMixin",
    "WorkTeamAdmin",
    "WorkTeamMemberAdmin",
    "WorkTeamMemberInline",
]


class VersionedAdminMixin:
    """An admin edit is a change like any other: the row's version goes up, so an API client
    holding the old version is told (409/412) instead of overwriting it. Not editable here."""

    exclude = ["version"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Cadre)
class CadreAdmin(VersionedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "unit_name",
        "position",
        "unit_level",
        "division_code",
        "is_active",
    ]
    list_filter = ["is_active", "unit_level", RegionPrefixFilter]
    search_fields = ["name", "unit_name", "position", "division_code"]
    raw_id_fields = ["user"]
    show_full_result_count = False


class CadrePairingAdminForm(forms.ModelForm):
    """The pairing rules of assistance.rules, as the Excel pairing import applies them."""

    class Meta:
        model = CadrePairing
        fields = ["cadre", "household", "start_date", "end_date", "end_reason"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        for problem in pairing_problems(
            start_date=start,
            end_date=end,
            end_reason=cleaned.get("end_reason") or "",
            today=timezone.localdate(),
        ):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        household = cleaned.get("household")
        if household is not None and start is not None and not self.errors:
            others = (
                CadrePairing.objects.filter(household=household)
                .exclude(pk=self.instance.pk)
                .select_related("cadre")
            )
            for other in others:
                if pairings_overlap((start, end), (other.start_date, other.end_date)):
                    self.add_error(
                        "start_date",
                        MSG_PAIRING_OVERLAP
                        % {"start": other.start_date.isoformat(), "name": other.cadre.name},
                    )
                    break
        return cleaned


@admin.register(CadrePairing)
class CadrePairingAdmin(VersionedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = CadrePairingAdminForm
    list_display = ["cadre", "household", "village", "start_date", "end_date", "end_reason"]
    list_filter = [("end_date", admin.EmptyFieldListFilter), RegionPrefixFilter]
    search_fields = ["cadre__name", "cadre__unit_name", "household__household_number"]
    list_select_related = ["cadre", "household__village"]
    raw_id_fields = ["household"]
    autocomplete_fields = ["cadre"]
    date_hierarchy = "start_date"
    show_full_result_count = False

    @admin.display(description=_("所在村"), ordering="household__village")
    def village(self, obj: CadrePairing):
        return obj.household.village


@admin.register(AidUnit)
class AidUnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit_type", "unit_level", "division_code", "contact_name"]
    list_filter = ["unit_type", "unit_level", RegionPrefixFilter]
    search_fields = ["name", "credit_code", "division_code", "contact_name"]
    show_full_result_count = False


@admin.register(AidUnitVillage)
class AidUnitVillageAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["aid_unit", "village", "start_year", "end_year"]
    list_filter = [("end_year", admin.EmptyFieldListFilter), RegionPrefixFilter]
    search_fields = ["aid_unit__name", "village__name", "village__code"]
    list_select_related = ["aid_unit", "village"]
    raw_id_fields = ["village"]
    autocomplete_fields = ["aid_unit"]
    show_full_result_count = False


class WorkTeamMemberInline(admin.TabularInline):
    model = WorkTeamMember
    fields = ["name", "role", "unit_name", "position", "phone", "user", "start_date", "end_date"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(WorkTeam)
class WorkTeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["village", "sending_unit", "sending_unit_name", "term_start", "term_end"]
    list_filter = [("term_end", admin.EmptyFieldListFilter), RegionPrefixFilter]
    search_fields = ["village__name", "village__code", "sending_unit__name", "sending_unit_name"]
    list_select_related = ["village", "sending_unit"]
    raw_id_fields = ["village"]
    autocomplete_fields = ["sending_unit"]
    inlines = [WorkTeamMemberInline]
    show_full_result_count = False


@admin.register(WorkTeamMember)
class WorkTeamMemberAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "role", "team", "village", "unit_name", "start_date", "end_date"]
    list_filter = ["role", ("end_date", admin.EmptyFieldListFilter), RegionPrefixFilter]
    search_fields = ["name", "unit_name", "team__village__name", "team__village__code"]
    list_select_related = ["team__village"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["team"]
    show_full_result_count = False

    @admin.display(description=_("驻村"), ordering="team__village")
    def village(self, obj: WorkTeamMember):
        return obj.team.village
