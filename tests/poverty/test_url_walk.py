"""The guard of every later page, API endpoint, export and job-status URL.

It walks every URL pattern of the project and proves, as users of every role of county A,
that no object of county B is visible or changeable. A new URL whose view declares neither
``scope_model`` nor ``public = True`` (poverty.views_base) makes test_every_url_declares_its_scope
fail: deny by default.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from households.models import Household
from poverty.roles import Role
from tests.access import build_world

pytestmark = pytest.mark.django_db

# URL namespaces served by Django's admin site: only superusers (the administrator role) get in.
ADMIN_NAMESPACES = {"admin"}
# Views that belong to Django itself and hold no registry data.
FRAMEWORK_PUBLIC = {"set_language", "javascript-catalog"}


def _route(pattern) -> str:
    """A pattern's text without regex anchors (DRF routers give "^households/(?P<pk>[^/.]+)/$")."""
    return str(pattern).removeprefix("^").removesuffix("$")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + _route(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + _route(entry.pattern), namespace, entry


def _view_of(pattern: URLPattern):
    callback = pattern.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback


def _declaration(namespace: str, pattern: URLPattern) -> str:
    if namespace in ADMIN_NAMESPACES:
        return "admin"
    if pattern.name in FRAMEWORK_PUBLIC:
        return "public"
    view = _view_of(pattern)
    if getattr(view, "public", False):
        return "public"
    if getattr(view, "scope_model", None) is not None:
        return "scoped"
    return "undeclared"


ALL_PATTERNS = list(_walk(get_resolver().url_patterns))
SCOPED = [(route, ns, p) for route, ns, p in ALL_PATTERNS if _declaration(ns, p) == "scoped"]


def test_every_url_declares_its_scope():
    undeclared = [route for route, ns, p in ALL_PATTERNS if _declaration(ns, p) == "undeclared"]
    assert undeclared == [], f"views without scope_model or public=True: {undeclared}"


def test_there_are_scoped_urls_to_walk():
    assert SCOPED, "the walk found no scoped URL: the project's URLs were not loaded"


def _yearly_records(world) -> None:
    """Records the shared world lacks, so that every detail URL has an object to aim at."""
    import datetime

    from assistance.models import AidUnit, AidUnitVillage
    from households.models import HouseholdStatusChange
    from households.services import annual_income_save, guarantee_status_save

    for county in world.counties.values():
        household = county.households[0]
        annual_income_save(
            actor=None, household=household, year=2019, data={"wage": 9000}, expected_version=None
        )
        guarantee_status_save(
            actor=None, household=household, year=2019, data={"food": "met"}, expected_version=None
        )
        HouseholdStatusChange.objects.create(
            household=household,
            year=2019,
            from_status="poor",
            to_status="exited",
            changed_on=datetime.date(2019, 12, 1),
        )
        unit = AidUnit.objects.create(name=f"帮扶单位{county.code}", division_code=county.code)
        AidUnitVillage.objects.create(aid_unit=unit, village=county.villages[0], start_year=2016)
        _assistance_records(household)
        _procedure_records(household)


def _assistance_records(household) -> None:
    """A visit to the household and a stationing day of its village's work team."""
    import datetime

    from assistance.models import StationingDay, Visit, WorkTeamMember

    Visit.objects.create(
        household=household,
        division_code=household.village_id,
        visitor_name="walk",
        visited_on=datetime.date(2019, 6, 1),
        findings="walk",
    )
    member = WorkTeamMember.objects.filter(team__village_id=household.village_id).first()
    StationingDay.objects.create(
        member=member, division_code=household.village_id, date=datetime.date(2019, 6, 1)
    )


def _procedure_records(household) -> None:
    """A procedure with a step, an objection and an exit-year lock (assessment procedures)."""
    import datetime

    from django.utils import timezone

    from assessment.models import HouseholdYearLock, Procedure, ProcedureObjection, ProcedureStep

    procedure = Procedure.objects.create(
        kind="household_exit", year=2019, household=household, division_code=household.village_id
    )
    ProcedureStep.objects.create(
        procedure=procedure,
        position=1,
        code="proposal",
        actor_name="walk",
        actor_role="village_team",
        acted_on=datetime.date(2019, 10, 1),
    )
    ProcedureObjection.objects.create(
        procedure=procedure, raised_on=datetime.date(2019, 10, 2), content="walk"
    )
    HouseholdYearLock.objects.create(
        household=household, year=2019, procedure=procedure, locked_at=timezone.now()
    )


@pytest.fixture
def world():
    world = build_world()
    _yearly_records(world)
    return world


def test_every_scoped_detail_route_can_be_filled():
    """An API detail URL the walk cannot fill would be skipped silently: none may exist."""
    unfillable = [
        route
        for route, _ns, _p in SCOPED
        if route.startswith("api/") and "<" in route and _fill(route, Household(pk=1)) is None
    ]
    assert unfillable == []


_PK = re.compile(r"<(?:(?:int|str|uuid|slug):)?pk>|\(\?P<pk>[^)]*\)")


def _fill(route: str, obj) -> str | None:
    """A concrete path for ``route`` with the object's pk in every pk parameter (path
    converters and DRF router regexes alike); None if the route has other parameters."""
    path = _PK.sub(str(obj.pk), route)
    if "<" in path or "(?P" in path:
        return None
    return "/" + path


def _other_county_object(world, model):
    """An object that county B's office sees and county A's does not (regions shared by both,
    such as the province and the city, are not "of the other county")."""
    from poverty.scoping import visible_to

    b_user = world.counties["b"].users[Role.COUNTY_OFFICE]
    a_user = world.counties["a"].users[Role.COUNTY_OFFICE]
    seen_by_a = visible_to(a_user, model._default_manager.all()).values("pk")
    return (
        visible_to(b_user, model._default_manager.all())
        .exclude(pk__in=seen_by_a)
        .order_by("pk")
        .first()
    )


ROLES_OF_A = [
    Role.COUNTY_OFFICE,
    Role.TOWNSHIP_OFFICE,
    Role.VILLAGE_TEAM,
    Role.CADRE,
    Role.INSPECTOR,
]


@pytest.mark.parametrize("role", ROLES_OF_A)
def test_no_object_of_the_other_county_is_visible_or_changeable(world, client, role):
    client.force_login(world.counties["a"].users[role])
    county_b = world.counties["b"]
    b_markers = [h.household_number for h in county_b.households] + [
        m.id_number for h in county_b.households for m in h.members.all()
    ]
    before = {h.pk: (h.version, h.updated) for h in Household.objects.all()}
    walked = 0
    for route, _ns, pattern in SCOPED:
        view = _view_of(pattern)
        model = view.scope_model
        if "<" not in route:
            # a list page: whatever it shows, nothing of county B
            response = client.get("/" + route)
            assert response.status_code in (200, 302, 404), (route, response.status_code)
            body = response.content.decode(errors="replace")
            leaked = [m for m in b_markers if m in body]
            assert not leaked, f"{route} shows county B's {leaked[:3]} to {role}"
            walked += 1
            continue
        obj = _other_county_object(world, model)
        if obj is None:
            # every API detail URL must be exercised (the fixture makes an object for each)
            assert not route.startswith("api/"), f"no object of county B to aim {route} at"
            continue
        path = _fill(route, obj)
        if path is None:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(path)
            assert response.status_code in (404, 405), (method, path, role, response.status_code)
        walked += 1
    assert walked, "no scoped URL was exercised"
    after = {h.pk: (h.version, h.updated) for h in Household.objects.all()}
    assert after == before, "a request changed a household it must not see"


def test_admin_site_is_closed_to_every_role_but_the_administrator(world, client):
    for role in ROLES_OF_A:
        client.force_login(world.counties["a"].users[role])
        response = client.get("/admin/villages/region/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role
    client.force_login(world.admin)
    assert client.get("/admin/villages/region/").status_code == 200


def test_anonymous_users_are_sent_to_login_on_every_scoped_page(world, client):
    household = world.counties["a"].households[0]
    for route, _ns, _pattern in SCOPED:
        path = _fill(route, household) if "<" in route else "/" + route
        if path is None:
            continue
        response = client.get(path)
        assert response.status_code in (302, 401, 403), (path, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
