"""The importable sheets of the household registry: 户信息, 家庭成员, 年度收入, 两不愁三保障.

One definition per column serves the import template (header, dropdown, note), the data
package export (value → cell) and the import (cell → value, with the message when it is
wrong). The package export writes exactly what the import reads, so a county exported and
imported into an empty database comes back the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from households import choices as c
from households.rules import INCOME_COMPONENTS
from poverty.ledgers.base import choice_labels
from poverty.xlsx import (
    Column,
    cell_bool,
    cell_choice,
    cell_date,
    cell_decimal,
    cell_int,
    cell_number_text,
    cell_text,
    choice_lookup,
)

__all__ = [
    "GUARANTEE_SHEET",
    "HOUSEHOLD_SHEET",
    "INCOME_SHEET",
    "MEMBER_SHEET",
    "SHEETS",
    "FieldSpec",
    "SheetSpec",
]

BOOL_OPTIONS = ("是", "否")


@dataclass(frozen=True)
class FieldSpec:
    """One column of an importable sheet, bound to a model field (``key``)."""

    key: str
    header: str
    parse: str = "text"  # text, idtext, choice, multi, bool, int, year, money, decimal, date
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    note: str = ""
    width: float | None = None
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    export_only: bool = False  # derived figures shown in the package, ignored on import
    default: Any = None  # value for a blank cell (None: the model's default)

    @property
    def column(self) -> Column:
        kind = {
            "int": "int",
            "year": "year",
            "money": "money",
            "decimal": "decimal",
            "date": "date",
        }.get(self.parse, "text")
        labels = tuple(label for _code, label in self.choices)
        if self.parse == "bool":
            labels = BOOL_OPTIONS
        header = f"{self.header}*" if self.required else self.header
        return Column(
            header,
            kind=kind,
            width=self.width,
            key=self.key,
            note=self.note,
            required=self.required,
            choices=labels,
            aliases=self.aliases,
        )

    # -- value → cell (package export) ----------------------------------------------------

    def to_cell(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if self.parse == "choice":
            return self._labels.get(str(value), str(value))
        if self.parse == "multi":
            return "、".join(self._labels.get(str(v), str(v)) for v in value)
        if self.parse == "bool":
            return "是" if value else "否"
        return value

    @property
    def _labels(self) -> dict[str, str]:
        key = self.key + self.header
        labels = _LABEL_CACHE.get(key)
        if labels is None:  # built once per column, not per cell
            labels = _LABEL_CACHE[key] = choice_labels(self.choices)
        return labels

    # -- cell → value (import) ------------------------------------------------------------

    def from_cell(self, raw: Any) -> tuple[Any, str]:
        parse = self.parse
        if parse == "text":
            value, error = cell_text(raw)
            if not error and self.max_length and len(value) > self.max_length:
                return value, f"不能超过{self.max_length}个字"
            return value, error
        if parse == "idtext":
            value, error = cell_number_text(raw, what=self.header)
            if not error and self.max_length and len(value) > self.max_length + 4:
                return value, f"不能超过{self.max_length}个字符"
            return value, error
        if parse == "choice":
            return cell_choice(raw, self._lookup, code_width=self._code_width)
        if parse == "multi":
            text, _error = cell_text(raw)
            codes: list[str] = []
            for part in _split_multi(text):
                code, error = cell_choice(part, self._lookup, code_width=2)
                if error:
                    return [], error
                codes.append(code)
            return codes, ""
        if parse == "bool":
            return cell_bool(raw)
        if parse == "int":
            return cell_int(raw, minimum=0)
        if parse == "year":
            return cell_int(raw, minimum=2013, maximum=2035)
        if parse == "money":
            return cell_decimal(raw, places=2, minimum=Decimal("0"))
        if parse == "decimal":
            return cell_decimal(raw, places=2, minimum=Decimal("0"))
        if parse == "coord":
            return cell_decimal(raw, places=6)
        if parse == "date":
            return cell_date(raw)
        raise ValueError(parse)

    @property
    def _lookup(self) -> dict[str, str]:
        key = self.key + self.header
        lookup = _LOOKUP_CACHE.get(key)
        if lookup is None:  # built once per column, not per cell
            lookup = _LOOKUP_CACHE[key] = choice_lookup(self.choices)
        return lookup

    @property
    def _code_width(self) -> int:
        key = self.key + self.header
        width = _WIDTH_CACHE.get(key)
        if width is None:
            width = _WIDTH_CACHE[key] = max((len(code) for code, _label in self.choices), default=0)
        return width


_LABEL_CACHE: dict[str, dict[str, str]] = {}
_LOOKUP_CACHE: dict[str, dict[str, str]] = {}
_WIDTH_CACHE: dict[str, int] = {}


def _split_multi(text: str) -> list[str]:
    for sep in ("，", ",", "；", ";", "/", "|", " "):
        text = text.replace(sep, "、")
    return [part for part in text.split("、") if part]


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str
    title: str
    fields: tuple[FieldSpec, ...]
    aliases: tuple[str, ...] = ()
    note: str = ""
    # how rows are matched to what is already in the database, said in the notes sheet
    match_note: str = ""

    @property
    def columns(self) -> list[Column]:
        return [f.column for f in self.fields]

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)


def _ch(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in choices)


NUMBER = FieldSpec("household_number", "户编号", "idtext", True, max_length=30, width=20,
                   note="全国扶贫开发信息系统中的户编号，原样保留；只能包含数字、字母和连字符。"
                        "已存在的户编号按“修改”处理，不存在的按“新增”处理。")  # fmt: skip

HOUSEHOLD_SHEET = SheetSpec(
    key="households",
    name="户信息",
    title="贫困户信息（户信息）",
    aliases=("户信息", "贫困户信息", "贫困户花名册", "户表"),
    match_note="按户编号匹配：已有的户更新有变化的字段，没有的户新增。",
    fields=(
        NUMBER,
        FieldSpec("village_code", "村区划代码", "idtext", True, width=16,
                  aliases=("行政村区划代码", "村代码", "区划代码"),
                  note="12位统计用区划代码（村级），须在您的管辖范围内。"),
        FieldSpec("county_name", "县", width=10, export_only=True, note="仅供核对，导入时以村区划代码为准。"),
        FieldSpec("township_name", "乡（镇）", width=10, export_only=True, aliases=("乡", "乡镇")),
        FieldSpec("village_name", "行政村", width=10, export_only=True, aliases=("村",)),
        FieldSpec("group_name", "村民小组/自然村", max_length=50, aliases=("自然村", "村民小组", "组")),
        FieldSpec("address", "住址", max_length=200),
        FieldSpec("identification_standard", "识别标准", "choice", choices=_ch(c.IdentificationStandard.choices), default="1"),
        FieldSpec("attribute", "贫困户属性", "choice", True, choices=_ch(c.HouseholdAttribute.choices), width=16),
        FieldSpec("identified_year", "识别年度", "year", True),
        FieldSpec("status", "脱贫属性", "choice", choices=_ch(c.HouseholdStatus.choices), default="poor"),
        FieldSpec("exit_year", "脱贫年度", "year"),
        FieldSpec("main_cause", "主要致贫原因", "choice", True, choices=_ch(c.CauseOfPoverty.choices)),
        FieldSpec("other_causes", "其他致贫原因", "multi", choices=_ch(c.CauseOfPoverty.choices), width=16,
                  aliases=("次要致贫原因",), note="最多2项，用顿号“、”分隔，不能与主要致贫原因相同。"),
        FieldSpec("cause_note", "致贫原因说明", max_length=200, width=20),
        FieldSpec("is_military_family", "是否军烈属", "bool", default=False),
        FieldSpec("is_only_child_family", "是否独生子女户", "bool", default=False),
        FieldSpec("is_two_daughter_family", "是否双女户", "bool", default=False),
        FieldSpec("phone", "联系电话", "idtext", max_length=20, width=14),
        FieldSpec("bank_name", "开户银行名称", max_length=50, width=14),
        FieldSpec("bank_account", "银行卡号", "idtext", max_length=30, width=22),
        FieldSpec("cultivated_land_mu", "耕地面积（亩）", "decimal", aliases=("耕地面积",)),
        FieldSpec("irrigated_land_mu", "有效灌溉面积（亩）", "decimal"),
        FieldSpec("forest_land_mu", "林地面积（亩）", "decimal"),
        FieldSpec("grain_to_green_mu", "退耕还林面积（亩）", "decimal"),
        FieldSpec("fruit_forest_mu", "林果面积（亩）", "decimal"),
        FieldSpec("pasture_mu", "牧草地面积（亩）", "decimal", aliases=("牧草地面积",)),
        FieldSpec("water_surface_mu", "水面面积（亩）", "decimal", aliases=("水面面积",)),
        FieldSpec("in_cooperative", "是否加入农民专业合作组织", "bool"),
        FieldSpec("led_by_enterprise", "是否有龙头企业带动", "bool"),
        FieldSpec("led_by_entrepreneur", "是否有创业致富带头人带动", "bool"),
        FieldSpec("has_production_power", "是否通生产用电", "bool"),
        FieldSpec("has_living_power", "是否通生活用电", "bool"),
        FieldSpec("has_broadcast_tv", "是否通广播电视", "bool"),
        FieldSpec("distance_to_road_km", "与村主干路距离（公里）", "decimal", aliases=("与村主干路距离",)),
        FieldSpec("access_road", "入户路类型", "choice", choices=_ch(c.AccessRoad.choices)),
        FieldSpec("housing_area", "住房面积（㎡）", "decimal", aliases=("住房面积",)),
        FieldSpec("is_dangerous_house", "是否危房户", "bool", default=False),
        FieldSpec("house_grade", "危房级别", "choice", choices=_ch(c.HouseGrade.choices), width=16,
                  note="危房户须为C级或D级。"),
        FieldSpec("has_sanitary_toilet", "是否有卫生厕所", "bool"),
        FieldSpec("fuel_type", "主要燃料类型", "choice", choices=_ch(c.FuelType.choices)),
        FieldSpec("water_source", "饮水来源", "choice", choices=_ch(c.WaterSource.choices)),
        FieldSpec("has_water_difficulty", "是否饮水困难", "bool"),
        FieldSpec("has_safe_water", "是否饮水安全", "bool", aliases=("是否解决安全饮用水",)),
        FieldSpec("is_relocated", "是否易地扶贫搬迁户", "bool", default=False, aliases=("是否易地扶贫搬迁",)),
        FieldSpec("relocation_mode", "搬迁方式", "choice", choices=_ch(c.RelocationMode.choices), width=18),
        FieldSpec("resettlement_mode", "安置方式", "choice", choices=_ch(c.ResettlementMode.choices), width=16),
        FieldSpec("resettlement_place", "安置地", "choice", choices=_ch(c.ResettlementPlace.choices)),
        FieldSpec("latitude", "纬度", "coord"),
        FieldSpec("longitude", "经度", "coord"),
    ),
)  # fmt: skip

MEMBER_SHEET = SheetSpec(
    key="members",
    name="家庭成员",
    title="贫困户信息（家庭成员）",
    aliases=("家庭成员", "人口明细", "成员信息", "家庭成员花名册", "人员信息"),
    match_note="按户编号和证件号码匹配：户内已有的成员更新有变化的字段，没有的成员新增；"
    "文件中没有列出的已有成员保持不变。",
    fields=(
        NUMBER,
        FieldSpec("name", "姓名", required=True, max_length=50),
        FieldSpec("id_type", "证件类型", "choice", choices=_ch(c.IdType.choices), default="1"),
        FieldSpec("id_number", "证件号码", "idtext", True, max_length=22, width=22,
                  aliases=("身份证号", "身份证号码", "公民身份号码"),
                  note="18位公民身份号码（末位X大写小写均可），15位旧号码自动升级，或20位残疾人证号。"
                       "请设置为文本格式：以数字保存的号码只剩15位有效数字，无法导入。"),
        FieldSpec("sex", "性别", "choice", choices=_ch(c.Sex.choices), note="可不填，按证件号码第17位判断。"),
        FieldSpec("birth_date", "出生日期", "date", note="可不填，按证件号码判断；填写的须与证件号码一致。"),
        FieldSpec("relation", "与户主关系", "choice", True, choices=_ch(c.Relation.choices),
                  note="每户必须有且只有一名户主。"),
        FieldSpec("ethnicity", "民族", "choice", choices=_ch(c.ETHNICITY_CHOICES), default="01"),
        FieldSpec("political_status", "政治面貌", "choice", choices=_ch(c.PoliticalStatus.choices), default="13"),
        FieldSpec("education", "文化程度", "choice", choices=_ch(c.Education.choices), width=14),
        FieldSpec("school_status", "在校生状况", "choice", choices=_ch(c.SchoolStatus.choices), default="01"),
        FieldSpec("health", "健康状况", "choice", choices=_ch(c.Health.choices), default="01"),
        FieldSpec("has_chronic_illness", "是否兼有长期慢性病", "bool", default=False),
        FieldSpec("disability_category", "残疾类别", "choice", choices=_ch(c.DisabilityCategory.choices)),
        FieldSpec("disability_grade", "残疾等级", "int"),
        FieldSpec("disability_cert_number", "残疾人证号", "idtext", max_length=22, width=22),
        FieldSpec("labour_ability", "劳动技能", "choice", choices=_ch(c.LabourAbility.choices), default="01", width=16),
        FieldSpec("work_status", "务工状况", "choice", choices=_ch(c.WorkStatus.choices), default="00", width=16),
        FieldSpec("work_months", "务工时间（月）", "int", default=0),
        FieldSpec("is_active_military", "是否现役军人", "bool", default=False),
        FieldSpec("has_resident_medical_insurance", "是否参加城乡居民基本医疗保险", "bool", default=False),
        FieldSpec("has_employee_medical_insurance", "是否参加城镇职工基本医疗保险", "bool", default=False),
        FieldSpec("has_critical_illness_insurance", "是否参加大病保险", "bool", default=False),
        FieldSpec("has_resident_pension", "是否参加城乡居民基本养老保险", "bool", default=False),
        FieldSpec("has_employee_pension", "是否参加城镇职工基本养老保险", "bool", default=False),
        FieldSpec("dibao", "享受低保政策情况", "choice", choices=_ch(c.DibaoStatus.choices), default="0"),
        FieldSpec("tekun", "享受特困供养政策情况", "choice", choices=_ch(c.TekunStatus.choices), default="0"),
        FieldSpec("receives_yulu", "是否享受雨露计划", "bool", default=False),
        FieldSpec("phone", "联系电话", "idtext", max_length=20, width=14),
        FieldSpec("is_active", "是否在户", "bool", default=True,
                  note="迁出、死亡等不在户的成员填“否”，并填写人员变更。"),
        FieldSpec("change_reason", "人员变更", "choice", choices=_ch(c.MemberChange.choices)),
        FieldSpec("changed_on", "变更日期", "date"),
    ),
)  # fmt: skip

_INCOME_ITEMS = tuple(
    FieldSpec(name, label, "money", default=Decimal("0"))
    for name, (_g, label) in INCOME_COMPONENTS.items()
)
INCOME_SHEET = SheetSpec(
    key="incomes",
    name="年度收入",
    title="贫困户年度收入（算账）",
    aliases=("年度收入", "收入", "收入测算", "算账表", "收入信息"),
    match_note="按户编号和年度匹配：已有的年度收入更新，没有的新增。年收入、纯收入、人均纯收入由系统按公式计算。",
    fields=(
        NUMBER,
        FieldSpec("year", "年度", "year", True),
        FieldSpec("period_start", "统计期起", "date"),
        FieldSpec("period_end", "统计期止", "date"),
        FieldSpec("household_size", "家庭人口数", "int", note="可不填，按在户成员人数计算。"),
        *_INCOME_ITEMS,
        FieldSpec("business_costs", "生产经营性支出", "money", default=Decimal("0")),
        FieldSpec("confirmed_by_head", "户主签字确认", "bool", default=False),
        FieldSpec("gross_income", "年收入", "money", export_only=True, note="系统计算，导入时忽略。"),
        FieldSpec("net_income", "纯收入", "money", export_only=True, note="系统计算，导入时忽略。"),
        FieldSpec("per_capita_net_income", "人均纯收入", "money", export_only=True, note="系统计算，导入时忽略。"),
    ),
)  # fmt: skip

_STATE = _ch(c.GuaranteeState.choices)
GUARANTEE_SHEET = SheetSpec(
    key="guarantees",
    name="两不愁三保障",
    title="两不愁三保障及饮水安全情况",
    aliases=("两不愁三保障", "两不愁三保障情况", "保障情况"),
    match_note="按户编号和年度匹配：已有的记录更新，没有的新增。",
    fields=(
        NUMBER,
        FieldSpec("year", "年度", "year", True),
        FieldSpec("food", "不愁吃", "choice", choices=_STATE, default="unknown"),
        FieldSpec("clothing", "不愁穿", "choice", choices=_STATE, default="unknown"),
        FieldSpec("education", "义务教育保障", "choice", choices=_STATE, default="unknown"),
        FieldSpec("medical", "基本医疗保障", "choice", choices=_STATE, default="unknown"),
        FieldSpec("housing", "住房安全保障", "choice", choices=_STATE, default="unknown"),
        FieldSpec("water", "饮水安全", "choice", choices=_STATE, default="unknown"),
        FieldSpec("water_litres_per_day", "水量（升/人·日）", "decimal"),
        FieldSpec("water_quality_ok", "水质达标", "bool"),
        FieldSpec("water_trip_minutes", "取水往返时间（分钟）", "int"),
        FieldSpec("water_reliability_pct", "供水保证率（%）", "decimal"),
        FieldSpec("evidence_note", "佐证说明", width=30),
        FieldSpec("checked_by_name", "核查人", max_length=50),
        FieldSpec("checked_on", "核查日期", "date"),
    ),
)  # fmt: skip

SHEETS: tuple[SheetSpec, ...] = (HOUSEHOLD_SHEET, MEMBER_SHEET, INCOME_SHEET, GUARANTEE_SHEET)
