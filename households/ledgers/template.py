"""Import templates: blank sheets with dropdowns for every code list, a notes sheet that
explains each column, and example rows on their own sheets (示例-…, never imported)."""

from __future__ import annotations

from typing import IO

from django.utils import timezone

from assistance.ledger_imports import PAIRING_SHEET, TEMPLATE_EXAMPLES, VISIT_SHEET
from households.ledgers.columns import (
    GUARANTEE_SHEET,
    HOUSEHOLD_SHEET,
    INCOME_SHEET,
    MEMBER_SHEET,
    SheetSpec,
)
from households.validators import id_check_character
from poverty.xlsx import Column, Validation, XlsxWriter, column_letter

__all__ = ["TEMPLATES", "template_write"]

TEMPLATE_ROWS = 5000  # rows that carry the dropdowns

TEMPLATES: dict[str, tuple[str, tuple[SheetSpec, ...]]] = {
    "households": ("贫困户及家庭成员导入模板", (HOUSEHOLD_SHEET, MEMBER_SHEET)),
    "incomes": ("年度收入导入模板", (INCOME_SHEET,)),
    "guarantees": ("两不愁三保障导入模板", (GUARANTEE_SHEET,)),
    "visits": ("走访记录导入模板", (VISIT_SHEET,)),
    "pairings": ("结对帮扶导入模板", (PAIRING_SHEET,)),
}


def _id(area: str, birth: str, order: str) -> str:
    first17 = f"{area}{birth}{order}"
    return first17 + id_check_character(first17)


def _examples(spec: SheetSpec, village: str) -> list[dict]:
    if spec.key in TEMPLATE_EXAMPLES:  # visits, pairings (assistance.ledger_imports)
        return TEMPLATE_EXAMPLES[spec.key](village)
    area = village[:6]
    number = f"{village}901"
    if spec is HOUSEHOLD_SHEET:
        return [{
            "household_number": number, "village_code": village, "group_name": "一组",
            "identification_standard": "国家标准", "attribute": "一般贫困户", "identified_year": 2014,
            "status": "未脱贫", "main_cause": "因病", "other_causes": "缺技术、缺资金",
            "phone": "13912345678", "bank_name": "农村信用合作社", "bank_account": "6222020200112233445",
            "cultivated_land_mu": 3.5, "has_production_power": "是", "has_living_power": "是",
            "access_road": "水泥路", "housing_area": 80, "is_dangerous_house": "否",
            "fuel_type": "柴草", "has_safe_water": "是",
        }]  # fmt: skip
    if spec is MEMBER_SHEET:
        return [
            {"household_number": number, "name": "张三", "id_number": _id(area, "19630817", "013"),
             "relation": "户主", "education": "初中", "health": "健康", "labour_ability": "普通劳动力",
             "has_resident_medical_insurance": "是", "has_critical_illness_insurance": "是",
             "has_resident_pension": "是", "is_active": "是"},
            {"household_number": number, "name": "李四", "id_number": _id(area, "19650223", "024"),
             "relation": "配偶", "health": "长期慢性病", "labour_ability": "弱劳动力或半劳动力",
             "has_resident_medical_insurance": "是", "is_active": "是"},
            {"household_number": number, "name": "张小明", "id_number": _id(area, "20150509", "035"),
             "relation": "之子", "education": "小学", "school_status": "小学",
             "labour_ability": "无劳动力", "has_resident_medical_insurance": "是", "is_active": "是"},
        ]  # fmt: skip
    if spec is INCOME_SHEET:
        return [{
            "household_number": number, "year": timezone.localdate().year - 1, "wage": 12000,
            "business": 3000, "property_dividend": 500, "dibao": 2400, "pension": 1200,
            "business_costs": 1500, "confirmed_by_head": "是",
        }]  # fmt: skip
    return [{
        "household_number": number, "year": timezone.localdate().year - 1, "food": "达标",
        "clothing": "达标", "education": "达标", "medical": "达标", "housing": "达标",
        "water": "达标", "checked_by_name": "王五", "checked_on": timezone.localdate(),
    }]  # fmt: skip


def template_write(key: str, target: str | IO[bytes], *, village_code: str = "620502100201") -> str:
    """Write the template ``key`` (a key of TEMPLATES); returns its file name."""
    title, specs = TEMPLATES[key]
    code_lists: list[tuple[str, tuple[str, ...]]] = []
    notes: list[tuple] = []
    for spec in specs:
        for f in spec.fields:
            column = f.column
            options = "、".join(column.choices[:25]) + ("…" if len(column.choices) > 25 else "")
            notes.append((spec.name, column.header.rstrip("*"), "是" if f.required else "",
                          (f.note or ("导出时提供，导入时忽略" if f.export_only else "")), options))  # fmt: skip
            if f.parse in ("choice", "multi") and column.choices:
                code_lists.append((f"{spec.name}·{column.header.rstrip('*')}", column.choices))
    with XlsxWriter(target) as book:
        book.write_sheet(
            "填表说明",
            [
                Column("工作表", width=12),
                Column("列名", width=26),
                Column("必填", width=6),
                Column("说明", "note", 60),
                Column("可选值", "note", 60),
            ],  # fmt: skip
            [
                (
                    "全部",
                    "—",
                    "",
                    "带 * 的列必填。代码类的列请从下拉列表中选择，也可填写代码（如 01）。"
                    "证件号码、户编号、银行卡号、电话等列已设为文本格式，请勿改成数字格式。"
                    "日期可填 2019-03-05、2019/3/5 或 2019年3月5日。是/否 列填“是”或“否”。",
                    "",
                ),
                (
                    "全部",
                    "—",
                    "",
                    "上传后系统先检查整个文件，有任何问题都不会导入，并返回带“错误说明”列的文件；"
                    "全部正确后再确认导入。同一文件重复上传不会重复导入。",
                    "",
                ),
                *[(s.name, "—", "", s.match_note, "") for s in specs],
                *notes,
            ],  # fmt: skip
            title=title,
            subtitle="请在“"
            + "”“".join(s.name for s in specs)
            + "”表中填写；“示例-”开头的表仅供参考，不会被导入。",
        )
        code_columns: dict[str, int] = {}
        for spec in specs:
            columns = spec.columns
            validations = []
            for index, f in enumerate(spec.fields):
                if f.parse == "bool":
                    validations.append(Validation(index, options=("是", "否")))
                elif f.parse == "choice" and f.choices:
                    label = f"{spec.name}·{f.header}"
                    position = next(i for i, (name, _o) in enumerate(code_lists) if name == label)
                    code_columns[label] = position
                    letter = column_letter(position)
                    end = len(code_lists[position][1]) + 1
                    validations.append(
                        Validation(index, source=f"'代码表'!${letter}$2:${letter}${end}")
                    )
            book.write_sheet(
                spec.name,
                columns,
                [],
                title=spec.title,
                subtitle="带 * 的列必填；代码类的列请从下拉列表选择；请从第4行开始填写",
                validations=validations,
                validation_rows=TEMPLATE_ROWS,
            )
        for spec in specs:
            rows = [tuple(f.to_cell(None) if e.get(f.key) is None else e.get(f.key) for f in spec.fields)
                    for e in _examples(spec, village_code)]  # fmt: skip
            book.write_sheet(
                f"示例-{spec.name}", spec.columns, rows, title=f"{spec.title}（示例，不会导入）"
            )
        longest = max((len(options) for _n, options in code_lists), default=0)
        book.write_sheet(
            "代码表",
            [Column(name, width=18) for name, _o in code_lists],
            [
                tuple(options[i] if i < len(options) else None for _n, options in code_lists)
                for i in range(longest)
            ],
            hidden=True,
            freeze=False,
        )
    return f"{title}.xlsx"
