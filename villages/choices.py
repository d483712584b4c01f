"""Code lists of the region hierarchy."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["RegionClass", "RegionLevel", "UrbanRuralClass", "WaterClass"]


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村")


class RegionClass(models.TextChoices):
    """East/central/west class that selects incidence thresholds (2% central, 3% west)."""

    WEST = "west", _("西部")
    CENTRAL = "central", _("中部")
    EAST = "east", _("东部")


class WaterClass(models.TextChoices):
    RICH = "rich", _("丰水地区")
    SHORT = "short", _("缺水地区")


class UrbanRuralClass(models.TextChoices):
    """城乡分类代码: 1xx urban, 2xx rural."""

    MAIN_URBAN = "111", _("主城区")
    URBAN_FRINGE = "112", _("城乡结合区")
    TOWN_CENTRE = "121", _("镇中心区")
    TOWN_FRINGE = "122", _("镇乡结合区")
    SPECIAL = "123", _("特殊区域")
    TOWNSHIP_CENTRE = "210", _("乡中心区")
    VILLAGE = "220", _("村庄")
