"""Write change records. Services call these inside the transaction that makes the change."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator

import orjson
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from poverty.audit.context import current_context
from poverty.audit.models import ChangeAction, ChangeRecord

__all__ = [
    "AuditedAdminMixin",
    "audit_target",
    "model_snapshot",
    "record_bulk_changes",
    "record_change",
    "snapshot_diff",
]

# Bookkeeping fields whose change is not news to anyone reading the history.
IGNORED_FIELDS = frozenset({"created", "updated", "version"})


_AS_IS = frozenset({str, int, bool, float, type(None)})


def _plain(value):
    if type(value) in _AS_IS:  # most values: no conversion
        return value
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):  # a stored file (visit photo): its storage name
        return value.name or ""
    return value


# model class → ((attname, read from __dict__), …) of the fields a snapshot holds
_SNAPSHOT_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _snapshot_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    fields = _SNAPSHOT_FIELDS.get(cls)
    if fields is None:
        # A file field's descriptor turns the stored name into a FieldFile: read those with
        # getattr; every other concrete field's value is the instance's own attribute.
        fields = _SNAPSHOT_FIELDS[cls] = tuple(
            (f.attname, not isinstance(f, models.FileField))
            for f in cls._meta.concrete_fields
            if f.attname not in IGNORED_FIELDS
        )
    return fields


def model_snapshot(instance: models.Model) -> dict:
    """The instance's concrete field values, JSON-ready, keyed by attribute name."""
    values = instance.__dict__
    snapshot = {}
    for attname, direct in _snapshot_fields(instance.__class__):
        # the same as getattr for a loaded field; a deferred one is loaded by getattr
        value = values[attname] if direct and attname in values else getattr(instance, attname)
        snapshot[attname] = value if value.__class__ in _AS_IS else _plain(value)
    return snapshot


def snapshot_diff(before: dict | None, after: dict | None) -> dict:
    """{field: [before, after]} for every field whose value differs."""
    if not before and after:  # a creation: every value that is set (the common bulk case)
        return {
            key: [None, after[key]]
            for key in sorted(after)
            if after[key] is not None and key not in IGNORED_FIELDS and key != "id"
        }
    before = before or {}
    after = after or {}
    changes = {}
    for key in sorted(set(before) | set(after)):
        if key in IGNORED_FIELDS or key == "id":
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [old, new]
    return changes


def _fields(
    *,
    actor,
    action: str,
    instance: models.Model,
    before: dict | None,
    after: dict | None,
    message: str,
    household_id: int | None,
    division_code: str,
    context=None,
) -> dict | None:
    """A change record's field values (attnames), or None for an update that changed nothing."""
    changes = snapshot_diff(before, after)
    if action == ChangeAction.UPDATE and not changes:
        return None
    context = context or current_context()
    user = actor if getattr(actor, "pk", None) else None
    return {
        "user_id": user.pk if user else None,
        "user_name": (user.get_full_name() or user.get_username()) if user else "",
        "ip_address": context.ip_address,
        "channel": context.channel,
        "request_id": context.request_id,
        "action": action,
        "object_type": instance._meta.label_lower,
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:200],
        "household_id": household_id,
        "division_code": division_code or "",
        "changes": changes,
        "message": message[:300],
    }


def _build(**kwargs) -> ChangeRecord | None:
    values = _fields(**kwargs)
    return ChangeRecord(**values) if values is not None else None


def record_change(
    *,
    actor,
    action: str,
    instance: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    message: str = "",
    household_id: int | None = None,
    division_code: str = "",
) -> ChangeRecord | None:
    """Record one change; an update that changed nothing records nothing."""
    record = _build(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=after,
        message=message,
        household_id=household_id,
        division_code=division_code,
    )
    if record is not None:
        record.save()
    return record


# Below this many records a plain bulk_create; above, COPY (same rows, a fraction of the cost).
COPY_THRESHOLD = 500


def record_bulk_changes(actor, entries: Iterable[dict]) -> int:
    """Record many changes at once; each entry holds record_change's keyword arguments.

    ``entries`` may be a generator: large batches (imports of tens of thousands of rows)
    are streamed into the table with COPY in chunks, so neither the entries nor the records
    are held all at once. The rows are the same as bulk_create's: same fields, same JSON,
    ids from the same sequence in the same order; ``at`` is one timestamp for the batch
    (the transaction's moment) instead of one per record.
    """
    context = current_context()
    iterator = iter(entries)
    records: list[ChangeRecord] = []
    for entry in iterator:
        values = _fields(actor=actor, context=context, **entry)
        if values is None:
            continue
        records.append(ChangeRecord(**values))
        if len(records) >= COPY_THRESHOLD:
            break
    else:
        ChangeRecord.objects.bulk_create(records, batch_size=2000)
        return len(records)
    return _copy_records(actor, context, records, iterator)


_COPY_COLUMNS = (
    "at", "user_id", "user_name", "ip_address", "channel", "request_id", "action",
    "object_type", "object_id", "object_repr", "household_id", "division_code", "changes",
    "message",
)  # fmt: skip


_UNIQUE_COLUMNS = frozenset({"object_id", "object_repr", "household_id"})


def _copy_records(actor, context, first: list[ChangeRecord], rest: Iterator[dict]) -> int:
    from poverty.bulk import copy_rows, copy_text

    at = copy_text(timezone.now())
    meta = ChangeRecord._meta
    columns = [meta.get_field(name).column for name in _COPY_COLUMNS]
    count = 0

    def values() -> Iterator[dict]:
        for record in first:
            yield {name: getattr(record, name) for name in _COPY_COLUMNS[1:]}
        for entry in rest:
            value = _fields(actor=actor, context=context, **entry)
            if value is not None:
                yield value

    # The actor, address, channel, request, action, type, division and message repeat from
    # record to record: their COPY text is made once per distinct value.
    repeated: dict[tuple[str, object], str] = {}
    dumps = orjson.dumps

    def lines() -> Iterator[str]:
        nonlocal count
        for value in values():
            parts = [at]
            for name in _COPY_COLUMNS[1:]:
                item = value[name]
                if name == "changes":
                    # orjson: the same JSON document as json.dumps (jsonb keeps the value, not
                    # the spacing), about 6× faster on these snapshots
                    parts.append(copy_text(dumps(item).decode()))
                elif name in _UNIQUE_COLUMNS:
                    parts.append(copy_text(item))
                else:
                    text = repeated.get((name, item))
                    if text is None:
                        text = repeated[(name, item)] = copy_text(item)
                    parts.append(text)
            count += 1
            yield "\t".join(parts)

    # The ids come from the column's own default (the table's identity sequence), one per
    # row in COPY order: the same ids in the same order as drawing them first, without a
    # statement between chunks (one would wait for the chunk in flight: copy_rows).
    copy_rows(meta.db_table, columns, lines())
    return count


def audit_target(instance: models.Model) -> dict:
    """The household and division code a change belongs to, for history and its scoping."""
    from households.models import Household

    if isinstance(instance, Household):
        return {"household_id": instance.pk, "division_code": instance.village_id or ""}
    household_id = getattr(instance, "household_id", None)
    if household_id is not None:
        from households.models import Household as H

        code = H.objects.filter(pk=household_id).values_list("village_id", flat=True).first() or ""
        return {"household_id": household_id, "division_code": code}
    for attname in ("division_code", "village_id", "region_code", "code"):
        value = getattr(instance, attname, None)
        if isinstance(value, str) and value:
            return {"household_id": None, "division_code": value}
    team = getattr(instance, "team", None)
    if team is not None:
        return {"household_id": None, "division_code": team.village_id}
    return {"household_id": None, "division_code": ""}


def _db_snapshots(model, pks) -> dict:
    pks = [pk for pk in pks if pk is not None]
    return {obj.pk: model_snapshot(obj) for obj in model._default_manager.filter(pk__in=pks)}


class AuditedAdminMixin:
    """Record every admin create, change and delete in the change history (channel "admin").

    Admin forms write models directly; this mixin snapshots the rows before and after, so the
    admin leaves the same trail as the services. Deletions in the admin are recorded too.
    """

    def save_model(self, request, obj, form, change):
        before = _db_snapshots(type(obj), [obj.pk]).get(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        record_change(
            actor=request.user,
            action=ChangeAction.UPDATE if change else ChangeAction.CREATE,
            instance=obj,
            before=before,
            after=model_snapshot(obj),
            **audit_target(obj),
        )

    def save_formset(self, request, form, formset, change):
        model = formset.model
        before = _db_snapshots(model, [f.instance.pk for f in formset.initial_forms])
        # Deletions are recorded first: once deleted, the objects no longer have a pk.
        for deleted in formset.deleted_forms:
            obj = deleted.instance
            if obj.pk in before:
                record_change(actor=request.user, action=ChangeAction.DELETE, instance=obj,
                              before=before[obj.pk], **audit_target(obj))  # fmt: skip
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            record_change(actor=request.user, action=ChangeAction.CREATE, instance=obj,
                          after=model_snapshot(obj), **audit_target(obj))  # fmt: skip
        for obj, _fields in getattr(formset, "changed_objects", []):
            record_change(actor=request.user, action=ChangeAction.UPDATE, instance=obj,
                          before=before.get(obj.pk), after=model_snapshot(obj), **audit_target(obj))  # fmt: skip

    def delete_model(self, request, obj):
        record_change(actor=request.user, action=ChangeAction.DELETE, instance=obj,
                      before=model_snapshot(obj), **audit_target(obj))  # fmt: skip
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        record_bulk_changes(
            request.user,
            [
                {"action": ChangeAction.DELETE, "instance": obj, "before": model_snapshot(obj),
                 "after": None, "message": "", **audit_target(obj)}
                for obj in queryset
            ],
        )  # fmt: skip
        super().delete_queryset(request, queryset)
