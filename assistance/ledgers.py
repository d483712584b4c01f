"""Assistance ledgers: 结对帮扶台账 (pairing ledger, DOMAIN.md §15.3).

走访台账 (visits) and 帮扶措施台账 (measures) follow once the assistance app records visits and
measures; 一户一档 then adds a 走访记录 sheet through ``visit_rows_for_household``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from assistance.models import CadrePairing, UnitLevel
from households.filters import HouseholdFilterSet
from households.models import Household
from poverty.ledgers.base import (
    LedgerKind,
    LedgerParams,
    LedgerPlan,
    SheetPlan,
    choice_labels,
    ledger_kind,
    region_names,
    region_title,
    subtitle,
)
from poverty.masking import mask_phone
from poverty.scoping import user_sees_sensitive, visible_to
from poverty.xlsx import Column

__all__ = ["PAIRING_COLUMNS", "pairings_for_export"]

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
