"""一户一档: one household's complete file, one workbook with a sheet per part, printable.

Parts follow the 扶贫手册 (DOMAIN.md §4.1): 基本情况, 家庭成员, 收入测算 (every year),
两不愁三保障 (every year), 帮扶责任人 (the pairing history), 状态变更, and 走访记录 when the
assistance app records visits. Read through households.selectors.household_get_for_user, so
a household outside the user's export scope is a 404.
"""

from __future__ import annotations

from django.apps import apps

from households.ledgers.exports import (
    ATTRIBUTE,
    CAUSE,
    EDUCATION,
    ETHNICITY,
    FUEL,
    GRADE,
    GUARANTEE,
    HEALTH,
    LABOUR,
    RELATION,
    ROAD,
    SCHOOL,
    SEX,
    STANDARD,
    STATUS,
    WORK,
    _account,
    _maskers,
)
from households.models import AnnualIncome, GuaranteeStatus, Household, HouseholdStatusChange
from households.rules import INCOME_COMPONENTS
from poverty.ledgers.base import (
    LedgerKind,
    LedgerParams,
    LedgerPlan,
    SheetPlan,
    bool_text,
    choice_labels,
    ledger_kind,
    region_title,
    subtitle,
)
from poverty.scoping import get_for_user
from poverty.xlsx import Column

__all__ = ["household_file_plan"]

T, I, M, D = "text", "int", "money", "decimal"  # noqa: E741
CHANGE = choice_labels(
    [("01", "死亡"), ("02", "嫁出"), ("03", "出国定居"), ("04", "判刑收监"), ("05", "嫁入"),
     ("06", "新生儿"), ("07", "其他转入"), ("08", "其他转出")]
)  # fmt: skip


def _household(params: LedgerParams) -> Household:
    queryset = Household.objects.select_related("village")
    return get_for_user(params.user, queryset, "export", pk=params.household_id)


def _basic(h: Household, head, members: list, pairing, mask) -> list[tuple[str, object]]:
    mask_id, mask_tel, mask_bank = mask
    return [
        ("户编号", h.household_number),
        ("所在地", region_title(h.village_id)),
        ("村民小组/自然村", h.group_name),
        ("住址", h.address),
        ("户主姓名", head.name if head else ""),
        ("户主证件号码", mask_id(head.id_number) if head else ""),
        ("家庭人口数（在户）", sum(1 for m in members if m.is_active)),
        ("联系电话", mask_tel(h.phone)),
        ("开户银行名称", h.bank_name),
        ("银行卡号", mask_bank(h.bank_account)),
        ("识别标准", STANDARD.get(h.identification_standard, "")),
        ("贫困户属性", ATTRIBUTE.get(h.attribute, "")),
        ("识别年度", h.identified_year),
        ("脱贫属性（当前）", STATUS.get(h.status, "")),
        ("脱贫年度", h.exit_year or ""),
        ("主要致贫原因", CAUSE.get(h.main_cause, "")),
        ("其他致贫原因", "、".join(CAUSE.get(x, x) for x in h.other_causes)),
        ("致贫原因说明", h.cause_note),
        ("军烈属 / 独生子女户 / 双女户", " / ".join(bool_text(v) for v in (
            h.is_military_family, h.is_only_child_family, h.is_two_daughter_family))),
        ("耕地面积（亩）", h.cultivated_land_mu),
        ("有效灌溉 / 林地 / 退耕还林 / 林果 / 牧草地 / 水面（亩）", " / ".join(
            str(v if v is not None else "—") for v in (
                h.irrigated_land_mu, h.forest_land_mu, h.grain_to_green_mu, h.fruit_forest_mu,
                h.pasture_mu, h.water_surface_mu))),
        ("加入合作组织 / 龙头企业带动 / 致富带头人带动", " / ".join(bool_text(v) or "—" for v in (
            h.in_cooperative, h.led_by_enterprise, h.led_by_entrepreneur))),
        ("通生产用电 / 生活用电 / 广播电视", " / ".join(bool_text(v) or "—" for v in (
            h.has_production_power, h.has_living_power, h.has_broadcast_tv))),
        ("与村主干路距离（公里）", h.distance_to_road_km),
        ("入户路类型", ROAD.get(h.access_road, "")),
        ("住房面积（㎡）", h.housing_area),
        ("是否危房户 / 危房级别", f"{bool_text(h.is_dangerous_house)} / {GRADE.get(h.house_grade, '—')}"),
        ("是否有卫生厕所", bool_text(h.has_sanitary_toilet)),
        ("主要燃料类型", FUEL.get(h.fuel_type, "")),
        ("饮水困难 / 饮水安全", f"{bool_text(h.has_water_difficulty) or '—'} / {bool_text(h.has_safe_water) or '—'}"),
        ("是否易地扶贫搬迁户", bool_text(h.is_relocated)),
        ("帮扶责任人（当前）", f"{pairing.cadre.name}（{pairing.cadre.unit_name}）" if pairing else ""),
    ]  # fmt: skip


MEMBER_COLUMNS = [
    Column("姓名", T, 8), Column("证件号码", T, 20), Column("性别", T, 4), Column("出生日期", "date"),
    Column("与户主关系", T, 8), Column("民族", T, 6), Column("文化程度", T, 10),
    Column("在校生状况", T, 10), Column("健康状况", T, 10), Column("劳动技能", T, 10),
    Column("务工状况", T, 12), Column("务工时间（月）", I, 6), Column("医保", T, 6),
    Column("大病保险", T, 6), Column("养老保险", T, 6), Column("联系电话", T, 14),
    Column("是否在户", T, 6), Column("人员变更", T, 8), Column("变更日期", "date"),
]  # fmt: skip
INCOME_COLUMNS = [
    Column("年度", "year", 6),
    *[Column(label, M) for _n, (_g, label) in INCOME_COMPONENTS.items()],
    Column("年收入", M), Column("生产经营性支出", M), Column("纯收入", M),
    Column("家庭人口数", I, 6), Column("人均纯收入", M), Column("户主签字确认", T, 6),
]  # fmt: skip
GUARANTEE_COLUMNS = [
    Column("年度", "year", 6), Column("不愁吃", T, 8), Column("不愁穿", T, 8),
    Column("义务教育保障", T, 10), Column("基本医疗保障", T, 10), Column("住房安全保障", T, 10),
    Column("饮水安全", T, 8), Column("佐证说明", T, 40), Column("核查人", T, 8),
    Column("核查日期", "date"),
]  # fmt: skip
PAIRING_COLUMNS = [
    Column("帮扶责任人", T, 10), Column("单位名称", T, 20), Column("职务", T, 10),
    Column("联系电话", T, 14), Column("帮扶起始时间", "date"), Column("结束时间", "date"),
    Column("结束原因", T, 20),
]  # fmt: skip
STATUS_COLUMNS = [
    Column("年度", "year", 6), Column("变更日期", "date"), Column("原状态", T, 8),
    Column("新状态", T, 8), Column("原因", T, 40),
]  # fmt: skip


def household_file_plan(params: LedgerParams) -> LedgerPlan:
    from assistance.models import CadrePairing

    h = _household(params)
    mask = _maskers(params.user)
    mask_id, mask_tel, _bank = mask
    members = list(h.members.order_by("-is_active", "relation", "birth_date", "id"))
    head = next((m for m in members if m.is_active and m.relation == "01"), None)
    pairings = list(
        CadrePairing.objects.filter(household=h).select_related("cadre").order_by("-start_date")
    )
    current = next((p for p in pairings if p.end_date is None), None)
    incomes = list(AnnualIncome.objects.filter(household=h).order_by("year"))
    guarantees = list(GuaranteeStatus.objects.filter(household=h).order_by("year"))
    changes = list(HouseholdStatusChange.objects.filter(household=h).order_by("changed_on", "id"))
    label = f"一户一档（户编号 {h.household_number}，户主 {head.name if head else ''}）"
    sub = subtitle(params, units="元、亩、㎡")

    def income_rows():
        for income in incomes:
            acc = _account(
                {
                    f: getattr(income, f)
                    for f in (*INCOME_COMPONENTS, "business_costs", "household_size")
                }
            )
            yield (income.year, *[getattr(income, n) for n in INCOME_COMPONENTS], acc.gross,
                   acc.costs, acc.net, acc.household_size, acc.per_capita_net,
                   bool_text(income.confirmed_by_head))  # fmt: skip

    sheets = [
        SheetPlan("基本情况", [], lambda: _basic(h, head, members, current, mask), title=label,
                  subtitle=sub, form=True),
        SheetPlan("家庭成员", MEMBER_COLUMNS, lambda: (
            (m.name, mask_id(m.id_number), SEX.get(m.sex, ""), m.birth_date,
             RELATION.get(m.relation, ""), ETHNICITY.get(m.ethnicity, ""),
             EDUCATION.get(m.education, ""), SCHOOL.get(m.school_status, ""),
             HEALTH.get(m.health, ""), LABOUR.get(m.labour_ability, ""),
             WORK.get(m.work_status, ""), m.work_months,
             bool_text(m.has_resident_medical_insurance or m.has_employee_medical_insurance),
             bool_text(m.has_critical_illness_insurance),
             bool_text(m.has_resident_pension or m.has_employee_pension), mask_tel(m.phone),
             bool_text(m.is_active), CHANGE.get(m.change_reason, ""), m.changed_on)
            for m in members), title=f"{label}　家庭成员", subtitle=sub),
        SheetPlan("收入测算", INCOME_COLUMNS, income_rows, title=f"{label}　收入测算", subtitle=sub),
        SheetPlan("两不愁三保障", GUARANTEE_COLUMNS, lambda: (
            (g.year, GUARANTEE.get(g.food), GUARANTEE.get(g.clothing), GUARANTEE.get(g.education),
             GUARANTEE.get(g.medical), GUARANTEE.get(g.housing), GUARANTEE.get(g.water),
             g.evidence_note, g.checked_by_name, g.checked_on)
            for g in guarantees), title=f"{label}　两不愁三保障", subtitle=sub),
        SheetPlan("帮扶责任人", PAIRING_COLUMNS, lambda: (
            (p.cadre.name, p.cadre.unit_name, p.cadre.position, mask_tel(p.cadre.phone),
             p.start_date, p.end_date, p.end_reason) for p in pairings),
            title=f"{label}　帮扶责任人", subtitle=sub),
        SheetPlan("状态变更", STATUS_COLUMNS, lambda: (
            (ch.year, ch.changed_on, STATUS.get(ch.from_status, ""), STATUS.get(ch.to_status, ""),
             ch.reason) for ch in changes), title=f"{label}　状态变更", subtitle=sub),
    ]  # fmt: skip
    visits = _visit_sheet(h, label, sub)
    if visits is not None:
        sheets.append(visits)
    return LedgerPlan(
        filename=f"一户一档_{h.household_number}.xlsx",
        sheets=sheets,
        total=len(members) + len(incomes) + len(guarantees) + len(pairings) + 40,
        detail={"household_number": h.household_number},
    )


def _visit_sheet(h: Household, label: str, sub: str) -> SheetPlan | None:
    """走访记录: every visit to the household (assistance.ledgers, columns as 走访台账)."""
    try:
        from assistance.ledgers import VISIT_COLUMNS, visit_rows_for_household
    except ImportError:
        return None
    if not apps.is_installed("assistance"):
        return None
    return SheetPlan("走访记录", VISIT_COLUMNS, lambda: visit_rows_for_household(h.pk),
                     title=f"{label}　走访记录", subtitle=sub)  # fmt: skip


ledger_kind(
    LedgerKind(
        key="household_file",
        label="一户一档",
        scope_model=Household,
        plan=household_file_plan,
        count=lambda params: 1,
        per_household=True,
        description="一户一个工作簿：基本情况、家庭成员、收入测算、两不愁三保障、帮扶责任人、状态变更、走访记录。",
        order=60,
    )
)
