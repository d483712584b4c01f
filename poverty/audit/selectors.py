"""Reading history: a household's timeline in words, already scoped and masked for the reader."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from poverty.audit.models import ChangeAction, ChangeRecord
from poverty.masking import mask_for
from poverty.scoping import visible_to

__all__ = ["TimelineEntry", "change_records_for_household", "describe_change", "household_timeline"]

# Fields holding sensitive values, by attribute name → masking kind.
SENSITIVE_FIELDS = {"id_number": "id_number", "phone": "phone", "bank_account": "bank_account"}

_ACTION_VERBS = {
    ChangeAction.CREATE: "新增",
    ChangeAction.UPDATE: "修改",
    ChangeAction.DELETE: "删除",
    ChangeAction.RESTORE: "恢复",
    ChangeAction.PURGE: "彻底删除",
}


@dataclass
class TimelineEntry:
    at: object
    user_name: str
    channel: str
    action: str
    object_label: str
    object_repr: str
    sentences: list[str] = field(default_factory=list)
    message: str = ""


def _format_value(model, attname: str, value, user) -> str:
    if value is None or value == "" or value == []:
        return _("空")
    if attname in SENSITIVE_FIELDS:
        return mask_for(user, SENSITIVE_FIELDS[attname], str(value))
    try:
        model_field = model._meta.get_field(attname) if model else None
    except FieldDoesNotExist:
        model_field = None
    if model_field is None and model is not None:
        model_field = next((f for f in model._meta.concrete_fields if f.attname == attname), None)
    if model_field is not None and model_field.choices:
        labels = dict(model_field.flatchoices)
        return str(labels.get(value, value))
    if model_field is not None and getattr(model_field, "base_field", None) is not None:
        labels = dict(model_field.base_field.flatchoices or [])
        return (
            "、".join(str(labels.get(v, v)) for v in value)
            if isinstance(value, list)
            else str(value)
        )
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if model_field is not None and model_field.get_internal_type() == "DecimalField":
        number = decimal.Decimal(str(value))
        return f"{number:,.2f}".rstrip("0").rstrip(".") if number % 1 else f"{number:,.0f}"
    return str(value)


def _field_label(model, attname: str) -> str:
    if model is None:
        return attname
    for model_field in model._meta.concrete_fields:
        if model_field.attname == attname:
            return str(model_field.verbose_name)
    return attname


def describe_change(record: ChangeRecord, user) -> TimelineEntry:
    """A change record as sentences: "将 人均纯收入 从 3,120 改为 4,310"."""
    try:
        model = apps.get_model(record.object_type)
    except (LookupError, ValueError):
        model = None
    label = str(model._meta.verbose_name) if model else record.object_type
    sentences = []
    if record.action == ChangeAction.UPDATE:
        for attname, (before, after) in record.changes.items():
            sentences.append(
                _("将 %(field)s 从 %(before)s 改为 %(after)s")
                % {
                    "field": _field_label(model, attname),
                    "before": _format_value(model, attname, before, user),
                    "after": _format_value(model, attname, after, user),
                }
            )
    else:
        sentences.append(f"{_(_ACTION_VERBS.get(record.action, record.action))}{label}")
    return TimelineEntry(
        at=record.at,
        user_name=record.user_name or _("系统"),
        channel=record.get_channel_display(),
        action=record.get_action_display(),
        object_label=label,
        object_repr=(
            mask_for(user, "id_number", record.object_repr)
            if record.object_type == "households.member" and record.object_repr[:1].isdigit()
            else record.object_repr
        ),
        sentences=sentences,
        message=record.message,
    )


def change_records_for_household(user, household_id: int):
    """Change records of one household (and its members, incomes …) that the user may read."""
    return visible_to(user, ChangeRecord.objects.filter(household_id=household_id)).order_by(
        "-at", "-id"
    )


def household_timeline(user, household_id: int, *, limit: int = 200) -> list[TimelineEntry]:
    records = change_records_for_household(user, household_id)[:limit]
    return [describe_change(record, user) for record in records]
