"""Derived tables written only by the recomputation jobs (assessment.recompute), never by users:
household readiness per year, monitoring flags, region statistics and region verdicts."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from assessment.choices import Outcome
from villages.choices import RegionLevel

__all__ = [
    "HouseholdReadiness",
    "MonitoringFlag",
    "ReasonSet",
    "RecomputeState",
    "RegionReadiness",
    "RegionStatistic",
]

PATTERN_OPS = ["varchar_pattern_ops"]
RATIO = {"max_digits": 9, "decimal_places": 6, "null": True, "blank": True}


class ReasonSet(models.Model):
    """One distinct list of stored reasons (assessment.rules.base.Reason.stored, without the
    figures every readiness row holds in its own columns). 1.7 million readiness rows share a
    few hundred such lists, so a row holds the id of its list instead of the JSON.

    The id is a 64-bit hash of the list's JSON text (assessment.recompute.reason_set_id): the
    recomputation assigns it without a lookup and adds the lists it has not seen yet. Rows are
    never changed (the same id always means the same list)."""

    id = models.BigIntegerField(primary_key=True)
    reasons = models.JSONField(_("原因"), default=list)

    class Meta:
        verbose_name = _("原因组合")
        verbose_name_plural = _("原因组合")

    def __str__(self) -> str:
        return str(self.id)


class HouseholdReadiness(models.Model):
    """A household's exit readiness (退出达标情况) in one year: verdict and every reason.

    Written in bulk by assessment.recompute (COPY). Kept narrow for that: the key is the pair
    (household, year), the household link has no database constraint (no per-row trigger;
    rows of a purged household go with the next recomputation of its id range) and no index of
    its own (the key starts with it), the reasons are a shared ReasonSet (codes and figures,
    assessment.rules.base.Reason.stored) and the time is a database default. Readers that
    show reasons select_related("reason_set").
    """

    scope_field = "division_code"
    household_path = "household_id"

    pk = models.CompositePrimaryKey("household_id", "year")
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    division_code = models.CharField(_("区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    eligible = models.BooleanField(_("达到退出标准"))
    outcome = models.CharField(_("结论"), max_length=15, choices=Outcome.choices)
    per_capita_net_income = models.DecimalField(
        _("人均纯收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    income_line = models.DecimalField(
        _("对照标准"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reason_set = models.ForeignKey(
        ReasonSet,
        verbose_name=_("原因"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    monitor = models.BooleanField(_("纳入监测预警"), default=False)
    # Inputs of the region statistics, copied from the year's income and guarantee records by
    # the same pass, so that the statistics read one table (assessment.recompute).
    household_size = models.PositiveSmallIntegerField(_("家庭人口数"), null=True, blank=True)
    guarantees_met = models.BooleanField(_("两不愁三保障均达标"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), db_default=Now())

    class Meta:
        verbose_name = _("贫困户退出达标情况")
        verbose_name_plural = _("贫困户退出达标情况")
        ordering = ["household_id", "year"]
        indexes = [
            models.Index(
                fields=["division_code"], name="assess_ready_division", opclasses=PATTERN_OPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.outcome}"

    @property
    def reasons(self) -> list:
        """The stored reasons (codes and figures) of this row."""
        return self.reason_set.reasons

    def reason_list(self) -> list:
        """The stored reasons as rule Reasons (their ``message`` in the reader's language)."""
        from assessment.rules.base import Reason

        figures = {
            "year": self.year,
            "income": self.per_capita_net_income,
            "line": self.income_line,
        }
        return [Reason.from_stored(data, figures) for data in self.reasons]


class MonitoringFlag(models.Model):
    """A reason to put an exited household forward for monitoring (防返贫监测预警) in a year."""

    scope_field = "division_code"
    household_path = "household_id"

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # assess_flag_household_year starts with it
        related_name="+",
    )
    division_code = models.CharField(_("区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("预警代码"), max_length=40)
    item = models.CharField(_("项目"), max_length=40, blank=True)
    unconfirmed = models.BooleanField(_("标准待确认"), default=False)
    params = models.JSONField(_("数据"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"), db_default=Now())

    class Meta:
        verbose_name = _("防返贫监测预警")
        verbose_name_plural = _("防返贫监测预警")
        ordering = ["household_id", "year", "code"]
        indexes = [
            models.Index(fields=["household", "year"], name="assess_flag_household_year"),
            models.Index(
                fields=["division_code"], name="assess_flag_division", opclasses=PATTERN_OPS
            ),
            models.Index(fields=["year", "code"], name="assess_flag_year_code"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year} {self.code}"

    @property
    def message(self) -> str:
        from assessment.rules.messages import render_message

        return render_message(self.code, self.params, self.item, self.unconfirmed)


class RegionStatistic(models.Model):
    """Counts for one region and year (村/乡/县/市/省): households, people, exited, remaining,
    incidence. Derived from the registry and the readiness table by assessment.recompute."""

    scope_field = "region_code"

    region_code = models.CharField(_("区划代码"), max_length=12)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    households = models.PositiveIntegerField(_("建档立卡户数"), default=0)
    people = models.PositiveIntegerField(_("建档立卡人数"), default=0)
    exited_households = models.PositiveIntegerField(_("已脱贫户数"), default=0)
    exited_people = models.PositiveIntegerField(_("已脱贫人数"), default=0)
    remaining_households = models.PositiveIntegerField(_("未脱贫户数"), default=0)
    remaining_people = models.PositiveIntegerField(_("未脱贫人数"), default=0)
    ready_households = models.PositiveIntegerField(_("未脱贫户中达标户数"), default=0)
    assessed_households = models.PositiveIntegerField(_("已测算户数"), default=0)
    guarantee_met_households = models.PositiveIntegerField(_("两不愁三保障全部达标户数"), default=0)
    monitored_households = models.PositiveIntegerField(_("监测预警户数"), default=0)
    paired_households = models.PositiveIntegerField(_("年末有帮扶责任人户数"), default=0)
    visited_households = models.PositiveIntegerField(_("当年走访户数"), default=0)
    rural_population = models.PositiveIntegerField(_("农村户籍人口"), null=True, blank=True)
    population_complete = models.BooleanField(_("人口数据完整"), default=False)
    incidence = models.DecimalField(_("贫困发生率"), **RATIO)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("区域统计")
        verbose_name_plural = _("区域统计")
        ordering = ["region_code", "year"]
        indexes = [
            models.Index(fields=["region_code"], name="assess_stat_region", opclasses=PATTERN_OPS),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year"], name="assessment_regionstatistic_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class RegionReadiness(models.Model):
    """A village's exit (出列) or a county's exit (摘帽) verdict for a year, with reasons."""

    scope_field = "region_code"

    region_code = models.CharField(_("区划代码"), max_length=12)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    eligible = models.BooleanField(_("达到退出标准"))
    outcome = models.CharField(_("结论"), max_length=15, choices=Outcome.choices)
    incidence = models.DecimalField(_("贫困发生率"), **RATIO)
    reasons = models.JSONField(_("原因"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("贫困村出列/贫困县摘帽达标情况")
        verbose_name_plural = _("贫困村出列/贫困县摘帽达标情况")
        ordering = ["region_code", "year"]
        indexes = [
            models.Index(
                fields=["region_code"], name="assess_rready_region", opclasses=PATTERN_OPS
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year"], name="assessment_regionreadiness_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year} {self.outcome}"

    def reason_list(self) -> list:
        from assessment.rules.base import Reason

        return [Reason.from_stored(data) for data in self.reasons]


class RecomputeState(models.Model):
    """Bookkeeping of the change scan: the moment up to which changes have been recomputed."""

    key = models.CharField(_("名称"), max_length=40, unique=True)
    watermark = models.DateTimeField(_("已处理到"))

    class Meta:
        verbose_name = _("重算进度")
        verbose_name_plural = _("重算进度")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} {self.watermark:%Y-%m-%d %H:%M:%S}"
