"""What every verdict is made of: reasons with a stable code and a Chinese message, and numbers
formatted the way the ledgers print them. Pure: no ORM, no request."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from assessment.choices import Outcome, Severity
from assessment.rules.messages import UNCONFIRMED_SUFFIX, render_message

__all__ = [
    "BLOCKING",
    "UNCONFIRMED_SUFFIX",
    "Reason",
    "Verdict",
    "fmt_number",
    "fmt_pct",
    "fmt_yuan",
    "outcome_of",
    "standard_missing",
    "unconfirmed",
]

BLOCKING = frozenset({Severity.FAIL, Severity.UNKNOWN})
_CENT = Decimal("0.01")
_NO_PARAMS: Mapping = MappingProxyType({})


@dataclass(slots=True)
class Reason:
    """One failed, unknown or noted indicator of a verdict.

    ``code`` is stable and documented in docs/rules.md; ``params`` are the figures and the
    standard used; ``message`` is the sentence, rendered from the template (``template`` or
    the code) in the active language. ``severity`` fail/unknown block the verdict;
    warning/info do not. ``item`` names the guarantee, rate or checklist item.
    """

    code: str
    severity: str = Severity.FAIL
    params: Mapping | None = None
    veto: bool = False
    item: str = ""
    unconfirmed: bool = False
    template: str = ""

    @property
    def message(self) -> str:
        return render_message(
            self.template or self.code, self.params or _NO_PARAMS, self.item, self.unconfirmed
        )

    def as_dict(self) -> dict:
        """The full form pages and the API show."""
        data = {"code": self.code, "message": self.message, "severity": str(self.severity)}
        if self.veto:
            data["veto"] = True
        if self.item:
            data["item"] = self.item
        if self.unconfirmed:
            data["unconfirmed"] = True
        return data

    def stored(self) -> dict:
        """The compact form kept in the derived tables (figures, not prose)."""
        data: dict = {"c": self.code}
        if self.severity != Severity.FAIL:
            data["s"] = str(self.severity)
        if self.params:
            data["p"] = {
                k: (float(v) if isinstance(v, Decimal) else v) for k, v in self.params.items()
            }
        if self.veto:
            data["v"] = 1
        if self.item:
            data["i"] = self.item
        if self.unconfirmed:
            data["u"] = 1
        if self.template:
            data["t"] = self.template
        return data

    @classmethod
    def from_stored(cls, data: Mapping, figures: Mapping | None = None) -> Reason:
        """A reason read back; ``figures`` are the row's own (year, income, line) that the
        stored form leaves out (assessment.recompute.ROW_FIGURES)."""
        params = data.get("p") or None
        if figures:
            params = {**figures, **(params or {})}
        return cls(
            code=data["c"],
            severity=data.get("s", Severity.FAIL),
            params=params,
            veto=bool(data.get("v")),
            item=data.get("i", ""),
            unconfirmed=bool(data.get("u")),
            template=data.get("t", ""),
        )


def standard_missing(year: int, key: str) -> Reason:
    """No row of the standards table applies to the place and year: nothing to judge by."""
    return Reason(
        "standard_missing", Severity.UNKNOWN, {"year": year, "standard_key": key}, item=key
    )


@dataclass(slots=True)
class Verdict:
    """The answer for one household-year, village-year or county-year."""

    level: str
    year: int
    eligible: bool
    outcome: str
    reasons: tuple[Reason, ...]
    figures: dict = field(default_factory=dict)
    standards: tuple = ()  # the ResolvedStandard rows used, for display
    monitor: bool = False
    monitor_flags: tuple[Reason, ...] = ()

    @property
    def blocking(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.severity in BLOCKING)


def outcome_of(reasons: Iterable[Reason]) -> str:
    """Any failure → not eligible; else any unknown → incomplete (unknown is never met)."""
    outcome = Outcome.ELIGIBLE
    for reason in reasons:
        if reason.severity == Severity.FAIL:
            return Outcome.NOT_ELIGIBLE
        if reason.severity == Severity.UNKNOWN:
            outcome = Outcome.INCOMPLETE
    return outcome


def unconfirmed(*standards) -> bool:
    """Whether any standard used is marked [U] (its reason then says "（标准待确认）")."""
    return any(s is not None and s.unconfirmed for s in standards)


def fmt_number(value) -> str:
    """3100 → "3,100"; 3100.5 → "3,100.50"; 40 → "40" (figures as ledgers print them)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.quantize(_CENT, rounding=ROUND_HALF_UP):,}"


def fmt_yuan(value) -> str:
    return fmt_number(value)


def fmt_pct(ratio) -> str:
    """0.021 → "2.1%"; 0.03 → "3%"; 1/3 → "33.33%" (at most two decimals of a percent)."""
    number = ratio if isinstance(ratio, Decimal) else Decimal(str(ratio))
    pct = (number * 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    text = f"{pct:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
