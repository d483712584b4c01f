"""Procedures (程序) with public notice (公示): the case, each step taken, objections, and the
lock that an approved exit puts on the household's exit-year data (DOMAIN.md §6, §16)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.procedures import ProcedureKind, ProcedureStatus, procedure_def
from poverty.models import TimeStampedModel

__all__ = ["HouseholdYearLock", "Procedure", "ProcedureObjection", "ProcedureStep"]

YEARS = [MinValueValidator(2013), MaxValueValidator(2035)]
PATTERN_OPS = ["varchar_pattern_ops"]


class Procedure(TimeStampedModel):
    """One procedure case (程序), e.g. a household's exit in 2019 or a village's 出列.

    The subject is a household (identification, exit, 返贫, monitoring, 风险消除) or a region
    (village exit, county exit); ``division_code`` is the household's village or the region,
    so scoping is a prefix match as everywhere else.
    """

    scope_field = "division_code"
    household_path = "household_id"

    kind = models.CharField(_("程序类别"), max_length=30, choices=ProcedureKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEARS)
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
    )
    region = models.ForeignKey(
        "villages.Region",
        verbose_name=_("区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
    )
    division_code = models.CharField(_("区划代码"), max_length=12)
    status = models.CharField(
        _("办理状态"), max_length=10, choices=ProcedureStatus.choices, default=ProcedureStatus.OPEN
    )
    steps_done = models.PositiveSmallIntegerField(_("已办步骤数"), default=0)
    # While a notice runs: its dates, copied from the step for lists and the notice sheet.
    notice_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("公示截止日期"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("程序")
        verbose_name_plural = _("程序")
        ordering = ["-year", "division_code", "id"]
        indexes = [
            models.Index(fields=["division_code"], name="proc_division", opclasses=PATTERN_OPS),
            models.Index(fields=["kind", "year", "status"], name="proc_kind_year_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(household__isnull=False) & models.Q(region__isnull=True))
                | (models.Q(household__isnull=True) & models.Q(region__isnull=False)),
                name="assessment_procedure_one_subject",
                violation_error_message=_("程序的对象须是一户或一个区域"),
            ),
            models.UniqueConstraint(
                fields=["kind", "household"],
                condition=models.Q(status="open", household__isnull=False),
                name="assessment_procedure_one_open_per_household",
                violation_error_message=_("该户已有一个办理中的同类程序"),
            ),
            models.UniqueConstraint(
                fields=["kind", "region"],
                condition=models.Q(status="open", region__isnull=False),
                name="assessment_procedure_one_open_per_region",
                violation_error_message=_("该区域已有一个办理中的同类程序"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.division_code}"

    @property
    def definition(self):
        return procedure_def(self.kind)


def evidence_path(instance: ProcedureStep, filename: str) -> str:
    """procedures/<division code>/<year>/<random>.<ext>: never the uploaded name."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    procedure = instance.procedure
    return f"procedures/{procedure.division_code}/{procedure.year}/{uuid.uuid4().hex}.{extension}"


class ProcedureStep(models.Model):
    """One step taken (痕迹管理): who, when, in which role, with which evidence and note."""

    scope_field = "procedure__division_code"
    household_path = "procedure__household_id"

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("程序"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("步骤序号"))
    code = models.CharField(_("步骤"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("办理人姓名"), max_length=150)
    actor_role = models.CharField(_("办理人角色"), max_length=20)
    acted_on = models.DateField(_("办理日期"))
    taken_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    note = models.TextField(_("办理意见"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, blank=True, max_length=200)
    evidence_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    evidence_type = models.CharField(_("文件类型"), max_length=10, blank=True)
    evidence_size = models.PositiveIntegerField(_("文件大小（字节）"), null=True, blank=True)
    notice_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("公示截止日期"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)

    class Meta:
        verbose_name = _("程序步骤")
        verbose_name_plural = _("程序步骤")
        ordering = ["procedure", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "position"],
                name="assessment_procedurestep_one_per_position",
                violation_error_message=_("该步骤已办理"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} #{self.position} {self.code}"

    @property
    def label(self) -> str:
        step = procedure_def(self.procedure.kind).step(self.code)
        return str(step.label) if step is not None else self.code


class ProcedureObjection(models.Model):
    """An objection raised during a notice (公示异议) and how it was handled."""

    scope_field = "procedure__division_code"
    household_path = "procedure__household_id"

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("程序"), on_delete=models.CASCADE, related_name="objections"
    )
    raised_on = models.DateField(_("提出日期"))
    objector = models.CharField(_("异议人"), max_length=50, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["procedure", "raised_on", "id"]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.raised_on}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class HouseholdYearLock(models.Model):
    """An approved exit locks the household's exit-year data (审批后锁定).

    households.services refuses changes to that year's income and guarantee records and to
    the household's exit fields while ``reopened_at`` is empty; the county office reopens it
    with a reason (and may lock it again), both recorded in the change history.
    """

    scope_field = "household__village__code"
    household_path = "household_id"

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.CASCADE,
        related_name="year_locks",
    )
    year = models.PositiveSmallIntegerField(_("锁定年度"), validators=YEARS)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("程序"), on_delete=models.PROTECT, related_name="locks"
    )
    locked_at = models.DateTimeField(_("锁定时间"))
    reopened_at = models.DateTimeField(_("解锁时间"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解锁人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reopen_reason = models.CharField(_("解锁原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("退出年度数据锁定")
        verbose_name_plural = _("退出年度数据锁定")
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="assessment_householdyearlock_one_per_year",
                violation_error_message=_("该户该年度已锁定"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.reopened_at is None
