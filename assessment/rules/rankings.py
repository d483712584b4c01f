"""Rankings (排名) of townships or villages on weighted indicators, DOMAIN.md §11.5 and §17.5
(四平: the bottom three adjusted). Pure.

Every indicator is a share in [0, 1] where higher is better (incidence enters as 1 − incidence).
score = Σ weightᵢ × valueᵢ ÷ Σ weightᵢ × 100 (points out of 100). A unit without a value for
an indicator scores 0 on it and the entry says so: a missing figure never earns points.
Equal scores share a rank ("1, 2, 2, 4"); the bottom N are highlighted, ties at the boundary
included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["RankedUnit", "RankingUnit", "ranking_compute"]

_POINT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RankingUnit:
    code: str
    name: str
    indicators: Mapping[str, Decimal | None]


@dataclass(frozen=True, slots=True)
class RankedUnit:
    code: str
    name: str
    rank: int
    score: Decimal
    indicators: dict
    missing: tuple[str, ...]
    is_bottom: bool


def ranking_compute(
    units: Sequence[RankingUnit], weights: Mapping[str, Decimal | int | float], bottom_n: int
) -> list[RankedUnit]:
    """Rank ``units`` by weighted score, best first."""
    weights = {k: Decimal(str(w)) for k, w in weights.items() if Decimal(str(w)) > 0}
    total = sum(weights.values(), Decimal(0))
    scored = []
    for unit in units:
        points = Decimal(0)
        missing = []
        for indicator, weight in weights.items():
            value = unit.indicators.get(indicator)
            if value is None:
                missing.append(indicator)
                continue
            value = min(max(Decimal(str(value)), Decimal(0)), Decimal(1))
            points += weight * value
        score = (points / total * 100).quantize(_POINT, ROUND_HALF_UP) if total else Decimal(0)
        scored.append((score, unit, tuple(missing)))
    scored.sort(key=lambda item: (-item[0], item[1].code))
    ranked: list[RankedUnit] = []
    previous_score = None
    rank = 0
    for position, (score, unit, missing) in enumerate(scored, start=1):
        if score != previous_score:
            rank = position
            previous_score = score
        ranked.append((rank, score, unit, missing))
    count = len(ranked)
    cutoff_score = ranked[count - bottom_n][1] if 0 < bottom_n <= count else None
    result = []
    for rank, score, unit, missing in ranked:
        is_bottom = bottom_n >= count if cutoff_score is None else score <= cutoff_score
        result.append(
            RankedUnit(
                code=unit.code,
                name=unit.name,
                rank=rank,
                score=score,
                indicators={
                    k: (None if unit.indicators.get(k) is None else float(unit.indicators[k]))
                    for k in weights
                },
                missing=missing,
                is_bottom=bool(bottom_n) and is_bottom,
            )
        )
    return result
