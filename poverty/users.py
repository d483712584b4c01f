"""Creating and changing users with a role and a region: one service for command, admin and pages."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from poverty.exceptions import BusinessRuleError
from poverty.models import UserProfile
from poverty.roles import ROLE_RULES, Role
from poverty.scoping import region_prefixes, user_role
from villages.codes import code_level
from villages.models import Region

__all__ = ["MSG_REGION_LEVEL", "MSG_REGION_OUTSIDE", "user_create_with_role"]

MSG_REGION_LEVEL = _("角色 %(role)s 的管辖区划必须是以下层级之一：%(levels)s")
MSG_REGION_UNKNOWN = _("区划代码 %(code)s 不存在")
MSG_REGION_OUTSIDE = _("只能为本辖区内的下级创建用户")
MSG_EXPIRY_REQUIRED = _("检查组账号必须设置访问截止时间")


@transaction.atomic
def user_create_with_role(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    region_code: str = "",
    full_name: str = "",
    expires_at: datetime.datetime | None = None,
) -> object:
    """Create a user with a role and region. ``actor`` None means a command run by the operator.

    A county office may create users only for roles below it and regions inside its county.
    """
    rule = ROLE_RULES.get(role)
    if rule is None:
        raise BusinessRuleError(_("未知角色"), field="role")
    if role != Role.ADMIN:
        level = code_level(region_code)
        if level not in rule.region_levels:
            labels = "、".join(rule.region_levels)
            raise BusinessRuleError(
                MSG_REGION_LEVEL % {"role": Role(role).label, "levels": labels}, field="region_code"
            )
        if not Region.objects.filter(code=region_code).exists():
            raise BusinessRuleError(MSG_REGION_UNKNOWN % {"code": region_code}, field="region_code")
    if role == Role.INSPECTOR and expires_at is None:
        raise BusinessRuleError(MSG_EXPIRY_REQUIRED, field="expires_at")
    if actor is not None and user_role(actor) != Role.ADMIN:
        prefixes = region_prefixes(actor, "manage_users")
        if role in (Role.ADMIN, Role.CITY_LEADER, Role.COUNTY_OFFICE) or not any(
            region_code.startswith(p) for p in prefixes or []
        ):
            raise BusinessRuleError(MSG_REGION_OUTSIDE, field="region_code")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise BusinessRuleError(_("用户名已存在"), field="username")
    user = user_model(username=username, first_name=full_name[:150])
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise BusinessRuleError(exc.messages[0], field="password") from exc
    user.set_password(password)
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save()
    UserProfile.objects.create(user=user, role=role, region_code=region_code, expires_at=expires_at)
    return user
