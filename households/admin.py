"""Admin for the household registry (贫困户, 家庭成员, 年度收入, 两不愁三保障, 状态变更).

- The household list shows the head's name through a subquery annotation and the village
  through list_select_related, so its query count does not grow with the page.
- Search is by prefix (户编号, 姓名, 证件号码), which the varchar_pattern_ops indexes serve;
  Django's default ``icontains`` would scan the whole member table.
- Members are edited with households.forms (MemberForm, MemberInlineFormSet), so the admin
  applies the same ID and household rules as the pages.
- Income figures (年收入, 纯收入, 人均纯收入) are read-only and recomputed on save.
- Status, exit year and soft deletion are read-only here: they change through the workflow
  services (households.services), which also record the change history.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from households.choices import Relation
from households.forms import HouseholdForm, MemberForm, MemberInlineFormSet
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.services import annual_income_recompute
from households.validators import id_upgrade_legacy, normalize_id_number
from poverty.admin_filters import RegionPrefixFilter
from poverty.audit.recording import AuditedAdminMixin

__all__ = [
    "AnnualIncomeAdmin",
    "AnnualIncomeInline",
    "GuaranteeStatusAdmin",
    "GuaranteeStatusInline",
    "HouseholdAdmin",
    "HouseholdStatusChangeAdmin",
    "MemberAdmin",
    "MemberInline",
    "PrefixSearchMixin",
]

INCOME_DERIVED_FIELDS = ["gross_income", "net_income", "per_capita_net_income"]
INCOME_FIELDSETS = [
    (None, {"fields": ["year", "period_start", "period_end", "household_size"]}),
    (
        _("收入"),
        {
            "fields": [
                "wage",
                "business",
                ("property_dividend", "property_other"),
                ("family_planning", "dibao", "tekun"),
                ("pension", "eco_compensation", "transfer_other"),
            ]
        },
    ),
    (_("支出"), {"fields": ["business_costs"]}),
    (
        _("算账结果（保存时自动计算）"),
        {"fields": [*INCOME_DERIVED_FIELDS, "confirmed_by_head"]},
    ),
]
GUARANTEE_FIELDSETS = [
    (None, {"fields": ["year", ("food", "clothing"), ("education", "medical", "housing")]}),
    (
        _("饮水安全"),
        {
            "fields": [
                "water",
                ("water_litres_per_day", "water_quality_ok"),
                ("water_trip_minutes", "water_reliability_pct"),
            ]
        },
    ),
    (_("核查"), {"fields": ["evidence_note", ("checked_by", "checked_by_name", "checked_on")]}),
]


class PrefixSearchMixin:
    """Admin search where every term must be the start of one of ``search_fields``.

    Fields in ``id_number_search_fields`` get the term as an ID number: normalised (lower-case
    x, full-width digits) and, for a 15-digit legacy number, also its 18-digit form.
    """

    id_number_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        terms = search_term.split()
        if not terms or not self.search_fields:
            return queryset, False
        for term in terms:
            condition = Q()
            for field in self.search_fields:
                if field in self.id_number_search_fields:
                    number = normalize_id_number(term)
                    condition |= Q(**{f"{field}__startswith": number})
                    if len(number) == 15 and number.isascii() and number.isdigit():
                        condition |= Q(**{field: id_upgrade_legacy(number)})
                else:
                    condition |= Q(**{f"{field}__startswith": term})
            queryset = queryset.filter(condition)
        # A search through members can match one household several times; Django then
        # keeps each row once (an EXISTS subquery, not DISTINCT over the whole row).
        return queryset, any("__" in field for field in self.search_fields)


class MemberInline(admin.TabularInline):
    model = Member
    form = MemberForm
    formset = MemberInlineFormSet
    fields = [
        "name",
        "id_number",
        "sex",
        "birth_date",
        "relation",
        "ethnicity",
        "health",
        "labour_ability",
        "is_active",
        "change_reason",
        "changed_on",
        "id_note",
    ]
    show_change_link = True  # the member page has every field

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0  # a new household needs its head


class AnnualIncomeInline(admin.StackedInline):
    model = AnnualIncome
    fieldsets = INCOME_FIELDSETS
    readonly_fields = INCOME_DERIVED_FIELDS
    extra = 0


class GuaranteeStatusInline(admin.StackedInline):
    model = GuaranteeStatus
    fieldsets = GUARANTEE_FIELDSETS
    raw_id_fields = ["checked_by"]
    extra = 0


@admin.register(Household)
class HouseholdAdmin(AuditedAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    form = HouseholdForm
    list_display = [
        "household_number",
        "head_name",
        "village",
        "status",
        "attribute",
        "identified_year",
    ]
    list_select_related = ["village"]
    list_filter = [
        "status",
        "attribute",
        "main_cause",
        "identified_year",
        "is_deleted",
        RegionPrefixFilter,
    ]
    search_fields = ["household_number", "members__name", "members__id_number"]
    id_number_search_fields = ("members__id_number",)
    search_help_text = _("按户编号、成员姓名或证件号码的开头查找")
    show_full_result_count = False  # no count(*) over the whole registry on every page
    raw_id_fields = ["village"]
    readonly_fields = [
        "status",
        "status_changed_on",
        "exit_year",
        "registered_village_code",
        "is_deleted",
        "deleted_reason",
        "deleted_at",
        "deleted_by",
        "version",
        "created",
        "updated",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("household_number", "village"),
                    ("group_name", "address"),
                    ("system_version", "identification_standard"),
                    ("attribute", "identified_year"),
                    ("phone", "bank_name", "bank_account"),
                ]
            },
        ),
        (
            _("致贫原因"),
            {
                "fields": [
                    "main_cause",
                    "other_causes",
                    "cause_note",
                    ("is_military_family", "is_only_child_family", "is_two_daughter_family"),
                ]
            },
        ),
        (
            _("生产条件"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("cultivated_land_mu", "irrigated_land_mu"),
                    ("forest_land_mu", "grain_to_green_mu", "fruit_forest_mu"),
                    ("pasture_mu", "water_surface_mu"),
                    ("in_cooperative", "led_by_enterprise", "led_by_entrepreneur"),
                ],
            },
        ),
        (
            _("生活条件"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("has_production_power", "has_living_power", "has_broadcast_tv"),
                    ("distance_to_road_km", "access_road"),
                    ("housing_area", "is_dangerous_house", "house_grade"),
                    ("has_sanitary_toilet", "fuel_type"),
                    ("water_source", "has_water_difficulty", "has_safe_water"),
                ],
            },
        ),
        (
            _("易地扶贫搬迁"),
            {
                "classes": ["collapse"],
                "fields": [
                    "is_relocated",
                    ("relocation_mode", "resettlement_mode", "resettlement_place"),
                    ("latitude", "longitude"),
                ],
            },
        ),
        (
            _("状态与删除（由业务流程维护）"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("status", "status_changed_on", "exit_year"),
                    "registered_village_code",
                    ("is_deleted", "deleted_reason", "deleted_at", "deleted_by"),
                    ("version", "created", "updated"),
                ],
            },
        ),
    ]
    inlines = [MemberInline, AnnualIncomeInline, GuaranteeStatusInline]

    def get_queryset(self, request):
        heads = Member.objects.filter(
            household=OuterRef("pk"), relation=Relation.HEAD, is_active=True
        ).values("name")[:1]
        return super().get_queryset(request).annotate(head_name=Subquery(heads))

    @admin.display(description=_("户主姓名"), ordering="head_name")
    def head_name(self, obj: Household) -> str:
        return obj.head_name or "—"

    def has_delete_permission(self, request, obj=None) -> bool:
        # A household is never removed by a user: soft deletion with a reason goes through
        # households.services.household_soft_delete; purging is a management command.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1  # open edit pages elsewhere now see a newer version
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "village" in form.changed_data:
            # Member.division_code is a copy of the village code (member scoping).
            Member.objects.filter(household=form.instance).update(
                division_code=form.instance.village_id
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is AnnualIncome:
            # The forms' instances already hold the entered figures; derive the rest before
            # the (audited) save writes them.
            for income_form in formset.forms:
                if income_form.has_changed() and income_form not in formset.deleted_forms:
                    annual_income_recompute(income_form.instance)
        super().save_formset(request, form, formset, change)


@admin.register(Member)
class MemberAdmin(AuditedAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    form = MemberForm
    list_display = [
        "name",
        "id_number",
        "household",
        "relation",
        "sex",
        "birth_date",
        "health",
        "is_active",
    ]
    list_select_related = ["household"]
    list_filter = [
        "is_active",
        "relation",
        "sex",
        "health",
        "labour_ability",
        "school_status",
        RegionPrefixFilter,
    ]
    search_fields = ["name", "id_number"]
    id_number_search_fields = ("id_number",)
    search_help_text = _("按姓名或证件号码的开头查找")
    show_full_result_count = False
    raw_id_fields = ["household"]
    readonly_fields = ["division_code", "created", "updated"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "household",
                    ("name", "relation"),
                    ("id_type", "id_number"),
                    ("sex", "birth_date"),
                    "id_note",
                    ("ethnicity", "political_status"),
                    "phone",
                ]
            },
        ),
        (
            _("教育、健康与劳动"),
            {
                "fields": [
                    ("education", "school_status"),
                    ("health", "has_chronic_illness"),
                    ("disability_category", "disability_grade", "disability_cert_number"),
                    ("labour_ability", "work_status", "work_months"),
                    "is_active_military",
                ]
            },
        ),
        (
            _("保障"),
            {
                "fields": [
                    ("has_resident_medical_insurance", "has_employee_medical_insurance"),
                    "has_critical_illness_insurance",
                    ("has_resident_pension", "has_employee_pension"),
                    ("dibao", "tekun", "receives_yulu"),
                ]
            },
        ),
        (
            _("人员变更"),
            {"fields": [("is_active", "change_reason", "changed_on")]},
        ),
        (
            _("记录"),
            {"classes": ["collapse"], "fields": [("division_code", "created", "updated")]},
        ),
    ]


@admin.register(AnnualIncome)
class AnnualIncomeAdmin(AuditedAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    list_display = [
        "household",
        "year",
        "household_size",
        "gross_income",
        "net_income",
        "per_capita_net_income",
        "confirmed_by_head",
    ]
    list_select_related = ["household"]
    list_filter = ["year", "confirmed_by_head", RegionPrefixFilter]
    search_fields = ["household__household_number"]
    search_help_text = _("按户编号的开头查找")
    show_full_result_count = False
    raw_id_fields = ["household"]
    readonly_fields = INCOME_DERIVED_FIELDS
    fieldsets = [(None, {"fields": ["household"]}), *INCOME_FIELDSETS]

    def save_model(self, request, obj, form, change):
        annual_income_recompute(obj)
        super().save_model(request, obj, form, change)


@admin.register(GuaranteeStatus)
class GuaranteeStatusAdmin(AuditedAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    list_display = [
        "household",
        "year",
        "food",
        "clothing",
        "education",
        "medical",
        "housing",
        "water",
        "checked_on",
    ]
    list_select_related = ["household"]
    list_filter = [
        "year",
        "education",
        "medical",
        "housing",
        "water",
        RegionPrefixFilter,
    ]
    search_fields = ["household__household_number"]
    search_help_text = _("按户编号的开头查找")
    show_full_result_count = False
    raw_id_fields = ["household", "checked_by"]
    fieldsets = [(None, {"fields": ["household"]}), *GUARANTEE_FIELDSETS]


@admin.register(HouseholdStatusChange)
class HouseholdStatusChangeAdmin(AuditedAdminMixin, PrefixSearchMixin, admin.ModelAdmin):
    list_display = ["household", "year", "from_status", "to_status", "changed_on", "reason"]
    list_select_related = ["household"]
    list_filter = ["year", "to_status", RegionPrefixFilter]
    search_fields = ["household__household_number"]
    search_help_text = _("按户编号的开头查找")
    show_full_result_count = False
    raw_id_fields = ["household"]
