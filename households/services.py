"""Writes to the household registry: validate, save, record history — one place for every channel.

Pages, the API, Excel imports and jobs call these functions; they never write models directly.
Each write checks the household's ``version`` (optimistic concurrency: a stale edit is
refused with who changed it and when), records a ChangeRecord per changed object inside the
same transaction, and bumps the version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.rules import INCOME_COMPONENTS, household_members_problems, income_account
from households.validators import id_number_parse
from poverty.audit.models import ChangeAction, ChangeRecord
from poverty.audit.recording import model_snapshot, record_change, snapshot_diff
from poverty.exceptions import BusinessRuleError, ConcurrencyError

__all__ = [
    "MSG_CONFLICT",
    "MSG_DELETE_REASON_REQUIRED",
    "MSG_DUPLICATE_ID",
    "MSG_MEMBER_NOT_IN_HOUSEHOLD",
    "MSG_NOT_DELETED",
    "MSG_SAVE_RACE",
    "MSG_YEAR_LOCKED",
    "MemberEdit",
    "annual_income_recompute",
    "annual_income_save",
    "guarantee_status_save",
    "household_lock",
    "household_locked_years",
    "household_purge",
    "household_register",
    "household_restore",
    "household_save_with_members",
    "household_soft_delete",
    "household_status_change",
    "household_update",
    "household_year_lock_check",
    "member_save",
]

MSG_CONFLICT = _(
    "该户已被 %(user)s 于 %(at)s 修改，请刷新后重新编辑（您的修改未保存，也未覆盖对方的修改）"
)
MSG_DUPLICATE_ID = _("证件号码 %(id)s 已登记在户 %(household)s 中")
MSG_DELETE_REASON_REQUIRED = _("删除贫困户必须填写原因")
MSG_NOT_DELETED = _("该户未被删除，无需恢复")
MSG_MEMBER_NOT_IN_HOUSEHOLD = _("该成员不属于本户，请刷新后重新编辑")
MSG_SAVE_RACE = _("保存时数据已被他人修改（如同一证件号码刚被录入另一户），请刷新后重试")
MSG_YEAR_LOCKED = _(
    "该户 %(year)s 年度的退出结果已审批锁定，不能修改 %(year)s 年度的数据；"
    "确需修改的，须由县扶贫办填写原因解锁后再改"
)

# The household fields that carry an exit result: locked with the exit year's data.
EXIT_RESULT_FIELDS = ("status", "exit_year", "status_changed_on")


def _locked_years(household_id: int) -> list[int]:
    """Years whose data an approved exit has locked (assessment.HouseholdYearLock)."""
    return sorted(household_locked_years([household_id]).get(household_id, ()))


def household_locked_years(household_ids: Iterable[int]) -> dict[int, set[int]]:
    """{household id: its locked years} for many households at once (imports); households
    without a lock in force are absent. The same rule as household_year_lock_check."""
    from assessment.models import HouseholdYearLock  # the procedures own the lock

    ids = sorted({pk for pk in household_ids if pk is not None})
    locked: dict[int, set[int]] = {}
    for start in range(0, len(ids), 5000):
        for household_id, year in HouseholdYearLock.objects.filter(
            household_id__in=ids[start : start + 5000], reopened_at__isnull=True
        ).values_list("household_id", "year"):
            locked.setdefault(household_id, set()).add(year)
    return locked


def household_year_lock_check(household_id: int, year: int | None = None) -> None:
    """Refuse a change to a locked year's data (``year`` None: to the exit result itself)."""
    years = _locked_years(household_id)
    hit = years[0] if year is None and years else (year if year in years else None)
    if hit is not None:
        raise BusinessRuleError(
            MSG_YEAR_LOCKED % {"year": hit}, field="year" if year else None, code="year_locked"
        )


def _raise_validation(exc: ValidationError, prefix: str = "") -> None:
    """Turn a Django ValidationError into a BusinessRuleError naming the first bad field."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        message = errors[0].messages[0] if hasattr(errors[0], "messages") else str(errors[0])
        path = f"{prefix}{field}" if field != "__all__" else prefix.rstrip(".") or None
        raise BusinessRuleError(message, field=path, extra={"errors": exc.message_dict}) from exc
    raise BusinessRuleError(exc.messages[0], field=prefix.rstrip(".") or None) from exc


def _full_clean(instance, *, prefix: str = "", exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True, validate_constraints=True)
    except ValidationError as exc:
        _raise_validation(exc, prefix)


def household_lock(household_id: int, *, expected_version: int | None) -> Household:
    """Lock the household row; refuse if someone changed it since ``expected_version``."""
    household = Household.objects.select_for_update().get(pk=household_id)
    if expected_version is not None and household.version != expected_version:
        last = (
            ChangeRecord.objects.filter(household_id=household_id)
            .order_by("-at", "-id")
            .values("user_name", "at")
            .first()
        )
        user = (last or {}).get("user_name") or _("其他用户")
        at = timezone.localtime(last["at"]).strftime("%Y-%m-%d %H:%M") if last else ""
        raise ConcurrencyError(
            MSG_CONFLICT % {"user": user, "at": at},
            changed_by=str(user),
            changed_at=at,
            current_version=household.version,
        )
    return household


def _bump_version(household: Household) -> None:
    household.version += 1
    household.save(update_fields=["version", "updated"])


def _member_prepare(member: Member, *, index: int | None = None) -> None:
    """Normalise the ID, fill birth date and sex from it, and check they agree."""
    prefix = f"members[{index}]." if index is not None else ""
    try:
        parsed = id_number_parse(member.id_number)
    except ValidationError as exc:
        raise BusinessRuleError(
            exc.messages[0], field=f"{prefix}id_number", code=exc.code or "invalid"
        ) from exc
    member.id_number = parsed.number
    if parsed.upgraded_from and not member.id_note:
        member.id_note = parsed.note
    if not member.birth_date:
        member.birth_date = parsed.birth_date
    elif member.birth_date != parsed.birth_date:
        raise BusinessRuleError(
            _("出生日期与证件号码不一致（证件号码中为 %(expected)s）")
            % {"expected": parsed.birth_date.isoformat()},
            field=f"{prefix}birth_date",
        )
    if not member.sex:
        member.sex = parsed.sex
    elif member.sex in ("1", "2") and member.sex != parsed.sex:
        raise BusinessRuleError(_("性别与证件号码不一致"), field=f"{prefix}sex")


def _check_duplicate_ids(members: list[Member], *, household_id: int | None) -> None:
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        if not member.is_active:
            continue
        if member.id_number in seen:
            raise BusinessRuleError(
                _("证件号码 %(id)s 在本户中重复") % {"id": member.id_number},
                field=f"members[{index}].id_number",
            )
        seen[member.id_number] = index
    clash = (
        Member.objects.filter(id_number__in=list(seen), is_active=True)
        .exclude(household_id=household_id)
        .select_related("household")
        .first()
    )
    if clash is not None:
        raise BusinessRuleError(
            MSG_DUPLICATE_ID
            % {"id": clash.id_number, "household": clash.household.household_number},
            field=f"members[{seen[clash.id_number]}].id_number",
            code="duplicate_id",
            extra={
                "household_id": clash.household_id,
                "household_number": clash.household.household_number,
            },
        )


def _check_members(members: list[Member], *, indexes: list[int | str | None] | None = None) -> None:
    """The household-level member rules (households.rules), raised on the first problem.

    ``indexes`` maps list positions to what the caller reports: a position in its own list,
    "" for the single member being saved (field name only), None for the other members.
    """
    rows = [
        {
            "relation": m.relation,
            "sex": m.sex,
            "id_number": m.id_number,
            "is_active": m.is_active,
            "name": m.name,
        }
        for m in members
    ]
    problems = household_members_problems(rows)
    if problems:
        problem = problems[0]
        if problem.index is None:
            raise BusinessRuleError(problem.message, field="members", code="members")
        position = indexes[problem.index] if indexes is not None else problem.index
        raise BusinessRuleError(
            problem.message, field=f"members[{position}].{problem.field}", code="members"
        )


@transaction.atomic
def household_register(*, actor, household_data: dict, members_data: list[dict]) -> Household:
    """Register a household with its members: all valid and saved, or nothing saved."""
    household = Household(**household_data)
    _full_clean(household, exclude=["registered_village_code"])
    members = [Member(**data) for data in members_data]
    for index, member in enumerate(members):
        _member_prepare(member, index=index)
    _check_members(members)
    _check_duplicate_ids(members, household_id=None)
    household.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=household,
        after=model_snapshot(household),
        household_id=household.pk,
        division_code=household.village_id,
    )
    for index, member in enumerate(members):
        member.household = household
        member.division_code = household.village_id
        _full_clean(member, prefix=f"members[{index}].")
    Member.objects.bulk_create(members)
    for member in members:
        record_change(
            actor=actor,
            action=ChangeAction.CREATE,
            instance=member,
            after=model_snapshot(member),
            household_id=household.pk,
            division_code=household.village_id,
        )
    return household


@transaction.atomic
def household_update(
    *, actor, household: Household, data: dict, expected_version: int | None
) -> Household:
    """Change household fields (not members); refused if the household changed meanwhile."""
    locked = household_lock(household.pk, expected_version=expected_version)
    before = model_snapshot(locked)
    for name, value in data.items():
        setattr(locked, name, value)
    _full_clean(locked)
    after = model_snapshot(locked)
    changed = list(snapshot_diff(before, after))
    if not changed:
        return locked
    if set(changed) & set(EXIT_RESULT_FIELDS):
        household_year_lock_check(locked.pk)
    locked.save(update_fields=[*changed, "updated"])
    if "village_id" in changed:
        Member.objects.filter(household=locked).update(division_code=locked.village_id)
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=locked,
        before=before,
        after=after,
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return locked


@transaction.atomic
def member_save(
    *,
    actor,
    household: Household,
    data: dict,
    member: Member | None = None,
    expected_version: int | None,
) -> Member:
    """Add a member (``member`` None) or change one; the household's head rule still holds."""
    locked = household_lock(household.pk, expected_version=expected_version)
    before = model_snapshot(member) if member is not None else None
    target = member or Member(household=locked)
    for name, value in data.items():
        setattr(target, name, value)
    target.household = locked
    target.division_code = locked.village_id
    _member_prepare(target)
    others = list(locked.members.exclude(pk=target.pk)) if target.pk else list(locked.members.all())
    _check_members([target, *others], indexes=["", *([None] * len(others))])
    _check_duplicate_ids([target], household_id=locked.pk)
    _full_clean(target)
    target.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=target,
        before=before,
        after=model_snapshot(target),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return target


def annual_income_recompute(income: AnnualIncome) -> AnnualIncome:
    """Fill the derived figures (年收入, 纯收入, 人均纯收入) by households.rules.income_account."""
    account = income_account(
        {name: getattr(income, name) for name in INCOME_COMPONENTS},
        business_costs=income.business_costs,
        household_size=income.household_size,
    )
    income.gross_income = account.gross
    income.net_income = account.net
    income.per_capita_net_income = account.per_capita_net
    return income


@transaction.atomic
def annual_income_save(
    *, actor, household: Household, year: int, data: dict, expected_version: int | None
) -> AnnualIncome:
    """Create or change the household's income account for ``year``, derived figures included."""
    locked = household_lock(household.pk, expected_version=expected_version)
    household_year_lock_check(locked.pk, year)
    income = AnnualIncome.objects.filter(household=locked, year=year).first()
    before = model_snapshot(income) if income else None
    if income is None:
        income = AnnualIncome(household=locked, year=year)
    for name, value in data.items():
        setattr(income, name, value)
    if not income.household_size:
        income.household_size = locked.members.filter(is_active=True).count()
    if not income.household_size:
        raise BusinessRuleError(_("家庭人口数必须大于0"), field="household_size")
    annual_income_recompute(income)
    _full_clean(income)
    income.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=income,
        before=before,
        after=model_snapshot(income),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return income


@transaction.atomic
def guarantee_status_save(
    *, actor, household: Household, year: int, data: dict, expected_version: int | None
) -> GuaranteeStatus:
    """Create or change the household's 两不愁三保障 record for ``year``."""
    locked = household_lock(household.pk, expected_version=expected_version)
    household_year_lock_check(locked.pk, year)
    status = GuaranteeStatus.objects.filter(household=locked, year=year).first()
    before = model_snapshot(status) if status else None
    if status is None:
        status = GuaranteeStatus(household=locked, year=year)
    for name, value in data.items():
        setattr(status, name, value)
    if getattr(actor, "pk", None):
        status.checked_by = actor
        status.checked_by_name = (
            status.checked_by_name or actor.get_full_name() or actor.get_username()
        )
    _full_clean(status)
    status.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=status,
        before=before,
        after=model_snapshot(status),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return status


@transaction.atomic
def household_soft_delete(
    *, actor, household: Household, reason: str, expected_version: int | None
) -> Household:
    """Mark deleted with a reason; its members leave the active registry (their IDs are freed)."""
    if not (reason or "").strip():
        raise BusinessRuleError(MSG_DELETE_REASON_REQUIRED, field="reason")
    locked = household_lock(household.pk, expected_version=expected_version)
    before = model_snapshot(locked)
    locked.is_deleted = True
    locked.deleted_reason = reason.strip()
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor if getattr(actor, "pk", None) else None
    locked.save(
        update_fields=["is_deleted", "deleted_reason", "deleted_at", "deleted_by", "updated"]
    )
    # Members of a deleted household are kept but not active; remember which were, to restore.
    active_ids = list(locked.members.filter(is_active=True).values_list("pk", flat=True))
    locked.members.filter(pk__in=active_ids).update(is_active=False, change_reason="08")
    record_change(
        actor=actor,
        action=ChangeAction.DELETE,
        instance=locked,
        before=before,
        after={**model_snapshot(locked), "_deactivated_members": active_ids},
        message=reason.strip(),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return locked


@transaction.atomic
def household_restore(*, actor, household: Household, reason: str = "") -> Household:
    """Undo a soft delete (county office only, checked by the caller's scope)."""
    locked = household_lock(household.pk, expected_version=None)
    if not locked.is_deleted:
        raise BusinessRuleError(MSG_NOT_DELETED, code="not_deleted")
    deletion = (
        ChangeRecord.objects.filter(
            household_id=locked.pk, object_type="households.household", action=ChangeAction.DELETE
        )
        .order_by("-at", "-id")
        .first()
    )
    member_ids = (
        ((deletion.changes.get("_deactivated_members") or [None, []])[1]) if deletion else []
    )
    members = list(Member.objects.filter(pk__in=member_ids))
    _check_duplicate_ids(members, household_id=locked.pk)
    before = model_snapshot(locked)
    Member.objects.filter(pk__in=member_ids).update(is_active=True, change_reason="")
    locked.is_deleted = False
    locked.deleted_reason = ""
    locked.deleted_at = None
    locked.deleted_by = None
    locked.save(
        update_fields=["is_deleted", "deleted_reason", "deleted_at", "deleted_by", "updated"]
    )
    record_change(
        actor=actor,
        action=ChangeAction.RESTORE,
        instance=locked,
        before=before,
        after=model_snapshot(locked),
        message=reason,
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return locked


@transaction.atomic
def household_purge(*, actor, household: Household, reason: str) -> dict:
    """Hard deletion (command only): record everything removed, then delete the rows."""
    if not (reason or "").strip():
        raise BusinessRuleError(MSG_DELETE_REASON_REQUIRED, field="reason")
    locked = household_lock(household.pk, expected_version=None)
    removed = {
        "household": model_snapshot(locked),
        "members": [model_snapshot(m) for m in locked.members.all()],
        "incomes": [model_snapshot(i) for i in locked.incomes.all()],
        "guarantees": [model_snapshot(g) for g in locked.guarantees.all()],
    }
    record_change(
        actor=actor,
        action=ChangeAction.PURGE,
        instance=locked,
        before={"removed": removed},
        after={},
        message=reason.strip(),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    locked.delete()  # members, incomes, statuses and pairings cascade
    return removed


@transaction.atomic
def household_status_change(
    *,
    actor,
    household: Household,
    to_status: str,
    year: int,
    changed_on,
    reason: str = "",
    expected_version: int | None = None,
) -> HouseholdStatusChange:
    """Change a household's lifecycle status (识别, 脱贫, 返贫, 纳入监测, 风险消除) for ``year``.

    The one way procedures mark the registry: the household's status, its date and (on exit)
    the exit year change together with a HouseholdStatusChange row, both in the history. A
    year locked by an approved exit cannot be changed again until the county office reopens it.
    """
    locked = household_lock(household.pk, expected_version=expected_version)
    household_year_lock_check(locked.pk, year)
    before = model_snapshot(locked)
    change = HouseholdStatusChange(
        household=locked,
        year=year,
        from_status=locked.status,
        to_status=to_status,
        changed_on=changed_on,
        reason=(reason or "")[:200],
    )
    _full_clean(change)
    locked.status = to_status
    locked.status_changed_on = changed_on
    if to_status == "exited":
        locked.exit_year = year
    _full_clean(locked)
    after = model_snapshot(locked)
    changed = list(snapshot_diff(before, after))
    if changed:
        locked.save(update_fields=[*changed, "updated"])
    change.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=change,
        after=model_snapshot(change),
        message=change.reason,
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=locked,
        before=before,
        after=after,
        message=change.reason,
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    _bump_version(locked)
    return change


@dataclass(frozen=True)
class MemberEdit:
    """One submitted row of a household's member list: ``pk`` None for a new member.

    ``data`` holds only the member's own fields (no household, no division code).
    """

    pk: int | None
    data: dict


def _check_member_list(targets: list[Member], others: list[Member]) -> None:
    """The household-level member rules over the whole list after the edit.

    A problem is reported on the submitted row it concerns ("members[i].field"); a problem
    that concerns only members that were not submitted is reported on the household.
    """
    rows = [
        {
            "relation": m.relation,
            "sex": m.sex,
            "id_number": m.id_number,
            "is_active": m.is_active,
            "name": m.name,
        }
        for m in [*targets, *others]
    ]
    problems = household_members_problems(rows)
    if not problems:
        return
    mine = [p for p in problems if p.index is not None and p.index < len(targets)]
    if mine:
        problem = mine[0]
        raise BusinessRuleError(
            problem.message, field=f"members[{problem.index}].{problem.field}", code="members"
        )
    raise BusinessRuleError(problems[0].message, field="members", code="members")


@transaction.atomic
def household_save_with_members(
    *,
    actor,
    household: Household | None,
    household_data: dict,
    members: Sequence[MemberEdit],
    expected_version: int | None,
) -> Household:
    """Register a household with its members, or change a household and its member list.

    Everything in one transaction: all valid and saved, or nothing saved. ``members`` are the
    rows the user added or changed (unchanged rows need not be sent); the rules are checked on
    the list as it will be. An edit is refused (ConcurrencyError, naming who changed the
    household and when) if the household's version is no longer ``expected_version``, the
    version the form was loaded with. Errors name the field as "members[i].<field>", with i
    the position in ``members``.
    """
    if household is None:
        if any(edit.pk is not None for edit in members):
            raise BusinessRuleError(MSG_MEMBER_NOT_IN_HOUSEHOLD, field="members")
        return household_register(
            actor=actor,
            household_data=household_data,
            members_data=[dict(edit.data) for edit in members],
        )

    locked = household_lock(household.pk, expected_version=expected_version)
    before = model_snapshot(locked)
    for name, value in household_data.items():
        setattr(locked, name, value)
    _full_clean(locked)
    after = model_snapshot(locked)
    household_changed = list(snapshot_diff(before, after))
    if set(household_changed) & set(EXIT_RESULT_FIELDS):
        household_year_lock_check(locked.pk)

    current = {member.pk: member for member in locked.members.all()}
    targets: list[Member] = []
    befores: list[dict | None] = []
    for index, edit in enumerate(members):
        if edit.pk is None:
            target = Member(household=locked)
            befores.append(None)
        else:
            target = current.get(edit.pk)
            if target is None:
                raise BusinessRuleError(MSG_MEMBER_NOT_IN_HOUSEHOLD, field=f"members[{index}]")
            befores.append(model_snapshot(target))
        for name, value in edit.data.items():
            setattr(target, name, value)
        target.household = locked
        target.division_code = locked.village_id
        _member_prepare(target, index=index)
        targets.append(target)
    edited = {target.pk for target in targets if target.pk is not None}
    others = [member for pk, member in current.items() if pk not in edited]
    _check_member_list(targets, others)
    _check_duplicate_ids(targets, household_id=locked.pk)
    for index, target in enumerate(targets):
        # The one-head index is checked on save, in order (see below), not against the
        # rows as they are now: a head may be handed over in this same edit.
        _full_clean(target, prefix=f"members[{index}].", exclude=["household"])

    member_changes: list[tuple[Member, dict | None, dict]] = []
    for target, member_before in zip(targets, befores, strict=True):
        member_after = model_snapshot(target)
        if member_before is None or snapshot_diff(member_before, member_after):
            member_changes.append((target, member_before, member_after))
    if not household_changed and not member_changes:
        return locked

    # The one-head index is checked per statement: a demoted or departing head is saved
    # before the new head is.
    member_changes.sort(key=lambda change: change[0].is_active and change[0].relation == "01")
    try:
        with transaction.atomic():
            if household_changed:
                locked.save(update_fields=[*household_changed, "updated"])
                if "village_id" in household_changed:
                    Member.objects.filter(household=locked).update(division_code=locked.village_id)
            for target, member_before, member_after in member_changes:
                if member_before is None:
                    target.save()
                else:
                    fields = list(snapshot_diff(member_before, member_after))
                    target.save(update_fields=[*fields, "updated"])
    except IntegrityError as exc:
        raise BusinessRuleError(MSG_SAVE_RACE, code="conflict") from exc

    if household_changed:
        record_change(
            actor=actor,
            action=ChangeAction.UPDATE,
            instance=locked,
            before=before,
            after=after,
            household_id=locked.pk,
            division_code=locked.village_id,
        )
    for target, member_before, member_after in member_changes:
        record_change(
            actor=actor,
            action=ChangeAction.CREATE if member_before is None else ChangeAction.UPDATE,
            instance=target,
            before=member_before,
            after=member_after,
            household_id=locked.pk,
            division_code=locked.village_id,
        )
    _bump_version(locked)
    return locked
