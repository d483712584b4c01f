"""Admin list filters shared by every app: filter any region-scoped model by region prefix."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

__all__ = ["RegionPrefixFilter"]


class RegionPrefixFilter(admin.SimpleListFilter):
    """Filter by province, city or county, through the model's declared ``scope_field``.

    The lookups list provinces, cities and counties (townships and villages are too many for
    a sidebar; the search box and the ``?region=`` parameter accept any code prefix).
    """

    title = _("所属区划")
    parameter_name = "region"

    def lookups(self, request, model_admin):
        from villages.models import Region

        rows = Region.objects.filter(level__in=["province", "city", "county"]).values_list(
            "code", "name", "level"
        )
        indent = {"province": "", "city": "　", "county": "　　"}
        return [(code, f"{indent[level]}{name}") for code, name, level in rows]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        from villages.codes import code_is_well_formed, code_prefix

        prefix = code_prefix(value) if code_is_well_formed(value) else value.strip()
        if not prefix.isdigit():
            return queryset.none()
        field = queryset.model.scope_field
        return queryset.filter(**{f"{field}__startswith": prefix})
