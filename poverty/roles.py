"""Roles and what each may do: the table behind every permission check.

A user has one role and one region (a division code at the level the role needs); a village
work team may have several villages. *What* a role may do is in ROLE_RULES below; *where* is
computed by poverty.scoping from the user's region, per action:

- ``view``: read individual records (households, members …);
- ``summary``: read aggregate figures (dashboards, statistics, rankings) — may be wider;
- ``change``: create, edit, soft-delete records;
- ``approve``: take procedure steps reserved to the role's level;
- ``export`` / ``import``: Excel ledgers;
- ``manage_users``: create and edit users below the role.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ACTIONS", "ROLE_RULES", "Role", "RoleRule"]

ACTIONS = ("view", "summary", "change", "approve", "export", "import", "manage_users")


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    CITY_LEADER = "city_leader", _("市领导")
    COUNTY_OFFICE = "county_office", _("县扶贫办")
    TOWNSHIP_OFFICE = "township_office", _("乡镇")
    VILLAGE_TEAM = "village_team", _("驻村工作队/村两委")
    CADRE = "cadre", _("帮扶责任人")
    INSPECTOR = "inspector", _("检查组")


@dataclass(frozen=True)
class RoleRule:
    """What a role may do, and at which level its region must be."""

    region_levels: tuple[str, ...]  # levels the user's region may have ("" = whole system)
    actions: frozenset[str]
    # How many levels above its own region the role may read *summary* figures (0 = same).
    summary_levels_up: int = 0
    # Whether the role sees citizen IDs, phones and bank accounts unmasked.
    sees_sensitive: bool = False
    # If set, "change" applies only to models whose label starts with one of these
    # ("households." = every household model; "assistance.visit" = visits only).
    change_models: tuple[str, ...] | None = None

    def may_change(self, model_label: str) -> bool:
        return self.change_models is None or model_label.startswith(self.change_models)


ROLE_RULES: dict[str, RoleRule] = {
    Role.ADMIN: RoleRule(("",), frozenset(ACTIONS), sees_sensitive=True),
    Role.CITY_LEADER: RoleRule(("city",), frozenset({"view", "summary"})),
    Role.COUNTY_OFFICE: RoleRule(
        ("county",),
        frozenset({"view", "summary", "change", "approve", "export", "import", "manage_users"}),
        sees_sensitive=True,
    ),
    Role.TOWNSHIP_OFFICE: RoleRule(
        ("township",),
        frozenset({"view", "summary", "change", "approve", "export"}),
        summary_levels_up=1,
        sees_sensitive=True,
    ),
    # A village team edits households, members and visit logs of its villages.
    Role.VILLAGE_TEAM: RoleRule(
        ("village",),
        frozenset({"view", "summary", "change"}),
        sees_sensitive=True,
        change_models=("households.", "assistance.visit", "assistance.stationing"),
    ),
    # A cadre reads its paired households only (poverty.scoping) and logs visits and measures.
    Role.CADRE: RoleRule(
        ("county", "township", "village"),
        frozenset({"view", "change"}),
        change_models=("assistance.visit", "assistance.measure"),
    ),
    Role.INSPECTOR: RoleRule(
        ("province", "city", "county", "township", "village"),
        frozenset({"view", "summary", "export"}),
    ),
}
