"""What every ledger kind shares: its parameters, its plan (sheets of columns and lazy rows),
region names for titles, and the registry that pages, jobs and commands look kinds up in.

A ledger kind lives in its app's ``ledgers`` module (households, assistance, villages,
assessment) and
registers itself here with :func:`ledger_kind`; this module knows nothing of their models.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from poverty.xlsx import Column, Validation
from villages.codes import LEVEL_PREFIX_LENGTH, code_ancestors, code_level

__all__ = [
    "LEDGER_KINDS",
    "LedgerKind",
    "LedgerParams",
    "LedgerPlan",
    "SheetPlan",
    "bool_text",
    "choice_labels",
    "ledger_kind",
    "ledger_kind_get",
    "region_names",
    "region_title",
    "subtitle",
]


@dataclass
class LedgerParams:
    """Who asks for which ledger of which region, as of which year, narrowed how."""

    user: Any
    region_code: str  # 12-digit code of the region exported ("" = whole system, admin only)
    year: int
    filters: dict[str, Any] = field(default_factory=dict)  # HouseholdFilterSet parameters
    household_id: int | None = None  # 一户一档
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def prefix(self) -> str:
        level = code_level(self.region_code) if self.region_code else None
        return self.region_code[: LEVEL_PREFIX_LENGTH[level]] if level else ""

    def as_json(self) -> dict:
        return {
            "region_code": self.region_code,
            "year": self.year,
            "filters": {k: v for k, v in self.filters.items() if v not in ("", None, [])},
            "household_id": self.household_id,
        }


@dataclass
class SheetPlan:
    name: str
    columns: Sequence[Column]
    rows: Callable[[], Iterable[Sequence[Any]]]  # called once, when the sheet is written
    title: str = ""
    subtitle: str = ""
    form: bool = False  # a two-column label/value form instead of a table
    validations: Sequence[Validation] = ()
    validation_rows: int = 0
    hidden: bool = False


@dataclass
class LedgerPlan:
    filename: str
    sheets: list[SheetPlan]
    total: int  # rows to write, for progress and for choosing request vs job
    detail: dict = field(default_factory=dict)  # what the access log records


@dataclass(frozen=True)
class LedgerKind:
    """One exportable ledger: its key in URLs and commands, its label, how to plan it."""

    key: str
    label: str
    scope_model: type
    plan: Callable[[LedgerParams], LedgerPlan]
    count: Callable[[LedgerParams], int]
    per_household: bool = False  # 一户一档: needs household_id, not a region
    description: str = ""
    order: int = 100


LEDGER_KINDS: dict[str, LedgerKind] = {}


def ledger_kind(kind: LedgerKind) -> LedgerKind:
    LEDGER_KINDS[kind.key] = kind
    return kind


def _load_app_ledgers() -> None:
    # Importing registers the kinds; done lazily so that this module has no app imports.
    import assessment.ledgers  # noqa: F401
    import assistance.ledgers  # noqa: F401
    import households.ledgers  # noqa: F401
    import villages.ledgers  # noqa: F401


def ledger_kind_get(key: str) -> LedgerKind | None:
    _load_app_ledgers()
    return LEDGER_KINDS.get(key)


def ledger_kinds() -> list[LedgerKind]:
    _load_app_ledgers()
    return sorted(LEDGER_KINDS.values(), key=lambda k: (k.order, k.key))


__all__ += ["ledger_kinds"]


def region_names(prefix: str, *, extra_codes: Iterable[str] = ()) -> dict[str, str]:
    """code → name for every region under ``prefix`` and its ancestors (one query)."""
    from villages.models import Region

    codes = set(extra_codes)
    if prefix:
        codes.update(code_ancestors(prefix.ljust(12, "0")))
    queryset = Region.objects.all()
    if prefix:
        queryset = queryset.filter(code__startswith=prefix) | Region.objects.filter(code__in=codes)
    return dict(queryset.values_list("code", "name"))


def region_title(region_code: str, names: dict[str, str] | None = None) -> str:
    """ "湖南省怀化市鹤城区" for a county; from the county down for a township or village."""
    if not region_code:
        return str(_("全部地区"))
    names = names if names is not None else region_names("", extra_codes=[region_code])
    level = code_level(region_code)
    chain = [*code_ancestors(region_code), region_code]
    if level in ("township", "village"):
        chain = chain[2:]  # ××县××乡××村
    return "".join(names.get(code, "") for code in chain)


def subtitle(params: LedgerParams, *, units: str = "") -> str:
    """Row 2: 填报单位, 单位 (where money or areas are shown), 数据年度, 填报日期."""
    parts = [f"填报单位：{region_title(params.region_code)}"]
    if units:
        parts.append(f"单位：{units}")
    parts.append(f"数据年度：{params.year}年（截至{params.year}年12月31日）")
    parts.append(f"填报日期：{params.today:%Y-%m-%d}")
    return "　　".join(parts)


def choice_labels(choices) -> dict[str, str]:
    """code → label as plain strings (lazy translations resolved once, not per row)."""
    return {str(code): str(label) for code, label in choices}


def bool_text(value: bool | None) -> str:
    if value is None:
        return ""
    return "是" if value else "否"
