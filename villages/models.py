"""The region hierarchy, keyed by the 12-digit statistical division code."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from poverty.models import TimeStampedModel
from villages.choices import RegionClass, RegionLevel, UrbanRuralClass, WaterClass
from villages.codes import LEVEL_PREFIX_LENGTH, code_level

__all__ = ["Region"]

division_code_validator = RegexValidator(r"^\d{12}$", _("区划代码必须是12位数字"))


class Region(TimeStampedModel):
    """An administrative division (行政区划): province, city, county, township or village.

    The code is the hierarchy: a descendant's code starts with its ancestor's significant
    prefix, so "everything in this county" is an indexed prefix match, with no recursion.
    """

    scope_field = "code"
    scope_include_ancestors = True

    code = models.CharField(
        _("区划代码"), max_length=12, primary_key=True, validators=[division_code_validator]
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    # Level names are data (县, 区, 旗, 行委 …), not always the generic label of the level.
    level_name = models.CharField(_("层级名称"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_column="parent_code",
    )
    urban_rural_class = models.CharField(
        _("城乡分类"), max_length=3, choices=UrbanRuralClass.choices, blank=True
    )

    # Flags and years that the exit rules read.
    is_poor_village = models.BooleanField(_("贫困村"), default=False)
    poor_listed_year = models.PositiveSmallIntegerField(
        _("列为贫困村/县年度"), null=True, blank=True
    )
    is_key_county = models.BooleanField(_("国家扶贫开发工作重点县"), default=False)
    is_contiguous_area_county = models.BooleanField(_("集中连片特困地区县"), default=False)
    contiguous_area_name = models.CharField(_("所属片区"), max_length=50, blank=True)
    is_deep_poverty = models.BooleanField(_("深度贫困"), default=False)
    exit_year = models.PositiveSmallIntegerField(_("出列/摘帽年度"), null=True, blank=True)
    # Blank means "inherit from the province"; see villages.selectors.region_class_for.
    region_class = models.CharField(
        _("区域类别"), max_length=10, choices=RegionClass.choices, blank=True
    )
    treated_as_west = models.BooleanField(_("比照西部"), default=False)
    water_class = models.CharField(
        _("水资源类别"), max_length=10, choices=WaterClass.choices, blank=True
    )
    rural_population = models.PositiveIntegerField(_("农村户籍人口"), null=True, blank=True)

    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)

    # Prefix search (code LIKE '431202%') uses the varchar_pattern_ops index that Django
    # creates for every indexed CharField on PostgreSQL (the "_like" index), so none is declared.

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["parent", "name"], name="villages_region_parent_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"),
                name="villages_region_code_12_digits",
                violation_error_message=_("区划代码必须是12位数字"),
            ),
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | (~models.Q(level="province") & models.Q(parent__isnull=False)),
                name="villages_region_parent_by_level",
                violation_error_message=_("只有省级区划没有上级"),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="villages_region_valid_range",
                violation_error_message=_("停用日期不能早于启用日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The significant prefix that every descendant's code starts with."""
        return self.code[: LEVEL_PREFIX_LENGTH[self.level]]

    @property
    def code_level(self) -> str | None:
        return code_level(self.code)
