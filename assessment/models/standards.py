"""The policy-standards table and the provincial/local exit checklists (DOMAIN.md §0, §7.3, §10)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.choices import (
    ChecklistLevel,
    ChecklistOperator,
    Evidence,
    Measure,
    StandardKey,
)
from assessment.rules.standards import ChecklistRow, StandardRow
from poverty.models import TimeStampedModel
from villages.choices import RegionClass

__all__ = ["ChecklistItem", "PolicyStandard"]

YEARS = [MinValueValidator(2010), MaxValueValidator(2035)]
scope_validator = RegexValidator(
    r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$",
    _("适用地区为空（全国）或区划代码前缀：省2位、市4位、县6位、乡9位、村12位"),
)


class PolicyStandard(TimeStampedModel):
    """One policy number (政策标准) for a scope and a range of years, with its source and mark.

    The scope is a division-code prefix ("" = national, "51" = 四川, "2203" = 四平 …); the
    most specific prefix wins, then the row whose years contain the data year. A local row may
    only be stricter than the wider one (checked by assessment.services before saving).
    """

    key = models.CharField(_("标准项"), max_length=60, choices=StandardKey.choices)
    scope_code = models.CharField(
        _("适用地区"), max_length=12, blank=True, validators=[scope_validator]
    )
    region_class = models.CharField(
        _("区域类别"), max_length=10, choices=RegionClass.choices, blank=True
    )
    year_from = models.PositiveSmallIntegerField(
        _("起始年度"), null=True, blank=True, validators=YEARS
    )
    year_to = models.PositiveSmallIntegerField(
        _("终止年度"), null=True, blank=True, validators=YEARS
    )
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    measure = models.CharField(_("收入口径"), max_length=12, choices=Measure.choices, blank=True)
    evidence = models.CharField(_("依据等级"), max_length=2, choices=Evidence.choices)
    source = models.TextField(_("来源"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("政策标准")
        verbose_name_plural = _("政策标准")
        ordering = ["key", "scope_code", "region_class", "year_from"]
        indexes = [models.Index(fields=["key", "scope_code"], name="assess_standard_key_scope")]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "scope_code", "region_class", "year_from"],
                name="assessment_policystandard_one_per_start",
                nulls_distinct=False,
                violation_error_message=_("同一地区、同一标准项已有从该年度起的标准"),
            ),
            models.CheckConstraint(
                condition=models.Q(year_from__isnull=True)
                | models.Q(year_to__isnull=True)
                | models.Q(year_to__gte=models.F("year_from")),
                name="assessment_policystandard_year_order",
                violation_error_message=_("起始年度不能晚于终止年度"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.scope_code or '全国'} {self.years_label}"

    @property
    def years_label(self) -> str:
        from assessment.rules.standards import years_label

        return years_label(self.year_from, self.year_to)

    @property
    def unconfirmed(self) -> bool:
        return self.evidence == Evidence.UNVERIFIED

    def as_row(self) -> StandardRow:
        return StandardRow(
            key=self.key,
            value=self.value,
            scope_code=self.scope_code,
            region_class=self.region_class,
            year_from=self.year_from,
            year_to=self.year_to,
            measure=self.measure,
            evidence=self.evidence,
            source=self.source,
            pk=self.pk,
        )


class ChecklistItem(TimeStampedModel):
    """One indicator of a provincial or local exit checklist (退出验收指标), e.g. 四川 "一超六有".

    It reads one fact of the household, village or county (``fact``) and compares it with
    ``threshold``; a veto item (一票否决) not met blocks the exit, others only warn.
    """

    code = models.SlugField(_("指标代码"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=ChecklistLevel.choices)
    scope_code = models.CharField(
        _("适用地区"), max_length=12, blank=True, validators=[scope_validator]
    )
    checklist_name = models.CharField(_("清单名称"), max_length=60)
    indicator = models.CharField(_("指标"), max_length=100)
    fact = models.CharField(_("读取的数据项"), max_length=60)
    operator = models.CharField(
        _("判定方式"), max_length=5, choices=ChecklistOperator.choices, default="true"
    )
    threshold = models.DecimalField(
        _("阈值"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    veto = models.BooleanField(_("一票否决"), default=True)
    evidence_required = models.CharField(_("佐证材料"), max_length=200, blank=True)
    year_from = models.PositiveSmallIntegerField(
        _("起始年度"), null=True, blank=True, validators=YEARS
    )
    year_to = models.PositiveSmallIntegerField(
        _("终止年度"), null=True, blank=True, validators=YEARS
    )
    evidence = models.CharField(_("依据等级"), max_length=2, choices=Evidence.choices)
    source = models.TextField(_("来源"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("退出验收清单指标")
        verbose_name_plural = _("退出验收清单指标")
        ordering = ["level", "scope_code", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "level", "scope_code", "year_from"],
                name="assessment_checklistitem_one_per_start",
                nulls_distinct=False,
                violation_error_message=_("同一地区、同一层级已有该指标代码"),
            ),
            models.CheckConstraint(
                condition=models.Q(operator__in=["true", "met"])
                | models.Q(threshold__isnull=False),
                name="assessment_checklistitem_threshold_for_comparison",
                violation_error_message=_("比较型指标（≥、>、≤、<）必须填写阈值"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist_name}·{self.indicator}"

    @property
    def unconfirmed(self) -> bool:
        return self.evidence == Evidence.UNVERIFIED

    def as_row(self) -> ChecklistRow:
        return ChecklistRow(
            code=self.code,
            level=self.level,
            indicator=self.indicator,
            fact=self.fact,
            operator=self.operator,
            threshold=self.threshold,
            unit=self.unit,
            veto=self.veto,
            checklist_name=self.checklist_name,
            evidence_required=self.evidence_required,
            scope_code=self.scope_code,
            year_from=self.year_from,
            year_to=self.year_to,
            evidence=self.evidence,
            source=self.source,
            sort_order=self.sort_order,
            pk=self.pk,
        )
