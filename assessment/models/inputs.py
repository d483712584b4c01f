"""Figures entered by people that the verdicts read but the registry does not hold."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from poverty.models import TimeStampedModel

__all__ = ["CountyAssessmentFigures"]

_RATE = {
    "max_digits": 7,
    "decimal_places": 6,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}


class CountyAssessmentFigures(TimeStampedModel):
    """The special assessment's "三率一度" of a county for a year (贫困县退出专项评估检查结果).

    Rates are fractions (0.015 = 1.5%). 综合贫困发生率 is optional: without it the county
    verdict uses remaining registered poor ÷ rural population from the statistics.
    """

    scope_field = "county_code"

    county_code = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    comprehensive_incidence = models.DecimalField(_("综合贫困发生率"), **_RATE)
    wrong_exit_rate = models.DecimalField(_("脱贫人口错退率"), **_RATE)
    missed_rate = models.DecimalField(_("贫困人口漏评率"), **_RATE)
    approval_rate = models.DecimalField(_("群众认可度"), **_RATE)
    source = models.CharField(_("来源（评估报告、文号）"), max_length=200)

    class Meta:
        verbose_name = _("贫困县专项评估结果")
        verbose_name_plural = _("贫困县专项评估结果")
        ordering = ["county_code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "year"],
                name="assessment_countyassessmentfigures_one_per_year",
                violation_error_message=_("该县本年度已有专项评估结果"),
            ),
            models.CheckConstraint(
                condition=models.Q(county_code__regex=r"^[0-9]{6}0{6}$"),
                name="assessment_countyassessmentfigures_county_code",
                violation_error_message=_("请填写县级区划代码（12位，后6位为0）"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.year}"
