"""排名表 (rankings ledger, DOMAIN.md §11.5 and §15): the computed ranking of townships or
villages in a year, one sheet per ranking configured over the region, with every indicator
value behind the score (as a percentage) and the bottom-N mark.

Entries are the ones the ranking job stored (assessment.recompute); the ledger only reads
them, through poverty.scoping.visible_to (action "export") on the ranked region's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet

from assessment.choices import RankingIndicator
from assessment.models import RankingConfig, RankingEntry
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
from poverty.scoping import visible_to
from poverty.xlsx import Column

__all__ = ["RANKING_COLUMNS", "rankings_for_export"]

INDICATOR = choice_labels(RankingIndicator.choices)
UNIT_LEVEL = {"township": "乡镇", "village": "村"}
# Stored as 1 − incidence (every indicator is "higher is better"); the ledger shows the rate.
INCIDENCE = RankingIndicator.INCIDENCE_LOW.value


def _indicator_header(code: str, label: str) -> str:
    return "贫困发生率（%）" if code == INCIDENCE else f"{label}（%）"


RANKING_COLUMNS = [
    Column("名次", "int", 6), Column("区划代码", "text", 14), Column("名称", "text", 16),
    Column("得分", "decimal", 8),
    *(Column(_indicator_header(code, label), "decimal", 12) for code, label in INDICATOR.items()),
    Column("缺少数据的指标", "note", 24), Column("是否末位", "text", 6),
]  # fmt: skip
_PERCENT = Decimal("0.01")


def rankings_for_export(params: LedgerParams) -> QuerySet:
    """Ranking entries of the year for units in the region the user may export."""
    queryset = RankingEntry.objects.filter(year=params.year, config__is_active=True)
    if params.prefix:
        queryset = queryset.filter(region_code__startswith=params.prefix)
    return visible_to(params.user, queryset, "export")


def _percent(value, code: str = "") -> Decimal | None:
    if value is None:
        return None
    share = Decimal(str(value))
    if code == INCIDENCE:
        share = 1 - share
    return (share * 100).quantize(_PERCENT)


def _rows(entries: QuerySet) -> Iterator[tuple]:
    for e in entries.order_by("rank", "region_code").values(
        "rank", "region_code", "region_name", "score", "indicators", "missing", "is_bottom"
    ):
        indicators = e["indicators"] or {}
        yield (
            e["rank"], e["region_code"], e["region_name"], e["score"],
            *(_percent(indicators.get(code), code) for code in INDICATOR),
            "、".join(INDICATOR.get(code, code) for code in e["missing"] or ()),
            bool_text(e["is_bottom"]),
        )  # fmt: skip


def _plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    region = region_title(params.region_code, names)
    label = "排名表"
    entries = rankings_for_export(params)
    configs = RankingConfig.objects.filter(pk__in=entries.values("config_id")).order_by(
        "region_code", "name"
    )
    sheets = []
    for config in configs:
        mine = entries.filter(config=config)
        sheets.append(
            SheetPlan(
                config.name[:28] or label,
                RANKING_COLUMNS,
                lambda mine=mine: _rows(mine),
                title=f"{config.name}（{UNIT_LEVEL.get(config.unit_level, '')}排名，"
                f"{params.year}年度，末位 {config.bottom_n} 名标记）",
                subtitle=subtitle(params, units="分、%"),
            )
        )
    if not sheets:
        sheets.append(
            SheetPlan(
                label,
                RANKING_COLUMNS,
                lambda: iter(()),
                title=f"{region}{label}（{params.year}年度）：该年度没有排名结果",
                subtitle=subtitle(params),
            )  # fmt: skip
        )
    return LedgerPlan(
        filename=f"{region}{label}_{params.year}.xlsx",
        sheets=sheets,
        total=entries.count(),
    )


ledger_kind(
    LedgerKind(
        key="rankings",
        label="排名表",
        scope_model=RankingEntry,
        plan=_plan,
        count=lambda params: rankings_for_export(params).count(),
        description="县、市设置的乡镇或村排名在该年度的结果：名次、得分、各项指标和末位标记。",
        order=55,
    )
)
