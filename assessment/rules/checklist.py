"""Provincial and local exit checklists (DOMAIN.md §7.3): each item reads one fact and compares
it with its threshold. A missing fact is unknown, never met. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from assessment.choices import ChecklistOperator, Severity
from assessment.rules.base import Reason, fmt_number, fmt_pct
from assessment.rules.standards import ChecklistRow

__all__ = [
    "RATIO_UNIT",
    "checklist_evaluate",
    "checklist_item_state",
]

_OP_WORDS = {
    ChecklistOperator.GTE: "≥",
    ChecklistOperator.GT: ">",
    ChecklistOperator.LTE: "≤",
    ChecklistOperator.LT: "<",
}
_MET_STATES = {"met", "not_applicable"}
# An item whose unit is this compares ratios (0.03) and prints them as percentages (3%).
RATIO_UNIT = "比例"


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def checklist_item_state(item: ChecklistRow, value) -> bool | None:
    """True met, False not met, None unknown."""
    if value is None or value == "" or value == "unknown":
        return None
    op = item.operator
    if op == ChecklistOperator.TRUE:
        if isinstance(value, bool):
            return value
        number = _number(value)
        return None if number is None else number > 0
    if op == ChecklistOperator.MET:
        if isinstance(value, bool):
            return value
        if value in _MET_STATES:
            return True
        if value == "not_met":
            return False
        return None
    number = _number(value)
    if number is None or item.threshold is None:
        return None
    threshold = item.threshold
    if op == ChecklistOperator.GTE:
        return number >= threshold
    if op == ChecklistOperator.GT:
        return number > threshold
    if op == ChecklistOperator.LTE:
        return number <= threshold
    if op == ChecklistOperator.LT:
        return number < threshold
    return None


def checklist_evaluate(items: Iterable[ChecklistRow], facts: Mapping[str, object]) -> list[Reason]:
    """A reason for every item not met or not known; nothing for items met.

    A veto item not met fails the verdict; a veto item unknown leaves it incomplete; a non-veto
    item only warns (DOMAIN.md §7.1: villages "weigh" infrastructure and services).
    """
    reasons: list[Reason] = []
    for item in items:
        value = facts.get(item.fact)
        state = checklist_item_state(item, value)
        if state is True:
            continue
        params = {
            "checklist": item.checklist_name or "地方退出清单",
            "indicator": item.indicator,
        }
        template = ""
        if state is None:
            params["fact"] = item.fact
            severity = Severity.UNKNOWN if item.veto else Severity.WARNING
            code = "checklist_unknown"
        else:
            number = _number(value)
            if item.operator in _OP_WORDS and number is not None:
                if item.unit == RATIO_UNIT:  # ratios are shown as percentages
                    shown, limit, unit = fmt_pct(number), fmt_pct(item.threshold), ""
                else:
                    shown, limit, unit = fmt_number(number), fmt_number(item.threshold), item.unit
                params.update(value=shown, unit=unit, op=_OP_WORDS[item.operator], threshold=limit)
                template = "checklist_not_met_value"
            severity = Severity.FAIL if item.veto else Severity.WARNING
            code = "checklist_not_met"
        reasons.append(
            Reason(
                code,
                severity,
                params,
                veto=item.veto,
                item=item.code,
                unconfirmed=item.unconfirmed,
                template=template,
            )
        )
    return reasons
