"""Writes of visits (走访) and work-team attendance (驻村考勤): validate, save, record history.

The pages check the user's scope before calling these (assistance.selectors); like the
household services, these trust the objects they are given and refuse what breaks a rule.
A visit is recorded in its household's history, so it shows in the household's timeline.
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
from assistance.rules import EARLIEST_VISIT, MSG_DATE_IN_FUTURE, MSG_VISIT_TOO_OLD, visit_problems
from assistance.validators import PHOTO_EXTENSIONS, validate_photo
from households.models import Household
from poverty.audit.models import ChangeAction
from poverty.audit.recording import model_snapshot, record_bulk_changes, record_change
from poverty.exceptions import BusinessRuleError

__all__ = [
    "EARLIEST_VISIT",
    "MSG_DATE_IN_FUTURE",
    "MSG_DATE_OUTSIDE_TENURE",
    "MSG_DATE_RANGE",
    "MSG_DATE_RANGE_TOO_LONG",
    "MSG_HOUSEHOLD_DELETED",
    "MSG_NOT_A_TEAM_MEMBER",
    "MSG_TOKEN_OTHER_HOUSEHOLD",
    "MSG_VISIT_TOO_OLD",
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
