"""Admin for the region hierarchy (行政区划).

A province-sized install holds hundreds of thousands of villages, so nothing here lists every
region: the parent is picked by code (raw id), a numeric search is a prefix match on the
indexed code, and the changelist never counts the whole table.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from poverty.admin_filters import RegionPrefixFilter
from poverty.audit.recording import AuditedAdminMixin
from villages.models import Region

__all__ = ["RegionAdmin"]


@admin.register(Region)
class RegionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    # Other admins use these for autocomplete_fields (村, 乡镇 pickers).
    search_fields = ["code", "name"]
    list_display = [
        "code",
        "name",
        "level",
        "level_name",
        "is_poor_village",
        "is_key_county",
        "is_contiguous_area_county",
        "is_deep_poverty",
        "region_class",
        "exit_year",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        "level",
        "is_poor_village",
        "is_key_county",
        "is_deep_poverty",
        "region_class",
        RegionPrefixFilter,
    ]
    raw_id_fields = ["parent"]
    ordering = ["code"]
    list_per_page = 50
    # COUNT(*) over every village of a province on each page view buys nothing.
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "level_name", "parent"]}),
        (
            _("贫困村/贫困县"),
            {
                "fields": [
                    "is_poor_village",
                    "poor_listed_year",
                    "is_key_county",
                    "is_contiguous_area_county",
                    "contiguous_area_name",
                    "is_deep_poverty",
                    "exit_year",
                ]
            },
        ),
        (
            _("分类"),
            {
                "fields": [
                    "urban_rural_class",
                    "region_class",
                    "treated_as_west",
                    "water_class",
                    "rural_population",
                ]
            },
        ),
        (_("有效期"), {"fields": ["valid_from", "valid_to"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key and the hierarchy: editing it would fork the row.
        if obj is not None:
            return ["code", *super().get_readonly_fields(request, obj)]
        return super().get_readonly_fields(request, obj)

    def get_search_results(self, request, queryset, search_term):
        """A term of digits is a code prefix: an indexed ``LIKE '4312%'``, not a scan."""
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(code__startswith=term), False
        return super().get_search_results(request, queryset, search_term)
