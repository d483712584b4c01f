"""Region API serializers (read only)."""

from rest_framework import serializers

from poverty.api.serializers import OutputModelSerializer
from villages.models import Region

__all__ = ["RegionSerializer"]


class RegionSerializer(OutputModelSerializer):
    """An administrative division (行政区划) keyed by its 12-digit code."""

    parent = serializers.CharField(source="parent_id", allow_null=True, help_text="上级区划代码")

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "level_name",
            "parent",
            "urban_rural_class",
            "is_poor_village",
            "poor_listed_year",
            "is_key_county",
            "is_contiguous_area_county",
            "contiguous_area_name",
            "is_deep_poverty",
            "exit_year",
            "region_class",
            "treated_as_west",
            "water_class",
            "rural_population",
            "valid_from",
            "valid_to",
            "updated",
        ]
        read_only_fields = fields
