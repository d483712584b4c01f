"""Region scoping: the one place that decides which rows a user may read or change.

Every page, API endpoint, export, dashboard and job that acts for a user narrows its
queryset with :func:`visible_to` (or fetches one object with :func:`get_for_user`, which
answers 404 outside the scope, so that existence does not leak). Deny by default:

- a model that has not declared how it is scoped (``scope_field``) cannot be read at all;
- a user without a role, an inactive user, and an inspector past the expiry see nothing;
- an action that the role does not have (poverty.roles.ROLE_RULES) gives nothing.

How a model declares its scope (class attributes):

- ``scope_field``: the path to a 12-digit division code (``"village__code"``, ``"division_code"``,
  ``"household__village__code"``); rows match when that code starts with the user's prefix;
- ``household_path`` (optional): the path to the household id (``"pk"``, ``"household_id"``),
  used for cadres, who see only the households paired with them;
- ``scope_include_ancestors`` (optional, regions only): also show the ancestors of the
  user's region, so breadcrumbs and cascading selectors can start from the province.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from poverty.roles import ROLE_RULES, Role
from villages.codes import (
    LEVEL_PREFIX_LENGTH,
    LEVELS,
    code_ancestors,
    code_level,
    code_prefix,
    code_under_q,
)

__all__ = [
    "ScopedQuerySet",
    "get_for_user",
    "region_prefixes",
    "scope_q",
    "user_can",
    "user_profile",
    "user_role",
    "user_sees_sensitive",
    "visible_to",
]

_NOTHING = Q(pk__in=[])


def user_profile(user):
    """The user's UserProfile, or None (anonymous, inactive, no role, or expired)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_scoping_profile", False)
    if cached is not False:
        return cached
    from poverty.models import UserProfile

    try:
        profile = user.profile
    except UserProfile.DoesNotExist:
        profile = None
    if (
        profile is not None
        and profile.expires_at is not None
        and profile.expires_at <= timezone.now()
    ):
        profile = None
    user._scoping_profile = profile
    return profile


def user_role(user) -> str | None:
    """The user's role; a Django superuser without a profile counts as administrator."""
    profile = user_profile(user)
    if profile is not None:
        return profile.role
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return Role.ADMIN
    return None


def user_can(user, action: str) -> bool:
    """Whether the user's role includes the action at all (regardless of region)."""
    role = user_role(user)
    return role is not None and action in ROLE_RULES[role].actions


def user_sees_sensitive(user) -> bool:
    """Whether citizen IDs, phones and bank accounts are shown unmasked to this user."""
    role = user_role(user)
    if role is None:
        return False
    profile = user_profile(user)
    return ROLE_RULES[role].sees_sensitive or bool(profile and profile.see_sensitive_override)


def _widen(prefix: str, levels_up: int) -> str:
    """The prefix of the region ``levels_up`` levels above the one whose prefix is given."""
    for level, length in LEVEL_PREFIX_LENGTH.items():
        if len(prefix) == length:
            index = max(0, LEVELS.index(level) - levels_up)
            return prefix[: LEVEL_PREFIX_LENGTH[LEVELS[index]]]
    return prefix


def region_prefixes(user, action: str = "view") -> list[str] | None:
    """Division-code prefixes the user may act on; None means the whole system, [] nothing."""
    role = user_role(user)
    if role is None or action not in ROLE_RULES[role].actions:
        return []
    if role == Role.ADMIN:
        return None
    profile = user_profile(user)
    codes = [profile.region_code, *profile.extra_region_codes]
    prefixes = sorted({code_prefix(code) for code in codes if code_level(code)})
    levels_up = ROLE_RULES[role].summary_levels_up if action == "summary" else 0
    if levels_up:
        prefixes = sorted({_widen(p, levels_up) for p in prefixes})
    return prefixes


def _cadre_households_q(user, model) -> Q:
    from assistance.models import CadrePairing

    household_path = getattr(model, "household_path", None)
    if household_path is None:
        return _NOTHING
    paired = CadrePairing.objects.filter(cadre__user=user, end_date__isnull=True).values(
        "household_id"
    )
    return Q(**{f"{household_path}__in": paired})


def scope_q(user, model: type[models.Model], action: str = "view") -> Q:
    """A Q object selecting the rows of ``model`` that ``user`` may act on with ``action``."""
    field = getattr(model, "scope_field", None)
    if not field:
        raise ImproperlyConfigured(
            f"{model.__name__} does not declare scope_field: it cannot be read through scoping"
        )
    role = user_role(user)
    if role is None or action not in ROLE_RULES[role].actions:
        return _NOTHING
    if role == Role.ADMIN:
        return Q()
    if action == "change" and not ROLE_RULES[role].may_change(model._meta.label_lower):
        return _NOTHING
    if role == Role.CADRE and action in ("view", "change"):
        if getattr(model, "household_path", None) is not None:
            return _cadre_households_q(user, model)
        if not getattr(model, "scope_include_ancestors", False):
            return _NOTHING
    prefixes = region_prefixes(user, action)
    if not prefixes:
        return _NOTHING
    condition = Q()
    for prefix in prefixes:
        condition |= code_under_q(field, prefix)
    if getattr(model, "scope_include_ancestors", False):
        profile = user_profile(user)
        ancestors = set()
        for code in [profile.region_code, *profile.extra_region_codes]:
            if code_level(code):
                ancestors.update(code_ancestors(code))
        if ancestors:
            condition |= Q(**{f"{field}__in": sorted(ancestors)})
    return condition


def visible_to(user, queryset: models.QuerySet, action: str = "view") -> models.QuerySet:
    """Narrow any queryset of a scoped model to what ``user`` may do with ``action``."""
    return queryset.filter(scope_q(user, queryset.model, action))


def get_for_user(user, queryset: models.QuerySet, action: str = "view", **lookup):
    """One object within the user's scope, or Http404 (never 403: existence must not leak)."""
    try:
        return visible_to(user, queryset, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


class ScopedQuerySet(models.QuerySet):
    """QuerySet with ``.visible_to(user, action)``; the same function as :func:`visible_to`."""

    def visible_to(self, user, action: str = "view") -> ScopedQuerySet:
        return visible_to(user, self, action)
