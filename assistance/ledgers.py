"""Assistance ledgers: 结对帮扶台账 (pairing ledger, DOMAIN.md §15.3) and 走访台账 (visit log,
§15.5); 一户一档 adds a 走访记录 sheet through ``visit_rows_for_household``.

帮扶措施台账 (measures, §15.4) follows once the assistance app records measures.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from assistance.choices import VisitKind, VisitorRole
from assistance.models import CadrePairing, UnitLevel, Visit
from households.filters import HouseholdFilterSet
from households.models import Household
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
from poverty.masking import mask_phone
from poverty.scoping import user_sees_sensitive, visible_to
from poverty.xlsx import Column

__all__ = [
    "PAIRING_COLUMNS",
    "VISIT_COLUMNS",
    "pairings_for_export",
    "visit_rows_for_household",
    "visits_for_export",
]

UNIT_LEVEL = choice_labels(UnitLevel.choices)
PAIRING_COLUMNS = [
    Column("序号", "int", 6), Column("乡（镇）", "text", 10), Column("行政村", "text", 10),
    Column("姓名", "text", 8), Column("单位名称", "text", 22), Column("单位隶属关系", "text", 8),
    Column("职务", "text", 10), Column("联系电话", "text", 14), Column("帮扶户主姓名", "text", 8),
    Column("户编号", "text", 20), Column("帮扶起始时间", "date"), Column("结束时间", "date"),
    Column("结束原因", "text", 16),
]  # fmt: skip


def pairings_for_export(params: LedgerParams) -> QuerySet:
    """Pairings in force at some time in the year, of households the user may export."""
    first, last = datetime.date(params.year, 1, 1), datetime.date(params.year, 12, 31)
    households = Household.objects.filter(is_deleted=False)
    if params.prefix:
        households = households.filter(village__code__startswith=params.prefix)
    filters = {k: v for k, v in params.filters.items() if k not in ("region", "year", "ordering")}
    if filters:
        households = HouseholdFilterSet(filters, queryset=households).qs
    queryset = CadrePairing.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        start_date__lte=last,
        household__in=households,
    )
    return visible_to(params.user, queryset, "export").order_by(
        "household__village_id", "household__household_number", "start_date", "id"
    )


def _rows(params: LedgerParams, names: dict[str, str]) -> Iterator[tuple]:
    from households.models import Member

    sensitive = user_sees_sensitive(params.user)
    phone = (lambda v: v or "") if sensitive else mask_phone
    rows = pairings_for_export(params).values_list(
        "household_id", "household__village_id", "household__household_number", "cadre__name",
        "cadre__unit_name", "cadre__unit_level", "cadre__position", "cadre__phone",
        "start_date", "end_date", "end_reason",
    )  # fmt: skip
    batch: list[tuple] = []
    number = 0

    def flush():
        nonlocal number
        heads = dict(
            Member.objects.filter(
                household_id__in={r[0] for r in batch}, relation="01", is_active=True
            ).values_list("household_id", "name")
        )
        for r in batch:
            number += 1
            code = r[1]
            yield (number, names.get(code[:9] + "000", ""), names.get(code, ""), r[3], r[4],
                   UNIT_LEVEL.get(r[5], ""), r[6], phone(r[7]), heads.get(r[0], ""), r[2], r[8],
                   r[9], r[10])  # fmt: skip
        batch.clear()

    for row in rows.iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            yield from flush()
    if batch:
        yield from flush()


def _plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    label = "结对帮扶台账"
    return LedgerPlan(
        filename=f"{region_title(params.region_code, names)}{label}_{params.year}.xlsx",
        sheets=[
            SheetPlan(
                "结对帮扶",
                PAIRING_COLUMNS,
                lambda: _rows(params, names),
                title=f"{region_title(params.region_code, names)}{label}（{params.year}年度）",
                subtitle=subtitle(params),
            )
        ],
        total=pairings_for_export(params).count(),
    )


ledger_kind(
    LedgerKind(
        key="pairing_ledger",
        label="结对帮扶台账",
        scope_model=CadrePairing,
        plan=_plan,
        count=lambda params: pairings_for_export(params).count(),
        description="该年度内在帮的每一对结对（帮扶责任人—贫困户），DOMAIN.md §15.3。",
        order=40,
    )
)


# --- 走访台账 (DOMAIN.md §15.5) -----------------------------------------------------------------

VISIT_KIND = choice_labels(VisitKind.choices)
VISITOR_ROLE = choice_labels(VisitorRole.choices)
VISIT_COLUMNS = [
    Column("序号", "int", 6), Column("乡（镇）", "text", 10), Column("行政村", "text", 10),
    Column("走访日期", "date"), Column("走访人", "text", 8), Column("走访人身份", "text", 12),
    Column("户主姓名", "text", 8), Column("户编号", "text", 20), Column("走访方式", "text", 8),
    Column("了解情况", "note", 40), Column("宣讲政策", "note", 30),
    Column("解决问题/办理事项", "note", 30), Column("群众诉求", "note", 30),
    Column("需要跟进", "text", 6), Column("跟进事项", "note", 24), Column("照片", "text", 6),
    Column("GPS位置", "text", 22), Column("户主签字", "text", 10),
]  # fmt: skip
VISIT_VALUES = (
    "household_id", "household__village_id", "household__household_number", "visited_on",
    "visitor_name", "visitor_role", "kind", "findings", "policies_explained", "actions_taken",
    "demands", "follow_up_needed", "follow_up_note", "photo", "latitude", "longitude",
)  # fmt: skip


def visits_for_export(params: LedgerParams) -> QuerySet:
    """Visits made in the year to households of the region the user may export."""
    queryset = Visit.objects.filter(visited_on__year=params.year, household__is_deleted=False)
    if params.prefix:
        queryset = queryset.filter(division_code__startswith=params.prefix)
    filters = {k: v for k, v in params.filters.items() if k not in ("region", "year", "ordering")}
    if filters:
        households = HouseholdFilterSet(filters, queryset=Household.objects.all()).qs
        queryset = queryset.filter(household__in=households)
    return visible_to(params.user, queryset, "export").order_by(
        "division_code", "household__household_number", "visited_on", "id"
    )


def _visit_row(number: int, r: dict, head: str, names: dict[str, str]) -> tuple:
    code = r["household__village_id"]
    location = (
        f"{r['latitude']},{r['longitude']}" if r["latitude"] is not None else ""
    )  # text: "纬度,经度"
    return (
        number, names.get(code[:9] + "000", ""), names.get(code, ""), r["visited_on"],
        r["visitor_name"], VISITOR_ROLE.get(r["visitor_role"], ""), head,
        r["household__household_number"], VISIT_KIND.get(r["kind"], ""), r["findings"],
        r["policies_explained"], r["actions_taken"], r["demands"],
        bool_text(r["follow_up_needed"]), r["follow_up_note"], "有" if r["photo"] else "",
        location, "",  # 户主签字: left blank for a wet signature
    )  # fmt: skip


def _heads(household_ids) -> dict[int, str]:
    from households.models import Member

    return dict(
        Member.objects.filter(
            household_id__in=household_ids, relation="01", is_active=True
        ).values_list("household_id", "name")
    )


def _visit_rows(params: LedgerParams, names: dict[str, str]) -> Iterator[tuple]:
    batch: list[dict] = []
    number = 0

    def flush():
        nonlocal number
        heads = _heads({r["household_id"] for r in batch})
        for r in batch:
            number += 1
            yield _visit_row(number, r, heads.get(r["household_id"], ""), names)
        batch.clear()

    for row in visits_for_export(params).values(*VISIT_VALUES).iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            yield from flush()
    if batch:
        yield from flush()


def visit_rows_for_household(household_id: int) -> Iterator[tuple]:
    """一户一档's 走访记录: every visit to one household, oldest first (the caller checked
    the user may see the household)."""
    rows = list(
        Visit.objects.filter(household_id=household_id)
        .order_by("visited_on", "id")
        .values(*VISIT_VALUES)
    )
    if not rows:
        return
    code = rows[0]["household__village_id"]
    names = region_names(code)
    head = _heads([household_id]).get(household_id, "")
    for number, r in enumerate(rows, start=1):
        yield _visit_row(number, r, head, names)


def _visit_plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    label = "走访台账"
    region = region_title(params.region_code, names)
    return LedgerPlan(
        filename=f"{region}{label}_{params.year}.xlsx",
        sheets=[
            SheetPlan(
                "走访台账",
                VISIT_COLUMNS,
                lambda: _visit_rows(params, names),
                title=f"{region}{label}（{params.year}年度）",
                subtitle=subtitle(params),
            )
        ],
        total=visits_for_export(params).count(),
    )


ledger_kind(
    LedgerKind(
        key="visit_ledger",
        label="走访台账",
        scope_model=Visit,
        plan=_visit_plan,
        count=lambda params: visits_for_export(params).count(),
        description="该年度内对辖区贫困户的每一次走访（入户记录），DOMAIN.md §15.5。",
        order=45,
    )
)
