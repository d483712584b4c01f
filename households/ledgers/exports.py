"""Household ledgers: 贫困户花名册, 人口明细, 收入测算表, 一户一档 and the importable data package.

Rows are read through poverty.scoping.visible_to (action "export") and the shared
HouseholdFilterSet, in batches of primary keys with one query per related table per batch,
and yielded one tuple at a time into the streaming writer. "As of" a year (DOMAIN.md §15):

- households identified in or before the year, not deleted;
- the status the household had at the end of the year (its status changes);
- the members who belonged to it that year (:func:`member_in_household_as_of`);
- that year's income account, computed by households.rules.income_account (the one formula),
  and that year's guarantee check;
- the cadre paired with it at the end of the year.

ID numbers, phones and bank accounts are masked for roles that do not see them (mask_for).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from households import choices as c
from households.filters import HouseholdFilterSet
from households.ledgers.columns import (
    GUARANTEE_SHEET,
    HOUSEHOLD_SHEET,
    INCOME_SHEET,
    MEMBER_SHEET,
    SheetSpec,
)
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.rules import INCOME_COMPONENTS, income_account, income_account_sql
from poverty.exceptions import BusinessRuleError
from poverty.ledgers.base import (
    LedgerKind,
    LedgerParams,
    LedgerPlan,
    SheetPlan,
    bool_text,
    choice_labels,
    ledger_kind,
    region_names,
    region_title,
    subtitle,
)
from poverty.masking import mask_bank_account, mask_id_number, mask_phone
from poverty.scoping import user_sees_sensitive, visible_to
from poverty.xlsx import Column

__all__ = [
    "INCOME_WORKSHEET_COLUMNS",
    "MEMBER_ROSTER_COLUMNS",
    "ROSTER_COLUMNS",
    "household_batches",
    "households_for_export",
    "member_in_household_as_of",
    "status_as_of",
]

BATCH_SIZE = 2000
FIRST_BATCH_SIZE = 250
JOINING = {c.MemberChange.MARRIED_IN, c.MemberChange.NEWBORN, c.MemberChange.OTHER_IN}

ATTRIBUTE = choice_labels(c.HouseholdAttribute.choices)
STATUS = choice_labels(c.HouseholdStatus.choices)
CAUSE = choice_labels(c.CauseOfPoverty.choices)
STANDARD = choice_labels(c.IdentificationStandard.choices)
ROAD = choice_labels(c.AccessRoad.choices)
FUEL = choice_labels(c.FuelType.choices)
GRADE = choice_labels(c.HouseGrade.choices)
SEX = choice_labels(c.Sex.choices)
RELATION = choice_labels(c.Relation.choices)
ETHNICITY = choice_labels(c.ETHNICITY_CHOICES)
POLITICAL = choice_labels(c.PoliticalStatus.choices)
EDUCATION = choice_labels(c.Education.choices)
SCHOOL = choice_labels(c.SchoolStatus.choices)
HEALTH = choice_labels(c.Health.choices)
LABOUR = choice_labels(c.LabourAbility.choices)
WORK = choice_labels(c.WorkStatus.choices)
DIBAO = choice_labels(c.DibaoStatus.choices)
TEKUN = choice_labels(c.TekunStatus.choices)
GUARANTEE = choice_labels(c.GuaranteeState.choices)
CHANGE = choice_labels(c.MemberChange.choices)
MONEY_UNITS = "元、亩、㎡、公里"


# --- "As of" a year: pure rules over plain values ------------------------------------------


def member_in_household_as_of(member: dict, year: int) -> bool:
    """Whether a member belonged to the household at the end of ``year``.

    Born after the year: no. Left (inactive) on a date after the year: yes, they were still
    there. Joined (marriage, birth, other) on a date after the year: no.
    """
    birth = member.get("birth_date")
    if birth is not None and birth.year > year:
        return False
    changed_on = member.get("changed_on")
    if not member.get("is_active", True):
        return changed_on is not None and changed_on.year > year
    if member.get("change_reason") in JOINING and changed_on is not None:
        return changed_on.year <= year
    return True


def status_as_of(current: str, changes: list[dict], year: int) -> str:
    """The status at the end of ``year``: the last change in or before it, else the state
    before the first later change, else the current status. ``changes`` in date order."""
    before = [ch for ch in changes if ch["year"] <= year]
    if before:
        return before[-1]["to_status"]
    later = [ch for ch in changes if ch["year"] > year and ch["from_status"]]
    if later:
        return later[0]["from_status"]
    return current


def member_in_household_as_of_sql(alias: str) -> str:
    """:func:`member_in_household_as_of` as a SQL condition over member ``alias``.

    Parameter ``%(as_of_next)s``: 1 January of the year after (a date's year is after the
    year exactly when the date is on or after it). tests/ledgers/test_exports.py compares
    the two on every boundary.
    """
    joining = ", ".join(f"'{code}'" for code in sorted(JOINING))
    return (
        f"({alias}.birth_date IS NULL OR {alias}.birth_date < %(as_of_next)s) AND CASE "
        f"WHEN NOT {alias}.is_active THEN "
        f"({alias}.changed_on IS NOT NULL AND {alias}.changed_on >= %(as_of_next)s) "
        f"WHEN {alias}.change_reason IN ({joining}) AND {alias}.changed_on IS NOT NULL "
        f"THEN {alias}.changed_on < %(as_of_next)s ELSE TRUE END"
    )


def status_as_of_sql(household: str) -> str:
    """:func:`status_as_of` as a SQL expression for household ``alias`` (``%(year)s``)."""
    table = HouseholdStatusChange._meta.db_table
    return (
        f'COALESCE((SELECT c.to_status FROM "{table}" c WHERE c.household_id = {household}.id '
        "AND c.year <= %(year)s ORDER BY c.changed_on DESC, c.id DESC LIMIT 1), "
        f'(SELECT c.from_status FROM "{table}" c WHERE c.household_id = {household}.id '
        "AND c.year > %(year)s AND c.from_status <> '' ORDER BY c.changed_on, c.id LIMIT 1), "
        f"{household}.status)"
    )


# --- Reading households in batches ---------------------------------------------------------


def households_for_export(params: LedgerParams) -> QuerySet:
    """Households of the region the user may export, narrowed by the shared FilterSet."""
    queryset = Household.objects.filter(is_deleted=False, identified_year__lte=params.year)
    if params.prefix:
        queryset = queryset.filter(village__code__startswith=params.prefix)
    queryset = visible_to(params.user, queryset, "export")
    filters = {k: v for k, v in params.filters.items() if k not in ("region", "year", "ordering")}
    if filters:
        filterset = HouseholdFilterSet(filters, queryset=queryset)
        if not filterset.is_valid():
            field, errors = next(iter(filterset.errors.items()))
            raise BusinessRuleError(f"{field}: {errors[0]}", field=field)
        queryset = filterset.qs
    return queryset.order_by("village_id", "household_number")


HOUSEHOLD_VALUES = (
    "pk", "household_number", "village_id", "group_name", "address", "identification_standard",
    "attribute", "identified_year", "status", "exit_year", "main_cause", "other_causes",
    "cause_note", "is_military_family", "is_only_child_family", "is_two_daughter_family",
    "phone", "bank_name", "bank_account", "cultivated_land_mu", "irrigated_land_mu",
    "forest_land_mu", "grain_to_green_mu", "fruit_forest_mu", "pasture_mu", "water_surface_mu",
    "in_cooperative", "led_by_enterprise", "led_by_entrepreneur", "has_production_power",
    "has_living_power", "has_broadcast_tv", "distance_to_road_km", "access_road",
    "housing_area", "is_dangerous_house", "house_grade", "has_sanitary_toilet", "fuel_type",
    "water_source", "has_water_difficulty", "has_safe_water", "is_relocated",
    "relocation_mode", "resettlement_mode", "resettlement_place", "latitude", "longitude",
)  # fmt: skip
MEMBER_VALUES = tuple(
    f.attname for f in Member._meta.concrete_fields if f.attname not in ("created", "updated")
)
INCOME_VALUES = tuple(
    f.attname for f in AnnualIncome._meta.concrete_fields if f.attname not in ("created", "updated")
)
# What the household-level ledgers (roster, income worksheet) need of each member: who is
# the head, and whether they belonged to the household that year.
HEAD_MEMBER_VALUES = (
    "household_id", "name", "id_number", "relation", "birth_date", "is_active",
    "change_reason", "changed_on",
)  # fmt: skip
GUARANTEE_VALUES = tuple(
    f.attname
    for f in GuaranteeStatus._meta.concrete_fields
    if f.attname not in ("created", "updated", "checked_by_id")
)


def _select(model, attnames: Sequence[str], where: str, params: Sequence, order: str = ""):
    """Rows of ``model`` as dicts keyed by attname, read with one plain SQL statement.

    The ledgers read tens of thousands of rows per region: plain SQL with ``= ANY(%s)`` over
    an array of keys skips the ORM's per-value lookup preparation and per-row dict building,
    which cost more than the database itself (profile in docs/PERFORMANCE.md, issue 8).
    Only fields without ``from_db_value`` are read this way (psycopg2 returns the same types).
    """
    meta = model._meta
    columns = {f.attname: f.column for f in meta.concrete_fields}
    columns["pk"] = meta.pk.column
    select = ", ".join(f'"{columns[name]}"' for name in attnames)
    sql = f'SELECT {select} FROM "{meta.db_table}" WHERE {where}'
    if order:
        sql += f" ORDER BY {order}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = tuple(attnames)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Batch:
    """One batch of households with what the ledgers read about them, in a few queries."""

    def __init__(
        self,
        pks: list[int],
        year: int | None,
        *,
        members=True,
        extras=True,
        member_values: Sequence[str] = MEMBER_VALUES,
    ) -> None:
        rows = {h["pk"]: h for h in _select(Household, HOUSEHOLD_VALUES, "id = ANY(%s)", [pks])}
        self.households = [rows[pk] for pk in pks if pk in rows]
        self.members: dict[int, list[dict]] = defaultdict(list)
        if members:
            for m in _select(
                Member, member_values, "household_id = ANY(%s)", [pks],
                order="household_id, relation, birth_date, id",
            ):  # fmt: skip
                self.members[m["household_id"]].append(m)
        self.incomes: dict[int, dict] = {}
        self.guarantees: dict[int, dict] = {}
        self.pairings: dict[int, dict] = {}
        self.changes: dict[int, list[dict]] = defaultdict(list)
        if not extras:
            return
        if year is not None:
            where = "household_id = ANY(%s) AND year = %s"
            self.incomes = {
                i["household_id"]: i
                for i in _select(AnnualIncome, INCOME_VALUES, where, [pks, year])
            }
            self.guarantees = {
                g["household_id"]: g
                for g in _select(GuaranteeStatus, GUARANTEE_VALUES, where, [pks, year])
            }
            self.pairings = _pairings_at(pks, datetime.date(year, 12, 31))
        for change in _select(
            HouseholdStatusChange, ("household_id", "year", "from_status", "to_status"),
            "household_id = ANY(%s)", [pks], order="household_id, changed_on, id",
        ):  # fmt: skip
            self.changes[change["household_id"]].append(change)


def _pairings_at(pks: list[int], day: datetime.date) -> dict[int, dict]:
    """The cadre paired with each household on ``day`` (the latest start if several)."""
    from assistance.models import Cadre, CadrePairing

    sql = (
        f'SELECT p.household_id, c.name, c.unit_name, c.phone FROM "{CadrePairing._meta.db_table}" p '
        f'JOIN "{Cadre._meta.db_table}" c ON c.id = p.cadre_id '
        "WHERE p.household_id = ANY(%s) AND p.start_date <= %s "
        "AND (p.end_date IS NULL OR p.end_date >= %s) ORDER BY p.household_id, p.start_date DESC"
    )
    result: dict[int, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [pks, day, day])
        for household_id, name, unit, phone in cursor.fetchall():
            result.setdefault(
                household_id,
                {"household_id": household_id, "cadre__name": name, "cadre__unit_name": unit,
                 "cadre__phone": phone},
            )  # fmt: skip
    return result


def household_batches(
    queryset: QuerySet,
    year: int | None,
    *,
    members: bool = True,
    extras: bool = True,
    member_values: Sequence[str] = MEMBER_VALUES,
) -> Iterator[Batch]:
    """The households of ``queryset`` in batches of BATCH_SIZE, in its order (the next
    batch read ahead: :func:`_prefetched`)."""
    pks = list(queryset.values_list("pk", flat=True))
    yield from _prefetched(
        _chunked(pks),
        lambda chunk: Batch(
            chunk, year, members=members, extras=extras, member_values=member_values
        ),
    )


def _chunked(pks: list[int]) -> list[list[int]]:
    """Batches of at most BATCH_SIZE keys, the first one small and each next one twice the
    last: the writer starts on the first while the next is read, and the database (about
    twice the writer's rate per row) has each batch ready by the time the writer finishes
    the one before — a full-size second batch kept the writer waiting about 0.1 s."""
    chunks, start, size = [], 0, FIRST_BATCH_SIZE
    while start < len(pks):
        chunks.append(pks[start : start + size])
        start += size
        size = min(size * 2, BATCH_SIZE)
    return chunks


def _prefetched(chunks: list[list[int]], read: Callable[[list[int]], Any]) -> Iterator[Any]:
    """``read(chunk)`` for each chunk, in order; the next one is read ahead when possible.

    Outside a transaction the next batch is read on a second connection while the caller
    writes the current one, so the database's time overlaps the writer's. Inside one (tests,
    a request in ATOMIC_REQUESTS) a second connection would not see its rows: read in turn.
    """
    if len(chunks) < 2 or connection.in_atomic_block:
        for chunk in chunks:
            yield read(chunk)
        return
    # One reader thread with one connection for all the batches (a new connection per batch
    # costs a backend start and cold catalog caches: planning took 11 ms instead of 2 ms);
    # it is closed in that thread after the last read, also when the caller stops early or
    # a read fails.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-read") as pool:
        try:
            pending = pool.submit(read, chunks[0])
            for index in range(len(chunks)):
                batch = pending.result()
                if index + 1 < len(chunks):
                    pending = pool.submit(read, chunks[index + 1])
                yield batch
        finally:
            pool.submit(connection.close)  # the thread's own connection


def _maskers(user):
    if user_sees_sensitive(user):
        same = lambda value: value or ""  # noqa: E731
        return same, same, same
    return mask_id_number, mask_phone, mask_bank_account


def _place(names: dict[str, str], code: str) -> tuple[str, str, str, str, str]:
    return (
        names.get(code[:2] + "0" * 10, ""),
        names.get(code[:4] + "0" * 8, ""),
        names.get(code[:6] + "0" * 6, ""),
        names.get(code[:9] + "000", ""),
        names.get(code, ""),
    )


def _account(income: dict | None):
    if income is None:
        return None
    return income_account(
        {name: income[name] for name in INCOME_COMPONENTS},
        business_costs=income["business_costs"],
        household_size=income["household_size"],
    )


def _title(params: LedgerParams, names: dict[str, str], label: str) -> str:
    return f"{region_title(params.region_code, names)}{label}（{params.year}年度）"


def _filename(params: LedgerParams, names: dict[str, str], label: str) -> str:
    return f"{region_title(params.region_code, names)}{label}_{params.year}.xlsx"


# --- 贫困户花名册 -------------------------------------------------------------------------

M, D, T, I, Y = "money", "decimal", "text", "int", "year"  # noqa: E741
ROSTER_COLUMNS = [
    Column("序号", I, 6), Column("省", T, 8), Column("市", T, 8), Column("县", T, 8),
    Column("乡", T, 10), Column("村", T, 10), Column("户编号", T, 20), Column("户主姓名", T, 8),
    Column("户主证件号码", T, 20), Column("家庭人口数", I, 6), Column("是否危房户", T, 6),
    Column("人均纯收入", M), Column("年收入", M), Column("是否解决安全饮用水", T, 8),
    Column("年度", Y, 6), Column("开户银行名称", T, 14), Column("银行卡号", T, 22),
    Column("识别标准", T, 8), Column("主要致贫原因", T, 10), Column("次要致贫原因", T, 14),
    Column("工资性收入", M), Column("生产经营性收入", M), Column("财产性收入", M),
    Column("转移性收入", M), Column("计划生育金", M), Column("低保金", M), Column("五保金", M),
    Column("养老保险金", M), Column("生态补偿金", M), Column("其他转移性收入", M),
    Column("生产经营性支出", M), Column("纯收入", M), Column("资产收益扶贫分红收入", M),
    Column("其他财产性收入", M), Column("耕地面积（亩）", D), Column("水面面积（亩）", D),
    Column("是否加入农民专业合作组织", T, 8), Column("退耕还林面积（亩）", D),
    Column("林果面积（亩）", D), Column("牧草地面积（亩）", D), Column("林地面积（亩）", D),
    Column("是否通生产用电", T, 6), Column("是否通生活用电", T, 6), Column("是否通广播电视", T, 6),
    Column("与村主干路距离（公里）", D), Column("入户路类型", T, 8), Column("住房面积（㎡）", D),
    Column("是否有卫生厕所", T, 6), Column("主要燃料类型", T, 8), Column("危房级别", T, 14),
    Column("是否有龙头企业带动", T, 6), Column("是否有创业致富带头人带动", T, 8),
    Column("贫困户属性", T, 14), Column("脱贫属性", T, 8), Column("脱贫年度", Y, 6),
    Column("帮扶责任人", T, 8), Column("帮扶单位", T, 16), Column("联系电话", T, 14),
    Column("是否易地扶贫搬迁", T, 6),
]  # fmt: skip
# The roster's numbers arrive as PostgreSQL's text of them (_roster_sql) and are written as
# those numbers (Column.numbers_as_text): the same cells as from Decimals and ints.
ROSTER_COLUMNS = [
    dataclasses.replace(column, numbers_as_text=True) if column.kind in (M, D, I, Y) else column
    for column in ROSTER_COLUMNS
]


def _bool_sql(expression: str) -> str:
    """bool_text in SQL: 是 / 否 / blank for NULL."""
    return f"CASE WHEN {expression} THEN '是' WHEN NOT {expression} THEN '否' ELSE '' END"


def _roster_sql(*, joined: bool = False) -> str:
    """One row per household in ROSTER_COLUMNS order (but the sequence number, the place
    names, labels and masking, added in Python), as of ``%(year)s``: the members counted and
    the head found by member_in_household_as_of_sql, the status by status_as_of_sql, the
    income figures by households.rules.income_account_sql (the one formula, in SQL), the
    cadre paired on 31 December. Reading a row costs less than building it from five
    queries' dicts in Python (docs/PERFORMANCE.md, issue 8).

    Each row is one ``text[]`` of its values (NULL stays NULL; the secondary causes joined
    with commas): psycopg2 makes a Python object per value it reads, and turning 53 values
    into str, int and Decimal objects cost more than one array of str (0.31 s against
    0.1 s of the writer's thread for a 12,664-household county); the numbers go to the
    writer as PostgreSQL's text of them (Column.numbers_as_text).

    ``joined``: each row as one text instead, the values joined by ROSTER_SEPARATOR (NULL as
    ""), which the writer's thread splits: one str object a row instead of 53, so psycopg2's
    reading, serial with the writer under the GIL, costs a fraction (a value holding the
    separator makes the batch be read again as arrays: _roster_rows)."""
    from assistance.models import Cadre, CadrePairing

    acc, b = income_account_sql("i"), _bool_sql
    water = "CASE WHEN g.water IN ('met', 'not_met') THEN g.water = 'met' ELSE h.has_safe_water END"
    first_head = (
        "(array_agg(m.{0} ORDER BY m.birth_date, m.id) FILTER (WHERE m.relation = '01'))[1]"
    )
    values = f"""
  h.household_number, h.village_code, hd.head_name, hd.head_id, COALESCE(hd.n, 0),
  {b("h.is_dangerous_house")}, {acc["per_capita_net"]}, {acc["gross"]}, {b(water)},
  h.bank_name, h.bank_account, h.identification_standard, h.main_cause,
  array_to_string(h.other_causes, ','),
  {acc["wage"]}, {acc["business"]}, {acc["property"]}, {acc["transfer"]},
  i.family_planning, i.dibao, i.tekun, i.pension, i.eco_compensation, i.transfer_other,
  {acc["costs"]}, {acc["net"]}, i.property_dividend, i.property_other,
  h.cultivated_land_mu, h.water_surface_mu, {b("h.in_cooperative")},
  h.grain_to_green_mu, h.fruit_forest_mu, h.pasture_mu, h.forest_land_mu,
  {b("h.has_production_power")}, {b("h.has_living_power")}, {b("h.has_broadcast_tv")},
  h.distance_to_road_km, h.access_road, h.housing_area, {b("h.has_sanitary_toilet")},
  h.fuel_type, h.house_grade, {b("h.led_by_enterprise")}, {b("h.led_by_entrepreneur")},
  h.attribute, {status_as_of_sql("h")}, CASE WHEN h.exit_year <= %(year)s THEN h.exit_year END,
  COALESCE(pc.name, ''), COALESCE(pc.unit_name, ''), h.phone, {b("h.is_relocated")}"""
    row = f"ARRAY[{', '.join(f'({v.strip()})::text' for v in _sql_list(values))}]"
    if joined:
        row = f"array_to_string({row}, E'\\x{ord(ROSTER_SEPARATOR):02x}', '')"
    return f"""
SELECT {row}
FROM unnest(%(pks)s::bigint[]) WITH ORDINALITY AS o(id, n)
JOIN "{Household._meta.db_table}" h ON h.id = o.id
LEFT JOIN "{AnnualIncome._meta.db_table}" i ON i.household_id = h.id AND i.year = %(year)s
LEFT JOIN "{GuaranteeStatus._meta.db_table}" g ON g.household_id = h.id AND g.year = %(year)s
LEFT JOIN LATERAL (
  SELECT count(*) AS n, {first_head.format("name")} AS head_name,
         {first_head.format("id_number")} AS head_id
  FROM "{Member._meta.db_table}" m
  WHERE m.household_id = h.id AND {member_in_household_as_of_sql("m")}
) hd ON TRUE
LEFT JOIN LATERAL (
  SELECT c.name, c.unit_name FROM "{CadrePairing._meta.db_table}" p
  JOIN "{Cadre._meta.db_table}" c ON c.id = p.cadre_id
  WHERE p.household_id = h.id AND p.start_date <= %(day)s
    AND (p.end_date IS NULL OR p.end_date >= %(day)s)
  ORDER BY p.start_date DESC LIMIT 1
) pc ON TRUE
ORDER BY o.n
"""


# Joins a roster row's values (_roster_sql(joined=True)): a control character no ledger value
# should hold (the writer drops it from text anyway as XML 1.0 forbids it).
ROSTER_SEPARATOR = "\x1f"
ROSTER_WIDTH = 53  # values per row of _roster_sql


def _sql_list(text: str) -> list[str]:
    """Split a SELECT list at its top-level commas (not those inside parentheses or quotes)."""
    items, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return [item for item in items if item.strip()]


def _roster_rows(params: LedgerParams, names: dict[str, str], pks: list[int]) -> Iterator[tuple]:
    mask_id, mask_tel, mask_bank = _maskers(params.user)
    year = params.year
    joined, arrays = _roster_sql(joined=True), _roster_sql()
    values = {
        "year": year,
        "as_of_next": datetime.date(year + 1, 1, 1),
        "day": datetime.date(year, 12, 31),
    }
    separator, separators = ROSTER_SEPARATOR, ROSTER_WIDTH - 1

    def read(chunk: list[int]) -> list:
        """The chunk's rows as joined texts (split by the loop below) or, when a value
        holds the separator, as lists read again as arrays."""
        with connection.cursor() as cursor:
            # PostgreSQL would JIT-compile this query (cost just above jit_above_cost):
            # about 240 ms per batch, more than executing it.
            cursor.execute("SET jit = off")
            cursor.execute(joined, {**values, "pks": chunk})
            rows = [row for (row,) in cursor.fetchall()]
            if any(row.count(separator) != separators for row in rows):
                cursor.execute(arrays, {**values, "pks": chunk})
                rows = [row for (row,) in cursor.fetchall()]
            cursor.execute("RESET jit")
            return rows

    places: dict[str, tuple] = {}
    number = 0
    for rows in _prefetched(_chunked(pks), read):
        for row in rows:
            (
            household_number, village, head_name, head_id, size, dangerous, per_capita, gross,
            water, bank_name, bank_account, standard, cause, others, *money, cultivated,
            water_surface, cooperative, grain_to_green, fruit, pasture, forest, production,
            living, tv, distance, road, area, toilet, fuel, grade, enterprise, entrepreneur,
            attribute, status, exit_year, cadre, unit, phone, relocated,
            ) = row.split(separator) if row.__class__ is str else row  # fmt: skip
            place = places.get(village)
            if place is None:
                place = places[village] = _place(names, village)
            number += 1
            yield (
                number, *place, household_number, head_name or "",
                mask_id(head_id) if head_id is not None else "", size, dangerous, per_capita,
                gross, water, year, bank_name, mask_bank(bank_account), STANDARD.get(standard, ""),
                CAUSE.get(cause, ""),
                "、".join(CAUSE.get(x, x) for x in others.split(",")) if others else "", *money,
                cultivated, water_surface, cooperative, grain_to_green, fruit, pasture, forest,
                production, living, tv, distance, ROAD.get(road, ""), area, toilet,
                FUEL.get(fuel, ""), GRADE.get(grade, ""), enterprise, entrepreneur,
                ATTRIBUTE.get(attribute, ""), STATUS.get(status, ""), exit_year, cadre, unit,
                mask_tel(phone), relocated,
            )  # fmt: skip


def _roster_plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    # the households' keys, read once: they give the count and the batches
    pks = list(households_for_export(params).values_list("pk", flat=True))
    label = "建档立卡贫困户花名册"
    return LedgerPlan(
        filename=_filename(params, names, label),
        sheets=[
            SheetPlan(
                "贫困户花名册",
                ROSTER_COLUMNS,
                lambda: _roster_rows(params, names, pks),
                title=_title(params, names, label),
                subtitle=subtitle(params, units=MONEY_UNITS),
            )
        ],
        total=len(pks),
    )


def _household_count(params: LedgerParams) -> int:
    return households_for_export(params).count()


ledger_kind(
    LedgerKind(
        key="households_roster",
        label="贫困户花名册",
        scope_model=Household,
        plan=_roster_plan,
        count=_household_count,
        description="每户一行，按全国扶贫开发信息系统户信息导出的列顺序（DOMAIN.md §15.1）。",
        order=10,
    )
)


# --- 人口明细 --------------------------------------------------------------------------------

MEMBER_ROSTER_COLUMNS = [
    Column("序号", I, 6), Column("市", T, 8), Column("县", T, 8), Column("乡（镇）", T, 10),
    Column("行政村", T, 10), Column("自然村", T, 10), Column("户编号", T, 20),
    Column("姓名", T, 8), Column("证件号码", T, 20), Column("性别", T, 4),
    Column("出生日期", "date"), Column("与户主关系", T, 8), Column("民族", T, 6),
    Column("政治面貌", T, 8), Column("文化程度", T, 10), Column("在校生状况", T, 10),
    Column("健康状况", T, 10), Column("劳动技能", T, 10), Column("务工状况", T, 12),
    Column("务工时间（月）", I, 6), Column("是否现役军人", T, 6),
    Column("是否参加城乡居民基本医疗保险", T, 8), Column("是否参加大病保险", T, 6),
    Column("是否参加城乡居民基本养老保险", T, 8), Column("享受低保政策情况", T, 8),
    Column("享受特困供养政策情况", T, 8), Column("贫困户属性", T, 14), Column("致贫原因", T, 8),
    Column("脱贫属性", T, 8), Column("联系电话", T, 14),
]  # fmt: skip


def _member_roster_rows(params: LedgerParams, names: dict[str, str]) -> Iterator[tuple]:
    mask_id, mask_tel, _bank = _maskers(params.user)
    year = params.year
    number = 0
    for batch in household_batches(households_for_export(params), year):
        for h in batch.households:
            pk = h["pk"]
            _province, city, county, township, village = _place(names, h["village_id"])
            attribute = ATTRIBUTE.get(h["attribute"], "")
            cause = CAUSE.get(h["main_cause"], "")
            status = STATUS.get(status_as_of(h["status"], batch.changes[pk], year), "")
            for m in batch.members[pk]:
                if not member_in_household_as_of(m, year):
                    continue
                number += 1
                yield (
                    number, city, county, township, village, h["group_name"],
                    h["household_number"], m["name"], mask_id(m["id_number"]),
                    SEX.get(m["sex"], ""), m["birth_date"], RELATION.get(m["relation"], ""),
                    ETHNICITY.get(m["ethnicity"], ""), POLITICAL.get(m["political_status"], ""),
                    EDUCATION.get(m["education"], ""), SCHOOL.get(m["school_status"], ""),
                    HEALTH.get(m["health"], ""), LABOUR.get(m["labour_ability"], ""),
                    WORK.get(m["work_status"], ""), m["work_months"],
                    bool_text(m["is_active_military"]),
                    bool_text(m["has_resident_medical_insurance"]),
                    bool_text(m["has_critical_illness_insurance"]),
                    bool_text(m["has_resident_pension"]), DIBAO.get(m["dibao"], ""),
                    TEKUN.get(m["tekun"], ""), attribute, cause, status, mask_tel(m["phone"]),
                )  # fmt: skip


def _member_count(params: LedgerParams) -> int:
    return Member.objects.filter(household__in=households_for_export(params)).count()


def _member_roster_plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    label = "建档立卡贫困人口明细"
    return LedgerPlan(
        filename=_filename(params, names, label),
        sheets=[
            SheetPlan(
                "人口明细",
                MEMBER_ROSTER_COLUMNS,
                lambda: _member_roster_rows(params, names),
                title=_title(params, names, label),
                subtitle=subtitle(params),
            )
        ],
        total=_member_count(params),
    )


ledger_kind(
    LedgerKind(
        key="members_roster",
        label="人口明细",
        scope_model=Household,
        plan=_member_roster_plan,
        count=_member_count,
        description="每人一行，该年度在户的家庭成员（DOMAIN.md §15.2）。",
        order=20,
    )
)


# --- 收入测算表 ---------------------------------------------------------------------------

INCOME_WORKSHEET_COLUMNS = [
    Column("序号", I, 6), Column("乡（镇）", T, 10), Column("行政村", T, 10), Column("户编号", T, 20),
    Column("户主姓名", T, 8), Column("统计期起", "date"), Column("统计期止", "date"),
    *[Column(label, M) for _name, (_group, label) in INCOME_COMPONENTS.items()],
    Column("年收入", M), Column("生产经营性支出", M), Column("纯收入", M),
    Column("家庭人口数", I, 6), Column("人均纯收入", M), Column("扶贫标准（元/人·年）", M),
    Column("测算结果", T, 10), Column("户主签字确认", T, 6), Column("帮扶责任人", T, 8),
    Column("帮扶责任人签字", T, 10), Column("户主签字", T, 10),
]  # fmt: skip


def poverty_line(year: int, region_code: str) -> Decimal | None:
    """The poverty line (扶贫标准, current prices) of the exported region and year, from the
    policy standards table (assessment); None when no standard is recorded."""
    from assessment.choices import StandardKey
    from assessment.selectors import standard_value

    row = standard_value(StandardKey.POVERTY_LINE.value, region_code, year)
    return row.value if row is not None else None


def _income_rows(params: LedgerParams, names: dict[str, str]) -> Iterator[tuple]:
    year = params.year
    line = poverty_line(year, params.region_code) if params.region_code else None
    number = 0
    batches = household_batches(
        households_for_export(params), year, member_values=HEAD_MEMBER_VALUES
    )
    for batch in batches:
        for h in batch.households:
            pk = h["pk"]
            members = [m for m in batch.members[pk] if member_in_household_as_of(m, year)]
            head = next((m for m in members if m["relation"] == "01"), None)
            income = batch.incomes.get(pk)
            acc = _account(income)
            if acc is None:
                result = _("未录入收入")
            elif line is None:
                result = ""
            else:
                result = _("高于标准") if acc.per_capita_net >= line else _("低于标准")
            income = income or {}
            number += 1
            _p, _c, _county, township, village = _place(names, h["village_id"])
            yield (
                number, township, village, h["household_number"], head["name"] if head else "",
                income.get("period_start"), income.get("period_end"),
                *[income.get(name) for name in INCOME_COMPONENTS],
                acc.gross if acc else None, acc.costs if acc else None, acc.net if acc else None,
                acc.household_size if acc else len(members), acc.per_capita_net if acc else None,
                line, result, bool_text(income.get("confirmed_by_head")) if income else "",
                (batch.pairings.get(pk) or {}).get("cadre__name", ""), "", "",
            )  # fmt: skip


def _income_plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    label = "贫困户收入测算表"
    return LedgerPlan(
        filename=_filename(params, names, label),
        sheets=[
            SheetPlan(
                "收入测算",
                INCOME_WORKSHEET_COLUMNS,
                lambda: _income_rows(params, names),
                title=_title(params, names, label),
                subtitle=subtitle(params, units="元"),
            )
        ],
        total=households_for_export(params).count(),
    )


ledger_kind(
    LedgerKind(
        key="income_worksheet",
        label="收入测算表",
        scope_model=Household,
        plan=_income_plan,
        count=_household_count,
        description="每户一行：该年度各项收入、支出、纯收入、人均纯收入（DOMAIN.md §5、§15.6）。",
        order=30,
    )
)


# --- 户籍数据包 (the import format) ------------------------------------------------------


def _package_rows(
    spec: SheetSpec, params: LedgerParams, names: dict[str, str], mask
) -> Iterator[tuple]:
    """Rows of one importable sheet, every year and every member (the import's own format)."""
    mask_id, mask_tel, mask_bank = mask
    masked = {"bank_account": mask_bank, "phone": mask_tel, "id_number": mask_id}
    for batch in household_batches(households_for_export(params), None):
        incomes: dict[int, list[dict]] = defaultdict(list)
        guarantees: dict[int, list[dict]] = defaultdict(list)
        pks = [h["pk"] for h in batch.households]
        if spec is INCOME_SHEET:
            for row in (
                AnnualIncome.objects.filter(household_id__in=pks)
                .order_by("year")
                .values(*INCOME_VALUES)
            ):
                incomes[row["household_id"]].append(row)
        if spec is GUARANTEE_SHEET:
            for row in (
                GuaranteeStatus.objects.filter(household_id__in=pks)
                .order_by("year")
                .values(*GUARANTEE_VALUES)
            ):
                guarantees[row["household_id"]].append(row)
        for h in batch.households:
            code = h["village_id"]
            if spec is HOUSEHOLD_SHEET:
                extra = {
                    "village_code": code,
                    "county_name": names.get(code[:6] + "000000", ""),
                    "township_name": names.get(code[:9] + "000", ""),
                    "village_name": names.get(code, ""),
                }
                records: Iterable[dict] = [{**h, **extra}]
            elif spec is MEMBER_SHEET:
                records = batch.members[h["pk"]]
            elif spec is INCOME_SHEET:
                records = incomes[h["pk"]]
            else:
                records = guarantees[h["pk"]]
            for record in records:
                record = {**record, "household_number": h["household_number"]}
                yield tuple(
                    f.to_cell(
                        masked[f.key](record.get(f.key)) if f.key in masked else record.get(f.key)
                    )
                    for f in spec.fields
                )


def _package_plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    mask = _maskers(params.user)
    label = "贫困户数据（可导入）"
    sheets = [
        SheetPlan(
            spec.name,
            spec.columns,
            (lambda spec=spec: _package_rows(spec, params, names, mask)),
            title=f"{region_title(params.region_code, names)}{spec.title}",
            subtitle=subtitle(params, units=MONEY_UNITS if spec is not MEMBER_SHEET else ""),
        )
        for spec in (HOUSEHOLD_SHEET, MEMBER_SHEET, INCOME_SHEET, GUARANTEE_SHEET)
    ]
    households = households_for_export(params)
    total = (
        households.count()
        + Member.objects.filter(household__in=households).count()
        + AnnualIncome.objects.filter(household__in=households).count()
        + GuaranteeStatus.objects.filter(household__in=households).count()
    )
    return LedgerPlan(filename=_filename(params, names, label), sheets=sheets, total=total)


ledger_kind(
    LedgerKind(
        key="households_package",
        label="贫困户数据（可导入）",
        scope_model=Household,
        plan=_package_plan,
        count=_household_count,
        description="户信息、家庭成员、年度收入（各年度）、两不愁三保障（各年度）四张表，"
        "与导入模板的格式相同，可在另一系统或另一数据库中原样导入。",
        order=15,
    )
)
