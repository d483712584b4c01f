"""Resolving policy standards and checklists for a place and a year, and checking that a local
value is never looser than the national one. Pure: rows come in as plain values.

Resolution (DOMAIN.md §0 rule 2): among the rows of a key whose scope code is a prefix of the
place's division code (national = empty scope), the most specific prefix wins; among those,
a row for the place's region class (west/central/east) beats a class-free one; and the row
must cover the data year. A province row that does not cover the year falls back to the
national row for that year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from assessment.choices import STANDARD_KEYS, ChecklistOperator, Evidence, Strictness

__all__ = [
    "MSG_CHECKLIST_LOOSER",
    "MSG_LOOSER_THAN_PARENT",
    "MSG_STRICTER_CHILD",
    "MSG_YEAR_OVERLAP",
    "MSG_YEAR_RANGE",
    "ChecklistRow",
    "StandardRow",
    "StandardSet",
    "StandardView",
    "checklist_row_problems",
    "standard_row_problems",
    "years_label",
]

MSG_YEAR_RANGE = _("起始年度不能晚于终止年度")
MSG_YEAR_OVERLAP = _("与已有的同一地区、同一标准（%(years)s）年度重叠")
MSG_LOOSER_THAN_PARENT = _(
    "地方标准只能比上级更严格，不能放宽：%(label)s %(value)s 比%(parent)s（%(parent_value)s）更宽松"
)
MSG_STRICTER_CHILD = _(
    "修改后将使下级地区 %(scope)s 的标准（%(child_value)s）比本级更宽松；请先调整下级标准"
)
MSG_CHECKLIST_LOOSER = _(
    "地方清单只能比上级更严格：指标“%(code)s”在%(parent)s为%(parent_rule)s，本级不能放宽"
)


def _in_years(year: int, year_from: int | None, year_to: int | None) -> bool:
    return (year_from is None or year >= year_from) and (year_to is None or year <= year_to)


def _overlap(a_from, a_to, b_from, b_to) -> bool:
    lo_a = a_from if a_from is not None else -(10**6)
    hi_a = a_to if a_to is not None else 10**6
    lo_b = b_from if b_from is not None else -(10**6)
    hi_b = b_to if b_to is not None else 10**6
    return lo_a <= hi_b and lo_b <= hi_a


def years_label(year_from: int | None, year_to: int | None) -> str:
    if year_from is None and year_to is None:
        return "各年度"
    return f"{year_from or ''}–{year_to or ''}"


def _plain(value: Decimal) -> str:
    """3E+3 → "3000"; 0.0250 → "0.025"."""
    return format(value.normalize(), "f")


def _scope_name(scope_code: str) -> str:
    return "全国" if not scope_code else f"地区 {scope_code}"


@dataclass(frozen=True, slots=True)
class StandardRow:
    """One row of the policy-standards table, as plain values (also the resolved standard)."""

    key: str
    value: Decimal
    scope_code: str = ""
    region_class: str = ""
    year_from: int | None = None
    year_to: int | None = None
    measure: str = ""
    evidence: str = Evidence.SECONDARY
    source: str = ""
    pk: int | None = None

    @property
    def unconfirmed(self) -> bool:
        return self.evidence == Evidence.UNVERIFIED

    @property
    def label(self) -> str:
        from assessment.choices import StandardKey

        try:
            return str(StandardKey(self.key).label)
        except ValueError:
            return self.key

    def covers(self, year: int) -> bool:
        return _in_years(year, self.year_from, self.year_to)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "value": float(self.value),
            "scope": self.scope_code,
            "region_class": self.region_class,
            "years": years_label(self.year_from, self.year_to),
            "measure": self.measure,
            "evidence": self.evidence,
            "unconfirmed": self.unconfirmed,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """One indicator of a provincial or local exit checklist (DOMAIN.md §7.3)."""

    code: str
    level: str
    indicator: str
    fact: str
    operator: str = ChecklistOperator.TRUE
    threshold: Decimal | None = None
    unit: str = ""
    veto: bool = True
    checklist_name: str = ""
    evidence_required: str = ""
    scope_code: str = ""
    year_from: int | None = None
    year_to: int | None = None
    evidence: str = Evidence.SECONDARY
    source: str = ""
    sort_order: int = 0
    pk: int | None = None

    @property
    def unconfirmed(self) -> bool:
        return self.evidence == Evidence.UNVERIFIED


def _more_specific(row: StandardRow) -> tuple:
    return (len(row.scope_code), 1 if row.region_class else 0, row.year_from or 0)


class StandardView:
    """The standards that apply to one place, year and region class; ``get`` is cached."""

    __slots__ = ("_cache", "_checklists", "memo", "region_class", "scope_codes", "sset", "year")

    def __init__(self, sset: StandardSet, scope_codes: tuple[str, ...], year: int, rc: str):
        self.sset = sset
        self.scope_codes = scope_codes
        self.year = year
        self.region_class = rc
        self._cache: dict[str, StandardRow | None] = {}
        self._checklists: dict[str, tuple[ChecklistRow, ...]] = {}
        # Rule modules keep what they derive from this view's standards here (once per view).
        self.memo: dict = {}

    def get(self, key: str) -> StandardRow | None:
        try:
            return self._cache[key]
        except KeyError:
            pass
        best = None
        for row in self.sset.rows_by_key.get(key, ()):
            if row.scope_code not in self.scope_codes:
                continue
            if row.region_class and row.region_class != self.region_class:
                continue
            if not row.covers(self.year):
                continue
            if best is None or _more_specific(row) > _more_specific(best):
                best = row
        self._cache[key] = best
        return best

    def value(self, key: str) -> Decimal | None:
        row = self.get(key)
        return None if row is None else row.value

    def checklist(self, level: str) -> tuple[ChecklistRow, ...]:
        """Items of every applicable scope, national first; a more specific scope's item with
        the same code replaces the less specific one (validated to be stricter on save)."""
        try:
            return self._checklists[level]
        except KeyError:
            pass
        chosen: dict[str, ChecklistRow] = {}
        rows = [
            r
            for r in self.sset.checklist_rows
            if r.level == level
            and r.scope_code in self.scope_codes
            and _in_years(self.year, r.year_from, r.year_to)
        ]
        for row in sorted(rows, key=lambda r: (len(r.scope_code), r.sort_order)):
            chosen[row.code] = row
        result = tuple(sorted(chosen.values(), key=lambda r: (r.sort_order, r.code)))
        self._checklists[level] = result
        return result

    def with_overrides(self, overrides: Mapping[str, Decimal]) -> StandardView:
        """A view where some keys are replaced by given values (what-if "standards")."""
        view = StandardView(self.sset, self.scope_codes, self.year, self.region_class)
        for key, value in overrides.items():
            view._cache[key] = StandardRow(
                key=key,
                value=Decimal(str(value)),
                scope_code="override",
                evidence=Evidence.VERIFIED,
                source="what-if override",
            )
        return view


class StandardSet:
    """All standards and checklist items, indexed for resolution; build once per job or request."""

    def __init__(self, rows: Iterable[StandardRow], checklist_rows: Iterable[ChecklistRow] = ()):
        self.rows_by_key: dict[str, list[StandardRow]] = {}
        for row in rows:
            self.rows_by_key.setdefault(row.key, []).append(row)
        self.checklist_rows = tuple(checklist_rows)
        scopes = {r.scope_code for rows_ in self.rows_by_key.values() for r in rows_}
        scopes |= {r.scope_code for r in self.checklist_rows}
        scopes.add("")
        self._scope_lengths = tuple(sorted({len(s) for s in scopes}))
        self._scopes = frozenset(scopes)
        self._views: dict[tuple, StandardView] = {}

    def scopes_for(self, division_code: str) -> tuple[str, ...]:
        return tuple(
            division_code[:n]
            for n in self._scope_lengths
            if n <= len(division_code) and division_code[:n] in self._scopes
        )

    def view(self, division_code: str, year: int, region_class: str = "") -> StandardView:
        scopes = self.scopes_for(division_code)
        key = (scopes, year, region_class)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = StandardView(self, scopes, year, region_class)
        return view


# --- Validation of a new or changed row (admin and services call these) -------------------


def _looser(strictness: str, value: Decimal, reference: Decimal) -> bool:
    if strictness == Strictness.HIGHER:
        return value < reference
    if strictness == Strictness.LOWER:
        return value > reference
    return False


def _classes_meet(a: str, b: str) -> bool:
    return not a or not b or a == b


def standard_row_problems(
    candidate: StandardRow, others: Iterable[StandardRow], *, scope_class: str = ""
) -> list[str]:
    """Why ``candidate`` may not be saved next to ``others`` (the other rows of the table).

    ``scope_class`` is the region class of the candidate's scope (west for 四川), when known:
    a class-free provincial row is then compared only with the rows for its own class.

    - the year range is ordered;
    - no other row of the same key, scope and class overlaps its years;
    - it is not looser than any less specific row it overlaps (a province may only be
      stricter, DOMAIN.md §0 rule 4), and no more specific row becomes looser than it.
    """
    problems: list[str] = []
    if (
        candidate.year_from is not None
        and candidate.year_to is not None
        and candidate.year_from > candidate.year_to
    ):
        problems.append(str(MSG_YEAR_RANGE))
    info = STANDARD_KEYS.get(candidate.key)
    strictness = info.strictness if info else Strictness.NONE
    label = candidate.label
    effective_class = candidate.region_class or scope_class
    for other in others:
        if other.key != candidate.key or (candidate.pk is not None and other.pk == candidate.pk):
            continue
        if not _overlap(candidate.year_from, candidate.year_to, other.year_from, other.year_to):
            continue
        if (
            other.scope_code == candidate.scope_code
            and other.region_class == candidate.region_class
        ):
            problems.append(
                str(MSG_YEAR_OVERLAP % {"years": years_label(other.year_from, other.year_to)})
            )
            continue
        if not _classes_meet(other.region_class, effective_class):
            continue
        if other.scope_code != candidate.scope_code and candidate.scope_code.startswith(
            other.scope_code
        ):
            if _looser(strictness, candidate.value, other.value):
                problems.append(
                    str(
                        MSG_LOOSER_THAN_PARENT
                        % {
                            "label": label,
                            "value": _plain(candidate.value),
                            "parent": _scope_name(other.scope_code),
                            "parent_value": _plain(other.value),
                        }
                    )
                )
        elif other.scope_code != candidate.scope_code and other.scope_code.startswith(
            candidate.scope_code
        ):
            if _looser(strictness, other.value, candidate.value):
                problems.append(
                    str(
                        MSG_STRICTER_CHILD
                        % {"scope": other.scope_code, "child_value": _plain(other.value)}
                    )
                )
    return problems


_OP_STRICTNESS = {
    ChecklistOperator.GTE: Strictness.HIGHER,
    ChecklistOperator.GT: Strictness.HIGHER,
    ChecklistOperator.LTE: Strictness.LOWER,
    ChecklistOperator.LT: Strictness.LOWER,
}


def checklist_row_problems(candidate: ChecklistRow, others: Iterable[ChecklistRow]) -> list[str]:
    """A local item that replaces a wider one (same code and level) must not loosen it:
    same operator, threshold no looser, and a veto stays a veto."""
    problems: list[str] = []
    if (
        candidate.year_from is not None
        and candidate.year_to is not None
        and candidate.year_from > candidate.year_to
    ):
        problems.append(str(MSG_YEAR_RANGE))
    for other in others:
        if (
            other.code != candidate.code
            or other.level != candidate.level
            or (candidate.pk is not None and other.pk == candidate.pk)
        ):
            continue
        if not _overlap(candidate.year_from, candidate.year_to, other.year_from, other.year_to):
            continue
        if other.scope_code == candidate.scope_code:
            problems.append(
                str(MSG_YEAR_OVERLAP % {"years": years_label(other.year_from, other.year_to)})
            )
            continue
        if other.scope_code.startswith(candidate.scope_code):
            wider, narrower = candidate, other
        elif candidate.scope_code.startswith(other.scope_code):
            wider, narrower = other, candidate
        else:
            continue
        loosened = (wider.veto and not narrower.veto) or narrower.operator != wider.operator
        strictness = _OP_STRICTNESS.get(wider.operator)
        if (
            not loosened
            and strictness
            and wider.threshold is not None
            and narrower.threshold is not None
        ):
            loosened = _looser(strictness, narrower.threshold, wider.threshold)
        if loosened:
            rule = f"{wider.operator} {wider.threshold if wider.threshold is not None else ''}"
            if wider.veto:
                rule += "（一票否决）"
            problems.append(
                str(
                    MSG_CHECKLIST_LOOSER
                    % {
                        "code": candidate.code,
                        "parent": _scope_name(wider.scope_code),
                        "parent_rule": rule.strip(),
                    }
                )
            )
    return problems
