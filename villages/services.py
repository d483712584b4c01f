"""Writes to the region hierarchy (行政区划).

``region_import`` loads a division-code file (``code,name,level,parent_code``, the format of
villages/data/divisions-seed-regions.csv) idempotently: a second run of the same file
changes nothing. A file with any bad row is rejected as a whole, with every problem listed
by row number, and nothing is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.choices import RegionClass, RegionLevel
from villages.codes import code_is_well_formed, code_level, code_parent, normalize_code
from villages.models import Region

__all__ = [
    "MSG_FILE_EMPTY",
    "MSG_FILE_HEADER",
    "MSG_ROW_CODE_EMPTY",
    "MSG_ROW_CODE_MALFORMED",
    "MSG_ROW_DUPLICATE",
    "MSG_ROW_LEVEL_MISMATCH",
    "MSG_ROW_LEVEL_UNKNOWN",
    "MSG_ROW_NAME_EMPTY",
    "MSG_ROW_PARENT_MISMATCH",
    "MSG_ROW_PARENT_MISSING",
    "MSG_ROW_PROVINCE_HAS_PARENT",
    "PROVINCE_REGION_CLASS",
    "REGION_CSV_COLUMNS",
    "RegionImportError",
    "RegionImportResult",
    "RegionRow",
    "region_import",
    "region_level_name",
    "region_rows_read",
]

REGION_CSV_COLUMNS = ("code", "name", "level", "parent_code")

MSG_FILE_HEADER = _("第 1 行：缺少列 %(columns)s（表头应为 code,name,level,parent_code）")
MSG_FILE_EMPTY = _("文件中没有区划数据")
MSG_ROW_CODE_EMPTY = _("第 %(row)s 行：区划代码为空")
MSG_ROW_CODE_MALFORMED = _(
    "第 %(row)s 行：区划代码 %(code)s 格式不正确（应为12位数字，上级部分为零时下级部分也必须为零）"
)
MSG_ROW_NAME_EMPTY = _("第 %(row)s 行：名称为空")
MSG_ROW_LEVEL_UNKNOWN = _(
    "第 %(row)s 行：层级“%(level)s”无效（应为 province、city、county、township 或 village）"
)
MSG_ROW_LEVEL_MISMATCH = _(
    "第 %(row)s 行：层级 %(level)s与区划代码 %(code)s 不符，按补零应为 %(expected)s"
)
MSG_ROW_PROVINCE_HAS_PARENT = _(
    "第 %(row)s 行：省级区划 %(code)s 不应有上级区划（填写了 %(parent)s）"
)
MSG_ROW_PARENT_MISMATCH = _(
    "第 %(row)s 行：上级区划代码“%(parent)s”与区划代码 %(code)s 不符，应为 %(expected)s"
)
MSG_ROW_PARENT_MISSING = _("第 %(row)s 行：上级区划 %(parent)s 不存在")
MSG_ROW_DUPLICATE = _("第 %(row)s 行：区划代码 %(code)s 与第 %(first)s 行重复")

# Region class by province code (DOMAIN.md §3.3). The central/western lists are [U] (not
# verified, "待确认"); east is derived as "the other nine". Only a blank class is filled,
# so an administrator's correction survives a re-import.
PROVINCE_REGION_CLASS: dict[str, str] = {
    **dict.fromkeys(
        ["15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"], RegionClass.WEST
    ),
    **dict.fromkeys(
        ["13", "14", "22", "23", "34", "36", "41", "42", "43", "46"], RegionClass.CENTRAL
    ),
    **dict.fromkeys(["11", "12", "21", "31", "32", "33", "35", "37", "44"], RegionClass.EAST),
}

# Level names (层级名称) from the name's ending, longest ending first within each level.
# Only obvious endings are mapped; anything else leaves the level name blank.
_LEVEL_NAME_SUFFIXES: dict[str, tuple[tuple[str, str], ...]] = {
    RegionLevel.PROVINCE: (("自治区", "自治区"), ("省", "省"), ("市", "直辖市")),
    RegionLevel.CITY: (("自治州", "自治州"), ("地区", "地区"), ("盟", "盟"), ("市", "市")),
    RegionLevel.COUNTY: (
        ("行政委员会", "行委"),
        ("行委", "行委"),
        ("自治县", "自治县"),
        ("自治旗", "自治旗"),
        ("管理区", "管理区"),
        ("林区", "林区"),
        ("特区", "特区"),
        ("市", "县级市"),
        ("区", "区"),
        ("县", "县"),
        ("旗", "旗"),
    ),
    RegionLevel.TOWNSHIP: (
        ("街道办事处", "街道"),
        ("街道", "街道"),
        ("族乡", "民族乡"),
        ("苏木", "苏木"),
        ("行委", "行委"),
        ("开发区", "开发区"),
        ("工业园区", "工业园区"),
        ("园区", "园区"),
        ("工业园", "工业园区"),
        ("产业园", "园区"),
        ("示范区", "示范区"),
        ("度假区", "度假区"),
        ("农场", "农场"),
        ("林场", "林场"),
        ("牧场", "牧场"),
        ("马场", "牧场"),
        ("镇", "镇"),
        ("乡", "乡"),
    ),
    RegionLevel.VILLAGE: (
        ("村民委员会", "村"),
        ("居民委员会", "社区"),
        ("村委会", "村"),
        ("居委会", "社区"),
        ("社区", "社区"),
        ("嘎查", "嘎查"),
        ("村", "村"),
    ),
}

_LEVEL_ALIASES = {level.value: level.value for level in RegionLevel} | {
    str(level.label): level.value for level in RegionLevel
}


class RegionImportError(Exception):
    """The whole file was rejected; ``errors`` lists every problem, one line per row."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RegionRow:
    """One data row of a division-code file, with its row number in the file (header = 1)."""

    row: int
    code: str
    name: str
    level: str
    parent_code: str


@dataclass(frozen=True)
class RegionImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def region_level_name(name: str, level: str) -> str:
    """The level name (县, 区, 旗, 行委, 镇, 乡, 街道 …) read from the end of a region's name."""
    for suffix, level_name in _LEVEL_NAME_SUFFIXES.get(level, ()):
        if name.endswith(suffix):
            return level_name
    return ""


def region_rows_read(stream: IO[str]) -> list[RegionRow]:
    """Parse a division-code CSV (text stream) into rows numbered as in the file.

    Open files with ``encoding="utf-8-sig"`` so that a byte-order mark is dropped; a BOM
    left in the first header cell is tolerated as well. Blank lines are skipped but counted.
    """
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise RegionImportError([str(MSG_FILE_EMPTY)])
    header = [cell.lstrip("\ufeff").strip().lower() for cell in header]
    missing = [column for column in REGION_CSV_COLUMNS if column not in header]
    if missing:
        raise RegionImportError([MSG_FILE_HEADER % {"columns": ", ".join(missing)}])
    index = {column: header.index(column) for column in REGION_CSV_COLUMNS}
    rows: list[RegionRow] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            column: cells[position] if position < len(cells) else ""
            for column, position in index.items()
        }
        rows.append(RegionRow(row=reader.line_num, **values))
    return rows


def _as_row(raw: RegionRow | Mapping[str, object], row: int) -> RegionRow:
    if isinstance(raw, RegionRow):
        return raw
    return RegionRow(
        row=row, **{column: str(raw.get(column) or "") for column in REGION_CSV_COLUMNS}
    )


def _code(raw: str) -> str:
    # normalize_code strips ASCII spaces; an ideographic space (U+3000) pasted from a Chinese
    # IME is treated the same way.
    return normalize_code(raw.replace("\u3000", " "))


def _level_label(level: str) -> str:
    return f"{level}（{RegionLevel(level).label}）"


def _rows_validate(rows: list[RegionRow]) -> tuple[list[tuple[int, str]], dict[str, Region]]:
    """Check every row; return (errors by row, valid regions by code, not yet saved)."""
    errors: list[tuple[int, str]] = []
    first_row_of: dict[str, int] = {}
    regions: dict[str, Region] = {}
    parent_wanted: dict[str, list[int]] = {}
    for row in rows:
        n = row.row
        code = _code(row.code)
        name = row.name.strip()
        raw_level = row.level.strip()
        level = _LEVEL_ALIASES.get(raw_level.lower(), _LEVEL_ALIASES.get(raw_level))
        parent = _code(row.parent_code)
        problems: list[str] = []
        if not code:
            problems.append(MSG_ROW_CODE_EMPTY % {"row": n})
        elif not code_is_well_formed(code):
            problems.append(MSG_ROW_CODE_MALFORMED % {"row": n, "code": row.code.strip()})
        if code and code in first_row_of:
            problems.append(
                MSG_ROW_DUPLICATE % {"row": n, "code": code, "first": first_row_of[code]}
            )
        elif code:
            first_row_of[code] = n
        if not name:
            problems.append(MSG_ROW_NAME_EMPTY % {"row": n})
        if level is None:
            problems.append(MSG_ROW_LEVEL_UNKNOWN % {"row": n, "level": raw_level})
        well_formed = bool(code) and code_is_well_formed(code)
        if well_formed and level is not None:
            expected_level = code_level(code)
            if level != expected_level:
                problems.append(
                    MSG_ROW_LEVEL_MISMATCH
                    % {
                        "row": n,
                        "level": _level_label(level),
                        "code": code,
                        "expected": _level_label(expected_level),
                    }
                )
        if well_formed:
            expected_parent = code_parent(code)
            if expected_parent is None and parent:
                problems.append(
                    MSG_ROW_PROVINCE_HAS_PARENT % {"row": n, "code": code, "parent": parent}
                )
            elif expected_parent is not None and parent != expected_parent:
                problems.append(
                    MSG_ROW_PARENT_MISMATCH
                    % {
                        "row": n,
                        "parent": row.parent_code.strip(),
                        "code": code,
                        "expected": expected_parent,
                    }
                )
            elif expected_parent is not None:
                parent_wanted.setdefault(parent, []).append(n)
        if problems:
            errors.extend((n, str(problem)) for problem in problems)
            continue
        regions[code] = Region(
            code=code,
            name=name,
            level=level,
            level_name=region_level_name(name, level),
            parent_id=parent or None,
            region_class=PROVINCE_REGION_CLASS.get(code[:2], "")
            if level == RegionLevel.PROVINCE
            else "",
        )
    # A parent may be in the file (even on a bad row: that row is reported on its own) or
    # already in the database.
    outside = [code for code in parent_wanted if code not in first_row_of]
    known = set(Region.objects.filter(code__in=outside).values_list("code", flat=True))
    for parent, row_numbers in parent_wanted.items():
        if parent not in first_row_of and parent not in known:
            errors.extend(
                (n, str(MSG_ROW_PARENT_MISSING % {"row": n, "parent": parent})) for n in row_numbers
            )
    return errors, regions


_COMPARED_FIELDS = ("name", "level", "level_name", "parent_id")


@transaction.atomic
def region_import(
    rows: Iterable[RegionRow | Mapping[str, object]], *, actor=None
) -> RegionImportResult:
    """Create or update regions from division-code rows; all-or-nothing.

    ``rows`` are RegionRow objects (numbered as in the file) or mappings with the keys
    code, name, level, parent_code (numbered from 2, as if after a header). Raises
    RegionImportError listing every bad row; then nothing is written.

    A region's class is filled on provinces only while blank, so a correction made by an
    administrator is kept. ``actor`` is accepted for the service convention; the change log
    (痕迹管理) does not exist yet, so it is not recorded.

    Not durable: seed_demo calls this inside its own transaction.
    """
    parsed = [_as_row(raw, n) for n, raw in enumerate(rows, start=2)]
    if not parsed:
        raise RegionImportError([str(MSG_FILE_EMPTY)])
    errors, regions = _rows_validate(parsed)
    if errors:
        errors.sort(key=lambda item: item[0])
        raise RegionImportError([message for _row, message in errors])

    existing = Region.objects.in_bulk(list(regions))
    now = timezone.now()
    to_create: list[Region] = []
    to_update: list[Region] = []
    for code in sorted(regions):  # parents sort before their children
        region = regions[code]
        current = existing.get(code)
        if current is None:
            to_create.append(region)
            continue
        changed = False
        for field in _COMPARED_FIELDS:
            value = getattr(region, field)
            if field == "level_name" and not value:
                continue  # keep a level name an administrator typed for an unusual ending
            if getattr(current, field) != value:
                setattr(current, field, value)
                changed = True
        if region.region_class and not current.region_class:
            current.region_class = region.region_class
            changed = True
        if changed:
            current.updated = now  # bulk_update does not apply auto_now
            to_update.append(current)
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(
        to_update, [*_COMPARED_FIELDS, "region_class", "updated"], batch_size=1000
    )
    return RegionImportResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(regions) - len(to_create) - len(to_update),
    )
