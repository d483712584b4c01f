"""Writes of cadres (帮扶责任人), pairings (结对帮扶), visits (走访) and work-team attendance
(驻村考勤): validate, save, record history.

The pages and the API check the user's scope before calling these (assistance.selectors,
poverty.scoping); like the household services, these trust the objects they are given and
refuse what breaks a rule. Cadres and pairings carry a ``version``: an edit names the version
it was loaded with and is refused (ConcurrencyError, naming who changed it and when) if the
row changed since. A pairing and a visit are recorded in their household's history, so they
show in the household's timeline.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance.choices import AttendanceStatus, VisitorRole
from assistance.models import (
    Cadre,
    CadrePairing,
    StationingDay,
    TeamRole,
    Visit,
    WorkTeamMember,
)
from assistance.rules import (
    EARLIEST_VISIT,
    MSG_DATE_IN_FUTURE,
    MSG_PAIRING_OVERLAP,
    MSG_VISIT_TOO_OLD,
    pairing_problems,
    pairings_overlap,
    visit_problems,
)
from assistance.validators import PHOTO_EXTENSIONS, validate_photo
from households.models import Household
from households.validators import normalize_phone, validate_phone
from poverty.audit.models import ChangeAction, ChangeRecord
from poverty.audit.recording import model_snapshot, record_bulk_changes, record_change
from poverty.exceptions import BusinessRuleError, ConcurrencyError
from villages.codes import code_prefix
from villages.models import Region

__all__ = [
    "CADRE_FIELDS",
    "EARLIEST_VISIT",
    "MSG_CADRE_INACTIVE",
    "MSG_CADRE_OUTSIDE_REGION",
    "MSG_CONFLICT",
    "MSG_DATE_IN_FUTURE",
    "MSG_DATE_OUTSIDE_TENURE",
    "MSG_DATE_RANGE",
    "MSG_DATE_RANGE_TOO_LONG",
    "MSG_HOUSEHOLD_DELETED",
    "MSG_NOT_A_TEAM_MEMBER",
    "MSG_PAIRING_CURRENT_EXISTS",
    "MSG_PAIRING_HOUSEHOLD_DELETED",
    "MSG_TOKEN_OTHER_HOUSEHOLD",
    "MSG_UNKNOWN_REGION",
    "MSG_VISIT_TOO_OLD",
    "PAIRING_FIELDS",
    "cadre_create",
    "cadre_update",
    "pairing_assign",
    "pairing_update",
    "stationing_check_in",
    "stationing_days_record",
    "visit_record",
    "visitor_role_for",
]

MSG_HOUSEHOLD_DELETED = _("该户已删除，不能登记走访")
MSG_TOKEN_OTHER_HOUSEHOLD = _("提交标识已用于另一户的走访记录，请刷新页面后重新填写")
MSG_DATE_RANGE = _("结束日期不能早于开始日期")
MSG_DATE_RANGE_TOO_LONG = _("一次最多登记 %(days)s 天")
MSG_DATE_OUTSIDE_TENURE = _("%(name)s 的驻村时间为 %(start)s 至 %(end)s，所选日期不在其中")
MSG_NOT_A_TEAM_MEMBER = _("您不是在岗的驻村工作队队员，不能签到")
MSG_CONFLICT = _(
    "该记录已被 %(user)s 于 %(at)s 修改，请刷新后重新编辑（您的修改未保存，也未覆盖对方的修改）"
)
MSG_UNKNOWN_REGION = _("区划代码 %(code)s 不存在")
MSG_CADRE_INACTIVE = _("帮扶责任人 %(name)s 已不在岗，不能结对")
MSG_CADRE_OUTSIDE_REGION = _("该户不在帮扶责任人 %(name)s 的帮扶区域（%(code)s）内")
MSG_PAIRING_CURRENT_EXISTS = _(
    "该户已有在帮的帮扶责任人（%(name)s，%(start)s 起），请先结束原结对（PATCH 填写 end_date）"
)
MSG_PAIRING_HOUSEHOLD_DELETED = _("该户已删除，不能结对")

#: what a cadre write may set (the login account is linked by an administrator)
CADRE_FIELDS = (
    "name", "division_code", "unit_name", "unit_level", "position", "phone", "is_active",
)  # fmt: skip
#: what a pairing edit may set (the cadre and the household of a pairing never change)
PAIRING_FIELDS = ("start_date", "end_date", "end_reason")

MAX_ATTENDANCE_SPAN_DAYS = 366


def _clean(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise BusinessRuleError(
            errors[0],
            field=None if field == "__all__" else field,
            extra={"errors": exc.message_dict},
        ) from exc


def visitor_role_for(actor, household: Household) -> tuple[str, Cadre | None]:
    """How the visitor stands to the household: its helper, the first secretary, a team member …"""
    cadre = Cadre.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if (
        cadre is not None
        and CadrePairing.objects.filter(
            cadre=cadre, household=household, end_date__isnull=True
        ).exists()
    ):
        return VisitorRole.CADRE, cadre
    membership = (
        WorkTeamMember.objects.filter(
            user=actor, end_date__isnull=True, team__village_id=household.village_id
        )
        .order_by("role")
        .first()
        if getattr(actor, "pk", None)
        else None
    )
    if membership is not None:
        if membership.role == TeamRole.FIRST_SECRETARY:
            return VisitorRole.FIRST_SECRETARY, None
        return VisitorRole.TEAM_MEMBER, None
    if cadre is not None:
        return VisitorRole.CADRE, cadre
    from poverty.roles import Role
    from poverty.scoping import user_role

    if user_role(actor) == Role.VILLAGE_TEAM:
        return VisitorRole.VILLAGE_CADRE, None
    return VisitorRole.OFFICIAL, None


@transaction.atomic
def visit_record(
    *,
    actor,
    household: Household,
    data: dict,
    photo=None,
    client_token: uuid.UUID | None = None,
) -> Visit:
    """Record a visit to ``household``. Saving the same form twice (same token) saves once.

    ``data`` holds the visit's own fields (visited_on, kind, findings …, latitude/longitude);
    the visitor is the actor, with the role derived from pairing and work-team membership
    unless ``data`` names one. ``photo`` is an uploaded file: type and size are checked by
    its content.
    """
    if client_token is not None:
        earlier = Visit.objects.filter(client_token=client_token).first()
        if earlier is not None:
            if earlier.household_id != household.pk:
                raise BusinessRuleError(MSG_TOKEN_OTHER_HOUSEHOLD, code="token")
            return earlier
    if household.is_deleted:
        raise BusinessRuleError(MSG_HOUSEHOLD_DELETED, code="deleted")
    visit = Visit(household=household, division_code=household.village_id)
    for name, value in data.items():
        setattr(visit, name, value)
    for problem in visit_problems(
        visited_on=visit.visited_on,
        today=timezone.localdate(),
        latitude=visit.latitude,
        longitude=visit.longitude,
    ):
        raise BusinessRuleError(problem.message, field=problem.field)
    if visit.follow_up_note and not visit.follow_up_needed:
        visit.follow_up_needed = True
    role, cadre = visitor_role_for(actor, household)
    if not data.get("visitor_role"):
        visit.visitor_role = role
    visit.cadre = cadre
    if getattr(actor, "pk", None):
        visit.visitor = actor
        visit.visitor_name = visit.visitor_name or actor.get_full_name() or actor.get_username()
    visit.client_token = client_token
    if photo:
        try:
            kind = validate_photo(photo)
        except ValidationError as exc:
            raise BusinessRuleError(exc.messages[0], field="photo", code=exc.code) from exc
        photo.name = f"photo.{PHOTO_EXTENSIONS[kind]}"
        visit.photo = photo
    _clean(visit, exclude=["photo", "client_token"])
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # The same form arrived twice at once (a retry over a weak connection): keep one.
        earlier = Visit.objects.filter(client_token=client_token).first()
        if client_token is not None and earlier is not None:
            return earlier
        raise
    after = model_snapshot(visit)
    after.pop("client_token", None)
    record_change(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=visit,
        after=after,
        household_id=household.pk,
        division_code=household.village_id,
    )
    return visit


def _tenure_check(member: WorkTeamMember, first: datetime.date, last: datetime.date) -> None:
    if first < member.start_date or (member.end_date is not None and last > member.end_date):
        raise BusinessRuleError(
            MSG_DATE_OUTSIDE_TENURE
            % {
                "name": member.name,
                "start": member.start_date.isoformat(),
                "end": member.end_date.isoformat() if member.end_date else _("今"),
            },
            field="start",
        )


@transaction.atomic
def stationing_days_record(
    *,
    actor,
    member: WorkTeamMember,
    start: datetime.date,
    end: datetime.date,
    status: str = AttendanceStatus.PRESENT,
    note: str = "",
) -> int:
    """Record one status for every day from ``start`` to ``end`` (a leave, a stretch in the
    village); days already recorded are overwritten. Returns the number of days written."""
    if end < start:
        raise BusinessRuleError(MSG_DATE_RANGE, field="end")
    if (end - start).days + 1 > MAX_ATTENDANCE_SPAN_DAYS:
        raise BusinessRuleError(
            MSG_DATE_RANGE_TOO_LONG % {"days": MAX_ATTENDANCE_SPAN_DAYS}, field="end"
        )
    if end > timezone.localdate():
        raise BusinessRuleError(MSG_DATE_IN_FUTURE, field="end")
    if status not in AttendanceStatus.values:
        raise BusinessRuleError(_("考勤状态无效"), field="status")
    _tenure_check(member, start, end)
    village_code = member.team.village_id
    existing = {
        day.date: day
        for day in StationingDay.objects.select_for_update().filter(
            member=member, date__range=(start, end)
        )
    }
    note = (note or "").strip()[:200]
    created, changed, entries = [], [], []
    day = start
    user = actor if getattr(actor, "pk", None) else None
    while day <= end:
        row = existing.get(day)
        if row is None:
            created.append(
                StationingDay(
                    member=member,
                    division_code=village_code,
                    date=day,
                    status=status,
                    note=note,
                    recorded_by=user,
                )
            )
        elif row.status != status or row.note != note:
            before = model_snapshot(row)
            row.status, row.note, row.recorded_by = status, note, user
            row.updated = timezone.now()  # bulk_update does not apply auto_now
            changed.append(row)
            entries.append(
                {
                    "action": ChangeAction.UPDATE,
                    "instance": row,
                    "before": before,
                    "after": model_snapshot(row),
                    "message": "",
                    "household_id": None,
                    "division_code": village_code,
                }
            )
        day += datetime.timedelta(days=1)
    StationingDay.objects.bulk_create(created)
    StationingDay.objects.bulk_update(changed, ["status", "note", "recorded_by", "updated"])
    entries += [
        {
            "action": ChangeAction.CREATE,
            "instance": row,
            "before": None,
            "after": model_snapshot(row),
            "message": "",
            "household_id": None,
            "division_code": village_code,
        }
        for row in created
    ]
    record_bulk_changes(actor, entries)
    return len(created) + len(changed)


def _six_decimals(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


@transaction.atomic
def stationing_check_in(
    *, actor, latitude=None, longitude=None, member: WorkTeamMember | None = None
) -> StationingDay:
    """Today's "in the village" for the actor's own team membership (签到), with the location."""
    today = timezone.localdate()
    if member is None:
        member = (
            WorkTeamMember.objects.select_related("team")
            .filter(user=actor, start_date__lte=today, end_date__isnull=True)
            .order_by("-start_date")
            .first()
        )
    if member is None or member.user_id != getattr(actor, "pk", None):
        raise BusinessRuleError(MSG_NOT_A_TEAM_MEMBER, code="not_member")
    row = StationingDay.objects.select_for_update().filter(member=member, date=today).first()
    before = model_snapshot(row) if row is not None else None
    if row is None:
        row = StationingDay(member=member, division_code=member.team.village_id, date=today)
    row.status = AttendanceStatus.PRESENT
    # A browser's position arrives as a float (27.55 is 27.550000000000000710… in binary):
    # stored to the column's six decimals, or the model's own check refuses it.
    row.latitude, row.longitude = _six_decimals(latitude), _six_decimals(longitude)
    row.recorded_by = actor
    _clean(row, exclude=["member"])
    row.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
        instance=row,
        before=before,
        after=model_snapshot(row),
        division_code=row.division_code,
    )
    return row


# --- cadres and pairings ---------------------------------------------------------------------


def _locked(model, pk: int, *, expected_version: int | None):
    """Lock the row; refuse if someone changed it since ``expected_version``."""
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != expected_version:
        last = (
            ChangeRecord.objects.filter(object_type=model._meta.label_lower, object_id=str(pk))
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
            current_version=obj.version,
        )
    return obj


def _cadre_apply(cadre: Cadre, data: dict) -> None:
    for name in CADRE_FIELDS:
        if name in data:
            setattr(cadre, name, data[name])
    cadre.name = (cadre.name or "").strip()
    cadre.unit_name = (cadre.unit_name or "").strip()
    if "phone" in data:
        cadre.phone = normalize_phone(cadre.phone or "")
        if cadre.phone:
            try:
                validate_phone(cadre.phone)
            except ValidationError as exc:
                raise BusinessRuleError(
                    exc.messages[0], field="phone", code="phone_invalid"
                ) from exc
    if "division_code" in data and not Region.objects.filter(code=cadre.division_code).exists():
        raise BusinessRuleError(
            MSG_UNKNOWN_REGION % {"code": cadre.division_code},
            field="division_code",
            code="unknown_region",
        )
    _clean(cadre, exclude=["user"])


@transaction.atomic
def cadre_create(*, actor, data: dict) -> Cadre:
    """Register an assigned helper (帮扶责任人) in ``data["division_code"]``."""
    cadre = Cadre()
    _cadre_apply(cadre, data)
    cadre.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=cadre,
        after=model_snapshot(cadre),
        division_code=cadre.division_code,
    )
    return cadre


@transaction.atomic
def cadre_update(*, actor, cadre: Cadre, data: dict, expected_version: int | None) -> Cadre:
    """Change a cadre's own fields; ``is_active=False`` records that the cadre left (离岗).

    A cadre who leaves keeps their pairings: ending them is a decision per household
    (pairing_update), taken by whoever assigns the next helper.
    """
    locked = _locked(Cadre, cadre.pk, expected_version=expected_version)
    before = model_snapshot(locked)
    _cadre_apply(locked, data)
    locked.version += 1
    locked.save()
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked),
        division_code=locked.division_code,
    )
    return locked


def _raise_first(problems) -> None:
    if problems:
        field, message = problems[0]
        raise BusinessRuleError(message, field=field, code="rule")


def _overlap_check(pairing: CadrePairing) -> None:
    """No two pairings of a household may cover the same day (one helper at a time)."""
    others = (
        CadrePairing.objects.filter(household_id=pairing.household_id)
        .exclude(pk=pairing.pk)
        .select_related("cadre")
    )
    mine = (pairing.start_date, pairing.end_date)
    for other in others:
        if pairings_overlap(mine, (other.start_date, other.end_date)):
            if other.end_date is None:
                message = MSG_PAIRING_CURRENT_EXISTS % {
                    "name": other.cadre.name,
                    "start": other.start_date.isoformat(),
                }
                raise BusinessRuleError(message, field="household", code="current_pairing")
            raise BusinessRuleError(
                MSG_PAIRING_OVERLAP
                % {"start": other.start_date.isoformat(), "name": other.cadre.name},
                field="start_date",
                code="overlap",
            )


@transaction.atomic
def pairing_assign(
    *,
    actor,
    cadre: Cadre,
    household: Household,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    end_reason: str = "",
) -> CadrePairing:
    """Pair ``cadre`` with ``household`` from ``start_date`` (结对).

    The household's row is locked, so two clerks pairing the same household at once cannot
    both succeed; the second is told who is paired now.
    """
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if locked.is_deleted:
        raise BusinessRuleError(MSG_PAIRING_HOUSEHOLD_DELETED, field="household", code="deleted")
    if not cadre.is_active:
        raise BusinessRuleError(
            MSG_CADRE_INACTIVE % {"name": cadre.name}, field="cadre", code="cadre_inactive"
        )
    if not locked.village_id.startswith(code_prefix(cadre.division_code)):
        raise BusinessRuleError(
            MSG_CADRE_OUTSIDE_REGION % {"name": cadre.name, "code": cadre.division_code},
            field="household",
            code="outside_region",
        )
    end_reason = (end_reason or "").strip()
    _raise_first(
        pairing_problems(
            start_date=start_date,
            end_date=end_date,
            end_reason=end_reason,
            today=timezone.localdate(),
        )
    )
    pairing = CadrePairing(
        cadre=cadre,
        household=locked,
        start_date=start_date,
        end_date=end_date,
        end_reason=end_reason,
    )
    _overlap_check(pairing)
    _clean(pairing, exclude=["cadre", "household"])
    pairing.save()
    record_change(
        actor=actor,
        action=ChangeAction.CREATE,
        instance=pairing,
        after=model_snapshot(pairing),
        household_id=locked.pk,
        division_code=locked.village_id,
    )
    return pairing


@transaction.atomic
def pairing_update(
    *, actor, pairing: CadrePairing, data: dict, expected_version: int | None
) -> CadrePairing:
    """Change a pairing's dates; setting ``end_date`` (and ``end_reason``) ends it (结束结对)."""
    locked = _locked(CadrePairing, pairing.pk, expected_version=expected_version)
    before = model_snapshot(locked)
    for name in PAIRING_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    locked.end_reason = (locked.end_reason or "").strip()
    _raise_first(
        pairing_problems(
            start_date=locked.start_date,
            end_date=locked.end_date,
            end_reason=locked.end_reason,
            today=timezone.localdate(),
        )
    )
    _overlap_check(locked)
    _clean(locked, exclude=["cadre", "household"])
    locked.version += 1
    locked.save()
    household = Household.objects.only("pk", "village_id").get(pk=locked.household_id)
    record_change(
        actor=actor,
        action=ChangeAction.UPDATE,
        instance=locked,
        before=before,
        after=model_snapshot(locked),
        household_id=household.pk,
        division_code=household.village_id,
    )
    return locked
