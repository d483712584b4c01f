"""Registered poor households (建档立卡贫困户), their members, and their per-year records."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from households import choices as c
from poverty.models import TimeStampedModel

__all__ = [
    "AnnualIncome",
    "GuaranteeStatus",
    "Household",
    "HouseholdStatusChange",
    "Member",
]

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0")}
AREA = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}
YEAR_VALIDATORS = [MinValueValidator(2013), MaxValueValidator(2035)]
PATTERN_OPS = ["varchar_pattern_ops"]


class Household(TimeStampedModel):
    """A registered poor household (建档立卡贫困户), identified as a whole (整户识别)."""

    scope_field = "village__code"
    household_path = "pk"

    household_number = models.CharField(_("户编号"), max_length=30, unique=True)
    village = models.ForeignKey(
        "villages.Region",
        verbose_name=_("所在村"),
        on_delete=models.PROTECT,
        related_name="households",
        db_column="village_code",
        limit_choices_to={"level": "village"},
    )
    # After a merge of villages (合村并组) the household keeps the code it was registered under.
    registered_village_code = models.CharField(_("建档时村代码"), max_length=12, blank=True)
    group_name = models.CharField(_("村民小组/自然村"), max_length=50, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    system_version = models.CharField(
        _("系统版本"),
        max_length=4,
        choices=c.SystemVersion.choices,
        default=c.SystemVersion.NATIONAL_2014,
    )

    identification_standard = models.CharField(
        _("识别标准"), max_length=1, choices=c.IdentificationStandard.choices, default="1"
    )
    attribute = models.CharField(
        _("贫困户属性"), max_length=1, choices=c.HouseholdAttribute.choices
    )
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), validators=YEAR_VALIDATORS)
    status = models.CharField(
        _("脱贫属性"),
        max_length=10,
        choices=c.HouseholdStatus.choices,
        default=c.HouseholdStatus.POOR,
    )
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(
        _("脱贫年度"), null=True, blank=True, validators=YEAR_VALIDATORS
    )
    main_cause = models.CharField(_("主要致贫原因"), max_length=2, choices=c.CauseOfPoverty.choices)
    other_causes = ArrayField(
        models.CharField(max_length=2, choices=c.CauseOfPoverty.choices),
        verbose_name=_("其他致贫原因"),
        default=list,
        blank=True,
        size=2,
    )
    cause_note = models.CharField(_("致贫原因说明"), max_length=200, blank=True)
    is_military_family = models.BooleanField(_("军烈属"), default=False)
    is_only_child_family = models.BooleanField(_("独生子女户"), default=False)
    is_two_daughter_family = models.BooleanField(_("双女户"), default=False)

    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行名称"), max_length=50, blank=True)
    bank_account = models.CharField(_("银行卡号"), max_length=30, blank=True)

    # Production conditions (生产条件), in 亩.
    cultivated_land_mu = models.DecimalField(_("耕地面积（亩）"), **AREA)
    irrigated_land_mu = models.DecimalField(_("有效灌溉面积（亩）"), **AREA)
    forest_land_mu = models.DecimalField(_("林地面积（亩）"), **AREA)
    grain_to_green_mu = models.DecimalField(_("退耕还林面积（亩）"), **AREA)
    fruit_forest_mu = models.DecimalField(_("林果面积（亩）"), **AREA)
    pasture_mu = models.DecimalField(_("牧草地面积（亩）"), **AREA)
    water_surface_mu = models.DecimalField(_("水面面积（亩）"), **AREA)
    in_cooperative = models.BooleanField(_("加入农民专业合作组织"), null=True, blank=True)
    led_by_enterprise = models.BooleanField(_("有龙头企业带动"), null=True, blank=True)
    led_by_entrepreneur = models.BooleanField(_("有创业致富带头人带动"), null=True, blank=True)

    # Living conditions (生活条件).
    has_production_power = models.BooleanField(_("通生产用电"), null=True, blank=True)
    has_living_power = models.BooleanField(_("通生活用电"), null=True, blank=True)
    has_broadcast_tv = models.BooleanField(_("通广播电视"), null=True, blank=True)
    distance_to_road_km = models.DecimalField(
        _("与村主干路距离（公里）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    access_road = models.CharField(
        _("入户路类型"), max_length=1, choices=c.AccessRoad.choices, blank=True
    )
    housing_area = models.DecimalField(_("住房面积（㎡）"), **AREA)
    is_dangerous_house = models.BooleanField(_("危房户"), default=False)
    house_grade = models.CharField(
        _("危房级别"), max_length=1, choices=c.HouseGrade.choices, blank=True
    )
    has_sanitary_toilet = models.BooleanField(_("有卫生厕所"), null=True, blank=True)
    fuel_type = models.CharField(
        _("主要燃料类型"), max_length=1, choices=c.FuelType.choices, blank=True
    )
    water_source = models.CharField(
        _("饮水来源"), max_length=1, choices=c.WaterSource.choices, blank=True
    )
    has_water_difficulty = models.BooleanField(_("饮水困难"), null=True, blank=True)
    has_safe_water = models.BooleanField(_("饮水安全"), null=True, blank=True)

    # Relocation (易地扶贫搬迁).
    is_relocated = models.BooleanField(_("易地扶贫搬迁户"), default=False)
    relocation_mode = models.CharField(
        _("搬迁方式"), max_length=1, choices=c.RelocationMode.choices, blank=True
    )
    resettlement_mode = models.CharField(
        _("安置方式"), max_length=1, choices=c.ResettlementMode.choices, blank=True
    )
    resettlement_place = models.CharField(
        _("安置地"), max_length=1, choices=c.ResettlementPlace.choices, blank=True
    )

    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    # Soft delete: a household is never removed from the registry by a user.
    is_deleted = models.BooleanField(_("已删除"), default=False)
    deleted_reason = models.CharField(_("删除原因"), max_length=200, blank=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("删除人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Optimistic concurrency: every write through the services increments it.
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        ordering = ["village_id", "household_number"]
        indexes = [
            models.Index(fields=["status", "village"], name="hh_status_village"),
            # The registry list: a region is a range of village codes, and this index returns
            # its households in the default order (village, household number), counts them by
            # status, and serves the other sorts of the list (every sortable column is in it)
            # by sorting its entries, without reading the table.
            models.Index(
                fields=["village", "household_number"],
                name="hh_village_number",
                include=["status", "id", "identified_year", "updated"],
                condition=models.Q(is_deleted=False),
            ),
            # Sorted by household number within a county (city): the first six (four) digits
            # of the village code, then the number, so a page is read straight off the index
            # (the list adds the implied condition; see households.selectors.in_region_hint).
            *(
                models.Index(
                    Substr("village", 1, length),
                    F("household_number"),
                    name=name,
                    include=["village", "status", "id"],
                    condition=models.Q(is_deleted=False),
                )
                for length, name in ((6, "hh_county_number"), (4, "hh_city_number"))
            ),
            models.Index(fields=["updated"], name="hh_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(other_causes__contains=[models.F("main_cause")]),
                name="households_household_other_cause_not_main",
                violation_error_message=_("其他致贫原因不得与主要致贫原因重复"),
            ),
            models.CheckConstraint(
                condition=models.Q(other_causes__len__lte=2),
                name="households_household_other_causes_max_2",
                violation_error_message=_("其他致贫原因最多2项"),
            ),
            models.CheckConstraint(
                condition=models.Q(is_dangerous_house=False) | models.Q(house_grade__in=["C", "D"]),
                name="households_household_dangerous_house_grade",
                violation_error_message=_("危房户的危房级别应为C级或D级"),
            ),
            models.CheckConstraint(
                condition=models.Q(is_deleted=False) | ~models.Q(deleted_reason=""),
                name="households_household_deleted_has_reason",
                violation_error_message=_("删除贫困户必须填写原因"),
            ),
            models.CheckConstraint(
                condition=models.Q(exit_year__isnull=True)
                | models.Q(exit_year__gte=models.F("identified_year")),
                name="households_household_exit_after_identification",
                violation_error_message=_("脱贫年度不能早于识别年度"),
            ),
            models.CheckConstraint(
                condition=models.Q(household_number__regex=r"^[0-9A-Za-z-]+$"),
                name="households_household_number_format",
                violation_error_message=_("户编号只能包含数字、字母和连字符"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_number}"

    def save(self, *args, **kwargs):
        self.household_number = self.household_number.strip()
        if not self.registered_village_code:
            self.registered_village_code = self.village_id or ""
        super().save(*args, **kwargs)


class HouseholdStatusChange(models.Model):
    """One change of a household's lifecycle status (识别, 脱贫, 返贫, 纳入监测 …), by year."""

    scope_field = "household__village__code"
    household_path = "household_id"

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="status_changes"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=c.HouseholdStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=c.HouseholdStatus.choices)
    changed_on = models.DateField(_("变更日期"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("贫困户状态变更")
        verbose_name_plural = _("贫困户状态变更")
        ordering = ["household", "changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.from_status}→{self.to_status}"


class Member(TimeStampedModel):
    """A member of a registered household (家庭成员); the head has relation 01 (户主)."""

    scope_field = "division_code"
    household_path = "household_id"

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="members"
    )
    # Copy of the household's village code, so member queries are scoped without a join.
    division_code = models.CharField(_("区划代码"), max_length=12)
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(_("证件类型"), max_length=1, choices=c.IdType.choices, default="1")
    id_number = models.CharField(_("证件号码"), max_length=22)
    sex = models.CharField(_("性别"), max_length=1, choices=c.Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=2, choices=c.Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=c.ETHNICITY_CHOICES, default="01")
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=c.PoliticalStatus.choices, default="13"
    )
    education = models.CharField(
        _("文化程度"), max_length=2, choices=c.Education.choices, blank=True
    )
    school_status = models.CharField(
        _("在校生状况"), max_length=2, choices=c.SchoolStatus.choices, default="01"
    )
    health = models.CharField(_("健康状况"), max_length=2, choices=c.Health.choices, default="01")
    has_chronic_illness = models.BooleanField(_("兼有长期慢性病"), default=False)
    disability_category = models.CharField(
        _("残疾类别"), max_length=1, choices=c.DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    disability_cert_number = models.CharField(_("残疾人证号"), max_length=22, blank=True)
    labour_ability = models.CharField(
        _("劳动技能"), max_length=2, choices=c.LabourAbility.choices, default="01"
    )
    work_status = models.CharField(
        _("务工状况"), max_length=2, choices=c.WorkStatus.choices, default="00"
    )
    work_months = models.PositiveSmallIntegerField(
        _("务工时间（月）"), default=0, validators=[MaxValueValidator(12)]
    )
    is_active_military = models.BooleanField(_("现役军人"), default=False)
    has_resident_medical_insurance = models.BooleanField(
        _("城乡居民基本医疗保险（新农合）"), default=False
    )
    has_employee_medical_insurance = models.BooleanField(_("城镇职工基本医疗保险"), default=False)
    has_critical_illness_insurance = models.BooleanField(_("大病保险"), default=False)
    has_resident_pension = models.BooleanField(_("城乡居民基本养老保险"), default=False)
    has_employee_pension = models.BooleanField(_("城镇职工基本养老保险"), default=False)
    dibao = models.CharField(
        _("享受低保政策"), max_length=1, choices=c.DibaoStatus.choices, default="0"
    )
    tekun = models.CharField(
        _("享受特困供养政策"), max_length=1, choices=c.TekunStatus.choices, default="0"
    )
    receives_yulu = models.BooleanField(_("享受雨露计划"), default=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    id_note = models.CharField(_("证件备注"), max_length=100, blank=True)

    # A member who leaves (death, marriage …) is kept with the reason; only active ones count.
    is_active = models.BooleanField(_("在户"), default=True)
    change_reason = models.CharField(
        _("人员变更"), max_length=2, choices=c.MemberChange.choices, blank=True
    )
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household", "relation", "birth_date", "id"]
        indexes = [
            models.Index(
                fields=["division_code"], name="member_division_prefix", opclasses=PATTERN_OPS
            ),
            models.Index(
                fields=["id_number"], name="member_id_number_prefix", opclasses=PATTERN_OPS
            ),
            models.Index(fields=["name"], name="member_name_prefix", opclasses=PATTERN_OPS),
        ]
        constraints = [
            # One person, one active household (ID-09). Members of a soft-deleted household are
            # set inactive by the deleting service, so this index holds across households.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=models.Q(is_active=True),
                name="households_member_one_active_per_id",
                violation_error_message=_("该证件号码已登记在另一户中"),
            ),
            # At most one head among active members; "at least one" is a deferred trigger.
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relation="01", is_active=True),
                name="households_member_one_head",
                violation_error_message=_("每户只能有一名户主"),
            ),
            models.CheckConstraint(
                condition=models.Q(id_number__regex=r"^[0-9]{17}[0-9X]([0-9]{2}|[0-9]{4})?$"),
                name="households_member_id_number_format",
                violation_error_message=_("证件号码格式不正确"),
            ),
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^[0-9]{12}$"),
                name="households_member_division_code_format",
                violation_error_message=_("区划代码必须是12位数字"),
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    has_resident_medical_insurance=True, has_employee_medical_insurance=True
                ),
                name="households_member_one_medical_scheme",
                violation_error_message=_("不能同时参加城乡居民医保和城镇职工医保"),
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True) | ~models.Q(change_reason=""),
                name="households_member_inactive_has_reason",
                violation_error_message=_("成员迁出或注销必须填写人员变更原因"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.id_number = self.id_number.strip().upper()
        super().save(*args, **kwargs)


class AnnualIncome(TimeStampedModel):
    """A household's income account (算账) for one year, with the derived per-capita net income."""

    scope_field = "household__village__code"
    household_path = "household_id"

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    period_start = models.DateField(_("统计期起"), null=True, blank=True)
    period_end = models.DateField(_("统计期止"), null=True, blank=True)
    household_size = models.PositiveSmallIntegerField(
        _("家庭人口数"), validators=[MinValueValidator(1)]
    )

    wage = models.DecimalField(_("工资性收入"), **MONEY)
    business = models.DecimalField(_("生产经营性收入"), **MONEY)
    property_dividend = models.DecimalField(_("资产收益扶贫分红收入"), **MONEY)
    property_other = models.DecimalField(_("其他财产性收入"), **MONEY)
    family_planning = models.DecimalField(_("计划生育金"), **MONEY)
    dibao = models.DecimalField(_("低保金"), **MONEY)
    tekun = models.DecimalField(_("五保金/特困供养金"), **MONEY)
    pension = models.DecimalField(_("养老保险金"), **MONEY)
    eco_compensation = models.DecimalField(_("生态补偿金"), **MONEY)
    transfer_other = models.DecimalField(_("其他转移性收入"), **MONEY)
    business_costs = models.DecimalField(_("生产经营性支出"), **MONEY)

    # Derived by households.rules.income_account; stored for queries and ledgers (INC-09).
    gross_income = models.DecimalField(_("年收入"), **MONEY)
    net_income = models.DecimalField(_("纯收入"), **MONEY)
    per_capita_net_income = models.DecimalField(_("人均纯收入"), **MONEY)
    confirmed_by_head = models.BooleanField(_("户主签字确认"), default=False)

    class Meta:
        verbose_name = _("年度收入")
        verbose_name_plural = _("年度收入")
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="households_annualincome_one_per_year",
                violation_error_message=_("该户本年度已有收入记录"),
            ),
            models.CheckConstraint(
                condition=models.Q(wage__gte=0)
                & models.Q(business__gte=0)
                & models.Q(property_dividend__gte=0)
                & models.Q(property_other__gte=0)
                & models.Q(family_planning__gte=0)
                & models.Q(dibao__gte=0)
                & models.Q(tekun__gte=0)
                & models.Q(pension__gte=0)
                & models.Q(eco_compensation__gte=0)
                & models.Q(transfer_other__gte=0)
                & models.Q(business_costs__gte=0),
                name="households_annualincome_non_negative",
                violation_error_message=_("收入和支出金额不能为负数"),
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="households_annualincome_period_order",
                violation_error_message=_("统计期止不能早于统计期起"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class GuaranteeStatus(TimeStampedModel):
    """Whether a household has 两不愁三保障 and safe drinking water in one year, with evidence."""

    scope_field = "household__village__code"
    household_path = "household_id"
    ITEMS = ("food", "clothing", "education", "medical", "housing", "water")

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="guarantees"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    food = models.CharField(
        _("不愁吃"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    clothing = models.CharField(
        _("不愁穿"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    education = models.CharField(
        _("义务教育保障"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    medical = models.CharField(
        _("基本医疗保障"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    housing = models.CharField(
        _("住房安全保障"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    water = models.CharField(
        _("饮水安全"), max_length=15, choices=c.GuaranteeState.choices, default="unknown"
    )
    # The four measured water indicators (DOMAIN.md §9.5), when measured.
    water_litres_per_day = models.DecimalField(
        _("水量（升/人·日）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    water_quality_ok = models.BooleanField(_("水质达标"), null=True, blank=True)
    water_trip_minutes = models.PositiveSmallIntegerField(
        _("取水往返时间（分钟）"), null=True, blank=True
    )
    water_reliability_pct = models.DecimalField(
        _("供水保证率（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    evidence_note = models.TextField(_("佐证说明"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_by_name = models.CharField(_("核查人姓名"), max_length=50, blank=True)
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("两不愁三保障情况")
        verbose_name_plural = _("两不愁三保障情况")
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="households_guaranteestatus_one_per_year",
                violation_error_message=_("该户本年度已有两不愁三保障记录"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"
