"""Set-based writers of the derived tables: household readiness and monitoring flags, region
statistics, village and county verdicts, rankings. The jobs, the nightly beat and
``manage.py recompute_assessments`` all run these functions.

How the household pass stays set-based and flat in memory:
- households are taken in batches of consecutive ids (keyset, ``batch_size`` at a time);
- per batch, one ``COPY (SELECT …) TO STDOUT`` streams every household-year with its income,
  guarantee record and household fields, and one query reads the active members;
- the same pure rule functions as the pages (household_exit_verdict, household_monitoring_flags)
  judge the household-years, once per distinct set of inputs (see ``_batch_compute``);
- per batch, one DELETE of the batch's old rows and one ``COPY … FROM STDIN`` of the new ones,
  committed together: a reader sees a household's old verdicts or its new ones, never a mix,
  and a job that dies half-way leaves every finished batch complete (idempotent re-run).
Statistics, region verdicts and rankings are then computed from those rows in SQL and small
Python loops over regions. A full run (every household, every year) writes into new tables that
replace the old ones at the end (_households_swap), and adds up the village statistics in the
household pass (_village_parts: each batch's share per village and year, summed at the end)
instead of reading every household-year again; village verdicts are streamed (_CopyChunks).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from types import MappingProxyType

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from assessment.rules import (
    HouseholdFacts,
    MemberFacts,
    household_exit_verdict,
    household_monitoring_flags,
)
from assessment.rules.household_exit import (
    GUARANTEE_ITEMS,
    GUARANTEES_ALL_MET,
)
from villages.codes import LEVEL_PREFIX_LENGTH, code_prefix

__all__ = [
    "RecomputeResult",
    "households_recompute",
    "rankings_recompute",
    "reason_set_id",
    "recompute",
    "recompute_households",
    "region_verdicts_recompute",
    "statistics_recompute",
]

BATCH_SIZE = 5000
Progress = Callable[[int, int], None]
_GUARANTEE_COLUMNS = ("food", "clothing", "education", "medical", "housing", "water")
_LEVEL_OF_LENGTH = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}
_OUT_OF_SCHOOL = "01"  # 在校生状况 01 非在校生


@dataclass
class RecomputeResult:
    households: int = 0
    household_years: int = 0
    flags: int = 0
    statistics: int = 0
    region_verdicts: int = 0
    ranking_entries: int = 0
    seconds: dict = field(default_factory=dict)
    # a full run wrote the village statistics' parts with the household pass (_PARTS_TABLE)
    village_parts: bool = False
    # the new tables of a set-based full run were analysed before they took the old ones' place
    analyzed: bool = False

    def as_dict(self) -> dict:
        return {
            "households": self.households,
            "household_years": self.household_years,
            "flags": self.flags,
            "statistics": self.statistics,
            "region_verdicts": self.region_verdicts,
            "ranking_entries": self.ranking_entries,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


# --- households -----------------------------------------------------------------------------

_STREAM_SQL = """
WITH hh AS (
    SELECT id, village_code, identified_year, exit_year, status, house_grade,
           has_living_power, has_broadcast_tv, has_production_power, has_sanitary_toilet
    FROM households_household
    WHERE {household_where} AND NOT is_deleted {prefix_where}
), y AS (
    SELECT coalesce(i.household_id, g.household_id) AS household_id,
           coalesce(i.year, g.year) AS year, i.per_capita_net_income, i.net_income,
           i.household_size, g.food, g.clothing, g.education, g.medical, g.housing, g.water,
           g.water_litres_per_day, g.water_quality_ok, g.water_trip_minutes,
           g.water_reliability_pct
    FROM (SELECT household_id, year, per_capita_net_income, net_income, household_size
          FROM households_annualincome WHERE {where}) i
    FULL JOIN (SELECT household_id, year, food, clothing, education, medical, housing, water,
                      water_litres_per_day, water_quality_ok, water_trip_minutes,
                      water_reliability_pct
               FROM households_guaranteestatus WHERE {where}) g
      ON g.household_id = i.household_id AND g.year = i.year
)
SELECT hh.id, hh.village_code, hh.identified_year, hh.exit_year, hh.status, hh.house_grade,
       hh.has_living_power, hh.has_broadcast_tv, hh.has_production_power, hh.has_sanitary_toilet,
       y.year, y.per_capita_net_income, y.net_income,
       y.food, y.clothing, y.education, y.medical, y.housing, y.water,
       y.water_litres_per_day, y.water_quality_ok, y.water_trip_minutes, y.water_reliability_pct,
       y.household_size
FROM hh JOIN y ON y.household_id = hh.id
ORDER BY hh.id, y.year
"""

_MEMBERS_SQL = """
SELECT household_id, extract(year FROM birth_date)::int, school_status,
       has_resident_medical_insurance OR has_employee_medical_insurance
FROM households_member
WHERE {where} AND is_active
"""

_READINESS_COLUMNS = (
    "household_id, division_code, year, per_capita_net_income, monitor, eligible, outcome, "
    "income_line, reason_set_id, household_size, guarantees_met"
)
_FLAG_COLUMNS = "household_id, division_code, year, code, item, unconfirmed, params"
_READINESS_TABLE = "assessment_householdreadiness"
_FLAG_TABLE = "assessment_monitoringflag"
_FRESH = "_fresh"  # suffix of the tables a full run fills before they replace the old ones
_RANGE = "household_id > %(lo)s AND household_id <= %(hi)s"
_IDS = "household_id = ANY(%(ids)s)"


def _bool(text: str) -> bool | None:
    if text == "t":
        return True
    if text == "f":
        return False
    return None


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=float).encode
_NO_FACTS: dict = {}
# a guarantee record whose six items are all in these states counts as met in the statistics
_MET_STATES = frozenset({"met", "not_applicable"})
_ALL_MET_ROW = ("met",) * 6
_GUARANTEE_MAPS: dict[tuple, MappingProxyType] = {}


class _Context:
    """What every batch needs: standards, region classes, the timestamp of this run."""

    def __init__(self, standards=None, classes=None):
        from assessment.selectors import region_class_map, standard_set_load

        self.standards = standard_set_load() if standards is None else standards
        self.classes = region_class_map() if classes is None else classes
        self.now = timezone.now()
        self._views: dict[tuple[str, int], object] = {}
        self._class_cache: dict[str, str] = {}
        self.reason_cache: dict = {}
        # reason sets (see reason_set_id): JSON text → id, and those not yet written by this
        # process (the writer adds them before the rows that use them)
        self.reason_set_ids: dict[str, int] = {}
        self.unsaved_reason_sets: dict[int, str] = {}
        self._infos: dict[tuple[str, int], _ViewInfo] = {}
        self._view_infos: dict[object, _ViewInfo] = {}
        # equal parts of verdict_memo keys share one object (see _batch_compute)
        self.canonical: dict = {}
        # (see _batch_compute) verdict parts shared by household-years with the same inputs
        self.verdict_memo: dict = {}
        self.flag_memo: dict = {}

    def reason_set(self, text: str) -> int:
        """The id of a reason set given as its JSON text (new ones are kept until written)."""
        set_id = self.reason_set_ids.get(text)
        if set_id is None:
            if len(self.reason_set_ids) > _MEMO_LIMIT:
                self.reason_set_ids.clear()
            set_id = self.reason_set_ids[text] = reason_set_id(text)
            self.unsaved_reason_sets[set_id] = text
        return set_id

    def take_unsaved_reason_sets(self) -> dict[int, str]:
        unsaved = self.unsaved_reason_sets
        self.unsaved_reason_sets = {}
        return unsaved

    def region_class(self, code: str) -> str:
        county = code[:6]
        value = self._class_cache.get(county)
        if value is None:
            value = ""
            for length in (6, 4, 2):
                value = self.classes.get(code[:length], "")
                if value:
                    break
            self._class_cache[county] = value
        return value

    def view(self, code: str, year: int):
        key = (code, year)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self.standards.view(code, year, self.region_class(code))
        return view

    def info(self, code: str, year: int) -> _ViewInfo:
        key = (code, year)
        info = self._infos.get(key)
        if info is None:
            view = self.view(code, year)  # one _ViewInfo per view, not per village and year
            info = self._view_infos.get(view)
            if info is None:
                info = self._view_infos[view] = _ViewInfo(view)
            self._infos[key] = info
        return info


class _ViewInfo:
    """What the fast path of ``_batch_compute`` reads of one place and year's standards: the
    same standard rows the rule functions resolve (household_exit._profile, monitoring)."""

    __slots__ = ("can_exit_checked", "drop", "line", "line_text", "monitoring_line",
                 "school_ages", "view", "with_checklist")  # fmt: skip

    def __init__(self, view):
        from assessment.rules.household_exit import _profile
        from assessment.rules.monitoring import _standards

        profile = _profile(view)
        self.view = view
        can_exit = profile.can_exit
        self.can_exit_checked = can_exit is not None and can_exit.value == 0
        self.line = None if profile.line is None else profile.line.value
        self.line_text = "" if self.line is None else str(self.line)
        self.with_checklist = bool(profile.checklist)
        # compulsory-school ages: a member's age matters to the member checks only within them
        self.school_ages = (
            None
            if profile.age_min is None or profile.age_max is None
            else (profile.age_min.value, profile.age_max.value)
        )
        line, drop = _standards(view)
        self.monitoring_line = None if line is None else line.value
        self.drop = None if drop is None else drop.value


def _members_key(members, year: int, school_ages) -> tuple:
    """What the member checks (household_exit._member_reasons) read of a household's members in
    ``year``: the age and schooling of each member of compulsory-school age (their order does
    not matter: the reasons give counts and sorted ages), how many are not insured and how
    many have no insurance data. Households with the same key get the same member reasons, so
    the latest year's verdicts can be shared between households too."""
    school = []
    uninsured = unknown = 0
    for birth_year, status, insured in members:
        if school_ages is not None and school_ages[0] <= year - birth_year <= school_ages[1]:
            school.append((year - birth_year, status != _OUT_OF_SCHOOL))
        if insured is None:
            unknown += 1
        elif not insured:
            uninsured += 1
    school.sort()
    return tuple(school), uninsured, unknown


def _household_facts(
    row: list[str], previous: list[str] | None, members, latest: bool, with_checklist: bool
) -> HouseholdFacts:
    year = int(row[10])
    exit_year = int(row[3]) if row[3] else None
    # The status in that year: exited from the exit year on; "monitored" stays monitored.
    if exit_year is not None and exit_year <= year:
        status = "monitored" if row[4] == "monitored" else "exited"
    else:
        status = "poor"
    states = tuple(row[13:19])
    if states == _ALL_MET_ROW:
        guarantees = GUARANTEES_ALL_MET
    elif row[13]:
        guarantees = _GUARANTEE_MAPS.get(states)
        if guarantees is None:  # one read-only mapping per combination of states
            guarantees = _GUARANTEE_MAPS[states] = MappingProxyType(
                dict(zip(GUARANTEE_ITEMS, states, strict=True))
            )
    else:
        guarantees = None
    checklist = _NO_FACTS
    if with_checklist:
        checklist = {
            "has_living_power": _bool(row[6]),
            "has_broadcast_tv": _bool(row[7]),
            "has_production_power": _bool(row[8]),
            "has_sanitary_toilet": _bool(row[9]),
            "water_litres_per_day": _decimal(row[19]),
            "water_quality_ok": _bool(row[20]),
            "water_trip_minutes": _decimal(row[21]),
            "water_reliability_pct": _decimal(row[22]),
        }
    member_facts = None
    if latest:
        # Members are kept as they are now: they describe the latest data year only.
        member_facts = [
            MemberFacts(
                age=year - birth_year,
                in_school=school != _OUT_OF_SCHOOL,
                medical_insured=insured,
            )
            for birth_year, school, insured in members
        ]
    prev_pc = prev_net = None
    if previous is not None and int(previous[10]) == year - 1:
        prev_pc = _decimal(previous[11])
        prev_net = _decimal(previous[12])
    return HouseholdFacts(
        year=year,
        division_code=row[1],
        per_capita_net_income=_decimal(row[11]),
        identified_year=int(row[2]) if row[2] else None,
        guarantees=guarantees,
        housing_grade=row[5] if latest else "",
        members=member_facts,
        checklist=checklist,
        status=status,
        previous_per_capita_net_income=prev_pc,
        previous_net_income=prev_net,
    )


def _stream(sql: str, params: dict) -> list[str]:
    """The CSV lines of a query's result. (Read as bytes and split: a StringIO would hold the
    text as 4 bytes a character, ~15 MB a batch.)"""
    buffer = io.BytesIO()
    with transaction.atomic(), connection.cursor() as cursor:
        # A batch's household-years are sorted by household and year: in memory (a few MB),
        # not in a temporary file as with the default 4 MB. This transaction only (no session
        # SET: see docs/deployment.md on pgbouncer).
        cursor.execute("SET LOCAL work_mem = '32MB'")
        query = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    # no field of the stream holds a line break (ids, codes, numbers, states)
    return buffer.getvalue().decode().splitlines(keepends=True)


def _batch_read(
    batch: dict, prefix: str, statistics: bool = False
) -> tuple[dict[int, list], list[str], list | None]:
    """The active members and the household-year stream of one batch of households, and with
    ``statistics`` what the village statistics read of its households (_STATS_HOUSEHOLDS_SQL;
    a full run only: one id range, every village)."""
    where = _IDS if "ids" in batch else _RANGE
    params = {**batch, "like": _like(prefix)}
    members: dict[int, list] = {}
    households = None
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERS_SQL.format(where=where), params)
        for household_id, birth_year, school, insured in cursor.fetchall():
            members.setdefault(household_id, []).append((birth_year, school, insured))
        if statistics:
            cursor.execute(_STATS_HOUSEHOLDS_SQL, params)
            households = cursor.fetchall()
    sql = _STREAM_SQL.format(
        household_where=where.replace("household_id", "id"),
        prefix_where="AND village_code LIKE %(like)s" if prefix else "",
        where=where,
    )
    return members, _stream(sql, params), households


# Reason parameters that every readiness row holds in its own columns: left out of the
# stored reasons and put back when they are read (HouseholdReadiness.reason_list).
ROW_FIGURES = frozenset({"year", "income", "line"})


def _reasons_json(reasons, cache: dict) -> str:
    """The stored form of a row's reasons; identical reasons are encoded once per run."""
    parts = []
    for reason in reasons:
        params = reason.params
        if not params or params.keys() <= ROW_FIGURES:
            rest = ()
        else:
            rest = tuple(kv for kv in params.items() if kv[0] not in ROW_FIGURES)
        key = (reason.code, reason.severity, reason.veto, reason.item, reason.unconfirmed,
               reason.template, rest)  # fmt: skip
        part = cache.get(key)
        if part is None:
            data = reason.stored()
            if rest:
                data["p"] = dict(rest)
            else:
                data.pop("p", None)
            if len(cache) > 200_000:
                cache.clear()
            part = cache[key] = _json(data)
        parts.append(part)
    return "[" + ",".join(parts) + "]"


def reason_set_id(text: str) -> int:
    """The id of a reason set (assessment.models.ReasonSet): a 64-bit hash of its JSON text, so
    that every process assigns the same id without asking the database. (Two different lists
    share an id with a probability of about n² / 2⁶⁵ for n distinct lists: ~10⁻¹³ for the few
    thousand a registry produces.)"""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _csv_text(value: str) -> str:
    """A text field of a CSV line, always quoted (JSON holds commas and quotes)."""
    return '"' + value.replace('"', '""') + '"'


_MEMO_LIMIT = 200_000


def _readiness_tail(verdict, ctx: _Context) -> str:
    """The columns of a readiness line that do not depend on the income (see _batch_compute)."""
    reasons = _reasons_json(verdict.reasons, ctx.reason_cache) if verdict.reasons else "[]"
    line = verdict.figures["line"]
    return ",".join(
        (
            "t" if verdict.eligible else "f",
            verdict.outcome,
            "" if line is None else str(line),
            str(ctx.reason_set(reasons)),
        )
    )


def _flag_tails(flags) -> tuple[str, ...]:
    """The columns of the flag lines after the household, place and year."""
    return tuple(
        ",".join(
            (
                flag.code,
                flag.item,
                "t" if flag.unconfirmed else "f",
                _csv_text(_json(dict(flag.params or {}))),
            )
        )
        for flag in flags
    )


def _batch_compute(
    ctx: _Context,
    members: dict[int, list],
    stream: Iterable[str],
    only_year: int | None,
    assessed: list | None = None,
) -> tuple[list[str], list[str]]:
    """(readiness lines, flag lines) — CSV for COPY — of every household-year of one batch.

    The verdicts are those of the pure rules (``household_exit_verdict`` and
    ``household_monitoring_flags``), worked out once per distinct set of inputs: household-years
    of the same standards view with the same identified-year check, house grade, member facts
    (``_members_key``), guarantee states, checklist facts and the same side of the income line share their
    readiness columns (the stored reasons leave the income, line and year out: ROW_FIGURES).
    Monitoring flags are shared the same way when no income flag is raised; a household-year
    below the monitoring line or with a sharp drop is judged by the rule function itself.
    tests/assessment/test_recompute_fast.py compares this with the plain rule functions.

    ``assessed``: when given, gets (household id as text, year, household size as text,
    eligible, monitor, guarantees met) of each readiness row, for _village_parts.
    """
    readiness: list[str] = []
    flags: list[str] = []
    memo = ctx.verdict_memo
    flag_memo = ctx.flag_memo
    canonical = ctx.canonical
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
        canonical.clear()
    if len(flag_memo) > _MEMO_LIMIT:
        flag_memo.clear()
    info_of = ctx.info
    for household_id, group in groupby(csv.reader(stream), itemgetter(0)):
        rows = list(group)
        household_members = members.get(int(household_id), ())
        previous = None
        last = len(rows) - 1
        for index, row in enumerate(rows):
            year_text = row[10]
            year = int(year_text)
            if only_year is not None and year != only_year:
                previous = row
                continue
            code = row[1]
            info = info_of(code, year)
            income_text = row[11]
            income = Decimal(income_text) if income_text else None
            line = info.line
            if line is None:
                side = 0
            elif income is None:
                side = 1
            else:
                side = 2 if income > line else 3 if income == line else 4
            if info.can_exit_checked:
                identified = row[2]
                identified_key = int(identified) >= year if identified else None
            else:
                identified_key = 0
            latest = index == last
            key = (
                info.view,
                year,
                side,
                identified_key,
                tuple(row[13:19]),
                (row[5], _members_key(household_members, year, info.school_ages))
                if latest
                else None,
                tuple(row[6:10] + row[19:23]) if info.with_checklist else None,
            )
            facts = None
            tail = memo.get(key)
            if tail is None:
                facts = _household_facts(row, previous, household_members, latest,
                                         info.with_checklist)  # fmt: skip
                tail = _readiness_tail(household_exit_verdict(facts, info.view), ctx)
                # Kept with one shared object per distinct states, members and checklist part
                # (not the strings of the row that was judged first): ~4× less memory a key.
                view, key_year, side, identified_key, states, household, checklist = key
                tail = canonical.setdefault(tail, tail)
                memo[
                    (
                        view, canonical.setdefault(key_year, key_year), side, identified_key,
                        canonical.setdefault(states, states),
                        None if household is None else canonical.setdefault(household, household),
                        None if checklist is None else canonical.setdefault(checklist, checklist),
                    )
                ] = tail  # fmt: skip
            flag_tails = ()
            exit_year = row[3]
            if exit_year and int(exit_year) <= year:  # exited or monitored that year
                below = (
                    info.monitoring_line is not None
                    and income is not None
                    and income < info.monitoring_line
                )
                drop = False
                if (
                    info.drop is not None
                    and income is not None
                    and previous is not None
                    and previous[11]
                    and int(previous[10]) == year - 1
                ):
                    before = Decimal(previous[11])
                    drop = before > 0 and (before - income) / before >= info.drop
                if below or drop:
                    if facts is None:
                        facts = _household_facts(row, previous, household_members, latest,
                                                 info.with_checklist)  # fmt: skip
                    flag_tails = _flag_tails(household_monitoring_flags(facts, info.view))
                else:
                    # No income flag: the flags depend on the year and guarantee states only.
                    flag_key = (year, tuple(row[13:19]))
                    flag_tails = flag_memo.get(flag_key)
                    if flag_tails is None:
                        if facts is None:
                            facts = _household_facts(row, previous, household_members, latest,
                                                     info.with_checklist)  # fmt: skip
                        flag_tails = flag_memo[flag_key] = _flag_tails(
                            household_monitoring_flags(facts, info.view)
                        )
            head = f"{household_id},{code},{year_text}"
            met = "t" if _MET_STATES.issuperset(row[13:19]) else "f"
            readiness.append(
                f"{head},{income_text},{'t' if flag_tails else 'f'},{tail},{row[23]},{met}\n"
            )
            if assessed is not None:
                assessed.append(
                    (household_id, year, row[23], tail[0] == "t", bool(flag_tails), met == "t")
                )
            for flag_tail in flag_tails:
                flags.append(f"{head},{flag_tail}\n")
            previous = row
    return readiness, flags


# What the village statistics (see _VILLAGE_STATS_SQL, which this must match) read of each
# household of a batch besides its readiness rows and members: the first and last year that
# ends with a helper paired (first start ≤ 31 Dec ≤ last end, no end = still paired), and the
# years with a visit.
_STATS_HOUSEHOLDS_SQL = """
SELECT h.id, h.village_code, h.identified_year, h.exit_year, p.first_year, p.last_year, v.years
FROM households_household h
LEFT JOIN (
    SELECT household_id, min(extract(year FROM start_date))::int AS first_year,
           max(coalesce(extract(year FROM end_date + 1)::int - 1, 9999)) AS last_year
    FROM assistance_cadrepairing WHERE household_id > %(lo)s AND household_id <= %(hi)s
    GROUP BY household_id
) p ON p.household_id = h.id
LEFT JOIN (
    SELECT household_id, array_agg(DISTINCT extract(year FROM visited_on)::int) AS years
    FROM assistance_visit WHERE household_id > %(lo)s AND household_id <= %(hi)s
    GROUP BY household_id
) v ON v.household_id = h.id
WHERE h.id > %(lo)s AND h.id <= %(hi)s AND NOT h.is_deleted
"""
_PARTS_TABLE = "assessment_villagestatistic_parts"
_PARTS_COLUMNS = (
    "village_code, year, households, people, exited_households, exited_people, "
    "remaining_households, remaining_people, ready_households, assessed_households, "
    "guarantee_met_households, monitored_households, paired_households, visited_households"
)
_NO_YEARS: dict = {}


def _village_parts(
    households: list[tuple], members: dict[int, list], assessed: list[tuple], last_year: int
) -> list[str]:
    """One batch's share of the village statistics, as CSV lines for _PARTS_TABLE: per
    village and year, the counts _VILLAGE_STATS_SQL makes of the batch's household-years
    (every year from the identified year to ``last_year``, the latest year with a readiness
    row; a year without its own readiness row counts the active members as its size)."""
    by_household: dict[int, dict[int, tuple]] = {}
    for household_id, year, size, eligible, monitor, met in assessed:
        years = by_household.get(household_id)
        if years is None:
            years = by_household[household_id] = {}
        years[year] = (int(size) if size else None, eligible, monitor, met)
    sums: dict[tuple[str, int], list[int]] = {}
    for household_id, village, identified, exit_year, paired_from, paired_to, visits in households:
        if identified is None or identified > last_year:
            continue
        rows = by_household.get(str(household_id), _NO_YEARS)
        members_count = len(members.get(household_id, ()))
        exited_from = 9999 if exit_year is None else exit_year
        if paired_from is None:
            paired_from, paired_to = 1, 0
        visited_years = visits or ()
        for year in range(identified, last_year + 1):
            row = rows.get(year)
            key = (village, year)
            total = sums.get(key)
            if total is None:
                total = sums[key] = [0] * 12
            if row is None:
                size = members_count
            else:
                size = members_count if row[0] is None else row[0]
                total[7] += 1
                if row[3]:
                    total[8] += 1
                if row[2]:
                    total[9] += 1
            total[0] += 1
            total[1] += size
            if year >= exited_from:
                total[2] += 1
                total[3] += size
            else:
                total[4] += 1
                total[5] += size
                if row is not None and row[1]:
                    total[6] += 1
            if paired_from <= year <= paired_to:
                total[10] += 1
            if year in visited_years:
                total[11] += 1
    return [
        f"{village},{year},{','.join(map(str, total))}\n" for (village, year), total in sums.items()
    ]


def _batch_write(
    batch: dict,
    prefix: str,
    year: int | None,
    readiness: list[str],
    flags: list[str],
    reason_sets: dict[int, str],
    fresh: bool = False,
    parts: list[str] | None = None,
) -> None:
    """Replace the batch's rows: one DELETE and one COPY per table, in one transaction (after
    adding the reason sets this process has not written yet). ``fresh``: a full run writing
    into the empty tables that replace the old ones at the end (see _households_swap): no
    DELETE. ``parts``: the batch's share of the village statistics (_village_parts)."""
    if "ids" in batch:
        where = _IDS
    elif prefix:
        where = (
            f"{_RANGE} AND household_id IN (SELECT id FROM households_household "
            "WHERE id > %(lo)s AND id <= %(hi)s AND village_code LIKE %(like)s)"
        )
    else:
        where = _RANGE
    year_sql = "" if year is None else " AND year = %(year)s"
    params = {**batch, "year": year, "like": _like(prefix)}
    with transaction.atomic(), connection.cursor() as cursor:
        _reason_sets_write(cursor, reason_sets)
        suffix = _FRESH if fresh else ""
        if not fresh:
            for table in (_READINESS_TABLE, _FLAG_TABLE):
                cursor.execute(f"DELETE FROM {table} WHERE {where}{year_sql}", params)
        _copy_in(cursor, _READINESS_TABLE + suffix, _READINESS_COLUMNS, readiness)
        _copy_in(cursor, _FLAG_TABLE + suffix, _FLAG_COLUMNS, flags, "item")
        if parts is not None:
            _copy_in(cursor, _PARTS_TABLE, _PARTS_COLUMNS, parts)


def _reason_sets_write(cursor, reason_sets: dict[int, str]) -> None:
    """Add reason sets that may be new (in id order: two workers never wait on each other)."""
    if not reason_sets:
        return
    ids = sorted(reason_sets)
    cursor.execute(
        "INSERT INTO assessment_reasonset (id, reasons) "
        "SELECT * FROM unnest(%s::bigint[], %s::jsonb[]) ON CONFLICT (id) DO NOTHING",
        [ids, [reason_sets[i] for i in ids]],
    )


def _copy_in(cursor, table: str, columns: str, lines: list[str], not_null: str = "") -> None:
    """COPY CSV lines in; an empty field is NULL unless its column is in ``not_null``."""
    if not lines:
        return
    # bytes: a StringIO holds its text as 4 bytes a character
    buffer = io.BytesIO("".join(lines).encode())
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({not_null})" if not_null else "")
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH ({options})", buffer)


def _batches(prefix: str, batch_size: int, ids: list[int] | None):
    """Batches of households: given ids in chunks, or consecutive id ranges (keyset)."""
    if ids is not None:
        ordered = sorted(set(ids))
        for start in range(0, len(ordered), batch_size):
            yield (
                {"ids": ordered[start : start + batch_size]},
                min(batch_size, len(ordered) - start),
            )
        return
    where = "id > %s" + (" AND village_code LIKE %s" if prefix else "")
    last = 0
    with connection.cursor() as cursor:
        while True:
            params = [last, _like(prefix)] if prefix else [last]
            cursor.execute(
                f"SELECT max(id), count(*) FROM (SELECT id FROM households_household "
                f"WHERE {where} ORDER BY id LIMIT %s) batch",
                [*params, batch_size],
            )
            high, count = cursor.fetchone()
            if not count:
                return
            yield {"lo": last, "hi": high}, count
            last = high


def households_recompute(
    *,
    region_code: str = "",
    year: int | None = None,
    household_ids: list[int] | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    context: _Context | None = None,
    pipeline: bool = True,
    workers: int | None = None,
    swap: bool | None = None,
    village_statistics: bool = False,
    set_based: bool | None = None,
) -> RecomputeResult:
    """Readiness and monitoring flags of every household-year in scope, replaced batch by batch.

    With a region, the rows of that region's households are replaced; without one, the rows of
    each id range are (so rows of purged households disappear too).

    ``swap`` (by default: for a full run — every household, every year — outside a
    transaction): write every row into new empty tables and put them in place of the old ones
    at the end (see _households_swap) instead of replacing the rows batch by batch.

    ``pipeline``: read the next batch and write the previous one in two helper threads (each
    with its own database connection) while this thread judges the current one, so that the
    database and Python work at the same time. Inside an open transaction (a test, a caller's
    atomic block) everything runs in this thread, on this connection.

    ``workers``: with more than one (default ``ASSESSMENT_RECOMPUTE_WORKERS``, 1), the batches
    are shared out round-robin between that many forked processes, each running the pipeline
    above on its own connections; the rules are pure Python, so this is what uses a second
    core. Only outside a transaction and outside a daemonic process (a Celery prefork child
    may not have children): there it falls back to one process.

    ``set_based`` (default ``ASSESSMENT_RECOMPUTE_SET_BASED``, off): a swapped full run
    judges each distinct set of inputs once, keyed in PostgreSQL (_households_set_based),
    instead of streaming every household-year through Python. Same rows; on the 2-core
    machine it moved ~15 s of CPU from Python to PostgreSQL and took longer (docs/PERFORMANCE.md,
    issue 7, session 5), so the batch path stays the default.

    ``village_statistics``: on a swapped full run, also write each batch's share of the
    village statistics (_village_parts) for statistics_recompute(from_parts=True); the result's
    ``village_parts`` says whether it was done.
    """
    prefix = code_prefix(region_code) if region_code else ""
    if workers is None:
        workers = int(getattr(settings, "ASSESSMENT_RECOMPUTE_WORKERS", 1))
    if swap is None:
        swap = not prefix and year is None and household_ids is None and context is None
    if swap and pipeline and not connection.in_atomic_block and _swappable():
        if set_based is None:
            set_based = bool(getattr(settings, "ASSESSMENT_RECOMPUTE_SET_BASED", False))
        return _households_swap(progress, batch_size, workers, village_statistics, set_based)
    if (
        workers > 1
        and pipeline
        and not connection.in_atomic_block
        and not multiprocessing.current_process().daemon
    ):
        return _households_parallel(prefix, year, household_ids, progress, batch_size, workers)
    ctx = context or _Context()
    result = RecomputeResult()
    total = _households_total(prefix, household_ids)
    batches = list(_batches(prefix, batch_size, household_ids))
    _run_batches(ctx, prefix, year, batches, result, total, progress, pipeline)
    return result


def _run_batches(
    ctx, prefix, year, batches, result, total, progress, pipeline, fresh=False, stats_to=None
) -> None:
    """Judge and write the given batches: in this thread, or pipelined (see above).
    ``stats_to``: also write each batch's share of the village statistics up to that year
    (a full run, see _households_swap)."""
    statistics = stats_to is not None

    def judge(members, stream, households) -> tuple[list, list, list | None]:
        assessed = [] if statistics else None
        readiness, flags = _batch_compute(ctx, members, stream, year, assessed)
        parts = None
        if statistics:
            parts = _village_parts(households, members, assessed, stats_to)
        return readiness, flags, parts

    def account(count: int, readiness: list, flags: list) -> None:
        result.households += count
        result.household_years += len(readiness)
        result.flags += len(flags)
        if progress is not None:
            progress(result.households, total)

    if not pipeline or connection.in_atomic_block:
        for batch, count in batches:
            readiness, flags, parts = judge(*_batch_read(batch, prefix, statistics))
            sets = ctx.take_unsaved_reason_sets()
            _batch_write(batch, prefix, year, readiness, flags, sets, fresh, parts)
            account(count, readiness, flags)
        return

    reads: queue.Queue = queue.Queue(maxsize=1)
    writes: queue.Queue = queue.Queue(maxsize=1)
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            for batch, count in batches:
                if stop.is_set():
                    break
                reads.put((batch, count, *_batch_read(batch, prefix, statistics)))
        except BaseException as exc:  # handed to the main thread
            failures.append(exc)
        finally:
            reads.put(None)
            connection.close()

    def writer() -> None:
        try:
            while (item := writes.get()) is not None:
                if not failures:
                    _batch_write(*item)
        except BaseException as exc:
            failures.append(exc)
            stop.set()
            while writes.get() is not None:  # drain, so the main thread never blocks
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, daemon=True), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    reader_done = False
    try:
        while True:
            item = reads.get()
            if item is None:
                reader_done = True
                break
            batch, count, members, stream, households = item
            readiness, flags, parts = judge(members, stream, households)
            sets = ctx.take_unsaved_reason_sets()
            writes.put((batch, prefix, year, readiness, flags, sets, fresh, parts))
            account(count, readiness, flags)
            if failures:
                break
    finally:
        stop.set()
        writes.put(None)
        while not reader_done:  # let a reader blocked on a full queue finish
            reader_done = reads.get() is None
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def _worker(
    ctx, prefix, year, batches, total, channel, fresh=False, start=None, stats_to=None
) -> None:
    """A forked worker: its share of the batches, reporting each one to the parent (after the
    parent says ``start``, when given)."""
    try:
        if start is not None and not start.wait(timeout=600):
            raise RuntimeError("the recomputation did not start")
        result = RecomputeResult()

        def report(done: int, _total: int) -> None:
            channel.put(
                ("batch", result.households, result.household_years, result.flags, os.getpid())
            )

        _run_batches(ctx, prefix, year, batches, result, total, report, True, fresh, stats_to)
        channel.put(("done", 0, 0, 0, os.getpid()))
    except BaseException as exc:
        channel.put(("error", f"{type(exc).__name__}: {exc}", 0, 0, os.getpid()))
    finally:
        connection.close()


def _households_parallel(
    prefix,
    year,
    household_ids,
    progress,
    batch_size,
    workers,
    fresh=False,
    started=None,
    stats_to=None,
):
    """The batches shared out between forked workers. ``started``: called in the parent once
    the children exist and before they begin (a full run takes its lock there)."""
    from django.db import connections

    ctx = _Context()
    result = RecomputeResult()
    total = _households_total(prefix, household_ids)
    batches = list(_batches(prefix, batch_size, household_ids))
    workers = max(1, min(workers, len(batches)))
    connections.close_all()  # a forked child must not share the parent's connection
    fork = multiprocessing.get_context("fork")
    channel = fork.Queue()
    start = fork.Event() if started is not None else None
    children = [
        fork.Process(
            target=_worker,
            args=(
                ctx,
                prefix,
                year,
                batches[index::workers],
                total,
                channel,
                fresh,
                start,
                stats_to,
            ),
        )
        for index in range(workers)
    ]
    for child in children:
        child.start()
    if start is not None:
        try:
            started()
        except BaseException:
            for child in children:
                child.terminate()
                child.join()
            raise
        start.set()
    latest = [(0, 0, 0)] * workers
    pending = dict.fromkeys(range(workers))
    error = None
    by_pid = {child.pid: index for index, child in enumerate(children)}
    try:
        while pending:
            try:
                kind, a, b, c, pid = channel.get(timeout=5)
            except queue.Empty:
                dead = [i for i in pending if not children[i].is_alive()]
                if dead and channel.empty():
                    error = error or "a recomputation worker died"
                    for i in dead:
                        pending.pop(i, None)
                continue
            index = by_pid[pid]
            if kind == "batch":
                latest[index] = (a, b, c)
                if progress is not None:
                    progress(sum(x[0] for x in latest), total)
            else:
                pending.pop(index, None)
                if kind == "error":
                    error = error or a
    finally:
        for child in children:
            child.join()
    result.households = sum(x[0] for x in latest)
    result.household_years = sum(x[1] for x in latest)
    result.flags = sum(x[2] for x in latest)
    if error:
        raise RuntimeError(error)
    return result


_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(x.indexrelid), c.conname, pg_get_constraintdef(c.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint c
  ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x')
WHERE x.indrelid = %s::regclass
ORDER BY i.relname
"""


_INDEX_DEFINITION = re.compile(r"(CREATE (?:UNIQUE )?INDEX) \S+ ON (?:ONLY )?\S+ (USING .*)")


def _swappable() -> bool:
    """Whether the output tables can be replaced whole: nothing refers to them or hangs on them
    (no foreign key either way, no trigger) that a new table would not carry over."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
            "        AND (conrelid = ANY(%(t)s::regclass[]) OR confrelid = ANY(%(t)s::regclass[])))"
            " + (SELECT count(*) FROM pg_trigger "
            "    WHERE tgrelid = ANY(%(t)s::regclass[]) AND NOT tgisinternal)",
            {"t": [_READINESS_TABLE, _FLAG_TABLE]},
        )
        return cursor.fetchone()[0] == 0


_LAST_YEAR_SQL = """
SELECT max(year) FROM (
    SELECT max(a.year) AS year FROM households_annualincome a
    JOIN households_household h ON h.id = a.household_id AND NOT h.is_deleted
    UNION ALL
    SELECT max(g.year) FROM households_guaranteestatus g
    JOIN households_household h ON h.id = g.household_id AND NOT h.is_deleted
) y
"""


def _households_swap(
    progress, batch_size: int, workers: int, statistics: bool = False, set_based: bool = False
) -> RecomputeResult:
    """A full run: every row is written into new tables without indexes (``…_fresh``, made
    LIKE the old ones: columns, defaults, checks, identity), whose indexes and keys are built
    once at the end; then, in one transaction, the old tables are dropped and the new ones take
    their names and the names of their indexes, keys and sequence.

    Loading unindexed tables and indexing them once is several times cheaper than the batch
    path's DELETE of every old row and COPY into indexed tables, and leaves no dead rows.
    Readers see the old rows until the swap and all the new ones after it, never a mix. From
    before the first batch is read until the swap, this run holds a SHARE lock on the old tables:
    readers go on, but a recomputation of changed households waits for the swap and then writes
    into the new tables (so no change made meanwhile is lost). A run that fails leaves the old
    tables as they were (the next one drops the leftover new tables).

    ``statistics``: the batches also write their shares of the village statistics into an
    unlogged table (_PARTS_TABLE) for statistics_recompute(from_parts=True), up to the latest
    year that will have a readiness row (the last year of _VILLAGE_STATS_SQL).
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    tables = (_READINESS_TABLE, _FLAG_TABLE)
    stats_to = None
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_PARTS_TABLE}")
        if statistics and not set_based:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {_PARTS_TABLE} (village_code varchar(12) NOT NULL, "
                "year integer NOT NULL, households integer NOT NULL, people integer NOT NULL, "
                "exited_households integer NOT NULL, exited_people integer NOT NULL, "
                "remaining_households integer NOT NULL, remaining_people integer NOT NULL, "
                "ready_households integer NOT NULL, assessed_households integer NOT NULL, "
                "guarantee_met_households integer NOT NULL, "
                "monitored_households integer NOT NULL, paired_households integer NOT NULL, "
                "visited_households integer NOT NULL)"
            )
            cursor.execute(_LAST_YEAR_SQL)
            stats_to = cursor.fetchone()[0]
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}{_FRESH}")
            cursor.execute(
                f"CREATE TABLE {table}{_FRESH} (LIKE {table} INCLUDING ALL EXCLUDING INDEXES)"
            )
        # flag ids go on from the old table's sequence
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [_FLAG_TABLE, _FLAG_TABLE + _FRESH],
        )
        old_sequence, new_sequence = cursor.fetchone()
        cursor.execute(
            f"SELECT setval(%s, (SELECT last_value FROM {old_sequence}))", [new_sequence]
        )
    swapper = connections.create_connection(DEFAULT_DB_ALIAS)

    def lock() -> None:
        swapper.set_autocommit(False)
        with swapper.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")

    try:
        if set_based:
            lock()
            result = _households_set_based(progress, _households_total("", None), statistics)
        elif workers > 1 and not multiprocessing.current_process().daemon:
            result = _households_parallel(
                "", None, None, progress, batch_size, workers, fresh=True, started=lock,
                stats_to=stats_to,
            )  # fmt: skip
        else:
            lock()
            result = RecomputeResult()
            batches = list(_batches("", batch_size, None))
            _run_batches(_Context(), "", None, batches, result, _households_total("", None),
                         progress, True, True, stats_to)  # fmt: skip
        result.village_parts = statistics
        with swapper.cursor() as cursor:
            _swap_tables(cursor, tables, old_sequence)
        swapper.commit()
    except BaseException:
        if swapper.connection is not None:
            swapper.rollback()
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {table}{_FRESH}")
            cursor.execute(f"DROP TABLE IF EXISTS {_PARTS_TABLE}")
            _sb_drop(cursor)
        raise
    finally:
        swapper.close()
    return result


def _swap_tables(cursor, tables: tuple[str, ...], sequence: str) -> None:
    """Index the new tables like the old ones, then put them in their place (one transaction)."""
    # Building an index sorts the whole table: in memory rather than in temporary files.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    renames = []
    for table in tables:
        fresh = table + _FRESH
        cursor.execute(_INDEXES_SQL, [table])
        for index, definition, constraint, constraint_definition in cursor.fetchall():
            temporary = index[:57] + "_fresh"
            if constraint:
                cursor.execute(
                    f"ALTER TABLE {fresh} ADD CONSTRAINT {temporary} {constraint_definition}"
                )
                renames.append(f"ALTER TABLE {table} RENAME CONSTRAINT {temporary} TO {constraint}")
            else:
                match = _INDEX_DEFINITION.fullmatch(definition)
                cursor.execute(f"{match[1]} {temporary} ON {fresh} {match[2]}")
                renames.append(f"ALTER INDEX {temporary} RENAME TO {index}")
    # The old tables go: wait for the readers of the moment, not forever.
    cursor.execute("SET LOCAL lock_timeout = '60s'")
    for table in tables:
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {table}{_FRESH} RENAME TO {table}")
    for statement in renames:
        cursor.execute(statement)
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [_FLAG_TABLE])
    current = cursor.fetchone()[0]
    if current != sequence:
        cursor.execute(f"ALTER SEQUENCE {current} RENAME TO {sequence.rpartition('.')[2]}")


def _households_total(prefix: str, household_ids: list[int] | None) -> int:
    if household_ids is not None:
        return len(set(household_ids))
    with connection.cursor() as cursor:
        if prefix:
            cursor.execute(
                "SELECT count(*) FROM households_household WHERE village_code LIKE %s",
                [_like(prefix)],
            )
        else:
            cursor.execute("SELECT count(*) FROM households_household")
        return cursor.fetchone()[0]


# --- a full run, set-based ---------------------------------------------------------------------
#
# A full run (every household, every year) does not stream every household-year through Python:
# PostgreSQL works out, per household-year, the key of everything the verdict reads (the same
# parts as the memo of _batch_compute), and Python judges one household-year per distinct key
# with the rule functions; the verdicts go back as a key → columns table that one INSERT … SELECT
# joins to the household-years. Household-years whose monitoring flags carry their own income
# figures (exited or monitored, below the monitoring line or a possible sharp drop) are judged
# one by one as in _batch_compute. tests/assessment/test_recompute_setbased.py compares every
# stored row with the rule functions.

_SB = "assessment_recompute_"  # prefix of the scratch tables (unlogged, dropped at the end)
_SB_TABLES = ("villages", "views", "latest", "members", "households", "rows", "verdicts",
              "flagkeys", "flagdefs", "residual", "pairs", "visits", "judge")  # fmt: skip

_SB_LATEST_SQL = f"""
CREATE UNLOGGED TABLE {_SB}latest AS
SELECT household_id, max(year) AS year FROM (
    SELECT household_id, year FROM households_annualincome
    UNION ALL SELECT household_id, year FROM households_guaranteestatus
) y GROUP BY household_id
"""

# Per household with active members: how many (the statistics' size of a year without an
# income record), and what the member checks read of them in the household's latest year (see
# _members_key): the age and schooling of each member of compulsory-school age, sorted; how
# many are not insured; how many have no insurance data.
_SB_MEMBERS_SQL = f"""
CREATE UNLOGGED TABLE {_SB}members AS
SELECT m.household_id, count(*) AS n,
       string_agg((l.year - m.birth_year)::text || CASE WHEN m.in_school THEN 't' ELSE 'f' END,
                  ',' ORDER BY l.year - m.birth_year, m.in_school)
           FILTER (WHERE l.year - m.birth_year BETWEEN v.age_min AND v.age_max) AS school,
       count(*) FILTER (WHERE NOT m.insured) AS uninsured,
       count(*) FILTER (WHERE m.insured IS NULL) AS unknown
FROM (SELECT household_id, extract(year FROM birth_date)::int AS birth_year,
             school_status IS DISTINCT FROM '{_OUT_OF_SCHOOL}' AS in_school,
             has_resident_medical_insurance OR has_employee_medical_insurance AS insured
      FROM households_member WHERE is_active) m
JOIN households_household h ON h.id = m.household_id AND NOT h.is_deleted
LEFT JOIN {_SB}latest l ON l.household_id = m.household_id
LEFT JOIN {_SB}views v ON v.village_code = h.village_code AND v.year = l.year
GROUP BY m.household_id
"""

# One row per household with its village's number (for a one-column join to the views), its
# latest year and what the member checks read then.
_SB_HOUSEHOLDS_SQL = f"""
CREATE UNLOGGED TABLE {_SB}households AS
SELECT h.id, h.village_code, n.village_no, h.identified_year, h.exit_year, h.house_grade,
       h.has_living_power, h.has_broadcast_tv, h.has_production_power, h.has_sanitary_toilet,
       l.year AS latest_year, coalesce(m.n, 0) AS members, m.school, m.uninsured, m.unknown
FROM households_household h
JOIN {_SB}villages n ON n.village_code = h.village_code
LEFT JOIN {_SB}latest l ON l.household_id = h.id
LEFT JOIN {_SB}members m ON m.household_id = h.id
WHERE NOT h.is_deleted
"""

_U = "chr(31)"  # separates the parts of a key (no field holds a control character)
_STATES = ("food", "clothing", "education", "medical", "housing", "water")
_FLAG_KEY = f"concat_ws({_U}, r.year, " + ", ".join(f"coalesce(r.{s}, '')" for s in _STATES) + ")"

# Every household-year with the columns of its readiness row and its keys:
# k  — what its verdict reads (the parts of the memo key of _batch_compute): standards view,
#      year, side of the income line, identified-year check, guarantee states (no record and an
#      empty state read the same), in the latest year the house grade and members, checklist
#      facts;
# fk — exited or monitored that year: what its monitoring flags read when no income flag is
#      raised (year, guarantee states); "residual" rows may raise an income flag (below the
#      monitoring line, or a drop from the previous year close to or above the limit: the
#      margin keeps every row _batch_compute would flag) and are judged one by one.
_SB_ROWS_SQL = f"""
CREATE UNLOGGED TABLE {_SB}rows AS
WITH y AS (
    SELECT i.household_id, i.year, i.per_capita_net_income, i.household_size,
           g.food, g.clothing, g.education, g.medical, g.housing, g.water,
           g.water_litres_per_day, g.water_quality_ok, g.water_trip_minutes,
           g.water_reliability_pct
    FROM households_annualincome i
    LEFT JOIN households_guaranteestatus g
      ON g.household_id = i.household_id AND g.year = i.year
    UNION ALL
    SELECT g.household_id, g.year, NULL, NULL, g.food, g.clothing, g.education, g.medical,
           g.housing, g.water, g.water_litres_per_day, g.water_quality_ok,
           g.water_trip_minutes, g.water_reliability_pct
    FROM households_guaranteestatus g
    WHERE NOT EXISTS (SELECT FROM households_annualincome i
                      WHERE i.household_id = g.household_id AND i.year = g.year)
), r AS (
    SELECT h.id, h.village_code, h.identified_year, h.house_grade, h.has_living_power,
           h.has_broadcast_tv, h.has_production_power, h.has_sanitary_toilet, h.school,
           h.uninsured, h.unknown, y.*, p.per_capita_net_income AS prev_pc,
           h.latest_year = y.year AS latest,
           h.exit_year IS NOT NULL AND h.exit_year <= y.year AS exited,
           v.view_no, v.line, v.can_exit_checked, v.with_checklist, v.monitoring_line, v.drop
    FROM y
    JOIN {_SB}households h ON h.id = y.household_id
    JOIN {_SB}views v ON v.vy = h.village_no * 10000 + y.year
    LEFT JOIN households_annualincome p
      ON p.household_id = y.household_id AND p.year = y.year - 1
)
SELECT r.id, r.village_code, r.year, r.per_capita_net_income, r.household_size, r.exited,
       r.exited AND r.per_capita_net_income IS NOT NULL AND (
           r.per_capita_net_income < r.monitoring_line
           OR (r.prev_pc > 0
               AND r.prev_pc - r.per_capita_net_income >= r.prev_pc * r.drop * 0.999999)
       ) IS TRUE AS residual,
       {" AND ".join(f"coalesce(r.{s} IN ('met', 'not_applicable'), false)" for s in _STATES)}
           AS met,
       concat_ws({_U}, r.view_no, r.year,
           CASE WHEN r.line IS NULL THEN 0 WHEN r.per_capita_net_income IS NULL THEN 1
                WHEN r.per_capita_net_income > r.line THEN 2
                WHEN r.per_capita_net_income = r.line THEN 3 ELSE 4 END,
           CASE WHEN NOT r.can_exit_checked THEN 0 WHEN r.identified_year >= r.year THEN 1
                WHEN r.identified_year < r.year THEN 2 ELSE 3 END,
           {", ".join(f"coalesce(r.{s}, '')" for s in _STATES)},
           CASE WHEN r.latest
                THEN concat_ws(chr(30), coalesce(r.house_grade, ''), coalesce(r.school, ''),
                               coalesce(r.uninsured, 0), coalesce(r.unknown, 0))
                ELSE '-' END,
           CASE WHEN r.with_checklist
                THEN concat_ws(chr(30), coalesce(r.has_living_power::int, 2),
                               coalesce(r.has_broadcast_tv::int, 2),
                               coalesce(r.has_production_power::int, 2),
                               coalesce(r.has_sanitary_toilet::int, 2),
                               coalesce(r.water_litres_per_day::text, ''),
                               coalesce(r.water_quality_ok::int, 2),
                               coalesce(r.water_trip_minutes::text, ''),
                               coalesce(r.water_reliability_pct::text, ''))
                ELSE '-' END) AS k,
       CASE WHEN r.exited THEN {_FLAG_KEY} END AS fk
FROM r
"""

_SB_STREAM = (
    "h.id, h.village_code, h.identified_year, h.exit_year, h.status, h.house_grade, "
    "h.has_living_power, h.has_broadcast_tv, h.has_production_power, h.has_sanitary_toilet, "
    "o.year, i.per_capita_net_income, i.net_income, g.food, g.clothing, g.education, "
    "g.medical, g.housing, g.water, g.water_litres_per_day, g.water_quality_ok, "
    "g.water_trip_minutes, g.water_reliability_pct, i.household_size, "
    "p.year, p.per_capita_net_income, p.net_income, o.latest"
)
# the active members of a household judged in its latest year (as _MEMBERS_SQL), as JSON
_SB_MEMBERS_JSON = """
CASE WHEN o.latest THEN (
    SELECT json_agg(json_build_array(extract(year FROM birth_date)::int, school_status,
                                     has_resident_medical_insurance
                                     OR has_employee_medical_insurance) ORDER BY id)
    FROM households_member WHERE household_id = o.id AND is_active
) END"""
# What Python judges, with the stream's 24 columns (as _STREAM_SQL) and the previous year's
# incomes: one household-year per verdict key (kind k), one per flag key among the rows
# without an income flag (kind f), and every residual row (kind r).
_SB_JUDGE_TABLE_SQL = f"""
CREATE UNLOGGED TABLE {_SB}judge AS
SELECT o.*, h.latest_year = o.year AS latest FROM (
    SELECT 'k' AS kind, k AS key, min(id) AS id, year FROM {_SB}rows GROUP BY k, year
    UNION ALL
    SELECT 'f', fk, min(id), year FROM {_SB}rows WHERE fk IS NOT NULL AND NOT residual
    GROUP BY fk, year
    UNION ALL
    SELECT 'r', fk, id, year FROM {_SB}rows WHERE residual
) o JOIN {_SB}households h ON h.id = o.id
"""
# (a few lookups per row to judge: by index, see _households_set_based)
_SB_TO_JUDGE_SQL = f"""
SELECT o.kind, o.key, {_SB_STREAM}, {_SB_MEMBERS_JSON}
FROM {_SB}judge o
JOIN households_household h ON h.id = o.id
LEFT JOIN households_annualincome i ON i.household_id = o.id AND i.year = o.year
LEFT JOIN households_guaranteestatus g ON g.household_id = o.id AND g.year = o.year
LEFT JOIN households_annualincome p ON p.household_id = o.id AND p.year = o.year - 1
"""

_SB_READINESS_SQL = f"""
INSERT INTO {_READINESS_TABLE}{_FRESH} ({_READINESS_COLUMNS})
SELECT r.id, r.village_code, r.year, r.per_capita_net_income,
       CASE WHEN NOT r.exited THEN false WHEN r.residual THEN x.monitor ELSE f.monitor END,
       v.eligible, v.outcome, v.income_line, v.reason_set_id, r.household_size, r.met
FROM {_SB}rows r
JOIN {_SB}verdicts v ON v.k = r.k
LEFT JOIN {_SB}flagkeys f ON NOT r.residual AND f.fk = r.fk
LEFT JOIN {_SB}residual x ON r.residual AND x.household_id = r.id AND x.year = r.year
"""

_SB_FLAGS_SQL = f"""
INSERT INTO {_FLAG_TABLE}{_FRESH} ({_FLAG_COLUMNS})
SELECT r.id, r.village_code, r.year, d.code, d.item, d.unconfirmed, d.params
FROM {_SB}rows r JOIN {_SB}flagdefs d ON d.fk = r.fk
WHERE NOT r.residual
"""


# The village statistics of a full run, as _VILLAGE_STATS_SQL (which this must match) counts
# them, from the new readiness rows: one share per village and year in _PARTS_TABLE, summed by
# statistics_recompute(from_parts=True). A CREATE TABLE … AS can use parallel workers (an
# INSERT … SELECT cannot), hence the scratch tables.
_SB_PAIRS_SQL = f"""
CREATE UNLOGGED TABLE {_SB}pairs AS
SELECT household_id, min(start_date) AS first_day,
       max(coalesce(end_date, 'infinity'::date)) AS last_day
FROM assistance_cadrepairing GROUP BY household_id
"""
_SB_VISITS_SQL = f"""
CREATE UNLOGGED TABLE {_SB}visits AS
SELECT DISTINCT household_id, extract(year FROM visited_on)::int AS year FROM assistance_visit
"""
_SB_PARTS_SQL = f"""
CREATE UNLOGGED TABLE {_PARTS_TABLE} AS
SELECT village_code, year,
       count(*) AS households, sum(size) AS people,
       count(*) FILTER (WHERE exited) AS exited_households,
       coalesce(sum(size) FILTER (WHERE exited), 0) AS exited_people,
       count(*) FILTER (WHERE NOT exited) AS remaining_households,
       coalesce(sum(size) FILTER (WHERE NOT exited), 0) AS remaining_people,
       count(*) FILTER (WHERE NOT exited AND eligible) AS ready_households,
       count(*) FILTER (WHERE assessed) AS assessed_households,
       count(*) FILTER (WHERE guaranteed) AS guarantee_met_households,
       count(*) FILTER (WHERE monitor) AS monitored_households,
       count(*) FILTER (WHERE paired) AS paired_households,
       count(*) FILTER (WHERE visited) AS visited_households
FROM (
    SELECT h.village_code, y.year, coalesce(h.exit_year, 9999) <= y.year AS exited,
           coalesce(r.household_size, h.members) AS size,
           r.household_id IS NOT NULL AS assessed,
           coalesce(r.eligible, false) AS eligible,
           coalesce(r.monitor, false) AS monitor,
           coalesce(r.guarantees_met, false) AS guaranteed,
           coalesce(p.first_day <= make_date(y.year, 12, 31)
                    AND p.last_day >= make_date(y.year, 12, 31), false) AS paired,
           v.household_id IS NOT NULL AS visited
    FROM {_SB}households h
    JOIN generate_series(%(y0)s::int, %(y1)s::int) y(year) ON h.identified_year <= y.year
    LEFT JOIN {_READINESS_TABLE}{_FRESH} r ON r.household_id = h.id AND r.year = y.year
    LEFT JOIN {_SB}pairs p ON p.household_id = h.id
    LEFT JOIN {_SB}visits v ON v.household_id = h.id AND v.year = y.year
) rows
GROUP BY village_code, year
"""


def _sb_parts(cursor) -> None:
    """The village statistics' shares (_SB_PARTS_SQL) over the years _year_range gives."""
    cursor.execute(
        "SELECT (SELECT min(identified_year) FROM households_household), "
        f"(SELECT max(year) FROM {_READINESS_TABLE}{_FRESH})"
    )
    first, last = cursor.fetchone()
    if first is None or last is None:
        first, last = 1, 0  # no village rows (as _year_range: None)
    cursor.execute(_SB_PAIRS_SQL)
    cursor.execute(_SB_VISITS_SQL)
    cursor.execute(f"ANALYZE {_SB}pairs, {_SB}visits")
    cursor.execute(_SB_PARTS_SQL, {"y0": first, "y1": max(first, last)})


def _sb_drop(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS " + ", ".join(_SB + t for t in _SB_TABLES))


def _sb_views(cursor, ctx: _Context) -> None:
    """The standards of every village and year the registry can have, as _ViewInfo columns
    (``vy``: the village's number × 10,000 + the year, a one-column join)."""
    cursor.execute("SELECT DISTINCT village_code FROM households_household WHERE NOT is_deleted")
    villages = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT least(i.first, g.first), greatest(i.last, g.last) "
        "FROM (SELECT min(year) AS first, max(year) AS last FROM households_annualincome) i, "
        "(SELECT min(year) AS first, max(year) AS last FROM households_guaranteestatus) g"
    )
    first, last = cursor.fetchone()
    cursor.execute(
        f"CREATE UNLOGGED TABLE {_SB}villages (village_code varchar(12) NOT NULL, "
        "village_no integer NOT NULL)"
    )
    cursor.execute(
        f"CREATE UNLOGGED TABLE {_SB}views (vy integer NOT NULL, village_code varchar(12) NOT NULL, "
        "year integer NOT NULL, view_no integer NOT NULL, line numeric, "
        "can_exit_checked boolean NOT NULL, with_checklist boolean NOT NULL, age_min numeric, "
        "age_max numeric, monitoring_line numeric, drop numeric)"
    )
    _copy_in(cursor, f"{_SB}villages", "village_code, village_no",
             [f"{code},{number}\n" for number, code in enumerate(villages)])  # fmt: skip
    if first is None:
        return
    numbers: dict[int, int] = {}
    lines = []
    for village_no, code in enumerate(villages):
        for year in range(first, last + 1):
            info = ctx.info(code, year)
            number = numbers.setdefault(id(info), len(numbers))
            ages = info.school_ages or ("", "")
            lines.append(
                f"{village_no * 10000 + year},{code},{year},{number},{info.line_text},"
                f"{'t' if info.can_exit_checked else 'f'},{'t' if info.with_checklist else 'f'},"
                f"{ages[0]},{ages[1]},{_text(info.monitoring_line)},{_text(info.drop)}\n"
            )
    _copy_in(cursor, f"{_SB}views", "vy, village_code, year, view_no, line, can_exit_checked, "
             "with_checklist, age_min, age_max, monitoring_line, drop", lines)  # fmt: skip
    cursor.execute(f"ANALYZE {_SB}villages, {_SB}views")


def _text(value) -> str:
    return "" if value is None else str(value)


class _Judge:
    """Judges the rows of _SB_TO_JUDGE_SQL as COPY streams them in (a file-like object for
    ``copy_expert``: it holds one chunk of lines at a time, not the whole result) with the rule
    functions, and collects what goes back: verdict lines (key → readiness columns), flag-key
    lines (key → whether any flag), flag-definition lines (key → each flag), residual lines
    (household-year → whether any flag) and the residual rows' flag lines."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.rest = b""
        self.verdicts: list[str] = []
        self.flag_keys: list[str] = []
        self.flag_defs: list[str] = []
        self.residual: list[str] = []
        self.residual_flags: list[str] = []
        self.flag_memo: dict = {}
        self.judged = 0

    def write(self, data) -> int:
        data = self.rest + bytes(data)
        end = data.rfind(b"\n") + 1
        self.rest = data[end:]
        if end:  # whole lines
            # (csv over the decoded text, not splitlines: keys hold control characters that
            # splitlines takes for line breaks; no field holds a line break)
            for fields in csv.reader(data[:end].decode().split("\n")[:-1]):
                self.judge(fields)
        return len(data)

    def judge(self, fields: list[str]) -> None:
        ctx = self.ctx
        self.judged += 1
        kind, key = fields[0], fields[1]
        row = fields[2:26]
        prev_year, prev_pc, prev_net, latest, members = fields[26:31]
        latest = latest == "t"
        year = int(row[10])
        info = ctx.info(row[1], year)
        household_members = ()
        if latest and members:
            household_members = [tuple(member) for member in json.loads(members)]
        # the previous household-year as _household_facts reads it (its year and incomes)
        previous = None
        if prev_year:
            previous = [""] * 24
            previous[10], previous[11], previous[12] = prev_year, prev_pc, prev_net
        facts = _household_facts(row, previous, household_members, latest, info.with_checklist)
        if kind == "k":
            tail = _readiness_tail(household_exit_verdict(facts, info.view), ctx)
            self.verdicts.append(f"{_csv_text(key)},{tail}\n")
            return
        if kind == "f":
            tails = _flag_tails(household_monitoring_flags(facts, info.view))
            self.flag_keys.append(f"{_csv_text(key)},{'t' if tails else 'f'}\n")
            self.flag_defs.extend(f"{_csv_text(key)},{tail}\n" for tail in tails)
            return
        # a residual row: as _batch_compute (exited or monitored that year)
        income = Decimal(row[11])
        below = info.monitoring_line is not None and income < info.monitoring_line
        drop = False
        if info.drop is not None and prev_pc and int(prev_year) == year - 1:
            before = Decimal(prev_pc)
            drop = before > 0 and (before - income) / before >= info.drop
        if below or drop:
            tails = _flag_tails(household_monitoring_flags(facts, info.view))
        else:
            tails = self.flag_memo.get(key)
            if tails is None:
                tails = _flag_tails(household_monitoring_flags(facts, info.view))
                self.flag_memo[key] = tails
        self.residual.append(f"{row[0]},{year},{'t' if tails else 'f'}\n")
        head = f"{row[0]},{row[1]},{year}"
        self.residual_flags.extend(f"{head},{tail}\n" for tail in tails)


def _households_set_based(progress, total: int, statistics: bool) -> RecomputeResult:
    """Readiness and flags of every household-year into the new tables (see above)."""
    ctx = _Context()
    result = RecomputeResult()
    seconds = result.seconds
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        seconds[name] = now - started
        started = now

    with connection.cursor() as cursor:
        # Hash joins and aggregates of 1.7 M household-years in memory; no JIT compilation
        # (~0.5 s per statement, which it does not win back here). Reset at the end.
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute("SET jit = off")
        _sb_drop(cursor)
        _sb_views(cursor, ctx)
        lap("sb_views")
        cursor.execute(_SB_LATEST_SQL)
        cursor.execute(_SB_MEMBERS_SQL)
        cursor.execute(_SB_HOUSEHOLDS_SQL)
        cursor.execute(f"ANALYZE {_SB}households")
        lap("sb_members")
        cursor.execute(_SB_ROWS_SQL)
        lap("sb_rows")
        cursor.execute(_SB_JUDGE_TABLE_SQL)
        cursor.execute(f"ANALYZE {_SB}judge")
        lap("sb_distinct")
        judge = _Judge(ctx)
        # ~100,000 rows to judge, each looked up by index: the planner would rather hash the
        # whole income and guarantee tables (several seconds)
        cursor.execute("SET enable_hashjoin = off")
        cursor.execute("SET enable_mergejoin = off")
        try:
            cursor.copy_expert(f"COPY ({_SB_TO_JUDGE_SQL}) TO STDOUT WITH (FORMAT csv)", judge)
        finally:
            cursor.execute("RESET enable_hashjoin")
            cursor.execute("RESET enable_mergejoin")
        judge.write(b"")
        verdicts, flag_keys, flag_defs = judge.verdicts, judge.flag_keys, judge.flag_defs
        residual, residual_flags = judge.residual, judge.residual_flags
        lap("sb_judge")
        if progress is not None:
            progress(total // 2, total)
        _reason_sets_write(cursor, ctx.take_unsaved_reason_sets())
        cursor.execute(
            f"CREATE UNLOGGED TABLE {_SB}verdicts (k text NOT NULL, eligible boolean NOT NULL, "
            "outcome varchar(15) NOT NULL, income_line numeric(12, 2), "
            "reason_set_id bigint NOT NULL)"
        )
        cursor.execute(f"CREATE UNLOGGED TABLE {_SB}flagkeys (fk text NOT NULL, monitor boolean)")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {_SB}flagdefs (fk text NOT NULL, code varchar(40), "
            "item varchar(40), unconfirmed boolean, params jsonb)"
        )
        cursor.execute(
            f"CREATE UNLOGGED TABLE {_SB}residual (household_id bigint, year integer, "
            "monitor boolean)"
        )
        _copy_in(cursor, f"{_SB}verdicts", "k, eligible, outcome, income_line, reason_set_id",
                 verdicts)  # fmt: skip
        _copy_in(cursor, f"{_SB}flagkeys", "fk, monitor", flag_keys)
        _copy_in(cursor, f"{_SB}flagdefs", "fk, code, item, unconfirmed, params", flag_defs,
                 "item")  # fmt: skip
        _copy_in(cursor, f"{_SB}residual", "household_id, year, monitor", residual)
        for table in ("verdicts", "flagkeys", "flagdefs", "residual"):
            cursor.execute(f"ANALYZE {_SB}{table}")
        _copy_in(cursor, _FLAG_TABLE + _FRESH, _FLAG_COLUMNS, residual_flags, "item")
        lap("sb_copy")
        cursor.execute(_SB_READINESS_SQL)
        result.household_years = cursor.rowcount
        lap("sb_readiness")
        cursor.execute(_SB_FLAGS_SQL)
        result.flags = cursor.rowcount + len(residual_flags)
        lap("sb_flags")
        # planner statistics for the aggregates that follow (kept when the tables are renamed)
        cursor.execute(f"ANALYZE {_READINESS_TABLE}{_FRESH}, {_FLAG_TABLE}{_FRESH}")
        result.analyzed = True
        if statistics:
            _sb_parts(cursor)
            result.village_parts = True
        lap("sb_statistics")
        _sb_drop(cursor)
        cursor.execute("RESET work_mem")
        cursor.execute("RESET jit")
    result.households = total
    if progress is not None:
        progress(total, total)
    return result


# --- region statistics ------------------------------------------------------------------------

_VILLAGE_STATS_SQL = """
WITH years AS (SELECT generate_series(%(y0)s::int, %(y1)s::int) AS year),
members AS (
    SELECT household_id, count(*) AS n FROM households_member
    WHERE is_active AND division_code LIKE %(like)s GROUP BY household_id
),
hh AS (
    SELECT h.id, h.village_code, h.identified_year, coalesce(h.exit_year, 9999) AS exit_year,
           coalesce(m.n, 0) AS members
    FROM households_household h LEFT JOIN members m ON m.household_id = h.id
    WHERE NOT h.is_deleted AND h.village_code LIKE %(like)s
),
pairs AS (
    SELECT p.household_id, min(p.start_date) AS first_day,
           max(coalesce(p.end_date, 'infinity'::date)) AS last_day
    FROM assistance_cadrepairing p JOIN hh ON hh.id = p.household_id
    GROUP BY p.household_id
),
visits AS (
    SELECT DISTINCT household_id, extract(year FROM visited_on)::int AS year
    FROM assistance_visit WHERE division_code LIKE %(like)s
),
hy AS (
    SELECT hh.*, y.year, make_date(y.year, 12, 31) AS year_end,
           hh.exit_year <= y.year AS exited
    FROM hh JOIN years y ON hh.identified_year <= y.year
),
rows AS (
    SELECT hy.village_code, hy.year, hy.exited,
           coalesce(r.household_size, hy.members) AS size,
           r.household_id IS NOT NULL AS assessed,
           coalesce(r.eligible, false) AS eligible,
           coalesce(r.monitor, false) AS monitor,
           coalesce(r.guarantees_met, false) AS guaranteed,
           coalesce(p.first_day <= hy.year_end AND p.last_day >= hy.year_end, false) AS paired,
           v.household_id IS NOT NULL AS visited
    FROM hy
    LEFT JOIN assessment_householdreadiness r ON r.household_id = hy.id AND r.year = hy.year
    LEFT JOIN pairs p ON p.household_id = hy.id
    LEFT JOIN visits v ON v.household_id = hy.id AND v.year = hy.year
)
INSERT INTO assessment_regionstatistic (
    region_code, level, year, households, people, exited_households, exited_people,
    remaining_households, remaining_people, ready_households, assessed_households,
    guarantee_met_households, monitored_households, paired_households, visited_households,
    rural_population, population_complete, incidence, computed_at)
SELECT rows.village_code, 'village', rows.year,
       count(*), sum(size),
       count(*) FILTER (WHERE exited), coalesce(sum(size) FILTER (WHERE exited), 0),
       count(*) FILTER (WHERE NOT exited), coalesce(sum(size) FILTER (WHERE NOT exited), 0),
       count(*) FILTER (WHERE NOT exited AND eligible),
       count(*) FILTER (WHERE assessed),
       count(*) FILTER (WHERE guaranteed),
       count(*) FILTER (WHERE monitor),
       count(*) FILTER (WHERE paired),
       count(*) FILTER (WHERE visited),
       reg.rural_population, reg.rural_population IS NOT NULL,
       CASE WHEN reg.rural_population > 0
            THEN round(coalesce(sum(size) FILTER (WHERE NOT exited), 0)::numeric
                       / reg.rural_population, 6) END,
       %(now)s
FROM rows JOIN villages_region reg ON reg.code = rows.village_code
GROUP BY rows.village_code, rows.year, reg.rural_population
"""

_ROLLUP_SQL = """
INSERT INTO assessment_regionstatistic (
    region_code, level, year, households, people, exited_households, exited_people,
    remaining_households, remaining_people, ready_households, assessed_households,
    guarantee_met_households, monitored_households, paired_households, visited_households,
    rural_population, population_complete, incidence, computed_at)
SELECT agg.code, %(level)s, agg.year, agg.households, agg.people, agg.exited_households,
       agg.exited_people, agg.remaining_households, agg.remaining_people, agg.ready_households,
       agg.assessed_households, agg.guarantee_met_households, agg.monitored_households,
       agg.paired_households, agg.visited_households,
       coalesce(reg.rural_population, agg.rural_population),
       reg.rural_population IS NOT NULL OR agg.complete,
       CASE WHEN (reg.rural_population IS NOT NULL OR agg.complete)
                 AND coalesce(reg.rural_population, agg.rural_population) > 0
            THEN round(agg.remaining_people::numeric
                       / coalesce(reg.rural_population, agg.rural_population), 6) END,
       %(now)s
FROM (
    SELECT rpad(left(region_code, %(n)s), 12, '0') AS code, year,
           sum(households) AS households, sum(people) AS people,
           sum(exited_households) AS exited_households, sum(exited_people) AS exited_people,
           sum(remaining_households) AS remaining_households,
           sum(remaining_people) AS remaining_people, sum(ready_households) AS ready_households,
           sum(assessed_households) AS assessed_households,
           sum(guarantee_met_households) AS guarantee_met_households,
           sum(monitored_households) AS monitored_households,
           sum(paired_households) AS paired_households,
           sum(visited_households) AS visited_households,
           sum(rural_population) AS rural_population,
           bool_and(population_complete) AS complete
    FROM assessment_regionstatistic
    WHERE level = 'village' AND region_code LIKE %(like)s {year_sql}
    GROUP BY 1, 2
) agg
LEFT JOIN villages_region reg ON reg.code = agg.code
"""


def _year_range(prefix: str, year: int | None) -> tuple[int, int] | None:
    if year is not None:
        return year, year
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(identified_year) FROM households_household WHERE village_code LIKE %s",
            [_like(prefix)],
        )
        first = cursor.fetchone()[0]
        cursor.execute(
            "SELECT max(year) FROM assessment_householdreadiness WHERE division_code LIKE %s",
            [_like(prefix)],
        )
        last = cursor.fetchone()[0]
    if first is None or last is None:
        return None
    return first, max(first, last)


_VILLAGE_PARTS_SQL = f"""
INSERT INTO assessment_regionstatistic (
    region_code, level, year, households, people, exited_households, exited_people,
    remaining_households, remaining_people, ready_households, assessed_households,
    guarantee_met_households, monitored_households, paired_households, visited_households,
    rural_population, population_complete, incidence, computed_at)
SELECT p.village_code, 'village', p.year, sum(p.households), sum(p.people),
       sum(p.exited_households), sum(p.exited_people), sum(p.remaining_households),
       sum(p.remaining_people), sum(p.ready_households), sum(p.assessed_households),
       sum(p.guarantee_met_households), sum(p.monitored_households), sum(p.paired_households),
       sum(p.visited_households),
       reg.rural_population, reg.rural_population IS NOT NULL,
       CASE WHEN reg.rural_population > 0
            THEN round(sum(p.remaining_people)::numeric / reg.rural_population, 6) END,
       %(now)s
FROM {_PARTS_TABLE} p JOIN villages_region reg ON reg.code = p.village_code
GROUP BY p.village_code, p.year, reg.rural_population
"""


def statistics_recompute(
    *, prefixes: Iterable[str] = ("",), year: int | None = None, from_parts: bool = False
) -> int:
    """Replace the statistics of the villages under each prefix and of every region above them.

    Village rows come from the registry and the readiness table in one INSERT … SELECT per
    prefix; townships, counties, cities and provinces are sums of their village rows.

    ``from_parts`` (every village, every year: after households_recompute(village_statistics=
    True) of a full run): the village rows are the sums of the batches' shares that the
    household pass wrote (_village_parts), instead of a second pass over every household-year;
    the shares' table is dropped.
    """
    prefixes = _minimal_prefixes(prefixes)
    if from_parts and (prefixes != [""] or year is not None):
        raise ValueError("the village statistics' parts cover every village and every year")
    now = timezone.now()
    year_sql = "" if year is None else " AND year = %(year)s"
    count = 0
    # (n, village prefix to sum over, the single ancestor code or None for "every region")
    rollups: set[tuple[int, str, str | None]] = set()
    with transaction.atomic(), connection.cursor() as cursor:
        # The per-village aggregate of every household-year hashes a few hundred MB at 250,000
        # households; with the default 4 MB it spills to disk in dozens of batches.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        # JIT compilation of these aggregates cost ~1.3 s at 250,000 households and saves less.
        cursor.execute("SET LOCAL jit = off")
        for prefix in prefixes:
            years = None if from_parts else _year_range(prefix, year)
            like = _like(prefix)
            cursor.execute(
                "DELETE FROM assessment_regionstatistic "
                f"WHERE level = 'village' AND region_code LIKE %(like)s{year_sql}",
                {"like": like, "year": year},
            )
            if from_parts:
                cursor.execute(_VILLAGE_PARTS_SQL, {"now": now})
                count += cursor.rowcount
                cursor.execute(f"DROP TABLE {_PARTS_TABLE}")
            elif years is not None:
                cursor.execute(
                    _VILLAGE_STATS_SQL,
                    {"y0": years[0], "y1": years[1], "like": like, "now": now},
                )
                count += cursor.rowcount
            for n in (2, 4, 6, 9):
                if n < len(prefix):
                    rollups.add((n, prefix[:n], prefix[:n].ljust(12, "0")))
                else:
                    rollups.add((n, prefix, None))
        for n, under, code in sorted(rollups, key=lambda r: (r[0], r[1])):
            params = {
                "level": _LEVEL_OF_LENGTH[n],
                "like": _like(under),
                "code": code,
                "n": n,
                "now": now,
                "year": year,
            }
            where = "region_code = %(code)s" if code else "region_code LIKE %(like)s"
            cursor.execute(
                f"DELETE FROM assessment_regionstatistic WHERE level = %(level)s AND {where}"
                f"{year_sql}",
                params,
            )
            cursor.execute(_ROLLUP_SQL.format(year_sql=year_sql), params)
            count += cursor.rowcount
    return count


def _minimal_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Drop prefixes covered by a shorter one ("" covers everything)."""
    result: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(p) for p in result):
            result.append(prefix)
    return result


# --- village and county verdicts -------------------------------------------------------------


_REGION_COLUMNS = "region_code, level, year, eligible, outcome, incidence, reasons, computed_at"


def region_verdicts_recompute(*, prefixes: Iterable[str] = ("",), year: int | None = None) -> int:
    """出列 verdicts of villages and 摘帽 verdicts of counties, from the statistics."""
    from assessment.models import CountyAssessmentFigures, RegionReadiness, RegionStatistic
    from assessment.rules import (
        CountyFacts,
        VillageFacts,
        county_exit_verdict,
        village_exit_verdict,
    )

    ctx = _Context()
    prefixes = _minimal_prefixes(prefixes)
    # A village's verdict depends on its standards, year, population and remaining poor only
    # (village_exit_verdict reads nothing else of VillageFacts): villages with the same ones
    # share their columns (about 31,000 distinct in 70,000 village-years at 250,000 households).
    village_memo: dict[tuple, str] = {}
    # A village's recomputation changes its county's figures too.
    scopes = _minimal_prefixes([p[:6] if len(p) > 6 else p for p in prefixes])
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for scope in scopes:
            stats = RegionStatistic.objects.filter(
                level__in=["village", "county"], region_code__startswith=scope
            )
            old = RegionReadiness.objects.filter(region_code__startswith=scope)
            if year is not None:
                stats = stats.filter(year=year)
                old = old.filter(year=year)
            figures = {
                (f.county_code, f.year): f
                for f in CountyAssessmentFigures.objects.filter(county_code__startswith=scope)
            }
            now = ctx.now.isoformat()
            old.delete()
            # Streamed: the statistics are read and the verdicts written a chunk at a time, so
            # that memory does not grow with the number of regions (it held every line and
            # their text for COPY: +250 MB at 250,000 households).
            copy = _CopyChunks(cursor, RegionReadiness._meta.db_table, _REGION_COLUMNS)
            views: dict[int, object] = {}  # of the current region, by year
            current = None
            for code, level, stat_year, rural, complete, remaining in (
                stats.order_by("region_code", "year")
                .values_list(
                    "region_code",
                    "level",
                    "year",
                    "rural_population",
                    "population_complete",
                    "remaining_people",
                )
                .iterator(chunk_size=_COPY_CHUNK)
            ):
                if code != current:
                    current, views = code, {}
                    region_class = ctx.region_class(code)
                view = views.get(stat_year)
                if view is None:
                    view = views[stat_year] = ctx.standards.view(code, stat_year, region_class)
                population = rural if complete else None
                if level == "village":
                    key = (view, stat_year, population, remaining)
                    tail = village_memo.get(key)
                    if tail is not None:
                        copy.add(f"{code},{level},{stat_year},{tail},{now}\n")
                        continue
                    verdict = village_exit_verdict(
                        VillageFacts(
                            year=stat_year,
                            division_code=code,
                            region_class=view.region_class,
                            rural_population=population,
                            remaining_poor=remaining,
                        ),
                        view,
                    )
                else:
                    figure = figures.get((code, stat_year))
                    verdict = county_exit_verdict(
                        CountyFacts(
                            year=stat_year,
                            division_code=code,
                            region_class=view.region_class,
                            incidence=figure.comprehensive_incidence if figure else None,
                            remaining_poor=remaining,
                            rural_population=population,
                            wrong_exit_rate=figure.wrong_exit_rate if figure else None,
                            missed_rate=figure.missed_rate if figure else None,
                            approval_rate=figure.approval_rate if figure else None,
                        ),
                        view,
                    )
                incidence = verdict.figures.get("incidence")
                reasons = _json([r.stored() for r in verdict.reasons])
                tail = (
                    f"{'t' if verdict.eligible else 'f'},{verdict.outcome},"
                    f"{'' if incidence is None else round(incidence, 6)},{_csv_text(reasons)}"
                )
                if level == "village":
                    if len(village_memo) > _REGION_MEMO_LIMIT:  # ~1 KB of text each
                        village_memo.clear()
                    village_memo[key] = tail
                copy.add(f"{code},{level},{stat_year},{tail},{now}\n")
            written += copy.close()
    return written


_COPY_CHUNK = 5000
_REGION_MEMO_LIMIT = 20_000


class _CopyChunks:
    """CSV lines COPYed into a table ``_COPY_CHUNK`` at a time (one COPY per chunk)."""

    def __init__(self, cursor, table: str, columns: str):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= _COPY_CHUNK:
            self.flush()

    def flush(self) -> None:
        _copy_in(self.cursor, self.table, self.columns, self.lines)
        self.count += len(self.lines)
        self.lines = []

    def close(self) -> int:
        self.flush()
        return self.count


# --- rankings ---------------------------------------------------------------------------------


def _share(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def _indicators(stat, stationing: tuple[int, int] | None) -> dict[str, Decimal | None]:
    """The ranking indicators of one region-year (assessment.choices.RankingIndicator)."""
    remaining = stat.remaining_households
    return {
        "exit_progress": _share(stat.exited_households, stat.households),
        "readiness": (
            Decimal(1)
            if stat.households and not remaining
            else _share(stat.ready_households, remaining)
        ),
        "guarantee_gaps_closed": _share(stat.guarantee_met_households, stat.households),
        "incidence_low": None if stat.incidence is None else Decimal(1) - stat.incidence,
        "pairing_coverage": _share(stat.paired_households, stat.households),
        "visit_coverage": _share(stat.visited_households, stat.households),
        "stationing_days_met": None if not stationing else _share(stationing[0], stationing[1]),
        "monitoring_coverage": (
            None
            if not stat.households
            else Decimal(1) - Decimal(stat.monitored_households) / Decimal(stat.households)
        ),
    }


_STATIONING_SQL = """
SELECT left(s.division_code, %(n)s), extract(year FROM s.date)::int, s.member_id,
       count(*) FILTER (WHERE s.status = 'present')
FROM assistance_stationingday s
JOIN assistance_workteammember w ON w.id = s.member_id AND w.role = 'first_secretary'
WHERE s.division_code LIKE %(like)s
GROUP BY 1, 2, 3
"""


def _stationing_met(ctx: _Context, scope: str, n: int) -> dict[tuple[str, int], tuple[int, int]]:
    """(unit code, year) → (first secretaries with enough days in the village, all of them).

    The minimum is the standard first_secretary_days_min of the unit's place and year (四平
    200 days); where no standard applies the unit has no value for this indicator."""
    counts: dict[tuple[str, int], list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_STATIONING_SQL, {"n": n, "like": _like(scope)})
        for unit, year, _member, present in cursor.fetchall():
            code = unit.ljust(12, "0")
            minimum = ctx.view(code, year).value("first_secretary_days_min")
            if minimum is None:
                continue
            pair = counts.setdefault((code, year), [0, 0])
            pair[0] += present >= minimum
            pair[1] += 1
    return {key: (met, total) for key, (met, total) in counts.items()}


def rankings_recompute(*, prefixes: Iterable[str] = ("",), year: int | None = None) -> int:
    """Rank the townships or villages of every active ranking whose region overlaps a prefix."""
    from assessment.models import RankingConfig, RankingEntry, RegionStatistic
    from assessment.rules import RankingUnit, ranking_compute
    from villages.models import Region

    prefixes = _minimal_prefixes(prefixes)
    ctx = _Context()
    written = 0
    configs = [
        c
        for c in RankingConfig.objects.filter(is_active=True)
        if any(code_prefix(c.region_code).startswith(p) or p.startswith(code_prefix(c.region_code))
               for p in prefixes)
    ]  # fmt: skip
    for config in configs:
        scope = code_prefix(config.region_code)
        n = LEVEL_PREFIX_LENGTH[config.unit_level]
        names = dict(
            Region.objects.filter(level=config.unit_level, code__startswith=scope).values_list(
                "code", "name"
            )
        )
        stats = RegionStatistic.objects.filter(
            level=config.unit_level, region_code__startswith=scope
        )
        if year is not None:
            stats = stats.filter(year=year)
        by_year: dict[int, list] = {}
        for stat in stats:
            by_year.setdefault(stat.year, []).append(stat)
        stationing = (
            _stationing_met(ctx, scope, n) if "stationing_days_met" in config.weights else {}
        )
        entries = []
        for stat_year, year_stats in by_year.items():
            units = [
                RankingUnit(
                    code=s.region_code,
                    name=names.get(s.region_code, s.region_code),
                    indicators=_indicators(s, stationing.get((s.region_code, stat_year))),
                )
                for s in year_stats
            ]
            for ranked in ranking_compute(units, config.weights, config.bottom_n):
                entries.append(
                    RankingEntry(
                        config=config,
                        year=stat_year,
                        region_code=ranked.code,
                        region_name=ranked.name,
                        rank=ranked.rank,
                        score=ranked.score,
                        indicators=ranked.indicators,
                        missing=list(ranked.missing),
                        is_bottom=ranked.is_bottom,
                        computed_at=ctx.now,
                    )
                )
        with transaction.atomic():
            old = RankingEntry.objects.filter(config=config)
            if year is not None:
                old = old.filter(year=year)
            old.delete()
            RankingEntry.objects.bulk_create(entries, batch_size=2000)
        written += len(entries)
    return written


# --- the whole chain ----------------------------------------------------------------------------


def recompute(
    *,
    region_code: str = "",
    year: int | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> RecomputeResult:
    """Everything derived, for a region (or all) and a year (or all years)."""
    prefix = code_prefix(region_code) if region_code else ""
    started = time.perf_counter()
    result = households_recompute(
        region_code=region_code,
        year=year,
        progress=progress,
        batch_size=batch_size,
        workers=workers,
        village_statistics=True,
    )
    if not prefix and year is None and not connection.in_atomic_block and not result.analyzed:
        # Every row was replaced: fresh planner statistics for the aggregates that follow.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE assessment_householdreadiness, assessment_monitoringflag")
    result.seconds["households"] = time.perf_counter() - started
    _derived(result, [prefix], year)
    return result


def recompute_households(household_ids: list[int]) -> RecomputeResult:
    """After changes to some households: their verdicts, then their villages and above."""
    from households.models import Household

    started = time.perf_counter()
    result = households_recompute(household_ids=household_ids)
    result.seconds["households"] = time.perf_counter() - started
    villages = set(
        Household.objects.filter(pk__in=household_ids).values_list("village_id", flat=True)
    )
    if villages:
        _derived(result, sorted(villages), None)
    return result


def _derived(result: RecomputeResult, prefixes: list[str], year: int | None) -> None:
    started = time.perf_counter()
    result.statistics = statistics_recompute(
        prefixes=prefixes, year=year, from_parts=result.village_parts
    )
    result.seconds["statistics"] = time.perf_counter() - started
    started = time.perf_counter()
    result.region_verdicts = region_verdicts_recompute(prefixes=prefixes, year=year)
    result.seconds["region_verdicts"] = time.perf_counter() - started
    started = time.perf_counter()
    result.ranking_entries = rankings_recompute(prefixes=prefixes, year=year)
    result.seconds["rankings"] = time.perf_counter() - started
