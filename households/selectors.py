"""Reads of households, already scoped to the user (poverty.scoping)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from households.models import AnnualIncome, GuaranteeStatus, Household, Member
from poverty.scoping import get_for_user, region_prefixes, visible_to

__all__ = [
    "household_detail",
    "household_get_for_user",
    "household_list",
    "household_rows",
    "in_region_hint",
    "list_region_prefix",
    "member_list",
    "region_cascade",
    "village_choices_for_user",
]


def _head(field: str) -> Subquery:
    # No ORDER BY: there is at most one active head (a unique index), and Member's default
    # ordering would join the household table again inside every subquery.
    heads = Member.objects.filter(household=OuterRef("pk"), relation="01", is_active=True)
    return Subquery(heads.order_by().values(field)[:1])


def household_list(user, *, action: str = "view", include_deleted: bool = False) -> QuerySet:
    """Households the user may see, with the head's name and ID and the member count.

    Constant number of queries whatever the page size: the head and the count are subqueries.
    """
    queryset = Household.objects.all()
    if not include_deleted:
        queryset = queryset.filter(is_deleted=False)
    return (
        visible_to(user, queryset, action)
        .select_related("village")
        .annotate(
            head_name=_head("name"),
            head_id_number=_head("id_number"),
            member_count=Count("members", filter=Q(members__is_active=True)),
        )
    )


def household_get_for_user(
    user, pk, *, action: str = "view", include_deleted: bool = True
) -> Household:
    """One household in the user's scope, or Http404."""
    queryset = Household.objects.select_related(
        "village", "village__parent", "village__parent__parent"
    )
    if not include_deleted:
        queryset = queryset.filter(is_deleted=False)
    return get_for_user(user, queryset, action, pk=pk)


def member_list(user, *, action: str = "view") -> QuerySet:
    return visible_to(user, Member.objects.all(), action)


def household_detail(user, pk) -> dict:
    """Everything the household page shows, in a fixed number of queries."""
    from assessment.selectors import household_verdicts
    from assistance.models import CadrePairing, WorkTeam
    from poverty.audit.selectors import household_timeline

    household = household_get_for_user(user, pk)
    members = list(household.members.order_by("-is_active", "relation", "birth_date", "id"))
    incomes = list(AnnualIncome.objects.filter(household=household).order_by("-year"))
    guarantees = list(GuaranteeStatus.objects.filter(household=household).order_by("-year"))
    pairings = list(
        CadrePairing.objects.filter(household=household)
        .select_related("cadre")
        .order_by("-start_date")
    )
    teams = list(
        WorkTeam.objects.filter(village_id=household.village_id)
        .prefetch_related("members")
        .order_by("-term_start")[:1]
    )
    return {
        "household": household,
        "members": members,
        "incomes": incomes,
        "guarantees": guarantees,
        "pairings": pairings,
        "current_pairing": next((p for p in pairings if p.end_date is None), None),
        "work_team": teams[0] if teams else None,
        "timeline": household_timeline(user, household.pk),
        "assessment": household_verdicts(user, household),
    }


def household_rows(user, pks: list[int]) -> list[Household]:
    """The list-page rows for these household ids (already one page), in the given order.

    The page is chosen on the plain filtered queryset (cheap to count and sort); only its
    rows get the head and member-count annotations: a fixed number of queries per page.
    """
    if not pks:
        return []
    by_pk = {h.pk: h for h in household_list(user).filter(pk__in=pks)}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def region_cascade(user, code: str = "") -> dict:
    """The cascading region selector (省 → 市 → 县 → 乡镇 → 村) for ``code``.

    ``levels``: for each level, ``options`` (code, name) the user may see under the level
    above, the ``selected`` code and the ``parent`` code; ``code``: the deepest chosen
    region (what the filter uses). One query. An empty or malformed ``code`` starts from the
    user's own region, so a county clerk sees province, city and county already chosen.
    """
    from poverty.scoping import user_profile
    from villages.codes import LEVELS, code_ancestors, code_level
    from villages.models import Region

    if not code_level(code or ""):
        profile = user_profile(user)
        code = profile.region_code if profile is not None and not profile.extra_region_codes else ""
    chain = [*code_ancestors(code), code] if code_level(code or "") else []
    rows = (
        visible_to(user, Region.objects.filter(Q(level="province") | Q(parent_id__in=chain)))
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    options: dict[str, list[tuple[str, str]]] = {level: [] for level in LEVELS}
    for region_code, name, level, parent in rows:
        index = LEVELS.index(level)
        if index == 0 or (index <= len(chain) and parent == chain[index - 1]):
            options[level].append((region_code, name))
    visible_codes = {c for level in LEVELS for c, _name in options[level]}
    chain = [c for c in chain if c in visible_codes]
    levels = [
        {
            "level": level,
            "options": options[level],
            "selected": chain[index] if index < len(chain) else "",
            "parent": chain[index - 1] if 0 < index <= len(chain) else "",
        }
        for index, level in enumerate(LEVELS)
    ]
    return {"levels": levels, "code": chain[-1] if chain else ""}


def village_choices_for_user(user) -> QuerySet:
    """Villages in which the user may register or move households (the change scope)."""
    from poverty.roles import ROLE_RULES
    from poverty.scoping import region_prefixes, user_role
    from villages.models import Region

    role = user_role(user)
    villages = Region.objects.filter(level="village")
    if role is None or not ROLE_RULES[role].may_change(Household._meta.label_lower):
        return villages.none()
    if role == "cadre":
        return villages.none()  # a cadre changes visits and measures only, never households
    prefixes = region_prefixes(user, "change")
    if prefixes is None:
        return villages
    if not prefixes:
        return villages.none()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix)
    return villages.filter(condition)


#: Lengths of the village-code prefixes with an index sorted by household number within them
#: (hh_county_number, hh_city_number in households.models), longest first.
NUMBER_ORDER_PREFIXES = (6, 4)


def list_region_prefix(user, region: str = "") -> str | None:
    """The county (6 digits), else the city (4), that a household list lies in, if one.

    From the region filter when it names such a region or a smaller one, otherwise from the
    user's scope when every region of it lies in the same county (or city).
    """
    prefixes = [region] if region else region_prefixes(user) or []
    for length in NUMBER_ORDER_PREFIXES:
        heads = {prefix[:length] for prefix in prefixes if len(prefix) >= length}
        if prefixes and len(heads) == 1 and all(len(prefix) >= length for prefix in prefixes):
            return heads.pop()
    return None


def in_region_hint(queryset: QuerySet, prefix: str) -> QuerySet:
    """Add "the first len(prefix) digits of the village code = prefix" to a household query.

    It is implied by the region conditions already there (scope and filter), so the rows do
    not change; it lets PostgreSQL read a page sorted by household number off the index
    hh_county_number or hh_city_number (a few dozen entries) instead of sorting every
    household of the region. PostgreSQL cannot tell that a range implies it, so it must come
    from here.
    """
    return queryset.alias(region_head=Substr("village", 1, len(prefix))).filter(region_head=prefix)
