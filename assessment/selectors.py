"""Reads of the assessment app: standards as rule inputs, verdicts and statistics for a user.

Every read for a user goes through poverty.scoping (visible_to / get_for_user / region
prefixes); the standards are reference data that every logged-in user may read.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max, QuerySet
from django.http import Http404

from assessment.models import (
    ChecklistItem,
    HouseholdReadiness,
    MonitoringFlag,
    PolicyStandard,
    RankingConfig,
    RankingEntry,
    RegionReadiness,
    RegionStatistic,
)
from assessment.rules import StandardSet
from assessment.rules.standards import StandardRow
from poverty.scoping import get_for_user, region_prefixes, visible_to

__all__ = [
    "assessment_overview",
    "household_verdicts",
    "monitoring_flags_page",
    "ranking_configs_for_user",
    "ranking_entries",
    "ranking_page",
    "region_class_map",
    "region_class_of",
    "region_summary",
    "standard_set_load",
    "standard_value",
    "standards_list",
    "standards_version",
    "whatif_household_initial",
    "whatif_run",
]


def standard_set_load() -> StandardSet:
    """Every standard and checklist item, indexed for resolution (a few hundred rows)."""
    return StandardSet(
        [s.as_row() for s in PolicyStandard.objects.all()],
        [c.as_row() for c in ChecklistItem.objects.all()],
    )


def standards_version():
    """The moment the standards last changed (a recomputation compares it at its end)."""
    a = PolicyStandard.objects.aggregate(m=Max("updated"))["m"]
    b = ChecklistItem.objects.aggregate(m=Max("updated"))["m"]
    stamps = [s for s in (a, b) if s is not None]
    return max(stamps) if stamps else None


def standard_value(
    key: str, division_code: str, year: int, region_class: str = ""
) -> StandardRow | None:
    """One standard for a place and year (for other apps: visit periods, stationing days …)."""
    if not region_class:
        region_class = region_class_of(division_code)
    return standard_set_load().view(division_code, year, region_class).get(key)


def region_class_map() -> dict[str, str]:
    """Effective region class by province (2), city (4) and county (6) prefix.

    A county's own class, or "west" if it is treated as western (比照西部), else its city's,
    else its province's (DOMAIN.md §3.3: set per province, overridable per county).
    """
    from villages.models import Region
    from villages.services import PROVINCE_REGION_CLASS

    lengths = {"province": 2, "city": 4, "county": 6}
    rows = sorted(
        Region.objects.filter(level__in=list(lengths)).values_list(
            "code", "level", "region_class", "treated_as_west"
        ),
        key=lambda row: lengths[row[1]],
    )
    result: dict[str, str] = dict(PROVINCE_REGION_CLASS)
    for code, level, region_class, treated_as_west in rows:
        length = lengths[level]
        prefix = code[:length]
        inherited = result.get(prefix[: length - 2], "") if length > 2 else result.get(prefix, "")
        result[prefix] = region_class or ("west" if treated_as_west else "") or inherited
    return result


def region_class_of(division_code: str, classes: dict[str, str] | None = None) -> str:
    classes = classes if classes is not None else region_class_map()
    for length in (6, 4, 2):
        value = classes.get(division_code[:length])
        if value:
            return value
    return ""


def whatif_run(payload) -> dict:
    """What-if verdicts for ``payload`` against the standards table; nothing is saved."""
    from assessment.whatif import whatif_evaluate

    return whatif_evaluate(payload, standard_set_load(), region_class_map())


# --- verdicts for a user ------------------------------------------------------------------


def household_verdicts(user, household) -> dict:
    """The readiness rows (every year) and monitoring flags of a household the user may see."""
    readiness = list(
        visible_to(user, HouseholdReadiness.objects.filter(household_id=household.pk))
        .select_related("reason_set")
        .order_by("-year")
    )
    flags = list(
        visible_to(user, MonitoringFlag.objects.filter(household_id=household.pk)).order_by(
            "-year", "code"
        )
    )
    by_year: dict[int, list] = {}
    for flag in flags:
        by_year.setdefault(flag.year, []).append(flag)
    for row in readiness:
        row.flags = by_year.get(row.year, [])
    return {"readiness": readiness, "latest": readiness[0] if readiness else None}


def _summary_allowed(user, code: str) -> bool:
    prefixes = region_prefixes(user, "summary")
    return prefixes is None or any(code.startswith(p) for p in prefixes)


def region_summary(user, code: str) -> dict:
    """Statistics, verdicts and child regions of one region the user may read summaries of.

    404 outside the user's summary scope (a county office does not read its city's totals)."""
    from villages.models import Region

    region = get_for_user(user, Region.objects.select_related("parent"), "view", pk=code)
    if not _summary_allowed(user, region.code):
        raise Http404
    statistics = list(RegionStatistic.objects.filter(region_code=region.code).order_by("year"))
    verdicts = list(RegionReadiness.objects.filter(region_code=region.code).order_by("-year"))
    latest_year = statistics[-1].year if statistics else None
    children = list(Region.objects.filter(parent_id=region.code).order_by("code"))
    child_stats = {
        s.region_code: s
        for s in RegionStatistic.objects.filter(
            region_code__in=[c.code for c in children], year=latest_year
        )
    }
    child_verdicts = {
        v.region_code: v
        for v in RegionReadiness.objects.filter(
            region_code__in=[c.code for c in children], year=latest_year
        )
    }
    for child in children:
        child.statistic = child_stats.get(child.code)
        child.verdict = child_verdicts.get(child.code)
    return {
        "region": region,
        "statistics": statistics,
        "verdicts": verdicts,
        "latest": statistics[-1] if statistics else None,
        "latest_year": latest_year,
        "children": children,
    }


def ranking_configs_for_user(user) -> QuerySet:
    return visible_to(user, RankingConfig.objects.filter(is_active=True), "summary")


def ranking_entries(user, config: RankingConfig, year: int | None) -> list[RankingEntry]:
    entries = RankingEntry.objects.filter(config=config)
    if year is None:
        year = entries.aggregate(m=Max("year"))["m"]
    return list(entries.filter(year=year).order_by("rank", "region_code"))


def ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


# --- what the pages show --------------------------------------------------------------------


def assessment_overview(user) -> dict:
    """The regions a user reads summaries of, with their latest figures, and recent jobs."""
    from poverty.jobs.models import JobRun
    from villages.models import Region

    prefixes = region_prefixes(user, "summary")
    if prefixes is None:
        regions = Region.objects.filter(level="province")
    else:
        regions = Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes])
    regions = list(regions.order_by("code"))
    latest = RegionStatistic.objects.filter(region_code__in=[r.code for r in regions])
    year = latest.aggregate(m=Max("year"))["m"]
    stats = {s.region_code: s for s in latest.filter(year=year)}
    for region in regions:
        region.statistic = stats.get(region.code)
    kinds = ("assessment_recompute", "assessment_changes")
    jobs = visible_to(user, JobRun.objects.filter(kind__in=kinds)).order_by("-created")[:5]
    return {"regions": regions, "year": year, "jobs": list(jobs)}


def whatif_household_initial(user, household_id) -> dict:
    """What-if form values from a household the user may see (404 otherwise)."""
    from assessment.forms import whatif_initial_from_household
    from households.models import AnnualIncome, GuaranteeStatus
    from households.selectors import household_get_for_user

    household = household_get_for_user(user, household_id)
    incomes = list(AnnualIncome.objects.filter(household=household).order_by("-year"))
    guarantees = list(GuaranteeStatus.objects.filter(household=household).order_by("-year"))
    members = list(household.members.filter(is_active=True))
    initial = whatif_initial_from_household(household, incomes, guarantees, members)
    return {"initial": initial, "household": household}


def standards_list() -> dict:
    return {
        "standards": list(PolicyStandard.objects.order_by("key", "scope_code", "year_from")),
        "checklist": list(ChecklistItem.objects.order_by("level", "scope_code", "sort_order")),
    }


def monitoring_flags_page(user, year_text: str | None, page_number) -> dict:
    """The monitoring flags of one year (latest by default) in the user's scope, a page of 100."""
    from django.core.paginator import Paginator

    from households.models import Household

    flags = visible_to(user, MonitoringFlag.objects.all())
    years = sorted(set(flags.values_list("year", flat=True).distinct()), reverse=True)
    if year_text and year_text.isdigit():
        year = int(year_text)
    else:
        year = years[0] if years else None
    rows = flags.filter(year=year).order_by("division_code", "household_id", "code")
    page = Paginator(rows, 100).get_page(page_number)
    numbers = dict(
        Household.objects.filter(pk__in={f.household_id for f in page}).values_list(
            "pk", "household_number"
        )
    )
    for flag in page:
        flag.household_number = numbers.get(flag.household_id, "")
    return {
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "years": years,
        "year": year,
    }


def ranking_page(user, config_id: str | None, year_text: str | None) -> dict:
    """The rankings a user may read, and the entries of the selected one (404 if not his)."""
    from assessment.choices import RankingIndicator

    configs = list(ranking_configs_for_user(user).order_by("region_code", "name"))
    selected = configs[0] if configs else None
    if config_id:
        selected = next((c for c in configs if str(c.pk) == config_id), None)
        if selected is None:
            raise Http404
    entries: list = []
    years: list[int] = []
    year = None
    if selected is not None:
        years = sorted(
            set(RankingEntry.objects.filter(config=selected).values_list("year", flat=True)),
            reverse=True,
        )
        year = int(year_text) if year_text and year_text.isdigit() else None
        entries = ranking_entries(user, selected, year)
        year = entries[0].year if entries else year
    labels = {i.value: i.label for i in RankingIndicator}
    for entry in entries:
        entry.values = [
            (labels.get(k, k), v, selected.weights.get(k)) for k, v in entry.indicators.items()
        ]
    return {"configs": configs, "selected": selected, "entries": entries, "years": years,
            "year": year}  # fmt: skip
