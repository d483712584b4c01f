"""Code lists of visits and stationing (走访 / 驻村考勤). Codes are stable; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AttendanceStatus", "VisitKind", "VisitorRole"]


class VisitKind(models.TextChoices):
    """走访方式 (DOMAIN.md §15.5)."""

    HOME = "home", _("入户走访")
    PHONE = "phone", _("电话")
    GROUP = "group", _("集中帮扶")
    VIDEO = "video", _("视频")
    OTHER = "other", _("其他")


class VisitorRole(models.TextChoices):
    """走访人 as the visit log names them (帮扶责任人 / 驻村工作队员 / 第一书记)."""

    CADRE = "cadre", _("帮扶责任人")
    TEAM_MEMBER = "team_member", _("驻村工作队员")
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    OFFICIAL = "official", _("县乡干部")
    OTHER = "other", _("其他")


class AttendanceStatus(models.TextChoices):
    """One day of a work-team member (驻村考勤). Only 在村 counts toward the yearly minimum."""

    PRESENT = "present", _("在村")
    BUSINESS = "business", _("因公外出")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺勤")
