"""Every reason sentence of every verdict, by template key, and how a reason becomes one.

A reason carries its code, severity and the figures it is about (``params``); the sentence is
rendered from the template when it is read — in the reader's language — so the derived tables
store figures, not prose, and a verdict computed at night reads in English for an English user.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

__all__ = [
    "CODE_TEMPLATES",
    "GUARANTEE_LABELS",
    "LINE_NAMES",
    "MESSAGES",
    "RATE_LABELS",
    "RISK_EVENTS",
    "TEMPLATE_ONLY",
    "UNCONFIRMED_SUFFIX",
    "reason_codes",
    "render_message",
]

# Appended to every reason whose standard carries the [U] mark (DOMAIN.md §0 rule 5).
UNCONFIRMED_SUFFIX = _("（标准待确认）")

GUARANTEE_LABELS = {
    "food": _("不愁吃"),
    "clothing": _("不愁穿"),
    "education": _("义务教育保障"),
    "medical": _("基本医疗保障"),
    "housing": _("住房安全保障"),
    "water": _("饮水安全"),
}
RATE_LABELS = {
    "wrong_exit_rate": _("脱贫人口错退率"),
    "missed_rate": _("贫困人口漏评率"),
    "approval": _("群众认可度"),
}
LINE_NAMES = {"poverty_line": _("标准"), "exit_working_line": _("工作退出线")}
LEVEL_WORDS = {"village": _("出列"), "county": _("摘帽")}

# Risk types (致贫/返贫风险, DOMAIN.md §12.3) a what-if case or a report may carry.
RISK_EVENTS = {
    "illness": _("因病"),
    "disability": _("因残"),
    "schooling": _("因学"),
    "disaster": _("因灾"),
    "accident": _("因意外事故"),
    "housing": _("因安全住房"),
    "water": _("因安全饮水"),
    "labour": _("缺劳动力"),
    "unstable_work": _("因务工就业不稳"),
    "industry_failure": _("因产业项目失败"),
    "epidemic": _("因疫情"),
    "other": _("其他"),
}

MESSAGES = {
    "standard_missing": _("%(year)s 年没有适用于本地区的“%(standard)s”标准，无法判定"),
    # household exit
    "veto_identified_this_year": _("%(year)s 年新识别的贫困户，按本省规定当年不能退出"),
    "identified_year_unknown": _(
        "识别年度不明，无法判断是否为当年新识别户（本省规定当年新识别户不能退出）"
    ),
    "veto_dangerous_house": _("仍居住 %(grade)s 级危房，住房安全保障不达标"),
    "veto_child_out_of_school": _(
        "有 %(count)s 名义务教育阶段适龄儿童少年（%(ages)s 周岁）失学辍学，义务教育保障不达标"
    ),
    "member_school_unknown": _(
        "有 %(count)s 名义务教育阶段适龄儿童少年（%(ages)s 周岁）在校情况不明"
    ),
    "veto_member_uninsured": _("有 %(count)s 名家庭成员未参加基本医疗保险，基本医疗保障不达标"),
    "member_insurance_unknown": _("有 %(count)s 名家庭成员参加基本医疗保险的情况不明"),
    "income_missing": _("%(year)s 年没有收入核算（算账）记录，无法判断人均纯收入是否超过标准"),
    "income_below_line": _("%(year)s 年人均纯收入 %(income)s 元，低于%(line_name)s %(line)s 元"),
    "income_not_above_line": _(
        "%(year)s 年人均纯收入 %(income)s 元，等于%(line_name)s %(line)s 元，未超过标准"
    ),
    "income_measure_differs": _(
        "%(line_name)s %(line)s 元按人均可支配收入设定，本户按人均纯收入核算，请按本省规定复核"
    ),
    "guarantee_not_met": _("%(year)s 年%(label)s不达标"),
    "guarantee_unknown": _("%(year)s 年%(label)s未核查（待核），不能视为达标"),
    "guarantee_not_required": _("%(year)s 年%(label)s不达标（当年不作为退出必查项）"),
    "follow_up_year_required": _("按本省规定，退出后须继续跟踪帮扶一年方可销号"),
    # checklists
    "checklist_not_met": _("%(checklist)s：%(indicator)s 未达标"),
    "checklist_not_met_value": _(
        "%(checklist)s：%(indicator)s 为 %(value)s%(unit)s，未达到“%(op)s %(threshold)s%(unit)s”的要求"
    ),
    "checklist_unknown": _("%(checklist)s：%(indicator)s 未核实（缺少“%(fact)s”数据）"),
    # monitoring
    "below_monitoring_line": _(
        "%(year)s 年人均纯收入 %(income)s 元，低于监测标准 %(line)s 元%(measure_note)s"
    ),
    "income_sharp_drop": _(
        "%(year)s 年人均纯收入 %(income)s 元，比上年 %(previous)s 元下降 %(drop_pct)s（预警线 %(limit_pct)s）"
    ),
    "rigid_expenditure_high": _("刚性支出 %(spending)s 元，超过上年纯收入 %(previous)s 元"),
    "guarantee_lost": _("%(year)s 年%(label)s不达标，存在返贫风险"),
    "risk_event": _("报告风险：%(risk)s"),
    # villages and counties
    "incidence_too_high": _(
        "%(year)s 年贫困发生率 %(incidence_pct)s，未低于%(level_word)s标准 %(limit_pct)s"
    ),
    "incidence_too_high_detail": _(
        "%(year)s 年贫困发生率 %(incidence_pct)s（剩余贫困人口 %(remaining)s 人 ÷ 农村户籍人口 "
        "%(population)s 人），未低于%(level_word)s标准 %(limit_pct)s"
    ),
    "incidence_unknown": _("%(year)s 年农村户籍人口或剩余贫困人口未填写，无法计算贫困发生率"),
    "rate_too_high": _("%(year)s 年%(label)s %(value_pct)s，未低于摘帽标准 %(limit_pct)s"),
    "rate_too_low": _("%(year)s 年%(label)s %(value_pct)s，低于摘帽标准 %(limit_pct)s"),
    "rate_unknown": _("%(year)s 年%(label)s未测算（待专项评估检查），不能视为达标"),
    "rate_warning": _("%(year)s 年%(label)s %(value_pct)s，达到内部预警线 %(limit_pct)s"),
}

# Codes that share a template (the guarantee items, the county rates).
CODE_TEMPLATES = {
    **{f"{item}_not_met": "guarantee_not_met" for item in GUARANTEE_LABELS},
    **{f"{item}_unknown": "guarantee_unknown" for item in GUARANTEE_LABELS},
    # county rates (county_exit._RATES): the two error rates must stay below, approval above
    "wrong_exit_rate_too_high": "rate_too_high",
    "missed_rate_too_high": "rate_too_high",
    "approval_too_low": "rate_too_low",
    **{f"{stem}_unknown": "rate_unknown" for stem in RATE_LABELS},
    "wrong_exit_rate_warning": "rate_warning",
    "missed_rate_warning": "rate_warning",
}

# Keys of MESSAGES that are templates only (shared by several codes, or a variant of one code's
# sentence chosen by ``Reason.template``), never a code themselves.
TEMPLATE_ONLY = frozenset(
    {
        "guarantee_not_met",
        "guarantee_unknown",
        "guarantee_not_required",
        "checklist_not_met_value",
        "incidence_too_high_detail",
        "rate_too_high",
        "rate_too_low",
        "rate_unknown",
        "rate_warning",
    }
)


def reason_codes() -> frozenset[str]:
    """Every reason code a verdict or a monitoring flag can carry (documented in docs/rules.md)."""
    return frozenset(set(MESSAGES) - TEMPLATE_ONLY | set(CODE_TEMPLATES))


_DISPOSABLE_NOTE = _("（标准按人均可支配收入）")
_CENT = Decimal("0.01")


def _format(key: str, value) -> str:
    from assessment.rules.base import fmt_number, fmt_pct

    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if key.endswith("_pct"):
        return fmt_pct(value)
    if isinstance(value, int) and key in ("year", "count"):
        return str(value)
    return fmt_number(value)


def render_message(template: str, params, item: str = "", unconfirmed: bool = False) -> str:
    """The sentence of one reason, in the active language."""
    from assessment.choices import StandardKey

    values = {key: _format(key, value) for key, value in params.items()}
    if item in GUARANTEE_LABELS:
        values.setdefault("label", str(GUARANTEE_LABELS[item]))
    elif item in RATE_LABELS:
        values.setdefault("label", str(RATE_LABELS[item]))
    if "line" in params:
        values["line_name"] = str(
            LINE_NAMES.get(params.get("line_key"), LINE_NAMES["poverty_line"])
        )
    if "level" in params:
        values["level_word"] = str(LEVEL_WORDS.get(params["level"], ""))
    if "standard_key" in params:
        try:
            values["standard"] = str(StandardKey(params["standard_key"]).label)
        except ValueError:
            values["standard"] = params["standard_key"]
    if template == "risk_event":
        values["risk"] = str(RISK_EVENTS.get(item, item))
    if template == "below_monitoring_line":
        values["measure_note"] = str(_DISPOSABLE_NOTE) if params.get("disposable") else ""
    text = str(MESSAGES[CODE_TEMPLATES.get(template, template)]) % values
    if unconfirmed:
        text += str(UNCONFIRMED_SUFFIX)
    return text
