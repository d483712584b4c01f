"""Cadres paired with households, helping units paired with villages, resident work teams,
visits to households and work-team attendance."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistance.choices import AttendanceStatus, VisitKind, VisitorRole
from poverty.models import TimeStampedModel

__all__ = [
    "AidUnit",
    "AidUnitVillage",
    "Cadre",
    "CadrePairing",
    "StationingDay",
    "Visit",
    "WorkTeam",
    "WorkTeamMember",
    "visit_photo_path",
]

PATTERN_OPS = ["varchar_pattern_ops"]


class UnitLevel(models.TextChoices):
    """单位隶属关系 of a helper's unit."""

    CENTRAL = "1", _("中央")
    PROVINCE = "2", _("省")
    CITY = "3", _("市")
    COUNTY = "4", _("县")
    TOWNSHIP = "5", _("乡镇")
    ARMY = "6", _("部队")
    VILLAGE = "7", _("村级")
    OTHER = "9", _("其他")


class AidUnitType(models.TextChoices):
    GOVERNMENT = "gov", _("党政机关")
    INSTITUTION = "inst", _("事业单位")
    SOE = "soe", _("国有企业")
    DESIGNATED = "designated", _("定点扶贫单位")
    EAST_WEST = "east_west", _("东西部扶贫协作")
    PRIVATE = "private", _("民营企业（万企帮万村）")
    OTHER = "other", _("其他")


class TeamRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    LEADER = "leader", _("工作队长")
    MEMBER = "member", _("队员")


class Cadre(TimeStampedModel):
    """An assigned helper (帮扶责任人), a cadre paired with one or more households."""

    scope_field = "division_code"

    name = models.CharField(_("姓名"), max_length=50)
    # The county (or lower region) where the cadre helps; scopes who may see the cadre.
    division_code = models.CharField(_("帮扶区划代码"), max_length=12)
    unit_name = models.CharField(_("单位名称"), max_length=100)
    unit_level = models.CharField(
        _("单位隶属关系"), max_length=1, choices=UnitLevel.choices, default="4"
    )
    position = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
    )
    is_active = models.BooleanField(_("在岗"), default=True)
    # Optimistic concurrency: every write through assistance.services increments it.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        ordering = ["division_code", "name", "id"]
        indexes = [
            models.Index(
                fields=["division_code"], name="cadre_division_prefix", opclasses=PATTERN_OPS
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^[0-9]{12}$"),
                name="assistance_cadre_division_code_format",
                violation_error_message=_("区划代码必须是12位数字"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit_name}）"


class CadrePairing(TimeStampedModel):
    """A cadre assigned to a household (结对帮扶) from a date; a change of helper adds a row."""

    scope_field = "household__village__code"
    household_path = "household_id"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("帮扶责任人"), on_delete=models.PROTECT, related_name="pairings"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.CASCADE,
        related_name="pairings",
    )
    start_date = models.DateField(_("帮扶起始时间"))
    end_date = models.DateField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=100, blank=True)
    # Optimistic concurrency: every write through assistance.services increments it.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["household", "-start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(end_date__isnull=True),
                name="assistance_cadrepairing_one_current",
                violation_error_message=_("该户已有在帮的帮扶责任人，请先结束原结对"),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assistance_cadrepairing_dates",
                violation_error_message=_("结束时间不能早于帮扶起始时间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.household_id}"


class AidUnit(TimeStampedModel):
    """A helping unit (帮扶单位): an organisation paired with villages."""

    scope_field = "division_code"

    name = models.CharField(_("单位名称"), max_length=100)
    division_code = models.CharField(_("所属区划代码"), max_length=12)
    unit_type = models.CharField(
        _("单位类型"), max_length=12, choices=AidUnitType.choices, default="gov"
    )
    unit_level = models.CharField(
        _("单位隶属关系"), max_length=1, choices=UnitLevel.choices, default="4"
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("帮扶单位")
        verbose_name_plural = _("帮扶单位")
        ordering = ["division_code", "name"]
        indexes = [
            models.Index(
                fields=["division_code"], name="aidunit_division_prefix", opclasses=PATTERN_OPS
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AidUnitVillage(TimeStampedModel):
    """A helping unit paired with a village for a span of years."""

    scope_field = "village__code"

    aid_unit = models.ForeignKey(
        AidUnit, verbose_name=_("帮扶单位"), on_delete=models.PROTECT, related_name="villages"
    )
    village = models.ForeignKey(
        "villages.Region",
        verbose_name=_("帮扶村"),
        on_delete=models.PROTECT,
        related_name="aid_units",
        db_column="village_code",
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("结束年度"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位包村")
        verbose_name_plural = _("单位包村")
        ordering = ["village", "start_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="assistance_aidunitvillage_years",
                violation_error_message=_("结束年度不能早于起始年度"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aid_unit_id} → {self.village_id}"


class WorkTeam(TimeStampedModel):
    """A resident village work team (驻村工作队), led by a first secretary (第一书记)."""

    scope_field = "village__code"

    village = models.ForeignKey(
        "villages.Region",
        verbose_name=_("驻村"),
        on_delete=models.PROTECT,
        related_name="work_teams",
        db_column="village_code",
    )
    sending_unit = models.ForeignKey(
        AidUnit,
        verbose_name=_("派驻单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="teams",
    )
    sending_unit_name = models.CharField(_("派驻单位名称"), max_length=100, blank=True)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("驻村工作队")
        verbose_name_plural = _("驻村工作队")
        ordering = ["village", "-term_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="assistance_workteam_term",
                violation_error_message=_("任期结束不能早于任期开始"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.term_start:%Y}"


class WorkTeamMember(TimeStampedModel):
    """A member of a work team; at most one first secretary per team at a time."""

    scope_field = "team__village__code"

    team = models.ForeignKey(
        WorkTeam, verbose_name=_("工作队"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(
        _("队内职务"), max_length=20, choices=TeamRole.choices, default="member"
    )
    unit_name = models.CharField(_("原单位"), max_length=100, blank=True)
    position = models.CharField(_("原职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_memberships",
    )
    start_date = models.DateField(_("到岗日期"))
    end_date = models.DateField(_("离岗日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作队队员")
        verbose_name_plural = _("工作队队员")
        ordering = ["team", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=models.Q(role="first_secretary", end_date__isnull=True),
                name="assistance_workteammember_one_first_secretary",
                violation_error_message=_("每个工作队只能有一名在任第一书记"),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assistance_workteammember_dates",
                violation_error_message=_("离岗日期不能早于到岗日期"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


def visit_photo_path(instance: "Visit", filename: str) -> str:
    """visits/<village code>/<yyyy>/<random>.<ext>: never the uploaded name (it may be anything)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    year = instance.visited_on.year if instance.visited_on else "unknown"
    return f"visits/{instance.division_code or 'unknown'}/{year}/{uuid.uuid4().hex}.{extension}"


class Visit(TimeStampedModel):
    """A visit to a household (走访 / 入户记录) by its helper or a member of the work team."""

    scope_field = "division_code"
    household_path = "household_id"

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("贫困户"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    # Copy of the household's village code, so visit lists are scoped without a join.
    division_code = models.CharField(_("区划代码"), max_length=12)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    visitor_name = models.CharField(_("走访人"), max_length=50)
    visitor_role = models.CharField(
        _("走访人身份"), max_length=20, choices=VisitorRole.choices, default=VisitorRole.CADRE
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("帮扶责任人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    visited_on = models.DateField(_("走访日期"))
    kind = models.CharField(
        _("走访方式"), max_length=10, choices=VisitKind.choices, default=VisitKind.HOME
    )
    findings = models.TextField(_("了解情况"))
    policies_explained = models.TextField(_("宣讲政策"), blank=True)
    actions_taken = models.TextField(_("解决问题/办理事项"), blank=True)
    demands = models.TextField(_("群众诉求"), blank=True)
    follow_up_needed = models.BooleanField(_("需要跟进"), default=False)
    follow_up_note = models.CharField(_("跟进事项"), max_length=200, blank=True)
    photo = models.FileField(_("照片"), upload_to=visit_photo_path, blank=True, max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_accuracy_m = models.PositiveIntegerField(_("定位精度（米）"), null=True, blank=True)
    # Set by the page when the form is first shown: a resubmission after a dropped connection
    # carries the same token and is recognised instead of saved twice.
    client_token = models.UUIDField(_("提交标识"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_date"),
            models.Index(
                fields=["division_code"], name="visit_division_prefix", opclasses=PATTERN_OPS
            ),
            models.Index(fields=["visitor", "-visited_on"], name="visit_visitor_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client_token"],
                name="assistance_visit_client_token_unique",
                violation_error_message=_("该走访记录已提交过"),
            ),
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^[0-9]{12}$"),
                name="assistance_visit_division_code_format",
                violation_error_message=_("区划代码必须是12位数字"),
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="assistance_visit_location_pair",
                violation_error_message=_("定位须同时有经度和纬度，且在有效范围内"),
            ),
            models.CheckConstraint(
                condition=models.Q(follow_up_needed=True) | models.Q(follow_up_note=""),
                name="assistance_visit_follow_up_note",
                violation_error_message=_("只有需要跟进时才填写跟进事项"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.visitor_name} → {self.household_id}"


class StationingDay(TimeStampedModel):
    """One day of a work-team member's attendance (驻村考勤): in the village, on leave …"""

    scope_field = "division_code"

    member = models.ForeignKey(
        WorkTeamMember,
        verbose_name=_("工作队队员"),
        on_delete=models.CASCADE,
        related_name="stationing_days",
    )
    # Copy of the team's village code, for scoping and per-village sums without joins.
    division_code = models.CharField(_("区划代码"), max_length=12)
    date = models.DateField(_("日期"))
    status = models.CharField(
        _("考勤状态"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("驻村考勤")
        verbose_name_plural = _("驻村考勤")
        ordering = ["member", "date"]
        indexes = [
            models.Index(
                fields=["division_code"], name="stationing_division_prefix", opclasses=PATTERN_OPS
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "date"],
                name="assistance_stationingday_one_per_day",
                violation_error_message=_("该队员当天已有考勤记录"),
            ),
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^[0-9]{12}$"),
                name="assistance_stationingday_division_code_format",
                violation_error_message=_("区划代码必须是12位数字"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.date:%Y-%m-%d} {self.status}"
