"""Import households, members, incomes and guarantee checks from Excel: check, then apply.

The check reads the whole file and reports every problem at once, each on its row and column
("第 37 行 证件号码：公民身份号码校验位错误：最后一位应为 X"). Apply runs the same check
inside one transaction with the affected households locked, and writes only if nothing is
wrong: all or nothing. Rows are matched to what exists by 户编号 (households), 户编号 +
证件号码 (members) and 户编号 + 年度 (incomes, guarantee checks); a row equal to what is
stored changes nothing, so uploading the same file twice writes nothing the second time.

Writes are set-based (bulk create / bulk update in batches) with the change history recorded
by poverty.audit.recording.record_bulk_changes under channel "import"; the same rules as the
services apply (households.rules for the registration checks, households.validators for IDs,
households.services.annual_income_recompute for the income formula).
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from households.ledgers.columns import (
    HOUSEHOLD_SHEET,
    MEMBER_SHEET,
    SHEETS,
    SheetSpec,
)
from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from households.rules import household_members_problems, household_problems, member_problems
from households.services import (
    EXIT_RESULT_FIELDS,
    annual_income_recompute,
    household_locked_years,
)
from households.validators import id_number_parse, normalize_id_number
from poverty.audit.context import actor_context
from poverty.audit.models import ChangeAction
from poverty.audit.recording import model_snapshot, record_bulk_changes
from poverty.bulk import copy_insert, copy_text, instance_builder
from poverty.scoping import region_prefixes, user_can
from poverty.xlsx import (
    Column,
    FileRejected,
    SheetReader,
    XlsxWriter,
    header_normalize,
    workbook_open,
)
from villages.codes import normalize_code
from villages.models import Region

__all__ = [
    "ImportOutcome",
    "Problem",
    "ReadSheet",
    "household_import",
    "import_error_workbook",
    "missing_columns_check",
    "sheet_parse",
]

BATCH = 2000
MSG_IMPORT_YEAR_LOCKED = _lazy("该户 %(year)s 年退出数据已锁定，需县扶贫办解锁")
Progress = Callable[[int, int], None]


@dataclass
class Problem:
    """One thing wrong in the file, where the user will look for it."""

    sheet: str
    row: int | None
    column: str
    message: str

    def text(self) -> str:
        where = f"第 {self.row} 行 " if self.row else ""
        column = f"{self.column}：" if self.column else ""
        return f"{where}{column}{self.message}"


@dataclass
class ReadSheet:
    spec: SheetSpec
    reader: SheetReader
    # (Excel row number, unused — None, the user's own cells): for the error workbook
    rows: list[tuple[int, Any, list[Any]]] = field(default_factory=list)
    parsed: dict[int, dict[str, Any]] = field(default_factory=dict)  # row → values
    row_count: int = 0  # data rows, when ``rows`` is not kept
    # Reads the sheet's cells again (the household import keeps only the parsed values while
    # it checks and writes; the user's own cells are needed only for an error workbook).
    reload: Callable[[], list[list[Any]]] | None = None

    def user_rows(self) -> list[tuple[int, Any, list[Any]]]:
        """(Excel row number, None, the user's cells) of every data row, as in the file."""
        if self.rows or self.reload is None:
            return self.rows
        reader = SheetReader(self.reader.name, self.reload(), self.reader.columns)
        return [(number, None, row) for number, row in reader.data_rows()]


@dataclass
class ImportOutcome:
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    sheets: list[ReadSheet] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, limit: int = 200) -> dict:
        return {
            "ok": self.ok,
            "applied": self.applied,
            "counts": dict(self.counts),
            "problem_count": len(self.problems),
            "problems": [f"{p.sheet} {p.text()}" for p in self.problems[:limit]],
            "sheets": {s.spec.name: s.row_count or len(s.rows) for s in self.sheets},
        }


# --- Reading ---------------------------------------------------------------------------------


def _read(book, outcome: ImportOutcome, opener=None) -> dict[str, ReadSheet]:
    """Assign each sheet of the file to the import sheet it matches best (by name, then header).

    ``opener`` (a function giving another handle on the same file) lets the sheets named
    like import sheets be parsed two at a time (:func:`_sheets_loaded`)."""
    found: dict[str, ReadSheet] = {}
    names = list(book.sheet_names)
    by_name = {header_normalize(n): n for n in names}
    claimed: set[str] = set()
    named = []  # the sheets the rule by name will look at, in order
    for spec in SHEETS:
        for alias in (spec.name, *spec.aliases):
            name = by_name.get(header_normalize(alias))
            if name and name not in named:
                named.append(name)
    loaded = _sheets_loaded(book, named, opener)
    for spec in SHEETS:
        for alias in (spec.name, *spec.aliases):
            name = by_name.get(header_normalize(alias))
            if name and name not in claimed:
                reader = SheetReader.from_sheet(loaded[name], spec.columns)
                if reader.match is not None:
                    found[spec.key] = ReadSheet(spec, reader)
                    claimed.add(name)
                    break
    for name in names:
        if name in claimed or name in ("代码表", "填表说明", "错误汇总") or name.startswith("示例"):
            continue
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        best: ReadSheet | None = None
        for spec in SHEETS:
            if spec.key in found:
                continue
            reader = SheetReader(name, rows, spec.columns)
            if reader.match and "household_number" in reader.match.columns and reader.score >= 3:
                if best is None or reader.score > best.reader.score:
                    best = ReadSheet(spec, reader)
        if best is not None:
            found[best.spec.key] = best
            claimed.add(name)
    for read in found.values():
        read.reload = partial(_sheet_cells, book, read.reader.name)
    if not found:
        outcome.problems.append(
            Problem(
                "",
                None,
                "",
                _("未找到可导入的表：请使用导入模板（户信息、家庭成员、年度收入、两不愁三保障）"),
            )
        )
    for read in found.values():
        missing_columns_check(read, outcome)
    return found


def _sheets_loaded(book, names: list[str], opener) -> dict[str, Any]:
    """name → python-calamine sheet. python-calamine releases the GIL while it parses a
    sheet's XML (most of reading a large file: 3 s for 105,000 members), but one workbook
    handle parses one sheet at a time; with ``opener`` the sheets are parsed by two threads,
    the first on ``book`` and the others each on a handle of its own."""
    if opener is None or len(names) < 2:
        return {name: book.get_sheet_by_name(name) for name in names}

    def load(index: int, name: str):
        return (book if index == 0 else opener()).get_sheet_by_name(name)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sheet") as pool:
        futures = [pool.submit(load, index, name) for index, name in enumerate(names)]
        return {name: future.result() for name, future in zip(names, futures, strict=True)}


def missing_columns_check(read: ReadSheet, outcome: ImportOutcome) -> None:
    """A sheet without some of its required columns is one problem naming them all."""
    missing = read.reader.match.missing
    if missing:
        outcome.problems.append(
            Problem(
                read.reader.name,
                None,
                "",
                _("缺少必填列：%(cols)s")
                % {"cols": "、".join(c.header.rstrip("*") for c in missing)},
            )
        )


def _sheet_cells(book, name: str) -> list[list[Any]]:
    return book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def sheet_parse(read: ReadSheet, outcome: ImportOutcome) -> None:
    """Parse every data row of the sheet by its columns' kinds; problems go to ``outcome``.

    Keeps, per row, the user's own cells (for the error workbook) and the parsed values; the
    per-column work (parser, header, the value of a blank cell) is looked up once per sheet,
    and blank cells, most of a real file, skip the parser.
    """
    reader = read.reader
    columns = reader.match.columns
    plan = []
    for f in read.spec.fields:
        if f.export_only or f.key not in columns:
            continue
        blank, _error = f.from_cell("")
        # Code lists, yes/no, numbers and dates repeat down a column: their results are
        # remembered for this file (by value and type: 1, 1.0 and True differ).
        memo = None if f.parse in ("text", "idtext") else {}
        header = reader.header_of(f.key)
        plan.append((f.key, columns[f.key], f.from_cell, memo, f.required, blank, header))
    problems, name, empty = outcome.problems, reader.name, _("不能为空")
    count = 0
    for row_number, row in reader.data_rows():
        count += 1
        width = len(row)
        values: dict[str, Any] = {}
        for key, index, parse, memo, required, blank, header in plan:
            raw = row[index] if index < width else ""
            if raw is None or raw == "":
                value, error = ([] if blank == [] else blank), ""  # a list: never shared
            elif memo is None:
                value, error = parse(raw)
            else:
                known = memo.get((raw.__class__, raw))
                if known is None:
                    known = memo[(raw.__class__, raw)] = parse(raw)
                value, error = known
                if value.__class__ is list:
                    value = list(value)
            if error:
                problems.append(Problem(name, row_number, header, error))
                continue
            if required and value in (None, "", []):
                problems.append(Problem(name, row_number, header, empty))
                continue
            values[key] = value
        read.parsed[row_number] = values
    read.row_count = count
    if read.reload is not None:  # the cells are read again for an error workbook
        reader.release()
    else:
        read.rows = [(number, None, row) for number, row in reader.data_rows()]


# --- Checking against the database ------------------------------------------------------------


def _in_prefixes(code: str, prefixes: list[str] | None) -> bool:
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def _chunks(items: list, size: int = 5000) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _field_value(spec: SheetSpec, key: str, values: dict[str, Any], current: Any = None) -> Any:
    """The value to store for a present column: the parsed one, or the field's blank value."""
    value = values.get(key)
    if value in (None, "", []) and key in values:
        blanks = _BLANKS.get(spec.key)
        if blanks is None:
            blanks = _BLANKS[spec.key] = {f.key: _blank_value(f) for f in spec.fields}
        blank = blanks[key]
        return [] if blank == [] else blank
    return value


def _blank_value(f) -> Any:
    if f.default is not None:
        return f.default
    if f.parse == "multi":
        return []
    if f.parse in ("text", "idtext", "choice"):
        return ""
    return None


_BLANKS: dict[str, dict[str, Any]] = {}  # sheet key → field key → value stored for a blank
_EMPTY = (None, "", [])
_MISSING = object()


def _row_data(
    spec: SheetSpec, keys: Iterable[str], keep_none: Callable[[str], bool]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``values → {key: _field_value(spec, key, values)}`` over ``keys``, without the keys
    whose value is None unless ``keep_none(key)``: what a new or changed row stores. Built once
    per sheet (the per-cell function calls cost a second per 100,000 members)."""
    plan = []
    for key in keys:
        blank = _blank_value(spec.field(key))
        plan.append((key, blank, blank == [], keep_none(key)))

    def data(values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        get = values.get
        for key, blank, blank_list, keep in plan:
            value = get(key, _MISSING)
            if value is _MISSING:
                if keep:
                    out[key] = None
                continue
            if value in _EMPTY:
                value = [] if blank_list else blank
            if value is None and not keep:
                continue
            out[key] = value
        return out

    return data


class _Importer:
    def __init__(self, user, outcome: ImportOutcome, sheets: dict[str, ReadSheet], *, lock: bool):
        self.user = user
        self.outcome = outcome
        self.sheets = sheets
        self.lock = lock
        self.prefixes = region_prefixes(user, "import")
        self.problems = outcome.problems
        self.counts = outcome.counts
        self.existing: dict[str, Household] = {}
        self.new_households: dict[str, Household] = {}
        self.changed_households: dict[str, tuple[dict, list[str]]] = {}  # number → (before, fields)
        self.members_by_household: dict[str, list[Member]] = defaultdict(list)
        self.member_writes: list[tuple[Member, dict | None, list[str]]] = []
        self.income_writes: list[tuple[AnnualIncome, dict | None, str]] = []
        self.guarantee_writes: list[tuple[GuaranteeStatus, dict | None, str]] = []
        self.touched: set[str] = set()  # household numbers whose data changes
        self.locked: dict[int, set[int]] = {}  # household id → years locked by an exit
        # new rows are built without Model.__init__ (poverty.bulk.instance_builder)
        self.build = {
            model: instance_builder(model)
            for model in (Household, Member, AnnualIncome, GuaranteeStatus)
        }

    def p(self, read: ReadSheet, row: int | None, key: str, message: str) -> None:
        column = read.reader.header_of(key) if key else ""
        self.problems.append(Problem(read.reader.name, row, column, str(message)))

    # -- households -----------------------------------------------------------------------

    def load_existing(self) -> None:
        numbers: set[str] = set()
        for read in self.sheets.values():
            numbers.update(
                v["household_number"] for v in read.parsed.values() if v.get("household_number")
            )
        for chunk in _chunks(sorted(numbers)):
            queryset = Household.objects.filter(household_number__in=chunk)
            if self.lock:
                queryset = queryset.select_for_update()
            for household in queryset:
                self.existing[household.household_number] = household
        self.locked = household_locked_years(h.pk for h in self.existing.values())

    def known(self, read: ReadSheet, row: int, number: str) -> bool:
        """The household exists in the file's 户信息 or, within the user's scope, in the system."""
        household = self.existing.get(number)
        if household is not None:
            if not _in_prefixes(household.village_id, self.prefixes):
                self.p(
                    read,
                    row,
                    "household_number",
                    _("该户编号已登记在您管辖范围以外的地区，不能导入"),
                )
                return False
            if household.is_deleted:
                self.p(read, row, "household_number", _("该户已被删除；如需恢复请在系统中操作"))
                return False
            return True
        if number in self.new_households:
            return True
        self.p(
            read,
            row,
            "household_number",
            _("户编号 %(n)s 不在“户信息”表中，也未在系统中登记") % {"n": number},
        )
        return False

    def check_households(self) -> None:
        read = self.sheets.get("households")
        if read is None:
            return
        spec = HOUSEHOLD_SHEET
        codes = {normalize_code(v.get("village_code", "")) for v in read.parsed.values()}
        villages = set(
            Region.objects.filter(code__in=codes, level="village").values_list("code", flat=True)
        )
        first_row: dict[str, int] = {}
        present = [k for k in read.reader.match.columns if not spec.field(k).export_only]
        new_data = _row_data(
            spec, [k for k in present if k != "village_code"], lambda k: k == "exit_year"
        )
        for row, values in read.parsed.items():
            number = values.get("household_number")
            if not number:
                continue
            if number in first_row:
                self.p(
                    read,
                    row,
                    "household_number",
                    _("户编号与第 %(r)s 行重复") % {"r": first_row[number]},
                )
                continue
            first_row[number] = row
            for problem in household_problems(
                {k: values.get(k) for k in ("household_number", "main_cause", "other_causes",
                                            "is_dangerous_house", "house_grade") if k in values}
            ):  # fmt: skip
                self.p(read, row, problem.field or "household_number", problem.message)
            household = self.existing.get(number)
            if household is not None and not self.known(read, row, number):
                continue
            code = normalize_code(values.get("village_code", ""))
            if "village_code" in values:
                if code not in villages:
                    self.p(
                        read,
                        row,
                        "village_code",
                        _("“%(c)s”不是系统中的村级区划代码") % {"c": code},
                    )
                    continue
                if not _in_prefixes(code, self.prefixes):
                    self.p(read, row, "village_code", _("该村不在您的管辖范围内"))
                    continue
            exit_year, identified = values.get("exit_year"), values.get("identified_year")
            if exit_year and identified and exit_year < identified:
                self.p(read, row, "exit_year", _("脱贫年度不能早于识别年度"))
            household = self.existing.get(number)
            if household is None:
                if not code:
                    self.p(read, row, "village_code", _("新增的户必须填写村区划代码"))
                    continue
                new = self.build[Household]({"village_id": code, **new_data(values)})
                new._import_row = row
                self.new_households[number] = new
                continue
            before = model_snapshot(household)
            changed: list[str] = []
            for key in present:
                target = "village_id" if key == "village_code" else key
                value = code if key == "village_code" else _field_value(spec, key, values)
                if value is None and spec.field(key).default is None and key not in values:
                    continue
                if getattr(household, target) != value:
                    setattr(household, target, value)
                    changed.append(target)
            household._import_row = row
            exit_changed = [f for f in changed if f in EXIT_RESULT_FIELDS]
            if exit_changed and self.locked.get(household.pk):
                # an approved exit locks the exit result (households.services does the same)
                year = min(self.locked[household.pk])
                self.p(read, row, exit_changed[0], MSG_IMPORT_YEAR_LOCKED % {"year": year})
                continue
            if changed:
                self.changed_households[number] = (before, changed)
                self.touched.add(number)
                self.counts["households_updated"] += 1
            else:
                self.counts["households_unchanged"] += 1
        self.counts["households_new"] = len(self.new_households)

    # -- members --------------------------------------------------------------------------

    def check_members(self) -> None:
        read = self.sheets.get("members")
        spec = MEMBER_SHEET
        rows_by_household: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        if read is not None:
            for row, values in read.parsed.items():
                number = values.get("household_number")
                if number and self.known(read, row, number):
                    rows_by_household[number].append((row, values))
        # New households must bring their members.
        hh_read = self.sheets.get("households")
        for number, household in self.new_households.items():
            if number not in rows_by_household and hh_read is not None:
                self.p(hh_read, household._import_row, "household_number",
                       _("新增的户没有家庭成员：请在“家庭成员”表中填写，每户必须有且只有一名户主"))  # fmt: skip
        if read is None:
            return
        present = [k for k in read.reader.match.columns if not spec.field(k).export_only]
        member_data = _row_data(
            spec,
            [k for k in present if k != "household_number"],
            lambda k: k in ("changed_on", "disability_grade"),
        )
        existing_ids = {h.pk for n, h in self.existing.items() if n in rows_by_household}
        stored: dict[int, list[Member]] = defaultdict(list)
        for chunk in _chunks(sorted(existing_ids)):
            for member in Member.objects.filter(household_id__in=chunk):
                stored[member.household_id].append(member)
        # IDs already active in other households (ID-09), looked up once.
        file_ids: dict[str, tuple[int, str]] = {}
        today = timezone.localdate()
        for number, rows in rows_by_household.items():
            for row, values in rows:
                raw_id = values.get("id_number")
                if not raw_id:
                    continue
                try:
                    parsed = id_number_parse(raw_id, today=today)
                except ValidationError as exc:
                    self.p(read, row, "id_number", exc.messages[0])
                    values["_bad_id"] = True
                    continue
                values["id_number"] = parsed.number
                values["_parsed"] = parsed
                if parsed.number in file_ids and file_ids[parsed.number][1] != number:
                    first_row, first_number = file_ids[parsed.number]
                    self.p(
                        read,
                        row,
                        "id_number",
                        _("证件号码与第 %(r)s 行（户编号 %(n)s）重复")
                        % {"r": first_row, "n": first_number},
                    )
                    values["_bad_id"] = True
                    continue
                file_ids.setdefault(parsed.number, (row, number))
        elsewhere: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(sorted(file_ids)):
            for id_number, hh_number, village in Member.objects.filter(
                id_number__in=chunk, is_active=True
            ).values_list("id_number", "household__household_number", "household__village_id"):
                elsewhere[id_number] = (hh_number, village)

        for number, rows in rows_by_household.items():
            household = self.existing.get(number) or self.new_households[number]
            members = list(stored.get(household.pk, [])) if household.pk else []
            by_id = {normalize_id_number(m.id_number): m for m in members}
            plan: list[tuple[Member, int | None, dict | None, list[str]]] = []
            planned_ids = set()
            for row, values in rows:
                if values.get("_bad_id") or "id_number" not in values:
                    continue
                parsed = values["_parsed"]
                other = elsewhere.get(parsed.number)
                if other and other[0] != number and values.get("is_active", True) is not False:
                    if _in_prefixes(other[1], self.prefixes):
                        msg = _("证件号码重复，该人员已登记在户%(n)s") % {"n": other[0]}
                    else:
                        msg = _("证件号码已登记在您管辖范围以外的户中")
                    self.p(read, row, "id_number", msg)
                    continue
                if parsed.number in planned_ids:
                    self.p(read, row, "id_number", _("证件号码在本户中重复"))
                    continue
                planned_ids.add(parsed.number)
                if values.get("birth_date") and values["birth_date"] != parsed.birth_date:
                    self.p(
                        read,
                        row,
                        "birth_date",
                        _("出生日期与证件号码不一致（证件号码中为 %(d)s）")
                        % {"d": parsed.birth_date.isoformat()},
                    )
                    continue
                if values.get("sex") in ("1", "2") and values["sex"] != parsed.sex:
                    self.p(
                        read,
                        row,
                        "sex",
                        _("性别与证件号码不一致（证件号码第17位表示%(s)s）")
                        % {"s": "男性" if parsed.sex == "1" else "女性"},
                    )
                    continue
                for problem in member_problems(values):
                    self.p(read, row, problem.field, problem.message)
                data = member_data(values)
                data["id_number"] = parsed.number
                if not data.get("birth_date"):
                    data["birth_date"] = parsed.birth_date
                if not data.get("sex"):
                    data["sex"] = parsed.sex
                if parsed.upgraded_from and "id_note" not in data:
                    data["id_note"] = parsed.note
                member = by_id.get(parsed.number)
                if member is None:
                    member = self.build[Member](data)
                    plan.append((member, row, None, []))
                    members.append(member)
                else:
                    before = model_snapshot(member)
                    changed = [k for k, v in data.items() if getattr(member, k) != v]
                    for k in changed:
                        setattr(member, k, data[k])
                    plan.append((member, row, before, changed))
            # Household-level member rules over the list as it will be (FAM-01…04, ID dup).
            dicts = [{"relation": m.relation, "sex": m.sex, "id_number": m.id_number,
                      "is_active": m.is_active, "name": m.name} for m in members]  # fmt: skip
            row_of = {id(m): r for m, r, _b, _c in plan}
            for problem in household_members_problems(dicts):
                if problem.index is None:
                    first = rows[0][0]
                    self.p(read, first, "relation", f"户编号 {number}：{problem.message}")
                    continue
                row = row_of.get(id(members[problem.index]))
                self.p(read, row or rows[0][0], problem.field or "relation", problem.message)
            self.members_by_household[number] = members
            for member, _row, before, changed in plan:
                if before is None:
                    self.counts["members_new"] += 1
                    self.touched.add(number)
                    self.member_writes.append((member, None, []))
                elif changed:
                    self.counts["members_updated"] += 1
                    self.touched.add(number)
                    self.member_writes.append((member, before, changed))
                else:
                    self.counts["members_unchanged"] += 1

    # -- incomes and guarantee checks -----------------------------------------------------

    def _yearly(self, key: str, model, writes: list, counter: str) -> None:
        read = self.sheets.get(key)
        if read is None:
            return
        spec = read.spec
        present = [k for k in read.reader.match.columns if not spec.field(k).export_only]
        rows: dict[tuple[str, int], int] = {}
        wanted: list[tuple[str, int, int, dict]] = []
        row_data = _row_data(
            spec,
            [k for k in present if k not in ("household_number", "year")],
            lambda k: k.startswith(("period_", "checked_on", "water_")),
        )
        for row, values in read.parsed.items():
            number, year = values.get("household_number"), values.get("year")
            if not number or not year or not self.known(read, row, number):
                continue
            if (number, year) in rows:
                self.p(
                    read,
                    row,
                    "year",
                    _("该户该年度与第 %(r)s 行重复") % {"r": rows[(number, year)]},
                )
                continue
            rows[(number, year)] = row
            wanted.append((number, year, row, values))
        pks = [self.existing[n].pk for n, _y in rows if n in self.existing]
        stored = {}
        for chunk in _chunks(sorted(set(pks))):
            for obj in model.objects.filter(household_id__in=chunk):
                stored[(obj.household_id, obj.year)] = obj
        for number, year, row, values in wanted:
            household = self.existing.get(number) or self.new_households.get(number)
            data = row_data(values)
            obj = stored.get((household.pk, year)) if household.pk else None
            before = model_snapshot(obj) if obj is not None else None
            if obj is None:
                obj = self.build[model]({"year": year, **data})
            else:
                for k, v in data.items():
                    setattr(obj, k, v)
            if model is AnnualIncome:
                if not obj.household_size:
                    size = sum(1 for m in self.members_by_household.get(number, []) if m.is_active)
                    if not size and household.pk:
                        size = Member.objects.filter(
                            household_id=household.pk, is_active=True
                        ).count()
                    obj.household_size = size
                if not obj.household_size:
                    self.p(read, row, "household_size", _("家庭人口数必须大于0"))
                    continue
                if obj.period_start and obj.period_end and obj.period_end < obj.period_start:
                    self.p(read, row, "period_end", _("统计期止不能早于统计期起"))
                    continue
                annual_income_recompute(obj)
            obj._import_number = number
            after = model_snapshot(obj)
            changes = before is None or any(
                before.get(k) != after.get(k) for k in after if k not in ("id",)
            )
            if changes and year in self.locked.get(household.pk, ()):
                # an approved exit locks that year's incomes and guarantee checks
                self.p(read, row, "year", MSG_IMPORT_YEAR_LOCKED % {"year": year})
                continue
            if before is None:
                self.counts[f"{counter}_new"] += 1
                writes.append((obj, None, number))
                self.touched.add(number)
            elif changes:
                self.counts[f"{counter}_updated"] += 1
                writes.append((obj, before, number))
                self.touched.add(number)
            else:
                self.counts[f"{counter}_unchanged"] += 1

    def check(self) -> None:
        """Check every sheet in turn; a sheet's parsed values are let go once it is checked
        (what will be written lives on as model instances), so they are never all held."""
        self.load_existing()
        self.check_households()
        self._done("households")
        self.check_members()
        self._done("members")
        self._yearly("incomes", AnnualIncome, self.income_writes, "incomes")
        self._done("incomes")
        self._yearly("guarantees", GuaranteeStatus, self.guarantee_writes, "guarantees")
        self._done("guarantees")

    def _done(self, key: str) -> None:
        read = self.sheets.get(key)
        if read is not None:
            read.parsed = {}

    # -- writing --------------------------------------------------------------------------

    def write(self, progress: Progress | None) -> None:
        # What to record, as (action, instance, before, household): the history entries (with
        # their snapshots) are built one at a time while they are copied into the table.
        history: list[tuple] = []
        new = list(self.new_households.values())
        _copy_create(Household, new)
        for household in new:
            history.append((ChangeAction.CREATE, household, None, None))
        if progress:
            progress(70, 100)
        changed = [self.existing[n] for n in self.changed_households]
        fields = sorted({f for _b, fs in self.changed_households.values() for f in fs})
        if changed:
            Household.objects.bulk_update(changed, [*fields, "updated"], batch_size=BATCH)
            for number, (before, _fields) in self.changed_households.items():
                household = self.existing[number]
                history.append((ChangeAction.UPDATE, household, before, None))
                if "village_id" in _fields:
                    Member.objects.filter(household=household).update(
                        division_code=household.village_id
                    )
        households = {**self.existing, **self.new_households}
        new_members, updated_members, member_fields = [], [], set()
        for number, members in self.members_by_household.items():
            household = households[number]
            for member in members:
                member.household_id = household.pk
                member.division_code = household.village_id
        for member, before, changed_fields in self.member_writes:
            if before is None:
                new_members.append(member)
            else:
                updated_members.append((member, before))
                member_fields.update(changed_fields)
        _copy_create(Member, new_members)
        if updated_members:
            Member.objects.bulk_update(
                [m for m, _b in updated_members],
                [*sorted(member_fields), "updated"],
                batch_size=BATCH,
            )
        for member in new_members:
            history.append((ChangeAction.CREATE, member, None, None))
        for member, before in updated_members:
            history.append((ChangeAction.UPDATE, member, before, None))
        if progress:
            progress(85, 100)
        for model, writes in (
            (AnnualIncome, self.income_writes),
            (GuaranteeStatus, self.guarantee_writes),
        ):
            creates, updates, update_fields = [], [], set()
            for obj, before, number in writes:
                obj.household_id = households[number].pk
                if before is None:
                    creates.append(obj)
                else:
                    updates.append(obj)
                    after = model_snapshot(obj)
                    update_fields.update(k for k in after if before.get(k) != after.get(k))
            _copy_create(model, creates)
            if updates:
                model.objects.bulk_update(
                    updates, [*sorted(update_fields - {"id"}), "updated"], batch_size=BATCH
                )
            for obj, before, number in writes:
                action = ChangeAction.CREATE if before is None else ChangeAction.UPDATE
                history.append((action, obj, before, households[number]))
        touched = [households[n].pk for n in self.touched if n in self.existing]
        for chunk in _chunks(touched):
            Household.objects.filter(pk__in=chunk).update(version=F("version") + 1)
        record_bulk_changes(
            self.user,
            (_entry(a, obj, b, obj, household=h) for a, obj, b, h in history),
        )
        if progress:
            progress(98, 100)


def _entry(action, instance, before: dict | None, after_instance, *, household=None) -> dict:
    if isinstance(instance, Household):
        household_id, code = instance.pk, instance.village_id
    else:
        household_id = instance.household_id
        code = (
            household.village_id
            if household is not None
            else getattr(instance, "division_code", "")
        )
    return {
        "action": action,
        "instance": instance,
        "before": before,
        "after": model_snapshot(after_instance),
        "message": "Excel导入",
        "household_id": household_id,
        "division_code": code or "",
    }


# --- Fast inserts ---------------------------------------------------------------------------

# New rows go in with one COPY per table (poverty.bulk): bulk_create's per-value preparation
# and SQL assembly dominated large imports (docs/PERFORMANCE.md, issue 8).
_copy_text = copy_text
_copy_create = copy_insert


# --- Entry point ----------------------------------------------------------------------------


def household_import(
    user,
    source: str | IO[bytes],
    *,
    filename: str = "",
    apply: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check the file (and, with ``apply``, write it if all is well) for ``user``.

    Nothing is written unless every row of every sheet is valid; the outcome carries every
    problem, the counts of new / changed / unchanged rows, and the sheets as read (for the
    error workbook).
    """
    outcome = ImportOutcome()
    if not user_can(user, "import"):
        outcome.problems.append(Problem("", None, "", _("您的角色不能导入数据")))
        return outcome
    try:
        book = workbook_open(source, filename=filename)
    except FileRejected as exc:
        outcome.problems.append(Problem("", None, "", str(exc)))
        return outcome
    # a file on disk can be opened again, for a second sheet parsed at the same time
    opener = partial(type(book).from_path, str(source)) if isinstance(source, (str, Path)) else None
    # The cyclic garbage collector would rescan the file's hundreds of thousands of live
    # objects again and again while they are built (≈ 15 % of an import's time); the import
    # creates no reference cycles worth collecting, so it pauses for the duration.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _checked_and_applied(user, book, outcome, apply=apply, progress=progress, opener=opener)
    finally:
        if collecting:
            gc.enable()
    return outcome


def _checked_and_applied(
    user, book, outcome: ImportOutcome, *, apply: bool, progress, opener=None
) -> None:
    sheets = _read(book, outcome, opener)
    outcome.sheets = list(sheets.values())
    if outcome.problems:
        return
    for read in sheets.values():
        sheet_parse(read, outcome)
    if progress:
        progress(20, 100)
    with actor_context(user=user, channel="import"), transaction.atomic():
        importer = _Importer(user, outcome, sheets, lock=apply)
        importer.check()
        if progress:
            progress(60, 100)
        if apply and not outcome.problems:
            try:
                with transaction.atomic():
                    importer.write(progress)
            except DatabaseError as exc:
                outcome.problems.append(
                    Problem(
                        "",
                        None,
                        "",
                        _("写入数据库时出错，未导入任何数据：%(e)s") % {"e": str(exc)[:200]},
                    )
                )
                return
            outcome.applied = True
    if (
        outcome.applied
        and outcome.counts.get("households_new", 0) + outcome.counts.get("members_new", 0) > 5000
    ):
        from poverty.jobs.services import database_analyze

        database_analyze(
            [m._meta.db_table for m in (Household, Member, AnnualIncome, GuaranteeStatus)]
        )
    outcome.problems.sort(key=lambda p: (_sheet_order(p.sheet, outcome), p.row or 0))


def _sheet_order(name: str, outcome: ImportOutcome) -> int:
    for index, read in enumerate(outcome.sheets):
        if read.reader.name == name:
            return index + 1
    return 0


def import_error_workbook(outcome: ImportOutcome, target) -> None:
    """The user's own rows with a column naming each problem, and a summary sheet first."""
    by_row: dict[tuple[str, int], list[str]] = defaultdict(list)
    for problem in outcome.problems:
        if problem.row:
            by_row[(problem.sheet, problem.row)].append(problem.text())
    with XlsxWriter(target) as book:
        summary = [
            (i, p.sheet, p.row, p.column, p.message)
            for i, p in enumerate(outcome.problems, start=1)
        ]
        book.write_sheet(
            "错误汇总",
            [
                Column("序号", "int", 6),
                Column("工作表", width=12),
                Column("行号", "int", 6),
                Column("列", width=16),
                Column("问题", "note", 70),
            ],  # fmt: skip
            summary,
            title=_("导入检查未通过：共 %(n)s 个问题，请逐条修改后重新上传（未导入任何数据）")
            % {"n": len(outcome.problems)},
            subtitle=_("检查时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        )
        for read in outcome.sheets:
            match = read.reader.match
            headers = match.headers if match else []
            user_rows = read.user_rows()
            width = max([len(headers), *(len(r) for _n, _v, r in user_rows)] or [0])
            columns = [Column(h or "", "text") for h in headers] + [Column("", "text")] * (
                width - len(headers)
            )
            columns.append(Column("错误说明", "error", 60))
            rows = (
                (
                    *row,
                    *([""] * (width - len(row))),
                    "；".join(by_row.get((read.reader.name, n), [])),
                )
                for n, _values, row in user_rows
            )
            book.write_sheet(read.reader.name, columns, rows)
