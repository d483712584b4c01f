"""Village ledger: 贫困村台账 / 出列台账 (DOMAIN.md §15.8), one row per village and year.

The counts are computed from the registry (households identified by the year, not deleted;
exited = 脱贫年度 in or before the year; their active members). Village-level figures that
the registry does not hold (集体经济收入, 村小学, 卫生室, 客运班车 …) need a village-year
table, which the village-exit issue adds; until then they are not in the ledger.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, Q, QuerySet

from households.models import Household, Member
from poverty.ledgers.base import (
    LedgerKind,
    LedgerParams,
    LedgerPlan,
    SheetPlan,
    bool_text,
    ledger_kind,
    region_names,
    region_title,
    subtitle,
)
from poverty.scoping import visible_to
from poverty.xlsx import Column
from villages.models import Region

__all__ = ["VILLAGE_COLUMNS", "villages_for_export"]

I = "int"  # noqa: E741
VILLAGE_COLUMNS = [
    Column("序号", I, 6), Column("县", "text", 8), Column("乡（镇）", "text", 10),
    Column("行政村", "text", 10), Column("村区划代码", "text", 14), Column("是否贫困村", "text", 6),
    Column("列为贫困村年度", "year", 8), Column("出列年度", "year", 8),
    Column("是否深度贫困村", "text", 6), Column("建档立卡户数", I, 8), Column("建档立卡人口数", I, 8),
    Column("已脱贫户数", I, 8), Column("未脱贫户数", I, 8), Column("低保户数", I, 8),
    Column("低保人口数", I, 8), Column("特困供养人口数", I, 8), Column("残疾人口数", I, 8),
    Column("未实现饮水安全户数", I, 8), Column("饮水困难户数", I, 8), Column("危房户数", I, 8),
    Column("通广播电视户数", I, 8), Column("参加城乡居民基本养老保险人数", I, 10),
    Column("参加基本医疗保险人数", I, 10), Column("派驻单位", "text", 18),
    Column("第一书记", "text", 8), Column("工作队队员", "text", 20),
]  # fmt: skip


def villages_for_export(params: LedgerParams) -> QuerySet:
    queryset = Region.objects.filter(level="village")
    if params.prefix:
        queryset = queryset.filter(code__startswith=params.prefix)
    if params.filters.get("poor_only") in ("1", "true", "on", True):
        queryset = queryset.filter(is_poor_village=True)
    return visible_to(params.user, queryset, "export").order_by("code")


def _rows(params: LedgerParams, names: dict[str, str]) -> Iterator[tuple]:
    from assistance.models import WorkTeam

    year = params.year
    villages = list(villages_for_export(params).values(
        "code", "is_poor_village", "poor_listed_year", "exit_year", "is_deep_poverty"))  # fmt: skip
    codes = [v["code"] for v in villages]
    households = visible_to(
        params.user,
        Household.objects.filter(is_deleted=False, identified_year__lte=year, village_id__in=codes),
        "export",
    )
    counts = {
        row["village_id"]: row
        for row in households.values("village_id").annotate(
            n=Count("pk"),
            exited=Count("pk", filter=Q(exit_year__lte=year)),
            dibao=Count("pk", filter=Q(attribute__in=["2", "4"])),
            no_water=Count("pk", filter=Q(has_safe_water=False)),
            water_difficulty=Count("pk", filter=Q(has_water_difficulty=True)),
            dangerous=Count("pk", filter=Q(is_dangerous_house=True)),
            tv=Count("pk", filter=Q(has_broadcast_tv=True)),
        )
    }
    people = {
        row["division_code"]: row
        for row in Member.objects.filter(
            household__in=households, is_active=True, birth_date__lte=datetime.date(year, 12, 31)
        )
        .values("division_code")
        .annotate(
            n=Count("pk"),
            dibao=Count("pk", filter=~Q(dibao="0")),
            tekun=Count("pk", filter=~Q(tekun="0")),
            disabled=Count("pk", filter=Q(health="04") | ~Q(disability_category="")),
            pension=Count("pk", filter=Q(has_resident_pension=True)),
            medical=Count("pk", filter=Q(has_resident_medical_insurance=True)
                          | Q(has_employee_medical_insurance=True)),
        )
    }  # fmt: skip
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    teams: dict[str, dict] = defaultdict(lambda: {"unit": "", "secretary": "", "members": []})
    for team in (
        WorkTeam.objects.filter(village_id__in=codes, term_start__lte=last)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=first))
        .prefetch_related("members")
        .order_by("village_id", "term_start")
    ):
        entry = teams[team.village_id]
        entry["unit"] = team.sending_unit_name
        for member in team.members.all():
            if member.start_date > last or (member.end_date and member.end_date < first):
                continue
            if member.role == "first_secretary":
                entry["secretary"] = member.name
            else:
                entry["members"].append(member.name)
    for number, v in enumerate(villages, start=1):
        code = v["code"]
        h = counts.get(code, {})
        p = people.get(code, {})
        team = teams.get(code, {"unit": "", "secretary": "", "members": []})
        yield (
            number, names.get(code[:6] + "000000", ""), names.get(code[:9] + "000", ""),
            names.get(code, ""), code, bool_text(v["is_poor_village"]), v["poor_listed_year"],
            v["exit_year"] if v["exit_year"] and v["exit_year"] <= year else None,
            bool_text(v["is_deep_poverty"]), h.get("n", 0), p.get("n", 0), h.get("exited", 0),
            h.get("n", 0) - h.get("exited", 0), h.get("dibao", 0), p.get("dibao", 0),
            p.get("tekun", 0), p.get("disabled", 0), h.get("no_water", 0),
            h.get("water_difficulty", 0), h.get("dangerous", 0), h.get("tv", 0),
            p.get("pension", 0), p.get("medical", 0), team["unit"], team["secretary"],
            "、".join(team["members"]),
        )  # fmt: skip


def _plan(params: LedgerParams) -> LedgerPlan:
    names = region_names(params.prefix)
    label = "贫困村台账"
    return LedgerPlan(
        filename=f"{region_title(params.region_code, names)}{label}_{params.year}.xlsx",
        sheets=[
            SheetPlan(
                "贫困村台账",
                VILLAGE_COLUMNS,
                lambda: _rows(params, names),
                title=f"{region_title(params.region_code, names)}{label}（{params.year}年度）",
                subtitle=subtitle(params),
            )
        ],
        total=villages_for_export(params).count(),
    )


ledger_kind(
    LedgerKind(
        key="village_ledger",
        label="贫困村台账",
        scope_model=Region,
        plan=_plan,
        count=lambda params: villages_for_export(params).count(),
        description="每村一行：贫困村属性、出列年度、建档立卡户数和人口、保障与住房指标、驻村工作队（DOMAIN.md §15.8）。",
        order=50,
    )
)
