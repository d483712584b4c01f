"""Rankings (排名) configured by a county or city office, and their computed entries."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from poverty.models import TimeStampedModel
from villages.choices import RegionLevel

__all__ = ["RankingConfig", "RankingEntry"]


class RankingConfig(TimeStampedModel):
    """How the townships or villages of a county (or city) are ranked: indicator weights and how
    many at the bottom are highlighted (四平: the bottom three are adjusted)."""

    scope_field = "region_code"

    name = models.CharField(_("排名名称"), max_length=100)
    region_code = models.CharField(_("排名范围（县或市区划代码）"), max_length=12)
    unit_level = models.CharField(
        _("排名对象"),
        max_length=10,
        choices=[(RegionLevel.TOWNSHIP, _("乡镇")), (RegionLevel.VILLAGE, _("村"))],
    )
    # {indicator code: weight}; codes from assessment.choices.RankingIndicator
    weights = models.JSONField(_("指标权重"))
    bottom_n = models.PositiveSmallIntegerField(
        _("末位标记数"), default=3, validators=[MaxValueValidator(50)]
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("排名设置")
        verbose_name_plural = _("排名设置")
        ordering = ["region_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region_code__regex=r"^[0-9]{4}(0{8}|[0-9]{2}0{6})$"),
                name="assessment_rankingconfig_region_is_city_or_county",
                violation_error_message=_("排名范围须为市或县的区划代码"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RankingEntry(models.Model):
    """One ranked township or village in a year, with the indicator values behind its score."""

    scope_field = "region_code"

    config = models.ForeignKey(
        RankingConfig, verbose_name=_("排名设置"), on_delete=models.CASCADE, related_name="entries"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    region_code = models.CharField(_("区划代码"), max_length=12)
    region_name = models.CharField(_("名称"), max_length=100)
    rank = models.PositiveIntegerField(_("名次"))
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    indicators = models.JSONField(_("指标值"), default=dict)
    missing = models.JSONField(_("缺少数据的指标"), default=list)
    is_bottom = models.BooleanField(_("末位"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("排名结果")
        verbose_name_plural = _("排名结果")
        ordering = ["config", "year", "rank", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["config", "year", "region_code"],
                name="assessment_rankingentry_one_per_unit_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.config_id} {self.year} #{self.rank} {self.region_name}"
