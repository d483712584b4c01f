"""Import visits (走访记录) and pairings (结对帮扶) from Excel: check, then apply.

The same path as the household import (households.ledgers.imports): the check reads the
whole file and reports every problem at once on its row and column ("第 37 行 走访日期：
日期不能晚于今天"); apply re-runs the check in one transaction with the households locked
and writes only if nothing is wrong. The outcome and the error workbook are those of the
household import, so the pages, jobs and the command treat all imports alike.

Columns are those of the 走访台账 / 结对帮扶台账 exports (assistance.ledgers), so an
exported ledger can be imported again; a template adds dropdowns, notes and examples.

Matching (idempotent, a re-upload changes nothing):
- a visit by 户编号 + 走访日期 + 走访人 + 走访方式; the other columns are updated;
- a pairing by 户编号 + 帮扶责任人 (姓名 + 单位名称, and 联系电话 when two cadres share
  both) + 帮扶起始时间; 结束时间 and 结束原因 are updated. A cadre not yet in the system
  is added (in the household's county).

The rules are assistance.rules (visit_problems: the visit form and visit_record ask the same;
pairing_problems and pairings_overlap) and the models' own constraints.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance.choices import VisitKind, VisitorRole
from assistance.models import Cadre, CadrePairing, TeamRole, UnitLevel, Visit, WorkTeamMember
from assistance.rules import pairing_problems, pairings_overlap, visit_problems
from assistance.services import MSG_HOUSEHOLD_DELETED
from households.ledgers.columns import FieldSpec, SheetSpec
from households.ledgers.imports import (
    ImportOutcome,
    Problem,
    ReadSheet,
    missing_columns_check,
    sheet_parse,
)
from households.models import Household
from poverty.audit.context import actor_context
from poverty.audit.models import ChangeAction
from poverty.audit.recording import model_snapshot, record_bulk_changes
from poverty.bulk import copy_insert
from poverty.scoping import region_prefixes, user_can
from poverty.xlsx import FileRejected, SheetReader, header_normalize, workbook_open

__all__ = [
    "PAIRING_SHEET",
    "TEMPLATE_EXAMPLES",
    "VISIT_SHEET",
    "pairing_import",
    "visit_import",
]

Progress = Callable[[int, int], None]


def _ch(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in choices)


def _number(note: str) -> FieldSpec:
    return FieldSpec("household_number", "户编号", "idtext", True, max_length=30, width=20,
                     note=note)  # fmt: skip


VISIT_SHEET = SheetSpec(
    key="visits",
    name="走访记录",
    title="贫困户走访记录",
    aliases=("走访记录", "走访台账", "走访", "入户走访记录", "走访情况"),
    match_note="按户编号、走访日期、走访人和走访方式匹配：已有的走访更新其余各列，没有的新增。"
    "户须已在系统中登记、在您的管辖范围内。",
    fields=(
        FieldSpec("row_number", "序号", "int", export_only=True, width=6),
        FieldSpec("township_name", "乡（镇）", export_only=True, aliases=("乡", "乡镇")),
        FieldSpec("village_name", "行政村", export_only=True, aliases=("村",)),
        FieldSpec("visited_on", "走访日期", "date", True, aliases=("入户日期", "走访时间"),
                  note="不能晚于今天，也不能早于2013-01-01。"),
        FieldSpec("visitor_name", "走访人", required=True, max_length=50, width=10,
                  aliases=("走访人姓名",),
                  note="走访人姓名。与该户当日在帮的帮扶责任人同名时，记为该帮扶责任人的走访。"),
        FieldSpec("visitor_role", "走访人身份", "choice", choices=_ch(VisitorRole.choices), width=14,
                  note="可不填：与帮扶责任人同名为“帮扶责任人”，与本村驻村工作队员同名为"
                       "“第一书记”或“驻村工作队员”，否则为“其他”。"),
        FieldSpec("head_name", "户主姓名", export_only=True, note="仅供核对，导入时以户编号为准。"),
        _number("系统中已登记的户编号，须在您的管辖范围内；走访导入不新增贫困户。"),
        FieldSpec("kind", "走访方式", "choice", choices=_ch(VisitKind.choices), default="home"),
        FieldSpec("findings", "了解情况", required=True, width=40,
                  aliases=("走访内容", "走访情况说明"), note="收入、两不愁三保障、饮水等情况。"),
        FieldSpec("policies_explained", "宣讲政策", width=30),
        FieldSpec("actions_taken", "解决问题/办理事项", width=30, aliases=("解决问题", "办理事项")),
        FieldSpec("demands", "群众诉求", width=30, aliases=("诉求",)),
        FieldSpec("follow_up_needed", "需要跟进", "bool", default=False, aliases=("是否需要跟进",),
                  note="填写了跟进事项的，按“是”处理。"),
        FieldSpec("follow_up_note", "跟进事项", max_length=200, width=24),
        FieldSpec("photo", "照片", export_only=True, note="照片请在系统中上传，导入时忽略。"),
        FieldSpec("location", "GPS位置", width=22, aliases=("定位", "经纬度", "GPS"),
                  note="“纬度,经度”，如 27.550000,109.950000；可不填。"),
        FieldSpec("signature", "户主签字", export_only=True, note="打印后签字用，导入时忽略。"),
    ),
)  # fmt: skip

PAIRING_SHEET = SheetSpec(
    key="pairings",
    name="结对帮扶",
    title="结对帮扶",
    aliases=("结对帮扶", "结对帮扶台账", "结对", "帮扶责任人结对"),
    match_note="按户编号、帮扶责任人（姓名+单位名称）和帮扶起始时间匹配：已有的结对更新结束时间和结束原因，"
    "没有的新增。系统中没有的帮扶责任人自动新增。同一户同一时间只能有一名帮扶责任人。",
    fields=(
        FieldSpec("row_number", "序号", "int", export_only=True, width=6),
        FieldSpec("township_name", "乡（镇）", export_only=True, aliases=("乡", "乡镇")),
        FieldSpec("village_name", "行政村", export_only=True, aliases=("村",)),
        FieldSpec("cadre_name", "姓名", required=True, max_length=50, width=10,
                  aliases=("帮扶责任人", "帮扶责任人姓名", "帮扶人姓名"),
                  note="帮扶责任人姓名。与单位名称一起确定是哪一位帮扶责任人。"),
        FieldSpec("unit_name", "单位名称", required=True, max_length=100, width=22,
                  aliases=("帮扶单位", "工作单位"),
                  note="帮扶责任人所在单位。该户所在县没有同名同单位的帮扶责任人时新增（记在该县）。"),
        FieldSpec("unit_level", "单位隶属关系", "choice", choices=_ch(UnitLevel.choices),
                  note="可不填（新增的帮扶责任人记为“县”）；填写时更新帮扶责任人的信息。"),
        FieldSpec("position", "职务", max_length=50, note="可不填；填写时更新帮扶责任人的信息。"),
        FieldSpec("phone", "联系电话", "idtext", max_length=20, width=14,
                  note="帮扶责任人的电话，可不填。同名同单位时用它区分：与系统中该帮扶责任人的电话不同的，"
                       "视为另一人；系统中没有电话的，补上。脱敏的号码（含 *）不能导入。"),
        FieldSpec("head_name", "帮扶户主姓名", export_only=True, aliases=("户主姓名",),
                  note="仅供核对，导入时以户编号为准。"),
        _number("系统中已登记的户编号，须在您的管辖范围内；结对导入不新增贫困户。"),
        FieldSpec("start_date", "帮扶起始时间", "date", True,
                  aliases=("起始时间", "结对时间", "帮扶开始时间", "开始时间"),
                  note="不能早于2013-01-01。同一户的各次结对时间不能重叠（一次结束当天可开始下一次）。"),
        FieldSpec("end_date", "结束时间", "date", aliases=("帮扶结束时间",),
                  note="仍在帮扶的不填。不能早于帮扶起始时间，也不能晚于今天。"),
        FieldSpec("end_reason", "结束原因", max_length=100, width=16,
                  note="只有已结束的结对才填写。"),
    ),
)  # fmt: skip


# --- Template examples ------------------------------------------------------------------------


def _visit_examples(village: str) -> list[dict]:
    day = timezone.localdate() - datetime.timedelta(days=7)
    return [
        {"visited_on": day, "visitor_name": "王五", "visitor_role": "帮扶责任人",
         "household_number": f"{village}901", "kind": "入户走访",
         "findings": "家中4口人，户主务工，收入稳定；饮水安全。", "policies_explained": "雨露计划",
         "demands": "希望硬化入户路", "follow_up_needed": "是", "follow_up_note": "联系交通局",
         "location": "27.550000,109.950000"},
        {"visited_on": day, "visitor_name": "赵六", "visitor_role": "第一书记",
         "household_number": f"{village}902", "kind": "电话", "findings": "电话了解务工情况",
         "follow_up_needed": "否"},
    ]  # fmt: skip


def _pairing_examples(village: str) -> list[dict]:
    return [
        {"cadre_name": "王五", "unit_name": "县农业农村局", "unit_level": "县", "position": "科员",
         "phone": "13912345678", "household_number": f"{village}901",
         "start_date": datetime.date(2016, 1, 1)},
        {"cadre_name": "孙七", "unit_name": "县财政局", "unit_level": "县",
         "household_number": f"{village}902", "start_date": datetime.date(2016, 1, 1),
         "end_date": datetime.date(2019, 6, 30), "end_reason": "工作调动"},
        {"cadre_name": "王五", "unit_name": "县农业农村局", "household_number": f"{village}902",
         "start_date": datetime.date(2019, 6, 30)},
    ]  # fmt: skip


# Spec key → example rows for households.ledgers.template.
TEMPLATE_EXAMPLES: dict[str, Callable[[str], list[dict]]] = {
    "visits": _visit_examples,
    "pairings": _pairing_examples,
}


# --- Reading -----------------------------------------------------------------------------------


def _read(book, spec: SheetSpec, outcome: ImportOutcome) -> ReadSheet | None:
    """The sheet of the file that holds ``spec``'s rows: by name first, then by its header."""
    names = list(book.sheet_names)
    wanted = {header_normalize(a) for a in (spec.name, *spec.aliases)}
    found: ReadSheet | None = None
    for name in names:
        if header_normalize(name) in wanted:
            reader = SheetReader.from_sheet(book.get_sheet_by_name(name), spec.columns)
            if reader.match is not None:
                found = ReadSheet(spec, reader)
                break
    if found is None:
        for name in names:
            if name in ("代码表", "填表说明", "错误汇总") or name.startswith("示例"):
                continue
            reader = SheetReader.from_sheet(book.get_sheet_by_name(name), spec.columns)
            if reader.match and "household_number" in reader.match.columns and reader.score >= 4:
                if found is None or reader.score > found.reader.score:
                    found = ReadSheet(spec, reader)
    if found is None:
        outcome.problems.append(
            Problem(
                "",
                None,
                "",
                _("未找到“%(sheet)s”表：请使用%(sheet)s导入模板，或上传本系统导出的台账")
                % {"sheet": spec.name},
            )
        )
        return None
    missing_columns_check(found, outcome)
    return found


def location_parse(text: str) -> tuple[tuple[Decimal, Decimal] | None, str]:
    """ "纬度,经度" (as the visit ledger writes it) → two decimals of six places, or the error."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None, ""
    parts = [p for p in text.replace("，", ",").replace(";", ",").replace(" ", ",").split(",") if p]
    message = _("GPS位置应为“纬度,经度”，如 27.550000,109.950000")
    if len(parts) != 2:
        return None, message
    try:
        latitude, longitude = (
            Decimal(p).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP) for p in parts
        )
    except InvalidOperation:
        return None, message
    return (latitude, longitude), ""


def _blank(spec: SheetSpec, key: str) -> Any:
    """What a blank cell in a present column stores."""
    f = spec.field(key)
    if f.default is not None:
        return f.default
    if f.parse in ("text", "idtext", "choice"):
        return ""
    return None


def _in_prefixes(code: str, prefixes: list[str] | None) -> bool:
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def _entry(action, instance, before: dict | None, *, household_id, division_code) -> dict:
    return {
        "action": action,
        "instance": instance,
        "before": before,
        "after": model_snapshot(instance),
        "message": "Excel导入",
        "household_id": household_id,
        "division_code": division_code or "",
    }


class _Importer:
    """What the visit and pairing importers share: reading households, scope, problems."""

    spec: SheetSpec
    deleted_message = ""  # the problem on a row naming a deleted household

    def __init__(self, user, outcome: ImportOutcome, read: ReadSheet, *, lock: bool):
        self.user = user
        self.outcome = outcome
        self.read = read
        self.lock = lock
        self.prefixes = region_prefixes(user, "import")
        self.today = timezone.localdate()
        self.households: dict[str, Household] = {}

    def p(self, row: int | None, key: str, message: str) -> None:
        column = self.read.reader.header_of(key) if key else ""
        self.outcome.problems.append(Problem(self.read.reader.name, row, column, str(message)))

    def present(self, key: str) -> bool:
        return key in self.read.reader.match.columns

    def load_households(self) -> None:
        numbers = sorted(
            {v["household_number"] for v in self.read.parsed.values() if v.get("household_number")}
        )
        queryset = Household.objects.filter(household_number__in=numbers).only(
            "id", "household_number", "village_id", "is_deleted"
        )
        if self.lock:
            queryset = queryset.select_for_update()
        self.households = {h.household_number: h for h in queryset}

    def household(self, row: int, number: str | None) -> Household | None:
        """The row's household if it exists, is not deleted and is in the user's scope."""
        if not number:
            return None
        household = self.households.get(number)
        if household is None:
            self.p(row, "household_number", _("户编号 %(n)s 未在系统中登记") % {"n": number})
            return None
        if not _in_prefixes(household.village_id, self.prefixes):
            self.p(row, "household_number", _("该户不在您的管辖范围内，不能导入"))
            return None
        if household.is_deleted:
            self.p(row, "household_number", self.deleted_message)
            return None
        return household


# --- Visits ------------------------------------------------------------------------------------

_VISIT_TEXT = ("findings", "policies_explained", "actions_taken", "demands", "follow_up_note")


class _VisitImporter(_Importer):
    spec = VISIT_SHEET
    deleted_message = MSG_HOUSEHOLD_DELETED

    def check(self) -> None:
        self.load_households()
        ids = [h.pk for h in self.households.values()]
        villages = {h.village_id for h in self.households.values()}
        pairings = defaultdict(list)  # household id → its pairings (to find the visit's cadre)
        for pairing in CadrePairing.objects.filter(household_id__in=ids).select_related("cadre"):
            pairings[pairing.household_id].append(pairing)
        team = defaultdict(list)  # village → members
        for member in WorkTeamMember.objects.filter(team__village_id__in=villages).select_related(
            "team"
        ):
            team[member.team.village_id].append(member)
        stored: dict[tuple, Visit] = {}
        dates = [v["visited_on"] for v in self.read.parsed.values() if v.get("visited_on")]
        visits = Visit.objects.filter(household_id__in=ids)
        if dates:  # only the days the file speaks of can match
            visits = visits.filter(visited_on__range=(min(dates), max(dates)))
        for visit in visits.order_by("-id"):
            stored[(visit.household_id, visit.visited_on, visit.visitor_name, visit.kind)] = visit
        first_row: dict[tuple, int] = {}
        self.creates: list[Visit] = []
        self.updates: list[tuple[Visit, dict, list[str]]] = []
        counts = self.outcome.counts
        for row, values in self.read.parsed.items():
            household = self.household(row, values.get("household_number"))
            location, error = location_parse(values.get("location", ""))
            if error:
                self.p(row, "location", error)
            latitude, longitude = location or (None, None)
            visited_on = values.get("visited_on")
            for problem in visit_problems(
                visited_on=visited_on, today=self.today, latitude=latitude, longitude=longitude
            ):
                self.p(row, "location" if problem.field == "latitude" else problem.field,
                       problem.message)  # fmt: skip
            name = values.get("visitor_name")
            if household is None or not visited_on or not name or "findings" not in values:
                continue
            kind = values.get("kind") or "home"
            key = (household.pk, visited_on, name, kind)
            if key in first_row:
                self.p(row, "visited_on",
                       _("与第 %(r)s 行是同一次走访（户编号、走访日期、走访人、走访方式相同）")
                       % {"r": first_row[key]})  # fmt: skip
                continue
            first_row[key] = row
            data: dict[str, Any] = {}
            for field in _VISIT_TEXT + ("follow_up_needed",):
                if self.present(field):
                    value = values.get(field)
                    data[field] = _blank(self.spec, field) if value in (None, "") else value
            if data.get("follow_up_note"):
                data["follow_up_needed"] = True  # the note implies it, as in visit_record
            if self.present("location"):
                data["latitude"], data["longitude"] = latitude, longitude
            role = values.get("visitor_role") or ""
            cadre = next(
                (
                    p.cadre
                    for p in pairings.get(household.pk, ())
                    if p.cadre.name == name
                    and p.start_date <= visited_on
                    and (p.end_date is None or p.end_date >= visited_on)
                ),
                None,
            )
            visit = stored.get(key)
            if visit is None:
                if not role:
                    role = self.derived_role(cadre, name, visited_on, team[household.village_id])
                new = Visit(household_id=household.pk, division_code=household.village_id,
                            visitor_name=name, visited_on=visited_on, kind=kind, visitor_role=role,
                            cadre=cadre, visitor_id=cadre.user_id if cadre else None, **data)  # fmt: skip
                new._import_row = row
                self.creates.append(new)
                counts["visits_new"] += 1
                continue
            if role:
                data["visitor_role"] = role
            changed = [k for k, v in data.items() if getattr(visit, k) != v]
            if changed:
                before = model_snapshot(visit)
                for k in changed:
                    setattr(visit, k, data[k])
                self.updates.append((visit, before, changed))
                counts["visits_updated"] += 1
            else:
                counts["visits_unchanged"] += 1

    @staticmethod
    def derived_role(cadre, name: str, day: datetime.date, members) -> str:
        if cadre is not None:
            return VisitorRole.CADRE
        for member in members:
            if (
                member.name == name
                and member.start_date <= day
                and (member.end_date is None or member.end_date >= day)
            ):
                if member.role == TeamRole.FIRST_SECRETARY:
                    return VisitorRole.FIRST_SECRETARY
                return VisitorRole.TEAM_MEMBER
        return VisitorRole.OTHER

    def write(self) -> None:
        copy_insert(Visit, self.creates)
        now = timezone.now()
        fields = set()
        for visit, _before, changed in self.updates:
            visit.updated = now
            fields.update(changed)
        if self.updates:
            Visit.objects.bulk_update(
                [v for v, _b, _c in self.updates], [*sorted(fields), "updated"], batch_size=2000
            )
        entries = [
            _entry(ChangeAction.CREATE, v, None, household_id=v.household_id,
                   division_code=v.division_code)
            for v in self.creates
        ] + [
            _entry(ChangeAction.UPDATE, v, before, household_id=v.household_id,
                   division_code=v.division_code)
            for v, before, _c in self.updates
        ]  # fmt: skip
        for entry in entries:
            entry["after"].pop("client_token", None)
        record_bulk_changes(self.user, entries)


# --- Pairings ----------------------------------------------------------------------------------


def _county(code: str) -> str:
    return code[:6] + "000000"


class _PairingImporter(_Importer):
    spec = PAIRING_SHEET
    deleted_message = gettext_lazy("该户已被删除，不能登记结对")

    def check(self) -> None:  # noqa: C901 (one pass over the rows, in the order a reader checks)
        self.load_households()
        ids = [h.pk for h in self.households.values()]
        names = {v.get("cadre_name") for v in self.read.parsed.values() if v.get("cadre_name")}
        candidates = defaultdict(list)  # (name, unit) → cadres
        cadre_query = Cadre.objects.filter(name__in=names).order_by("id")
        if self.lock:
            cadre_query = cadre_query.select_for_update()
        for cadre in cadre_query:
            candidates[(cadre.name, cadre.unit_name)].append(cadre)
        stored = defaultdict(list)  # household id → pairings
        query = CadrePairing.objects.filter(household_id__in=ids).select_related("cadre")
        if self.lock:
            query = query.select_for_update(of=("self",))
        for pairing in query.order_by("start_date", "id"):
            stored[pairing.household_id].append(pairing)
        counts = self.outcome.counts
        self.new_cadres: dict[tuple, list[Cadre]] = {}
        self.cadre_updates: dict[int, tuple[Cadre, dict, set[str]]] = {}
        cadre_value_rows: dict[tuple, tuple[Any, int]] = {}  # (cadre key, field) → (value, row)
        self.creates: list[CadrePairing] = []
        self.updates: list[tuple[CadrePairing, dict, list[str]]] = []
        first_row: dict[tuple, int] = {}
        rows_of: dict[int, int] = {}  # id(pairing) → row, for the overlap messages
        changed_households: set[int] = set()
        for row, values in self.read.parsed.items():
            household = self.household(row, values.get("household_number"))
            start, end = values.get("start_date"), values.get("end_date")
            reason = values.get("end_reason", "")
            for problem in pairing_problems(
                start_date=start, end_date=end, end_reason=reason, today=self.today
            ):
                self.p(row, problem.field, problem.message)
            phone = values.get("phone", "")
            if "*" in phone or "＊" in phone:
                self.p(row, "phone", _("联系电话已脱敏（含 *），不能导入：请填写完整号码或留空"))
                phone = ""
            name, unit = values.get("cadre_name"), values.get("unit_name")
            if household is None or not start or not name or not unit:
                continue
            paired = {p.cadre_id for p in stored[household.pk] if p.start_date == start}
            cadre, error = self.cadre_for(
                candidates, name, unit, phone, household.village_id, paired
            )
            if error:
                self.p(row, "cadre_name", error)
                continue
            cadre_key = cadre.pk or ("new", id(cadre))
            # The cadre's own details: filled cells update them (and must agree across rows).
            conflict = False
            for field in ("unit_level", "position", "phone"):
                value = phone if field == "phone" else values.get(field, "")
                if not value:
                    continue
                earlier = cadre_value_rows.get((cadre_key, field))
                if earlier is not None and earlier[0] != value:
                    self.p(row, field,
                           _("与第 %(r)s 行同一帮扶责任人的%(what)s不一致")
                           % {"r": earlier[1], "what": self.read.reader.header_of(field)})  # fmt: skip
                    conflict = True
                    continue
                cadre_value_rows[(cadre_key, field)] = (value, row)
                if getattr(cadre, field) != value:
                    if cadre.pk:
                        entry = self.cadre_updates.setdefault(
                            cadre.pk, (cadre, model_snapshot(cadre), set())
                        )
                        entry[2].add(field)
                    setattr(cadre, field, value)
            if conflict:
                continue
            key = (household.pk, cadre_key, start)
            if key in first_row:
                self.p(row, "start_date",
                       _("与第 %(r)s 行是同一结对（户编号、帮扶责任人、帮扶起始时间相同）")
                       % {"r": first_row[key]})  # fmt: skip
                continue
            first_row[key] = row
            data = {}
            if self.present("end_date"):
                data["end_date"] = end
            if self.present("end_reason"):
                data["end_reason"] = reason or ""
            pairing = next(
                (p for p in stored[household.pk] if cadre.pk and p.cadre_id == cadre.pk
                 and p.start_date == start),
                None,
            )  # fmt: skip
            if pairing is None:
                pairing = CadrePairing(household_id=household.pk, start_date=start, **data)
                pairing.cadre = cadre
                pairing._household = household
                self.creates.append(pairing)
                stored[household.pk].append(pairing)
                rows_of[id(pairing)] = row
                changed_households.add(household.pk)
                counts["pairings_new"] += 1
                continue
            rows_of[id(pairing)] = row
            changed = [k for k, v in data.items() if getattr(pairing, k) != v]
            if changed:
                before = model_snapshot(pairing)
                for k in changed:
                    setattr(pairing, k, data[k])
                pairing._household = household
                self.updates.append((pairing, before, changed))
                changed_households.add(household.pk)
                counts["pairings_updated"] += 1
            else:
                counts["pairings_unchanged"] += 1
        counts["cadres_new"] = sum(len(c) for c in self.new_cadres.values())
        counts["cadres_updated"] = len(self.cadre_updates)
        self.check_overlaps(stored, changed_households, rows_of)

    def check_overlaps(self, stored, household_ids, rows_of) -> None:
        """At any time a household has one helper: no two of its pairings overlap."""
        changed = {id(p) for p in self.creates} | {id(p) for p, _b, _c in self.updates}
        for household_id in household_ids:
            pairings = stored[household_id]
            for index, first in enumerate(pairings):
                for second in pairings[index + 1 :]:
                    if id(first) not in changed and id(second) not in changed:
                        continue
                    if not pairings_overlap(
                        (first.start_date, first.end_date), (second.start_date, second.end_date)
                    ):
                        continue
                    # Report on the row of the file that brings the conflict.
                    target, other = (second, first) if id(second) in changed else (first, second)
                    if first.end_date is None and second.end_date is None:
                        message = _(
                            "该户已有在帮的帮扶责任人（%(name)s，%(start)s 起），请先结束原结对"
                        )
                    else:
                        message = _("与该户 %(start)s 起的结对（%(name)s）时间重叠：同一时间一户只有一名帮扶责任人")  # fmt: skip
                    self.p(rows_of.get(id(target)), "start_date",
                           message % {"name": other.cadre.name,
                                      "start": other.start_date.isoformat()})  # fmt: skip

    def cadre_for(
        self, candidates, name, unit, phone, village, paired=()
    ) -> tuple[Cadre | None, str]:
        """The cadre a row names: same name and unit, helping in the household's county.

        The phone tells namesakes apart: a cadre with another number is another person (a
        cadre's number is changed in the system, not by an import); a cadre without one takes
        the row's. Namesakes the row cannot tell apart are the one already in this pairing
        (``paired``: the cadre ids of the household's pairings from the row's start date), so
        a file imported once imports again unchanged. A cadre found nowhere is added in the
        household's county.
        """
        county = _county(village)
        pool = [c for c in candidates.get((name, unit), ()) if c.division_code[:6] == county[:6]]
        pool += self.new_cadres.get((name, unit, county), [])
        if phone:
            exact = [c for c in pool if c.phone == phone]
            if not exact:
                exact = [c for c in pool if not c.phone]
        else:
            exact = pool
        if len(exact) > 1:
            exact = [c for c in exact if c.pk in paired] or exact
        if len(exact) > 1:
            return None, _("有 %(n)s 名帮扶责任人同名且同单位，请填写联系电话以区分") % {
                "n": len(exact)
            }
        if exact:
            return exact[0], ""
        cadre = Cadre(name=name, unit_name=unit, division_code=county, unit_level="4", phone=phone)
        self.new_cadres.setdefault((name, unit, county), []).append(cadre)
        return cadre, ""

    def write(self) -> None:
        cadres = [c for same in self.new_cadres.values() for c in same]
        copy_insert(Cadre, cadres)
        entries = [
            _entry(ChangeAction.CREATE, c, None, household_id=None, division_code=c.division_code)
            for c in cadres
        ]
        now = timezone.now()
        fields: set[str] = set()
        for cadre, _before, changed in self.cadre_updates.values():
            cadre.updated = now
            cadre.version += 1  # optimistic concurrency of the API's writes
            fields |= changed
        if self.cadre_updates:
            Cadre.objects.bulk_update(
                [c for c, _b, _f in self.cadre_updates.values()],
                [*sorted(fields), "updated", "version"],
            )
        entries += [
            _entry(ChangeAction.UPDATE, c, before, household_id=None,
                   division_code=c.division_code)
            for c, before, _f in self.cadre_updates.values()
        ]  # fmt: skip
        # Ends first: a household's new current pairing may replace the one ended here.
        fields = set()
        for pairing, _before, changed in self.updates:
            pairing.updated = now
            pairing.version += 1
            fields.update(changed)
        if self.updates:
            CadrePairing.objects.bulk_update(
                [p for p, _b, _c in self.updates],
                [*sorted(fields), "updated", "version"],
                batch_size=2000,
            )
        for pairing in self.creates:
            pairing.cadre_id = pairing.cadre.pk  # a new cadre has its id only now
        copy_insert(CadrePairing, self.creates)
        entries += [
            _entry(ChangeAction.UPDATE, p, before, household_id=p.household_id,
                   division_code=p._household.village_id)
            for p, before, _c in self.updates
        ] + [
            _entry(ChangeAction.CREATE, p, None, household_id=p.household_id,
                   division_code=p._household.village_id)
            for p in self.creates
        ]  # fmt: skip
        record_bulk_changes(self.user, entries)


# --- Entry points ------------------------------------------------------------------------------


def _run(importer, user, source, *, filename: str, apply: bool, progress) -> ImportOutcome:
    outcome = ImportOutcome()
    if not user_can(user, "import"):
        outcome.problems.append(Problem("", None, "", _("您的角色不能导入数据")))
        return outcome
    try:
        book = workbook_open(source, filename=filename)
    except FileRejected as exc:
        outcome.problems.append(Problem("", None, "", str(exc)))
        return outcome
    read = _read(book, importer.spec, outcome)
    if read is not None:
        outcome.sheets = [read]
    if outcome.problems:
        return outcome
    sheet_parse(read, outcome)
    if progress:
        progress(30, 100)
    with actor_context(user=user, channel="import"), transaction.atomic():
        job = importer(user, outcome, read, lock=apply)
        job.check()
        if progress:
            progress(60, 100)
        if apply and not outcome.problems:
            try:
                with transaction.atomic():
                    job.write()
            except DatabaseError as exc:
                outcome.problems.append(
                    Problem("", None, "",
                            _("写入数据库时出错，未导入任何数据：%(e)s") % {"e": str(exc)[:200]})
                )  # fmt: skip
                return outcome
            outcome.applied = True
    outcome.problems.sort(key=lambda p: (p.row or 0, p.column))
    return outcome


def visit_import(
    user,
    source: str | IO[bytes],
    *,
    filename: str = "",
    apply: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check (and, with ``apply``, write all or nothing) a file of visits for ``user``."""
    return _run(_VisitImporter, user, source, filename=filename, apply=apply, progress=progress)


def pairing_import(
    user,
    source: str | IO[bytes],
    *,
    filename: str = "",
    apply: bool = False,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Check (and, with ``apply``, write all or nothing) a file of pairings for ``user``."""
    return _run(_PairingImporter, user, source, filename=filename, apply=apply, progress=progress)
