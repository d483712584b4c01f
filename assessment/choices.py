"""Code lists of the assessment app: evidence marks, standard keys, verdict outcomes, procedures.

The standard *keys* and which direction of change is "stricter" are code (they say what a
number means); the *numbers* themselves are rows of the policy-standards table (DOMAIN.md §0
rule 1), seeded by migration 0002 and editable by the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "STANDARD_KEYS",
    "ChecklistLevel",
    "ChecklistOperator",
    "Evidence",
    "Measure",
    "Outcome",
    "RankingIndicator",
    "Severity",
    "StandardKey",
    "Strictness",
]


class Evidence(models.TextChoices):
    """DOMAIN.md §0 evidence marks; [U] values are shown and used as 待确认."""

    VERIFIED = "V", _("[V] 已核实（官方文本）")
    SECONDARY = "V2", _("[V2] 二手来源核实")
    UNVERIFIED = "U", _("[U] 待确认")
    FOUNDING = "F", _("[F] 地方政策（创始地区报告）")


class Measure(models.TextChoices):
    """The income measure a line is compared with (DOMAIN.md §5, §8)."""

    NET = "net", _("人均纯收入")
    DISPOSABLE = "disposable", _("人均可支配收入")


class Strictness(models.TextChoices):
    """Which change of a value makes a check stricter (a province may only go that way)."""

    HIGHER = "higher", _("数值越高越严格")
    LOWER = "lower", _("数值越低越严格")
    NONE = "none", _("不比较（说明性数值）")


class ChecklistLevel(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    VILLAGE = "village", _("村")
    TOWNSHIP = "township", _("乡镇")
    COUNTY = "county", _("县")


class ChecklistOperator(models.TextChoices):
    """How a checklist item compares its fact with the threshold."""

    TRUE = "true", _("为“是”")
    MET = "met", _("达标（met 或 不适用）")
    GTE = "gte", _("≥ 阈值")
    GT = "gt", _("> 阈值")
    LTE = "lte", _("≤ 阈值")
    LT = "lt", _("< 阈值")


class Severity(models.TextChoices):
    """How a reason bears on the verdict: fail and unknown block, warning and info do not."""

    FAIL = "fail", _("不达标")
    UNKNOWN = "unknown", _("待核（未知不等于达标）")
    WARNING = "warning", _("预警")
    INFO = "info", _("提示")


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", _("达到退出标准")
    NOT_ELIGIBLE = "not_eligible", _("未达到退出标准")
    INCOMPLETE = "incomplete", _("信息不全，待核")


class RankingIndicator(models.TextChoices):
    """Indicators a county office may weight in a ranking (DOMAIN.md §11.5)."""

    EXIT_PROGRESS = "exit_progress", _("脱贫进度（已脱贫户占比）")
    READINESS = "readiness", _("未脱贫户达标率")
    GUARANTEE_GAPS_CLOSED = "guarantee_gaps_closed", _("两不愁三保障达标户占比")
    INCIDENCE_LOW = "incidence_low", _("贫困发生率（越低越好）")
    PAIRING_COVERAGE = "pairing_coverage", _("结对帮扶覆盖率")
    VISIT_COVERAGE = "visit_coverage", _("当年走访覆盖率")
    STATIONING_DAYS_MET = "stationing_days_met", _("第一书记在村天数达标率")
    MONITORING_COVERAGE = "monitoring_coverage", _("无返贫风险户占比")


class StandardKey(models.TextChoices):
    """Every policy number the rules, procedures and checks read (DOMAIN.md §6.0, §8, §10)."""

    POVERTY_LINE = "poverty_line", _("扶贫标准（当年价）")
    POVERTY_LINE_2010 = "poverty_line_2010_prices", _("扶贫标准（2010年不变价）")
    EXIT_WORKING_LINE = "exit_working_line", _("工作退出线")
    EXIT_USES_WORKING_LINE = "exit_uses_working_line", _("退出按工作退出线测算（1=是）")
    MONITORING_LINE = "monitoring_line", _("防返贫监测标准")
    MONITORING_INCOME_DROP = "monitoring_income_drop_ratio", _("收入骤减比例（监测预警）")
    MONITORING_SHARE_TARGET = "monitoring_share_target", _("监测对象规模参考比例")
    MONITORING_SHARE_MAX_DEEP = "monitoring_share_max_deep", _("深度贫困地区监测对象比例上限")
    VILLAGE_INCIDENCE_MAX = "village_exit_incidence_max", _("贫困村出列贫困发生率上限")
    COUNTY_INCIDENCE_MAX = "county_exit_incidence_max", _("贫困县摘帽综合贫困发生率上限")
    COUNTY_WRONG_EXIT_MAX = "county_wrong_exit_rate_max", _("脱贫人口错退率上限")
    COUNTY_MISSED_MAX = "county_missed_rate_max", _("贫困人口漏评率上限")
    COUNTY_APPROVAL_MIN = "county_approval_min", _("群众认可度下限")
    INTERNAL_RATE_WARNING = "internal_rate_warning", _("错退率/漏评率内部预警线")
    NEW_HOUSEHOLD_CAN_EXIT = (
        "new_household_can_exit_same_year",
        _("当年新识别户当年可退出（1=可以，0=不可以）"),
    )
    FOLLOW_UP_YEAR = "follow_up_year_before_removal", _("销号前须跟踪帮扶一年（1=是）")
    WATER_CHECK_REQUIRED = "water_check_required", _("饮水安全作为退出必查项（1=是）")
    SCHOOL_AGE_MIN = "compulsory_school_age_min", _("义务教育年龄下限（周岁）")
    SCHOOL_AGE_MAX = "compulsory_school_age_max", _("义务教育年龄上限（周岁）")
    ELIMINATION_MIN_MONTHS = "elimination_min_months_monitored", _("风险消除前最短监测月数")
    ELIMINATION_MIN_MEASURES = "elimination_min_measures", _("风险消除前最少帮扶措施数")
    NOTICE_ID_FIRST = "notice_days.identification_first", _("识别第一次公示天数")
    NOTICE_ID_SECOND = "notice_days.identification_second", _("识别第二次公示天数")
    NOTICE_POOR_VILLAGE = "notice_days.poor_village_identification", _("贫困村识别公示天数")
    NOTICE_HOUSEHOLD_EXIT = "notice_days.household_exit", _("贫困户退出公示天数")
    NOTICE_VILLAGE_EXIT = "notice_days.village_exit", _("贫困村出列公示天数")
    NOTICE_COUNTY_EXIT = "notice_days.county_exit", _("贫困县摘帽公示天数（工作日）")
    NOTICE_MONITORING = "notice_days.monitoring_identification", _("监测对象识别公示天数")
    NOTICE_ELIMINATION = "notice_days.risk_elimination", _("风险消除公示天数")
    SLA_MONITORING_TOTAL = "sla_days.monitoring_identification", _("监测对象识别办结时限（天）")
    SLA_HOME_CHECK = "sla_days.monitoring_home_check", _("申报后入户核实时限（工作日）")
    SLA_DEPARTMENT_COMPARISON = "sla_days.department_comparison", _("部门信息比对时限（天）")
    MICROLOAN_MAX_AMOUNT = "microloan_max_amount", _("扶贫小额信贷额度上限（元）")
    MICROLOAN_MAX_TERM = "microloan_max_term_years", _("扶贫小额信贷期限上限（年）")
    RELOCATION_AREA_MAX = "relocation_area_max_per_person", _("搬迁住房人均面积上限（㎡）")
    RELOCATION_DEBT_MAX = "relocation_debt_max_per_household", _("搬迁户负债上限（元）")
    WORK_TEAM_MIN_MEMBERS = "work_team_min_members", _("驻村工作队最少人数")
    WORK_TEAM_MIN_TERM = "work_team_min_term_years", _("驻村工作队最短任期（年）")
    STATIONING_DAYS_MIN = "stationing_days_per_month_min", _("每月驻村最少天数")
    STATIONING_LEAVE_MAX = "stationing_leave_max_per_year", _("每年请假最多天数")
    FIRST_SECRETARY_DAYS_MIN = "first_secretary_days_min", _("第一书记每年在村最少天数")
    FIRST_SECRETARY_TERM_MIN = "first_secretary_term_min_years", _("第一书记任期下限（年）")
    FIRST_SECRETARY_TERM_MAX = "first_secretary_term_max_years", _("第一书记任期上限（年）")
    HELPER_VISITS_MIN = "helper_visits_per_month_min", _("帮扶责任人每月最少走访次数")
    YULU_SUBSIDY = "yulu_subsidy_per_student_year", _("雨露计划每生每年补助（元）")
    CRITICAL_ILLNESS_DEDUCTIBLE = "critical_illness_deductible", _("大病保险起付线（元）")
    CRITICAL_ILLNESS_RATIO_UP = "critical_illness_ratio_increase", _("大病保险报销比例提高")
    INSURANCE_ENROLMENT_TARGET = "insurance_enrolment_target", _("参保率目标")
    WATER_LITRES_MIN_RICH = "water_litres_min_rich", _("水量下限·丰水地区（升/人·日）")
    WATER_LITRES_MIN_SHORT = "water_litres_min_short", _("水量下限·缺水地区（升/人·日）")
    WATER_TRIP_MAX = "water_trip_minutes_max", _("取水单程时间上限（分钟）")
    WATER_RELIABILITY_MIN = "water_reliability_min", _("供水保证率下限")
    PUBLIC_POST_AGE_MIN = "public_post_age_min", _("公益岗位年龄下限")
    PUBLIC_POST_AGE_MAX = "public_post_age_max", _("公益岗位年龄上限（不含）")
    PUBLIC_POST_MAX_TYPES = "public_post_max_types_per_person", _("每人公益岗位最多类数")
    COUNTY_FUND_SHARE_MIN = (
        "county_poverty_fund_share_of_revenue_min",
        _("县级扶贫专项资金占上年地方财政收入比例下限"),
    )


@dataclass(frozen=True)
class KeyInfo:
    """What a key's value is: its unit and which direction is stricter."""

    unit: str
    strictness: str
    by_region_class: bool = False
    has_measure: bool = False


_Y = "元"
_D = "天"
_R = "比例"
_B = "是/否"
S = Strictness

# A province or city may only move a value in the ``strictness`` direction (DOMAIN.md §0 rule 4).
STANDARD_KEYS: dict[str, KeyInfo] = {
    StandardKey.POVERTY_LINE: KeyInfo(_Y, S.HIGHER, has_measure=True),
    StandardKey.POVERTY_LINE_2010: KeyInfo(_Y, S.HIGHER),
    StandardKey.EXIT_WORKING_LINE: KeyInfo(_Y, S.HIGHER, has_measure=True),
    StandardKey.EXIT_USES_WORKING_LINE: KeyInfo(_B, S.HIGHER),
    StandardKey.MONITORING_LINE: KeyInfo(_Y, S.HIGHER, has_measure=True),
    StandardKey.MONITORING_INCOME_DROP: KeyInfo(_R, S.LOWER),
    StandardKey.MONITORING_SHARE_TARGET: KeyInfo(_R, S.NONE),
    StandardKey.MONITORING_SHARE_MAX_DEEP: KeyInfo(_R, S.NONE),
    StandardKey.VILLAGE_INCIDENCE_MAX: KeyInfo(_R, S.LOWER, by_region_class=True),
    StandardKey.COUNTY_INCIDENCE_MAX: KeyInfo(_R, S.LOWER, by_region_class=True),
    StandardKey.COUNTY_WRONG_EXIT_MAX: KeyInfo(_R, S.LOWER),
    StandardKey.COUNTY_MISSED_MAX: KeyInfo(_R, S.LOWER),
    StandardKey.COUNTY_APPROVAL_MIN: KeyInfo(_R, S.HIGHER),
    StandardKey.INTERNAL_RATE_WARNING: KeyInfo(_R, S.LOWER),
    StandardKey.NEW_HOUSEHOLD_CAN_EXIT: KeyInfo(_B, S.LOWER),
    StandardKey.FOLLOW_UP_YEAR: KeyInfo(_B, S.HIGHER),
    StandardKey.WATER_CHECK_REQUIRED: KeyInfo(_B, S.HIGHER),
    StandardKey.SCHOOL_AGE_MIN: KeyInfo("周岁", S.LOWER),
    StandardKey.SCHOOL_AGE_MAX: KeyInfo("周岁", S.HIGHER),
    StandardKey.ELIMINATION_MIN_MONTHS: KeyInfo("月", S.HIGHER),
    StandardKey.ELIMINATION_MIN_MEASURES: KeyInfo("项", S.HIGHER),
    StandardKey.NOTICE_ID_FIRST: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_ID_SECOND: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_POOR_VILLAGE: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_HOUSEHOLD_EXIT: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_VILLAGE_EXIT: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_COUNTY_EXIT: KeyInfo("工作日", S.HIGHER),
    StandardKey.NOTICE_MONITORING: KeyInfo(_D, S.HIGHER),
    StandardKey.NOTICE_ELIMINATION: KeyInfo(_D, S.HIGHER),
    StandardKey.SLA_MONITORING_TOTAL: KeyInfo(_D, S.LOWER),
    StandardKey.SLA_HOME_CHECK: KeyInfo("工作日", S.LOWER),
    StandardKey.SLA_DEPARTMENT_COMPARISON: KeyInfo(_D, S.LOWER),
    StandardKey.MICROLOAN_MAX_AMOUNT: KeyInfo(_Y, S.LOWER),
    StandardKey.MICROLOAN_MAX_TERM: KeyInfo("年", S.LOWER),
    StandardKey.RELOCATION_AREA_MAX: KeyInfo("㎡", S.LOWER),
    StandardKey.RELOCATION_DEBT_MAX: KeyInfo(_Y, S.LOWER),
    StandardKey.WORK_TEAM_MIN_MEMBERS: KeyInfo("人", S.HIGHER),
    StandardKey.WORK_TEAM_MIN_TERM: KeyInfo("年", S.HIGHER),
    StandardKey.STATIONING_DAYS_MIN: KeyInfo(_D, S.HIGHER),
    StandardKey.STATIONING_LEAVE_MAX: KeyInfo(_D, S.LOWER),
    StandardKey.FIRST_SECRETARY_DAYS_MIN: KeyInfo(_D, S.HIGHER),
    StandardKey.FIRST_SECRETARY_TERM_MIN: KeyInfo("年", S.HIGHER),
    StandardKey.FIRST_SECRETARY_TERM_MAX: KeyInfo("年", S.NONE),
    StandardKey.HELPER_VISITS_MIN: KeyInfo("次", S.HIGHER),
    StandardKey.YULU_SUBSIDY: KeyInfo(_Y, S.NONE),
    StandardKey.CRITICAL_ILLNESS_DEDUCTIBLE: KeyInfo(_Y, S.NONE),
    StandardKey.CRITICAL_ILLNESS_RATIO_UP: KeyInfo(_R, S.NONE),
    StandardKey.INSURANCE_ENROLMENT_TARGET: KeyInfo(_R, S.HIGHER),
    StandardKey.WATER_LITRES_MIN_RICH: KeyInfo("升", S.HIGHER),
    StandardKey.WATER_LITRES_MIN_SHORT: KeyInfo("升", S.HIGHER),
    StandardKey.WATER_TRIP_MAX: KeyInfo("分钟", S.LOWER),
    StandardKey.WATER_RELIABILITY_MIN: KeyInfo(_R, S.HIGHER),
    StandardKey.PUBLIC_POST_AGE_MIN: KeyInfo("周岁", S.NONE),
    StandardKey.PUBLIC_POST_AGE_MAX: KeyInfo("周岁", S.NONE),
    StandardKey.PUBLIC_POST_MAX_TYPES: KeyInfo("类", S.LOWER),
    StandardKey.COUNTY_FUND_SHARE_MIN: KeyInfo(_R, S.HIGHER),
}
