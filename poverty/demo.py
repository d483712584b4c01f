"""Demo data (演示数据) for the five founding regions: villages, households, members, incomes,
两不愁三保障, status changes, cadres and pairings, helping units and work teams.

Entry points: ``demo_seed`` (used by ``manage.py seed_demo``), ``demo_reset``, ``demo_exists``.

**Plausible, not real.** Region weights, incidences and yearly exit curves follow the founding
reports (DOMAIN.md §17) where they give a figure and are invented otherwise (marked "demo").
Names, citizen IDs, phone numbers and bank accounts are made up; IDs pass the GB 11643 check.

**Deterministic.** Everything is drawn from ``random.Random`` streams seeded with the seed and
a stream name, and every iteration order is sorted, so one seed gives the same household
numbers and citizen IDs on every database that holds the same regions.

**How it loads.** A compact plan (one small object per household, member composition packed
into ints) is built in memory; then each table is written with PostgreSQL COPY from a
file-like object over a generator, so rows are produced while the server is storing the
previous ones and memory stays flat. When a table is empty before the load (a fresh or
``--reset`` database) its secondary indexes and foreign keys are dropped for the load and
rebuilt afterwards in one pass each (PostgreSQL manual, "Populating a Database"); the two
one-head constraint triggers are disabled inside the transaction, the invariant is checked
with one set-based query, and the triggers are enabled again before commit. Everything runs
in one transaction: a failure leaves the database as it was.

Demo households are recognised by the household-number prefix ``DEMO-``; the other demo rows
(villages, cadres, helping units, work teams) by their links to demo households.
"""

from __future__ import annotations

import bisect
import datetime
import gc
import io
import math
import multiprocessing
import os
import random
import tempfile
import time
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from assistance.models import AidUnit, AidUnitVillage, Cadre, CadrePairing, WorkTeam, WorkTeamMember
from households.models import (
    AnnualIncome,
    GuaranteeStatus,
    Household,
    HouseholdStatusChange,
    Member,
)
from households.rules import income_account
from households.validators import id_check_character
from villages.codes import code_parent
from villages.models import Region
from villages.services import region_import, region_rows_read

__all__ = [
    "DEMO_HOUSEHOLD_PREFIX",
    "FOUNDING_REGIONS",
    "POVERTY_LINES",
    "DemoPlan",
    "DemoResult",
    "FoundingRegion",
    "demo_exists",
    "demo_ids_reserve",
    "demo_plan",
    "demo_regions_ensure",
    "demo_reset",
    "demo_seed",
    "demo_table_rows",
]

DEMO_HOUSEHOLD_PREFIX = "DEMO-"
FIRST_YEAR, LAST_YEAR = 2014, 2020

# The generator's copy of DOMAIN.md §8.1 (national line, current prices; 2014–2018 are [U]).
# The exit rules read the policy-standards table, not this dict.
POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
# Village/county exit incidence thresholds (DOMAIN.md §10): central 2%, west 3%.
EXIT_INCIDENCE = {"central": 0.02, "west": 0.03}
# Minimum basic pension per month (yuan), demo values; 88 from 2018 is in DOMAIN.md §10 [U].
PENSION_PER_MONTH = {2014: 70, 2015: 75, 2016: 80, 2017: 80, 2018: 88, 2019: 93, 2020: 98}

HOUSEHOLDS_PER_VILLAGE = 25  # registered households per generated village, on average
HOUSEHOLDS_PER_CADRE = 4  # one assigned helper (帮扶责任人) pairs with 3–5 households
VILLAGES_PER_AID_UNIT = 2


@dataclass(frozen=True)
class FoundingRegion:
    """A founding region with the figures the generator follows (DOMAIN.md §17)."""

    prefix: str
    name: str
    region_class: str
    poor_people_wan: float  # registered poor population at its peak, 万人
    incidence: float  # poverty incidence at the peak
    # Share of the peak poor population still poor at the end of each year.
    remaining: dict[int, float]
    contiguous_area: str  # 集中连片特困地区 name for its counties, "" if none
    key_counties: tuple[str, ...]  # 6-digit codes of national key counties (demo where unmarked)
    deep_poverty_prefixes: tuple[str, ...]
    ethnic_mix: tuple[tuple[str, float], ...]  # GB/T 3304 code → share
    latitude: float
    longitude: float
    spread: float  # degrees around the centre
    water_short: bool
    partner: str  # 东西部扶贫协作 / 对口支援 partner (demo)


FOUNDING_REGIONS: tuple[FoundingRegion, ...] = (
    FoundingRegion(
        prefix="2203",
        name="四平市",
        region_class="central",
        poor_people_wan=8.9,  # demo
        incidence=0.061,  # demo
        remaining={2014: 0.86, 2015: 0.71, 2016: 0.55, 2017: 0.37, 2018: 0.19, 2019: 0.04},
        contiguous_area="",
        key_counties=(),
        deep_poverty_prefixes=(),
        ethnic_mix=(("01", 0.92), ("11", 0.05), ("02", 0.02), ("10", 0.01)),
        latitude=43.17,
        longitude=124.35,
        spread=0.6,
        water_short=False,
        partner="",
    ),
    FoundingRegion(
        prefix="4312",
        name="怀化市",
        region_class="central",
        # §17.4: 75.23万 poor people, incidence 17.50% (2015), < 18万 / < 7% by 2018, 0 by 2020.
        poor_people_wan=75.23,
        incidence=0.175,
        remaining={2014: 0.93, 2015: 0.80, 2016: 0.60, 2017: 0.40, 2018: 0.22, 2019: 0.04},
        contiguous_area="武陵山片区",  # §17.4: 13 counties in 武陵山片区, 10 key counties
        key_counties=(
            "431221",
            "431222",
            "431223",
            "431224",
            "431225",
            "431226",
            "431227",
            "431228",
            "431229",
            "431230",
        ),
        deep_poverty_prefixes=(),
        ethnic_mix=(("01", 0.55), ("12", 0.20), ("06", 0.15), ("15", 0.05), ("13", 0.05)),
        latitude=27.55,
        longitude=110.0,
        spread=0.9,
        water_short=False,
        partner="济南市",
    ),
    FoundingRegion(
        prefix="5117",
        name="达州市",
        region_class="west",
        # §17.3: 71.6万 → 19.98万 (mid 2018), incidence 13.16% → 3.67%; all out by 2020.
        poor_people_wan=71.6,
        incidence=0.1316,
        remaining={2014: 0.86, 2015: 0.68, 2016: 0.48, 2017: 0.28, 2018: 0.07, 2019: 0.02},
        contiguous_area="秦巴山片区",
        key_counties=("511722", "511781"),  # 宣汉县, 万源市 (demo)
        deep_poverty_prefixes=(),
        ethnic_mix=(("01", 0.99), ("15", 0.01)),
        latitude=31.21,
        longitude=107.47,
        spread=0.7,
        water_short=False,
        partner="温州市",
    ),
    FoundingRegion(
        prefix="6205",
        name="天水市",
        region_class="west",
        poor_people_wan=60.0,  # demo
        incidence=0.209,  # demo
        remaining={2014: 0.87, 2015: 0.72, 2016: 0.56, 2017: 0.38, 2018: 0.20, 2019: 0.06},
        contiguous_area="六盘山片区",
        key_counties=("620521", "620522", "620523", "620524", "620525"),  # demo
        deep_poverty_prefixes=("620525",),  # demo
        ethnic_mix=(("01", 0.88), ("03", 0.12)),
        latitude=34.58,
        longitude=105.72,
        spread=0.6,
        water_short=True,
        partner="天津市",
    ),
    FoundingRegion(
        prefix="63",
        name="青海省",
        region_class="west",
        poor_people_wan=53.9,  # demo
        incidence=0.132,  # demo
        remaining={2014: 0.90, 2015: 0.78, 2016: 0.62, 2017: 0.42, 2018: 0.16, 2019: 0.01},
        contiguous_area="四省藏区",  # 西宁/海东 counties: 六盘山片区 (see _contiguous_area)
        key_counties=("630121", "630222", "630223", "630224", "630225", "632323", "632624"),
        # §17.2: deep-poverty counties; 黄南, 果洛, 玉树 as the demo's deep-poverty prefectures.
        deep_poverty_prefixes=("6323", "6326", "6327"),
        ethnic_mix=(
            ("01", 0.45),
            ("04", 0.25),
            ("03", 0.16),
            ("30", 0.07),
            ("35", 0.04),
            ("02", 0.03),
        ),
        latitude=36.2,
        longitude=99.0,
        spread=2.5,
        water_short=True,
        partner="江苏省",
    ),
)

# --- Name and code tables ------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
# Rough frequency: the first names on the list are far more common.
_SURNAME_CUM = list(
    __import__("itertools").accumulate(1.0 / (i + 8) for i in range(len(_SURNAMES)))
)
_HUI_SURNAMES = "马马马马韩丁白冶杨李王沙海"
_MALE_CHARS = {
    "old": "福贵财富德发生全山永长保金银有成明华国军忠林春海祥兴顺",
    "mid": "伟强军勇磊涛斌明超刚平辉建国华林峰海文志春兵红新学光亮云清宏波杰",
    "young": "浩宇俊鹏杰轩博涵睿泽昊子梓皓然晨阳航鑫宏豪",
}
_FEMALE_CHARS = {
    "old": "秀英兰桂凤珍莲翠香花梅菊玉芝淑琴荣群",
    "mid": "芳娟敏静丽艳霞玲燕萍红梅琴兰慧娜丹春华英",
    "young": "欣怡悦涵婷雪佳琳瑶萱梓雨诗思璐嘉可馨蕊",
}
_TIBETAN_FIRST = ("扎西", "才让", "索南", "尼玛", "旦增", "贡保", "更登", "洛桑", "仁青", "桑杰")
_TIBETAN_MALE = ("多杰", "加措", "东周", "才旦", "闹吾", "昂秀", "周加", "达杰")
_TIBETAN_FEMALE = ("卓玛", "拉毛", "措毛", "央金", "才措", "德吉", "卓嘎", "吉毛")
_VILLAGE_FIRST = (
    "新大小东西南北上下高石龙马黄白杨柳桃李王张刘陈金青红平安和兴富民丰长太三五九中前后"
)
_VILLAGE_SECOND = "家坪坝沟湾山岭溪河桥塘庄寨岩田冲坡湖峪屯营堡店铺园林泉台口门"
_VILLAGE_THIRD = ("", "", "", "子", "头", "坪", "湾")

_COUNTY_UNITS = tuple(
    """
    人民政府办公室 发展和改革局 教育局 财政局 人力资源和社会保障局 自然资源局 住房和城乡建设局 交通运输局 水利局 农业农村局 卫生健康局 民政局 扶贫开发办公室 林业局 审计局
    统计局 市场监督管理局 人民医院 第一中学 供电公司 农村信用合作联社
    """.split()
)
_CITY_UNITS = ("市委组织部", "市财政局", "市教育局", "市卫生健康委员会", "市交通运输局", "市审计局")
_PROVINCE_UNITS = ("省交通运输厅", "省财政厅", "省农业农村厅", "省水利厅", "省卫生健康委员会")
_POSITIONS = (
    "科员",
    "科员",
    "干部",
    "副科长",
    "科长",
    "副主任",
    "主任",
    "副局长",
    "职工",
    "教师",
    "医生",
)
_PAIRING_END_REASONS = ("工作调动", "岗位调整", "退休", "帮扶力量调整")
_BANKS = ("农村信用合作联社", "农村商业银行", "中国邮政储蓄银行", "中国农业银行")
_MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152")
_MOBILE_PREFIXES += ("155", "157", "158", "159", "177", "180", "182", "183", "186", "187", "189")

# Relation codes in a fixed order; a member is packed into one int (see _member_pack).
_RELATIONS = tuple(f"{n:02d}" for n in range(1, 21)) + ("99",)
_REL = {code: index for index, code in enumerate(_RELATIONS)}

# 致贫原因: main-cause weights (因病 most common, then 缺技术, 缺劳力, 缺资金, 因残, 因学 …).
_CAUSE_WEIGHTS = (
    ("01", 40.0),
    ("07", 17.0),
    ("08", 10.0),
    ("09", 10.0),
    ("02", 8.0),
    ("03", 5.0),
    ("04", 2.0),
    ("05", 2.0),
    ("06", 1.5),
    ("10", 1.5),
    ("11", 1.5),
    ("99", 0.5),
)
_CAUSE_NOTES = {
    "01": "家庭成员患病，医疗支出大",
    "02": "家庭成员残疾，劳动能力弱",
    "03": "子女上学，教育支出大",
    "04": "遭受自然灾害，损失较大",
    "05": "耕地少，缺少生产资料",
    "06": "生产生活用水困难",
    "07": "缺少致富技术",
    "08": "家庭劳动力不足",
    "09": "缺少发展资金",
    "10": "交通不便，出行困难",
    "11": "自身发展动力不足",
    "99": "其他原因",
}


class _Rng(random.Random):
    """random.Random with integer helpers built on random() — several times faster than the
    exact ones in the standard library, and unbiased enough for demo data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total = 0.0
    result = []
    for weight in weights:
        total += weight
        result.append(total)
    return result


_CAUSE_CODES = tuple(code for code, _ in _CAUSE_WEIGHTS)
_CAUSE_CUM = _cumulative(weight for _, weight in _CAUSE_WEIGHTS)


def _pick(rng: random.Random, items, cum: list[float]):
    """Weighted choice with a precomputed cumulative table (faster than rng.choices)."""
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


# --- The plan -----------------------------------------------------------------------------


@dataclass
class _County:
    code: str  # 12 digits
    name: str
    city_name: str
    province_name: str
    region: FoundingRegion
    ethnic_codes: tuple[str, ...]
    ethnic_cum: list[float]
    latitude: float
    longitude: float
    cadres: list[int] = field(default_factory=list)  # indexes into DemoPlan.cadres
    households: int = 0


@dataclass
class _Village:
    code: str
    name: str
    township_name: str
    county: _County
    is_poor: bool
    listed_year: int | None
    is_deep_poverty: bool
    households: int = 0
    poor_people: dict[int, int] = field(default_factory=dict)
    peak_people: int = 0
    rural_population: int = 0
    exit_year: int | None = None


class _Household:
    """One household of the plan. Members are packed ints in an array (see _member_pack).

    A city-sized plan holds a quarter of a million of these, and the generator process forks
    with them in memory, so they are kept small: members in an ``array`` rather than a tuple
    of int objects, the household number derived from the village and ``seq``, and equal
    years and day ordinals shared between households (see _plan_households).
    """

    __slots__ = (
        "attribute",
        "cadre",
        "cadre_start",
        "dangerous_grade",
        "dividend",
        "exit_on",
        "exit_year",
        "first_exit_on",
        "first_exit_year",
        "grain_to_green",
        "id",
        "identified_on",
        "identified_year",
        "main_cause",
        "members",
        "other_causes",
        "prev_cadre",
        "prev_end",
        "prev_reason",
        "prev_start",
        "relocated_year",
        "renovated_year",
        "return_on",
        "return_year",
        "seq",
        "village",
    )

    @property
    def number(self) -> str:
        """户编号: ``DEMO-`` + village code + 4-digit sequence within the village."""
        return f"{DEMO_HOUSEHOLD_PREFIX}{self.village.code}{self.seq:04d}"

    def poor_at(self, year: int) -> bool:
        """Poor (未脱贫 or 返贫) at the end of ``year``; False before identification."""
        if year < self.identified_year:
            return False
        if self.first_exit_year is None or year < self.first_exit_year:
            return True
        return self.return_year is not None and self.return_year <= year < self.exit_year


def _member_pack(birth_year: int, day_of_year: int, relation: str, sex: str) -> int:
    return (((birth_year - 1900) << 9 | day_of_year) << 6) | (_REL[relation] << 1) | (sex == "2")


def _member_unpack(packed: int) -> tuple[int, int, str, str]:
    """(birth year, day of year 0–364, relation code, sex "1"/"2")."""
    sex = "2" if packed & 1 else "1"
    relation = _RELATIONS[(packed >> 1) & 31]
    rest = packed >> 6
    return (rest >> 9) + 1900, rest & 511, relation, sex


@dataclass
class DemoPlan:
    """Everything the table writers need, decided before anything is written."""

    seed: int
    first_year: int
    last_year: int
    villages: list[_Village]
    counties: dict[str, _County]
    households: list[_Household]
    # (division code, name, unit name, unit level, position, phone)
    cadres: list[tuple[str, str, str, str, str, str]]
    now: str  # created/updated timestamp of every row

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def _region_of(code: str) -> FoundingRegion | None:
    for region in FOUNDING_REGIONS:
        if code.startswith(region.prefix):
            return region
    return None


def _ethnic_mix(region: FoundingRegion, county_name: str, city_name: str):
    """The region's mix, with the groups named in an autonomous county or prefecture raised."""
    from households.choices import ETHNICITY_CHOICES

    named = [
        (code, label)
        for code, label in ETHNICITY_CHOICES
        if label.endswith("族") and label != "汉族"
    ]
    in_county = [code for code, label in named if label in county_name]
    in_city = [code for code, label in named if label in city_name]
    groups, share = (in_county, 0.6) if in_county else (in_city, 0.5) if in_city else ([], 0)
    mix = {code: weight * (1 - share) for code, weight in region.ethnic_mix}
    for code in groups:
        mix[code] = mix.get(code, 0) + share / len(groups)
    codes = tuple(sorted(mix))
    return codes, _cumulative(mix[code] for code in codes)


def _contiguous_area(region: FoundingRegion, county_code: str) -> str:
    if region.prefix == "63" and county_code[:4] in ("6301", "6302"):
        return "六盘山片区"
    return region.contiguous_area


def _is_rural_township(code: str) -> bool:
    # 100–199 镇, 200–399 乡 (DOMAIN.md §3.2); 街道 and farms/zones get no demo villages.
    return 100 <= int(code[6:9]) <= 399


def _curve(region: FoundingRegion, year: int) -> float:
    if year < FIRST_YEAR:
        return 1.0
    if year >= LAST_YEAR:
        return 0.0
    return region.remaining[year]


def _lifecycle_slots(
    rng: random.Random, region: FoundingRegion, count: int, first: int, last: int
) -> list[tuple[int, int]]:
    """(identification year, first exit year) for ``count`` households, shuffled.

    Counts per year follow the region's curve exactly (quantiles, not independent draws), so
    even a small demo shows incidence falling every year. Households added in later years
    (动态调整, 回头看) cannot exit in the year they are added.
    """
    additions = {first + k: share for k, share in ((1, 0.05), (2, 0.04), (3, 0.02), (4, 0.01))}
    additions = {y: round(count * share) for y, share in additions.items() if y <= min(last, 2018)}
    cohorts = {first: count - sum(additions.values()), **additions}
    slots: list[tuple[int, int]] = []
    for start, size in cohorts.items():
        base = _curve(region, start - 1) if start == first else _curve(region, start)
        still = size
        for year in range(start, LAST_YEAR + 1):
            if start > first and year == start:
                remaining = size
            else:
                remaining = min(still, round(size * _curve(region, year) / base))
            slots.extend([(start, year)] * (still - remaining))
            still = remaining
    rng.shuffle(slots)
    return slots


def _date(year: int, rng: random.Random, first: tuple[int, int], last: tuple[int, int]) -> int:
    """A random date (ordinal) between two (month, day) points of ``year``."""
    start = datetime.date(year, *first).toordinal()
    end = datetime.date(year, *last).toordinal()
    return rng.randint(start, end)


def _village_name(rng: random.Random, used: set[str]) -> str:
    for _attempt in range(50):
        name = rng.choice(_VILLAGE_FIRST) + rng.choice(_VILLAGE_SECOND) + rng.choice(_VILLAGE_THIRD)
        if name not in used:
            used.add(name)
            return name + "村"
    name = f"{rng.choice(_VILLAGE_FIRST)}{len(used) + 1}"
    used.add(name)
    return name + "村"


def _person_name(rng: random.Random, sex: str, birth_year: int, surname: str, tibetan: bool) -> str:
    if tibetan:
        second = _TIBETAN_FEMALE if sex == "2" else _TIBETAN_MALE
        return rng.choice(_TIBETAN_FIRST) + rng.choice(second)
    era = "old" if birth_year < 1960 else "mid" if birth_year < 1995 else "young"
    chars = (_FEMALE_CHARS if sex == "2" else _MALE_CHARS)[era]
    if rng.random() < 0.3:
        return surname + rng.choice(chars)
    return surname + rng.choice(chars) + rng.choice(chars)


def _surname(rng: random.Random, ethnicity: str) -> str:
    if ethnicity in ("03", "35") and rng.random() < 0.8:  # 回族, 撒拉族
        return rng.choice(_HUI_SURNAMES)
    return _pick(rng, _SURNAMES, _SURNAME_CUM)


def _phone(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _composition(rng: random.Random, size: int, attribute: str, ref_year: int) -> array:
    """Members of a household (head first) as packed ints, ages as of ``ref_year``."""
    members: list[tuple[int, str, str]] = []  # (age, relation, sex)
    if size == 1:
        age = rng.randint(58, 88) if attribute == "3" or rng.random() < 0.8 else rng.randint(30, 57)
        head_sex = "1" if rng.random() < 0.6 else "2"
    else:
        age = min(85, max(24, int(rng.gauss(50, 12))))
        head_sex = "1" if rng.random() < 0.88 else "2"
    members.append((age, "01", head_sex))
    other_sex = "2" if head_sex == "1" else "1"
    slots = size - 1
    if slots and rng.random() < (0.6 if age >= 70 else 0.9):
        members.append((max(20, min(90, age + rng.randint(-6, 3))), "02", other_sex))
        slots -= 1
    if slots and age < 45 and rng.random() < 0.4:
        parent_age = min(92, age + rng.randint(22, 34))
        members.append((parent_age, "12" if rng.random() < 0.6 else "11", ""))
        slots -= 1
    if slots >= 2 and age >= 58 and rng.random() < 0.6:
        son_age = age - rng.randint(23, 32)
        members.append((son_age, "03", "1"))
        slots -= 1
        if slots and rng.random() < 0.8:
            members.append((son_age + rng.randint(-4, 2), "05", "2"))
            slots -= 1
        grandchild_age = max(1, son_age - rng.randint(20, 28))
        while slots:
            relation = "07" if rng.random() < 0.52 else "08"
            members.append((max(1, grandchild_age), relation, ""))
            grandchild_age -= rng.randint(1, 4)
            slots -= 1
    child_age = age - rng.randint(21, 30)
    while slots:
        if child_age >= 1:
            relation = "03" if rng.random() < 0.52 else "04"
            members.append((child_age, relation, ""))
            child_age -= rng.randint(1, 5)
        else:  # too young to have (more) children: a sibling of the head, "other"
            members.append((max(16, age + rng.randint(-8, 8)), "99", ""))
        slots -= 1
    from households.choices import RELATION_IMPLIED_SEX

    packed = []
    for member_age, relation, sex in members:
        sex = sex or RELATION_IMPLIED_SEX.get(relation) or ("1" if rng.random() < 0.5 else "2")
        packed.append(_member_pack(ref_year - member_age, rng.randrange(365), relation, sex))
    return array("I", packed)  # 22 bits each


def demo_regions_ensure() -> int:
    """Load the shipped region file if any founding region is missing; rows created."""
    codes = [region.prefix.ljust(12, "0") for region in FOUNDING_REGIONS]
    if Region.objects.filter(code__in=codes).count() == len(codes):
        return 0
    with open(settings.POVERTY_REGION_SEED_FILE, encoding="utf-8-sig", newline="") as stream:
        return region_import(region_rows_read(stream)).created


def demo_plan(
    *, households: int, seed: int, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
) -> DemoPlan:
    """Decide every village, household, member composition, lifecycle and pairing."""
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        raise ValueError(f"years must lie within {FIRST_YEAR}-{LAST_YEAR}")
    prefixes = [region.prefix for region in FOUNDING_REGIONS]
    pattern = r"^(" + "|".join(prefixes) + ")"
    provinces = [prefix[:2].ljust(12, "0") for prefix in prefixes]
    names = dict(
        Region.objects.filter(
            Q(level__in=["city", "county"], code__regex=pattern) | Q(code__in=provinces)
        ).values_list("code", "name")
    )
    townships: dict[str, list[tuple[str, str]]] = {prefix: [] for prefix in prefixes}
    for code, name in (
        Region.objects.filter(level="township", code__regex=r"^(" + "|".join(prefixes) + ")")
        .order_by("code")
        .values_list("code", "name")
    ):
        region = _region_of(code)
        if region and _is_rural_township(code):
            townships[region.prefix].append((code, name))
    taken = set(
        Region.objects.filter(
            level="village", code__regex=r"^(" + "|".join(prefixes) + ")"
        ).values_list("code", flat=True)
    )

    # Households per region in proportion to the regions' poor populations (largest remainder).
    active = [region for region in FOUNDING_REGIONS if townships[region.prefix]]
    total_weight = sum(region.poor_people_wan for region in active)
    quotas = {r.prefix: households * r.poor_people_wan / total_weight for r in active}
    counts = {prefix: int(quota) for prefix, quota in quotas.items()}
    for prefix in sorted(quotas, key=lambda p: (counts[p] - quotas[p], p))[
        : households - sum(counts.values())
    ]:
        counts[prefix] += 1

    counties: dict[str, _County] = {}
    villages: list[_Village] = []
    for region in active:
        n = counts[region.prefix]
        if not n:
            continue
        rng = _Rng(f"{seed}:villages:{region.prefix}")
        wanted = max(min(2, n), round(n / HOUSEHOLDS_PER_VILLAGE))
        pool = list(townships[region.prefix])
        rng.shuffle(pool)
        next_number: dict[str, int] = {}
        used_names: dict[str, set[str]] = {}
        region_villages: list[_Village] = []
        k = 0
        while len(region_villages) < wanted and k < wanted + 200 * len(pool):
            township_code, township_name = pool[k % len(pool)]
            k += 1
            number = next_number.get(township_code, 201)
            while number <= 399 and township_code[:9] + f"{number:03d}" in taken:
                number += 1
            if number > 399:
                continue
            next_number[township_code] = number + 1
            county_code = code_parent(township_code)
            county = counties.get(county_code)
            if county is None:
                city_code = code_parent(county_code)
                codes, cum = _ethnic_mix(region, names[county_code], names[city_code])
                fixed = _Rng(f"county:{county_code}")  # seed-independent centre
                county = counties[county_code] = _County(
                    code=county_code,
                    name=names[county_code],
                    city_name=names[city_code],
                    province_name=names[county_code[:2].ljust(12, "0")],
                    region=region,
                    ethnic_codes=codes,
                    ethnic_cum=cum,
                    latitude=region.latitude + fixed.uniform(-1, 1) * region.spread,
                    longitude=region.longitude + fixed.uniform(-1, 1) * region.spread,
                )
            region_villages.append(
                _Village(
                    code=township_code[:9] + f"{number:03d}",
                    name=_village_name(rng, used_names.setdefault(township_code, set())),
                    township_name=township_name,
                    county=county,
                    is_poor=False,
                    listed_year=None,
                    is_deep_poverty=False,
                )
            )
        poor = set(rng.sample(range(len(region_villages)), max(1, round(len(region_villages) / 3))))
        for index, village in enumerate(region_villages):
            if index in poor:
                village.is_poor = True
                village.listed_year = (
                    first_year if rng.random() < 0.9 else min(first_year + 1, last_year)
                )
                deep_county = village.county.code.startswith(region.deep_poverty_prefixes or ("-",))
                village.is_deep_poverty = deep_county or (
                    region.region_class == "west" and rng.random() < 0.08
                )
        # Every village gets one household, the rest go three to one to poor villages.
        for village in region_villages:
            village.households = 1
        rest = n - len(region_villages)
        if rest > 0:
            cum = _cumulative(3.0 if v.is_poor else 1.0 for v in region_villages)
            for index in (bisect.bisect_right(cum, rng.random() * cum[-1]) for _ in range(rest)):
                region_villages[index].households += 1
        villages.extend(region_villages)
    villages.sort(key=lambda v: v.code)

    plan = DemoPlan(
        seed=seed,
        first_year=first_year,
        last_year=last_year,
        villages=villages,
        counties=dict(sorted(counties.items())),
        households=[],
        cadres=[],
        now=timezone.now().isoformat(),
    )
    _plan_households(plan, counts)
    _plan_village_figures(plan)
    return plan


# Sizes 1–7; with the small 五保 households the mean comes to about 3.5.
_SIZE_CUM = _cumulative((0.08, 0.16, 0.21, 0.24, 0.17, 0.09, 0.05))
_SIZES = (1, 2, 3, 4, 5, 6, 7)


_SHARED_INTS = (
    "identified_year",
    "identified_on",
    "first_exit_year",
    "first_exit_on",
    "exit_year",
    "exit_on",
    "return_year",
    "return_on",
    "renovated_year",
    "relocated_year",
    "cadre_start",
    "prev_start",
    "prev_end",
)


def _plan_households(plan: DemoPlan, counts: dict[str, int]) -> None:
    first, last = plan.first_year, plan.last_year
    share = {}.setdefault
    rng = _Rng(f"{plan.seed}:households")
    slots = {
        region.prefix: _lifecycle_slots(
            _Rng(f"{plan.seed}:slots:{region.prefix}"),
            region,
            counts.get(region.prefix, 0),
            first,
            last,
        )
        for region in FOUNDING_REGIONS
    }
    cadre_rng = _Rng(f"{plan.seed}:cadres")
    for village in plan.villages:
        county = village.county
        region = county.region
        for seq in range(1, village.households + 1):
            h = _Household()
            h.id = 0
            h.village = village
            h.seq = seq
            r = rng.random()
            h.attribute = "1" if r < 0.70 else "2" if r < 0.92 else "3"
            size = (
                (1 if rng.random() < 0.85 else 2)
                if h.attribute == "3"
                else _pick(rng, _SIZES, _SIZE_CUM)
            )
            h.members = _composition(rng, size, h.attribute, first)
            # Main cause consistent with the household: the old and alone lack labour or are ill.
            if size == 1 and rng.random() < 0.5:
                h.main_cause = "08" if rng.random() < 0.5 else "01"
            elif region.water_short and rng.random() < 0.05:
                h.main_cause = "06"
            else:
                h.main_cause = _pick(rng, _CAUSE_CODES, _CAUSE_CUM)
            others: list[str] = []
            for _ in range((0, 1, 1, 2, 2)[rng.randrange(5)]):
                cause = _pick(rng, _CAUSE_CODES, _CAUSE_CUM)
                if cause != h.main_cause and cause not in others:
                    others.append(cause)
            h.other_causes = tuple(others)

            identified, first_exit = slots[region.prefix].pop()
            h.identified_year = identified
            if identified == first:
                h.identified_on = _date(identified, rng, (4, 1), (10, 31))
            else:
                h.identified_on = _date(identified, rng, (10, 1), (12, 20))
            h.first_exit_year = first_exit
            h.first_exit_on = _date(first_exit, rng, (11, 1), (12, 28))
            h.return_year = h.return_on = None
            h.exit_year, h.exit_on = first_exit, h.first_exit_on
            if first_exit + 2 <= LAST_YEAR and first_exit >= first + 1 and rng.random() < 0.01:
                h.return_year = first_exit + 1
                h.return_on = _date(first_exit + 1, rng, (3, 1), (9, 30))
                h.exit_year = first_exit + 2
                h.exit_on = _date(first_exit + 2, rng, (11, 1), (12, 28))

            # Housing: a dangerous house is renovated (or the household relocated) by exit.
            h.dangerous_grade = ""
            h.renovated_year = h.relocated_year = None
            if rng.random() < 0.12:
                h.dangerous_grade = "D" if rng.random() < 0.4 else "C"
                fix_by = min(h.exit_year, LAST_YEAR)
                fix_from = min(h.identified_year + 1, fix_by)
                if rng.random() < 0.35 and region.prefix != "2203":
                    h.relocated_year = rng.randint(fix_from, fix_by)
                else:
                    h.renovated_year = rng.randint(fix_from, fix_by)
            h.grain_to_green = rng.randint(1, 6) if rng.random() < 0.25 else 0
            h.dividend = rng.random() < 0.35

            # Pairing: a helper from the county's pool, sometimes after an earlier one.
            index = county.households // HOUSEHOLDS_PER_CADRE
            county.households += 1
            if index == len(county.cadres):
                county.cadres.append(len(plan.cadres))
                plan.cadres.append(_cadre(cadre_rng, county))
            h.cadre = county.cadres[index]
            start = h.identified_on + rng.randint(10, 60)
            h.prev_cadre = None
            h.prev_start = h.prev_end = None
            h.prev_reason = ""
            if len(county.cadres) > 1 and h.identified_year <= 2016 and rng.random() < 0.2:
                other = county.cadres[rng.randrange(len(county.cadres) - 1)]
                h.prev_cadre = other if other != h.cadre else county.cadres[-1]
                h.prev_start = start
                earliest = max(start + 180, datetime.date(2016, 1, 1).toordinal())
                latest = datetime.date(min(last, 2018), 12, 31).toordinal()
                if earliest <= latest:
                    h.prev_end = rng.randint(earliest, latest)
                    h.prev_reason = rng.choice(_PAIRING_END_REASONS)
                    start = h.prev_end + 1
                else:
                    h.prev_cadre = h.prev_start = None
            h.cadre_start = start
            for name in _SHARED_INTS:  # one int object per distinct year or day, not per household
                value = getattr(h, name)
                if value is not None:
                    setattr(h, name, share(value, value))
            plan.households.append(h)


def _cadre(rng: random.Random, county: _County) -> tuple[str, str, str, str, str, str]:
    sex = "1" if rng.random() < 0.65 else "2"
    name = _person_name(
        rng, sex, rng.randint(1965, 1995), _pick(rng, _SURNAMES, _SURNAME_CUM), False
    )
    r = rng.random()
    if r < 0.65:
        unit, level = county.name + rng.choice(_COUNTY_UNITS), "4"
    elif r < 0.85:
        unit, level = county.city_name + rng.choice(_CITY_UNITS)[1:], "3"
    elif r < 0.93:
        unit, level = county.province_name + rng.choice(_PROVINCE_UNITS)[1:], "2"
    else:
        unit, level = county.name + "乡镇人民政府", "5"
    return (county.code, name, unit, level, rng.choice(_POSITIONS), _phone(rng))


def _plan_village_figures(plan: DemoPlan) -> None:
    """Poor people per year, rural population and exit year of every village."""
    years = plan.years
    for village in plan.villages:
        village.poor_people = dict.fromkeys(years, 0)
    for h in plan.households:
        people = len(h.members)
        per_year = h.village.poor_people
        for year in years:
            if h.poor_at(year):
                per_year[year] += people
    for village in plan.villages:
        region = village.county.region
        village.peak_people = max(village.poor_people.values(), default=0)
        # 一高一低一无: a poor village's incidence is at least twice the provincial rate.
        incidence = min(0.6, region.incidence * (2.2 if village.is_poor else 0.6))
        village.rural_population = max(
            village.peak_people, math.ceil(village.peak_people / incidence)
        )
        if village.is_poor:
            threshold = EXIT_INCIDENCE[region.region_class]
            village.exit_year = next(
                (
                    year
                    for year in years
                    if year > (village.listed_year or 0)
                    and village.poor_people[year] / village.rural_population < threshold
                ),
                None,
            )


# --- Table rows (COPY text format) --------------------------------------------------------

_NULL = "\\N"


def _copy_value(value) -> str:
    if value is None:
        return _NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list | tuple):
        return "{" + ",".join(str(v) for v in value) + "}"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _columns(model: type[Model], columns: tuple[str, ...]) -> tuple[list[str], str]:
    """The COPY column list: ``columns`` plus any other column with a Django-side default.

    A field added to the model later gets its default on every demo row, so the generator
    keeps working; a new required field without a default raises here, by name.
    """
    extra_names, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column in columns or (f.primary_key and f.column not in columns):
            continue
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
            value = ""
        else:
            raise RuntimeError(f"demo generator does not fill {model.__name__}.{f.name}")
        extra_names.append(f.column)
        extra_values.append(_copy_value(value))
    suffix = "".join("\t" + v for v in extra_values)
    return [*columns, *extra_names], suffix


class _DateText:
    """Ordinal → ISO date text, memoised (a few thousand distinct dates per run)."""

    def __init__(self):
        self._cache: dict[int, str] = {}

    def __call__(self, ordinal: int | None) -> str:
        if ordinal is None:
            return _NULL
        text = self._cache.get(ordinal)
        if text is None:
            text = self._cache[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text


def _cadre_rows(plan: DemoPlan, first_id: int) -> Iterator[str]:
    now = plan.now
    for index, (division, name, unit, level, position, phone) in enumerate(plan.cadres):
        yield f"{first_id + index}\t{now}\t{now}\t{name}\t{division}\t{unit}\t{level}\t{position}\t{phone}\t\\N\tt"


_CADRE_COLUMNS = tuple(
    """
    id created updated name division_code unit_name unit_level position phone user_id is_active
    """.split()
)

_HOUSEHOLD_COLUMNS = tuple(
    """
    id created updated household_number village_code registered_village_code group_name address
    system_version identification_standard attribute identified_year status status_changed_on
    exit_year main_cause other_causes cause_note is_military_family is_only_child_family
    is_two_daughter_family phone bank_name bank_account cultivated_land_mu irrigated_land_mu
    forest_land_mu grain_to_green_mu fruit_forest_mu pasture_mu water_surface_mu in_cooperative
    led_by_enterprise led_by_entrepreneur has_production_power has_living_power has_broadcast_tv
    distance_to_road_km access_road housing_area is_dangerous_house house_grade
    has_sanitary_toilet fuel_type water_source has_water_difficulty has_safe_water is_relocated
    relocation_mode resettlement_mode resettlement_place latitude longitude is_deleted
    deleted_reason deleted_at deleted_by_id version
    """.split()
)


def _status_at_end(h: _Household, last: int) -> tuple[str, int | None, int | None]:
    """(status, exit year, date of the last status change) as of the end of ``last``."""
    if h.first_exit_year > last:
        if h.first_exit_year == last + 1:
            return "pre_exit", None, datetime.date(last, 12, 1).toordinal()
        return "poor", None, h.identified_on
    if h.return_year is None or h.return_year > last:
        return "exited", h.first_exit_year, h.first_exit_on
    if h.exit_year > last:
        return "returned", None, h.return_on
    return "exited", h.exit_year, h.exit_on


def _household_rows(plan: DemoPlan) -> Iterator[str]:
    rng = _Rng(f"{plan.seed}:household-rows")
    rnd, randint, uniform = rng.random, rng.randint, rng.uniform
    now, last = plan.now, plan.last_year
    date = _DateText()
    for h in plan.households:
        village = h.village
        county = village.county
        region = county.region
        status, exit_year, changed_on = _status_at_end(h, last)
        exited = status == "exited"
        members = [_member_unpack(m) for m in h.members]
        children = [m for m in members if m[2] in ("03", "04")]
        only_child = len(children) == 1
        two_daughters = len(children) == 2 and all(m[2] == "04" for m in children)
        cultivated = round(uniform(0.5, 8.0), 2)
        pastoral = region.prefix == "63" and "04" in county.ethnic_codes and rnd() < 0.5
        still_dangerous = bool(h.dangerous_grade) and (
            (h.renovated_year is None and h.relocated_year is None)
            or min(y for y in (h.renovated_year, h.relocated_year) if y) > last
        )
        relocated = h.relocated_year is not None and h.relocated_year <= last
        size = len(members)
        if relocated:
            housing = min(25 * size, randint(60, 110))
            grade = "A"
        else:
            housing = randint(40, 150)
            grade = h.dangerous_grade if still_dangerous else ("B" if h.dangerous_grade else "")
        if region.water_short:
            water = ("1", "1", "1", "3", "2")[randint(0, 4)]
        else:
            water = ("1", "1", "1", "2", "4")[randint(0, 4)]
        yield "\t".join(
            (
                str(h.id),
                now,
                now,
                h.number,
                village.code,
                village.code,
                f"{randint(1, 8)}组",
                f"{county.name}{village.township_name}{village.name}",
                "2014",
                "1" if rnd() < 0.9 else "2",
                h.attribute,
                str(h.identified_year),
                status,
                date(changed_on),
                str(exit_year) if exit_year else _NULL,
                h.main_cause,
                "{" + ",".join(h.other_causes) + "}",
                _CAUSE_NOTES.get(h.main_cause, ""),
                "t" if rnd() < 0.01 else "f",
                "t" if only_child else "f",
                "t" if two_daughters else "f",
                _phone(rng) if rnd() < 0.9 else "",
                rng.choice(_BANKS),
                "6217" + f"{rng.randrange(10**15):015d}",
                str(cultivated),
                str(round(cultivated * uniform(0, 0.5), 2)),
                str(round(uniform(0, 15), 2)),
                str(h.grain_to_green),
                str(round(uniform(0, 2), 2)) if rnd() < 0.3 else "0",
                str(round(uniform(20, 300), 2)) if pastoral else "0",
                "0",
                "t" if rnd() < (0.6 if exited else 0.3) else "f",
                "t" if rnd() < 0.2 else "f",
                "t" if rnd() < 0.15 else "f",
                "t" if rnd() < 0.95 else "f",
                "t",
                "t" if rnd() < 0.97 else "f",
                str(round(uniform(0.1, 5.0), 2)),
                ("3", "3", "2", "1", "4")[randint(0, 4)]
                if exited
                else ("1", "2", "2", "3")[randint(0, 3)],
                str(housing),
                "t" if still_dangerous else "f",
                grade,
                "t" if rnd() < (0.7 if exited else 0.4) else "f",
                ("2" if pastoral else ("1", "1", "3", "4")[randint(0, 3)]),
                water,
                "f" if exited else ("t" if rnd() < 0.12 else "f"),
                "t" if exited else ("t" if rnd() < 0.85 else "f"),
                "t" if relocated else "f",
                "3" if relocated else "",
                ("1" if rnd() < 0.76 else "2") if relocated else "",
                ("1", "2", "2", "4")[randint(0, 3)] if relocated else "",
                f"{county.latitude + uniform(-0.15, 0.15):.6f}",
                f"{county.longitude + uniform(-0.15, 0.15):.6f}",
                "f",
                "",
                _NULL,
                _NULL,
                "1",
            )
        )


_MEMBER_COLUMNS = tuple(
    """
    created updated household_id division_code name id_type id_number sex birth_date relation
    ethnicity political_status education school_status health has_chronic_illness
    disability_category disability_grade disability_cert_number labour_ability work_status
    work_months is_active_military has_resident_medical_insurance has_employee_medical_insurance
    has_critical_illness_insurance has_resident_pension has_employee_pension dibao tekun
    receives_yulu phone id_note is_active change_reason changed_on
    """.split()
)


def _school(age: int, rng: random.Random) -> tuple[str, str]:
    """(文化程度, 在校生状况) at ``age``."""
    if age < 3:
        return "06", "01"
    if age < 6:
        return "06", "02"
    if age < 12:
        return "02", "03"
    if age < 15:
        return "03", ("04", "05", "06")[age - 12]
    if age < 18:
        if rng.random() < 0.85:
            grade = age - 15
            return "03", ("07", "08", "09")[grade] if rng.random() < 0.7 else ("10", "11", "12")[
                grade
            ]
        return "03", "01"
    if age < 21 and rng.random() < 0.3:
        return "04", ("13", "14", "15")[age - 18]
    if age < 30:
        return ("03", "03", "04", "05")[rng.randrange(4)], "01"
    if age < 55:
        return ("02", "03", "03", "04")[rng.randrange(4)], "01"
    return ("01", "01", "02", "02", "03")[rng.randrange(5)], "01"


def _member_rows(plan: DemoPlan, taken_ids: set[str]) -> Iterator[str]:
    rng = _Rng(f"{plan.seed}:members")
    rnd, randrange = rng.random, rng.randrange
    now, ref = plan.now, plan.last_year
    birth_text: dict[tuple[int, int], tuple[str, str]] = {}
    area = ""
    sequence: dict[int, int] = {}
    for h in plan.households:
        village = h.village
        county = village.county
        if county.code[:6] != area:  # households come grouped by county: one counter each
            area = county.code[:6]
            sequence = {}
        members = [_member_unpack(m) for m in h.members]
        ethnicity = _pick(rng, county.ethnic_codes, county.ethnic_cum)
        tibetan = ethnicity == "04"
        head_sex = members[0][3]
        surname = _surname(rng, ethnicity)
        spouse_surname = _surname(rng, ethnicity)
        father_surname = surname if head_sex == "1" else spouse_surname
        sick = disabled = -1
        adults = [i for i, m in enumerate(members) if ref - m[0] >= 18] or [0]
        if h.main_cause == "01" or "01" in h.other_causes:
            sick = adults[randrange(len(adults))]
        if h.main_cause == "02" or "02" in h.other_causes:
            disabled = randrange(len(members))
        dibao = "2" if h.attribute == "2" else "0"
        tekun = "2" if h.attribute == "3" else "0"
        for index, (birth_year, day, relation, sex) in enumerate(members):
            key = (birth_year, day)
            texts = birth_text.get(key)
            if texts is None:
                born = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=day)
                texts = birth_text[key] = (born.isoformat(), born.strftime("%Y%m%d"))
            iso, compact = texts
            # Sequence digits: odd for men, even for women, unique per (area, birth date).
            counter_key = (birth_year * 512 + day) * 2 + (sex == "2")
            while True:
                k = sequence.get(counter_key, 0)
                sequence[counter_key] = k + 1
                seq = 2 * k + (1 if sex == "1" else 2)
                if seq > 999:
                    raise RuntimeError(f"more than 499 demo IDs for {area} {compact}")
                first17 = f"{area}{compact}{seq:03d}"
                number = first17 + id_check_character(first17)
                if number not in taken_ids:
                    break
            age = ref - birth_year
            if relation in ("01", "03", "04", "07", "08"):
                name_surname = surname if relation == "01" else father_surname
            elif relation == "02":
                name_surname = spouse_surname
            else:
                name_surname = _surname(rng, ethnicity)
            name = _person_name(rng, sex, birth_year, name_surname, tibetan)
            education, school = _school(age, rng)
            health, chronic, cat, grade, cert = "01", "f", "", _NULL, ""
            if index == disabled:
                health, cat, grade = "04", str(1 + randrange(7)), str(1 + randrange(4))
                cert = number + cat + grade
            elif index == sick:
                health = "03" if rnd() < 0.4 else "02"
            elif age >= 65 and rnd() < 0.3:
                health = "02"
            if health == "04" and rnd() < 0.2:
                chronic = "t"
            student = school != "01"
            if age < 16 or student:
                labour = "04"
            elif health in ("03", "04"):
                labour = "03"
            elif age >= 65:
                labour = "04" if rnd() < 0.6 else "05"
            elif age >= 60:
                labour = "05"
            else:
                labour = "02" if rnd() < 0.2 else "01"
            work, months = "00", "0"
            if labour in ("01", "02") and age <= 55 and rnd() < 0.45:
                work = ("01", "02", "03", "03", "04", "04", "04")[randrange(7)]
                months = str(3 + randrange(10))
            if age >= 18 and rnd() < (0.06 if relation == "01" else 0.02):
                political = "01"
            elif 14 <= age <= 28 and rnd() < 0.12:
                political = "03"
            else:
                political = "13"
            pension = "t" if age >= 16 and not student and rnd() < 0.88 else "f"
            yulu = "t" if school in ("10", "11", "12", "13", "14", "15") and rnd() < 0.7 else "f"
            yield (
                f"{now}\t{now}\t{h.id}\t{village.code}\t{name}\t1\t{number}\t{sex}\t{iso}\t"
                f"{relation}\t{ethnicity}\t{political}\t{education}\t{school}\t{health}\t"
                f"{chronic}\t{cat}\t{grade}\t{cert}\t{labour}\t{work}\t{months}\tf\tt\tf\tt\t"
                f"{pension}\tf\t{dibao}\t{tekun}\t{yulu}\t"
                f"{_phone(rng) if relation == '01' and rnd() < 0.9 else ''}\t\tt\t\t\\N"
            )


_INCOME_COLUMNS = tuple(
    """
    created updated household_id year period_start period_end household_size wage business
    property_dividend property_other family_planning dibao tekun pension eco_compensation
    transfer_other business_costs gross_income net_income per_capita_net_income
    confirmed_by_head
    """.split()
)


def _income_rows(plan: DemoPlan) -> Iterator[str]:
    """One income account per household and year, below the line while poor, above after.

    Amounts are whole yuan; gross, net and per-capita come from households.rules.income_account.
    """
    rng = _Rng(f"{plan.seed}:incomes")
    rnd = rng.random
    now, last = plan.now, plan.last_year
    lines = POVERTY_LINES
    growth = {y: 1.08 ** (y - FIRST_YEAR) for y in plan.years}
    pension_year = {y: 12 * PENSION_PER_MONTH[y] for y in plan.years}
    head = {y: f"{now}\t{now}\t{{}}\t{y}\t{y}-01-01\t{y}-12-31\t" for y in plan.years}
    for h in plan.households:
        size = len(h.members)
        births = sorted(_member_unpack(m)[0] for m in h.members)
        family_planning = 960 if rnd() < 0.08 else 0
        business_share = 0.2 + 0.5 * rnd()
        keep = 1 - (0.15 + 0.2 * rnd())  # business income left after costs
        dibao_year = (90 + 70 * rnd()) * 12 * size if h.attribute == "2" else 0
        tekun_year = 2400 + 800 * rnd() if h.attribute == "3" else 0
        eco = h.grain_to_green * (125 + int(36 * rnd()))
        dividend = h.dividend
        hid = str(h.id)
        exit_first, exit_final, returned = h.first_exit_year, h.exit_year, h.return_year
        for year in range(h.identified_year, last + 1):
            # Same as h.poor_at(year), inlined: this loop runs once per household-year.
            poor = year < exit_first or (returned is not None and returned <= year < exit_final)
            if poor:
                net = int(lines[year] * (0.55 + 0.35 * rnd()) * size)
            else:
                since = year - (exit_final if exit_final <= year else exit_first)
                net = int(lines[year] * (1.15 + 0.22 * since + 0.5 * rnd()) * size)
            g = growth[year]
            dibao = int(dibao_year * g)
            tekun = int(tekun_year * g)
            pension = bisect.bisect_right(births, year - 60) * pension_year[year]
            other = int(300 * rnd()) if rnd() < 0.3 else 0
            property_dividend = 200 + int(1000 * rnd()) if dividend and year >= 2016 else 0
            fp, ec = family_planning, eco
            fixed = fp + dibao + tekun + pension + ec + other + property_dividend
            if fixed > 0.9 * net:  # transfers never make up the whole of a household's income
                f = 0.9 * net / fixed
                fp, dibao, tekun, pension = (
                    int(fp * f),
                    int(dibao * f),
                    int(tekun * f),
                    int(pension * f),
                )
                ec, other, property_dividend = (
                    int(ec * f),
                    int(other * f),
                    int(property_dividend * f),
                )
                fixed = fp + dibao + tekun + pension + ec + other + property_dividend
            labour = net - fixed
            business_net = int(labour * business_share)
            wage = labour - business_net
            if wage < 300:  # INC check: a wage below 300 yuan looks like a typing error
                business_net, wage = labour, 0
            business = int(business_net / keep)
            costs = business - business_net
            components = {"wage": wage, "business": business}
            if fp:
                components["family_planning"] = fp
            if dibao:
                components["dibao"] = dibao
            if tekun:
                components["tekun"] = tekun
            if pension:
                components["pension"] = pension
            if ec:
                components["eco_compensation"] = ec
            if other:
                components["transfer_other"] = other
            if property_dividend:
                components["property_dividend"] = property_dividend
            account = income_account(components, business_costs=costs, household_size=size)
            yield (
                f"{head[year].format(hid)}{size}\t{wage}\t{business}\t{property_dividend}\t0\t"
                f"{fp}\t{dibao}\t{tekun}\t{pension}\t{ec}\t{other}\t{costs}\t"
                f"{account.gross}\t{account.net}\t{account.per_capita_net}\tt"
            )


_GUARANTEE_COLUMNS = tuple(
    """
    created updated household_id year food clothing education medical housing water
    water_litres_per_day water_quality_ok water_trip_minutes water_reliability_pct evidence_note
    checked_by_id checked_by_name checked_on
    """.split()
)


def _guarantee_rows(plan: DemoPlan) -> Iterator[str]:
    """两不愁三保障 per household and year: gaps while poor, all met from the exit year on.

    Safe drinking water is checked from 2019 (DOMAIN.md §9); before that it is not applicable.
    """
    rng = _Rng(f"{plan.seed}:guarantees")
    rnd, randint = rng.random, rng.randint
    now, last = plan.now, plan.last_year
    date = _DateText()
    cadres = plan.cadres
    checked = {
        y: (datetime.date(y, 11, 1).toordinal(), datetime.date(y, 12, 20).toordinal())
        for y in plan.years
    }
    for h in plan.households:
        birth_years = [_member_unpack(m)[0] for m in h.members]
        fixed_year = min((y for y in (h.renovated_year, h.relocated_year) if y), default=None)
        for year in range(h.identified_year, last + 1):
            poor = h.poor_at(year)
            school_age = any(6 <= year - b <= 15 for b in birth_years)
            early = max(0.0, 1.0 - 0.2 * (year - h.identified_year))  # gaps close over the years
            if poor:
                food = "not_met" if rnd() < 0.04 * early else "met"
                clothing = "not_met" if rnd() < 0.04 * early else "met"
                education = (
                    ("not_met" if rnd() < 0.05 else "met") if school_age else "not_applicable"
                )
                medical = "not_met" if rnd() < 0.15 * early + 0.02 else "met"
                housing = (
                    "not_met"
                    if h.dangerous_grade and (fixed_year is None or year < fixed_year)
                    else "met"
                )
            else:
                food = clothing = medical = housing = "met"
                education = "met" if school_age else "not_applicable"
            if year >= 2019:
                water_ok = not poor or rnd() < 0.8
                water = "met" if water_ok else "not_met"
                if water_ok:
                    measured = f"{randint(35, 80)}.0\tt\t{randint(0, 15)}\t{randint(92, 99)}.00"
                else:
                    measured = f"{randint(12, 30)}.0\t{'t' if rnd() < 0.5 else 'f'}\t{randint(25, 45)}\t{randint(80, 89)}.00"
            else:
                water, measured = "not_applicable", "\\N\t\\N\t\\N\t\\N"
            current = (
                h.prev_cadre
                if h.prev_end and year <= datetime.date.fromordinal(h.prev_end).year
                else h.cadre
            )
            low, high = checked[year]
            yield (
                f"{now}\t{now}\t{h.id}\t{year}\t{food}\t{clothing}\t{education}\t{medical}\t"
                f"{housing}\t{water}\t{measured}\t入户核查\t\\N\t{cadres[current][1]}\t"
                f"{date(randint(low, high))}"
            )


_CHANGE_COLUMNS = (
    "household_id",
    "year",
    "from_status",
    "to_status",
    "changed_on",
    "reason",
    "created",
)


def _change_rows(plan: DemoPlan) -> Iterator[str]:
    """识别, 脱贫, 返贫 and 预脱贫 status changes, in date order per household."""
    now, last, first = plan.now, plan.last_year, plan.first_year
    date = _DateText()
    for h in plan.households:
        hid = h.id
        reason = "建档立卡识别" if h.identified_year == first else "动态调整新识别"
        yield f"{hid}\t{h.identified_year}\t\tpoor\t{date(h.identified_on)}\t{reason}\t{now}"
        if h.first_exit_year == last + 1:
            pre = datetime.date(last, 12, 1).toordinal()
            yield f"{hid}\t{last}\tpoor\tpre_exit\t{date(pre)}\t列入下年度脱贫计划\t{now}"
        if h.first_exit_year > last:
            continue
        yield f"{hid}\t{h.first_exit_year}\tpoor\texited\t{date(h.first_exit_on)}\t达到脱贫标准，经评议公示退出\t{now}"
        if h.return_year is None or h.return_year > last:
            continue
        yield f"{hid}\t{h.return_year}\texited\treturned\t{date(h.return_on)}\t因病返贫\t{now}"
        if h.exit_year <= last:
            yield f"{hid}\t{h.exit_year}\treturned\texited\t{date(h.exit_on)}\t再次达到脱贫标准\t{now}"


_PAIRING_COLUMNS = (
    "created",
    "updated",
    "cadre_id",
    "household_id",
    "start_date",
    "end_date",
    "end_reason",
)


def _pairing_rows(plan: DemoPlan, first_cadre_id: int) -> Iterator[str]:
    now = plan.now
    date = _DateText()
    for h in plan.households:
        if h.prev_cadre is not None:
            yield (
                f"{now}\t{now}\t{first_cadre_id + h.prev_cadre}\t{h.id}\t{date(h.prev_start)}\t"
                f"{date(h.prev_end)}\t{h.prev_reason}"
            )
        yield f"{now}\t{now}\t{first_cadre_id + h.cadre}\t{h.id}\t{date(h.cadre_start)}\t\\N\t"


def demo_table_rows(plan: DemoPlan, *, first_cadre_id: int, taken_ids: set[str] | None = None):
    """(model, column names, line iterator) per table, in load order; lines are COPY text.

    Household ids must already be set on the plan (see ``demo_ids_reserve``). ``taken_ids``
    are citizen IDs already registered, which the generator steps over. Used by the COPY
    loader and by bench/seed.py's one-save-per-object baseline.
    """
    tables = [
        (Cadre, _CADRE_COLUMNS, _cadre_rows(plan, first_cadre_id)),
        (Household, _HOUSEHOLD_COLUMNS, _household_rows(plan)),
        (Member, _MEMBER_COLUMNS, _member_rows(plan, taken_ids or set())),
        (AnnualIncome, _INCOME_COLUMNS, _income_rows(plan)),
        (GuaranteeStatus, _GUARANTEE_COLUMNS, _guarantee_rows(plan)),
        (HouseholdStatusChange, _CHANGE_COLUMNS, _change_rows(plan)),
        (CadrePairing, _PAIRING_COLUMNS, _pairing_rows(plan, first_cadre_id)),
    ]
    result = []
    for model, columns, lines in tables:
        names, suffix = _columns(model, columns)
        if suffix:
            lines = (line + suffix for line in lines)
        result.append((model, names, lines))
    return result


# --- COPY machinery -----------------------------------------------------------------------


class _LineStream(io.RawIOBase):
    """A read-only binary file over an iterator of text lines, for cursor.copy_expert.

    Lines are joined and encoded a batch at a time, so the generator runs only as fast as
    the server takes the data and memory holds one batch.
    """

    def __init__(self, lines: Iterator[str], batch: int = 2000):
        self._lines = lines
        self._batch = batch
        self._buffer = bytearray()
        self._done = False
        self.rows = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            lines = list(islice(self._lines, self._batch))
            if not lines:
                self._done = True
                break
            self.rows += len(lines)
            self._buffer += ("\n".join(lines) + "\n").encode()
        if size < 0 or size >= len(self._buffer):
            data = bytes(self._buffer)
            self._buffer.clear()
            return data
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def _copy(cursor, model: type[Model], names: list[str], source, *, count: int | None = None) -> int:
    """COPY lines (an iterator of text lines, or a binary file of COPY text) into the table."""
    stream = source if count is not None else _LineStream(source)
    column_sql = ", ".join(connection.ops.quote_name(name) for name in names)
    # The driver's own cursor: Django's debug wrapper would keep every COPY in memory.
    raw = getattr(cursor, "cursor", cursor)
    raw.copy_expert(
        f"COPY {connection.ops.quote_name(model._meta.db_table)} ({column_sql}) FROM STDIN",
        stream,
        1 << 18,
    )
    return count if count is not None else stream.rows


# The table with the most Python work (incomes, through income_account) is generated by a
# forked process into a temporary file while this process generates and loads the others and
# rebuilds their indexes, so that both cores work: generating the rows takes about as much
# CPU as PostgreSQL needs to store and index them.
_SPOOLED = (AnnualIncome,)


def _spool(tables, directory: str, done) -> None:
    """Child process: write each table's COPY text to a file; report (table, rows) or an error."""
    try:
        for model, _names, lines in tables:
            stream = _LineStream(lines)
            with open(os.path.join(directory, model._meta.db_table), "wb") as file:
                while chunk := stream.read(1 << 20):
                    file.write(chunk)
            done.send((model._meta.db_table, stream.rows))
    except BaseException:  # reported to the parent, which raises it
        done.send(("error", traceback.format_exc()))


def _tables_load(
    cursor, tables, restore: dict[str, list[str]], lap: Callable[[str], None]
) -> dict[str, int]:
    """COPY every table (the _SPOOLED ones from files a forked child writes meanwhile); after
    each, rebuild its dropped indexes and foreign keys and ANALYZE it."""
    rows: dict[str, int] = {}
    spooled = [table for table in tables if table[0] in _SPOOLED]
    direct = [table for table in tables if table[0] not in _SPOOLED]
    context = multiprocessing.get_context("fork")

    def finish(table: str) -> None:
        for statement in restore.get(table, ()):
            cursor.execute(statement)
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        lap(f"copy {table}")

    with tempfile.TemporaryDirectory(prefix="seed_demo-") as directory:
        reader, writer = context.Pipe(duplex=False)
        # The child touches no database connection and leaves through os._exit (multiprocessing
        # does that for forked children), so the parent's connection is not disturbed.
        child = context.Process(target=_spool, args=(spooled, directory, writer), daemon=True)
        # Frozen objects are left alone by the child's garbage collector, so their pages stay
        # shared with this process instead of being copied (Python docs, gc.freeze).
        gc.freeze()
        child.start()
        try:
            for model, names, lines in direct:
                rows[model._meta.db_table] = _copy(cursor, model, names, lines)
                finish(model._meta.db_table)
            for model, names, _lines in spooled:
                while not reader.poll(1):
                    if not child.is_alive():
                        raise RuntimeError("the demo row generator process died")
                table, count = reader.recv()
                if table == "error":
                    raise RuntimeError(f"the demo row generator failed:\n{count}")
                lap("wait for the generator")
                with open(os.path.join(directory, table), "rb") as file:
                    rows[table] = _copy(cursor, model, names, file, count=count)
                finish(table)
            child.join()
        finally:
            gc.unfreeze()
            if child.is_alive():
                child.terminate()
                child.join()
    return rows


def demo_ids_reserve(plan: DemoPlan) -> tuple[int, int]:
    """Give the plan's households ids from the table's sequence; returns (first household id,
    first cadre id). Other sessions keep drawing ids above the reserved ranges."""
    with connection.cursor() as cursor:
        first_household = _reserve_ids(cursor, Household, len(plan.households))
        for offset, h in enumerate(plan.households):
            h.id = first_household + offset
        return first_household, _reserve_ids(cursor, Cadre, len(plan.cadres))


def _reserve_ids(cursor, model: type[Model], count: int) -> int:
    """Take ``count`` consecutive ids from the table's sequence; returns the first."""
    if count == 0:
        return 0
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


_HEAD_TRIGGERS = (
    (Household, "households_household_one_head"),
    (Member, "households_member_one_head"),
)


def _secondary_indexes_drop(cursor, models: list[type[Model]]) -> dict[str, list[str]]:
    """Drop foreign keys and secondary indexes of the *empty* tables; return, per table, the
    SQL that restores them (indexes first, then unique constraints, then foreign keys).

    Primary keys and unique constraints that a foreign key depends on are kept. Dropping is
    transactional, so a failed load restores them with the rollback.
    """
    tables = []
    for model in models:
        table = model._meta.db_table
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
        if not cursor.fetchone()[0]:
            tables.append(table)
    restore: dict[str, list[str]] = {table: [] for table in tables}
    if not tables:
        return restore
    cursor.execute(
        """
        SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
               pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1, 2
        """,
        [tables],
    )
    for table, name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
        restore[table].append(definition)
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[])
          AND (c.contype = 'f'
               OR (c.contype = 'u' AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
        ORDER BY c.contype DESC, 1, 2
        """,
        [tables],
    )
    for table, name, definition in cursor.fetchall():  # unique ('u') before foreign ('f')
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        restore[table].append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return restore


def _head_invariant_check(cursor, first_id: int, last_id: int) -> None:
    """One set-based query: every loaded, non-deleted household has exactly one active head."""
    cursor.execute(
        """
        SELECT h.id, count(m.id)
        FROM households_household h
        LEFT JOIN households_member m
          ON m.household_id = h.id AND m.relation = '01' AND m.is_active
        WHERE h.id BETWEEN %s AND %s AND NOT h.is_deleted
        GROUP BY h.id
        HAVING count(m.id) <> 1
        LIMIT 5
        """,
        [first_id, last_id],
    )
    bad = cursor.fetchall()
    if bad:
        raise RuntimeError(f"每户必须有且只有一名户主; violated by (household id, heads): {bad}")


# --- Public entry points ------------------------------------------------------------------


@dataclass
class DemoResult:
    created: bool
    households: int
    rows: dict[str, int] = field(default_factory=dict)
    regions_created: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def demo_exists() -> int:
    """Number of demo households in the database."""
    return Household.objects.filter(household_number__startswith=DEMO_HOUSEHOLD_PREFIX).count()


_HOUSEHOLD_FAMILY = (
    CadrePairing,
    HouseholdStatusChange,
    GuaranteeStatus,
    AnnualIncome,
    Member,
    Household,
)


def demo_reset() -> dict[str, int]:
    """Delete every demo row; returns rows deleted per table. Runs inside the caller's transaction.

    Demo villages are those holding demo households and no others; demo cadres those paired
    only with demo households; demo helping units those linked only to demo villages. When
    the database holds demo households only, the household tables are truncated.
    """
    deleted: dict[str, int] = {}
    like = DEMO_HOUSEHOLD_PREFIX + "%"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before DDL
        cursor.execute(
            """
            SELECT r.code FROM villages_region r
             WHERE r.level = 'village'
               AND EXISTS (SELECT 1 FROM households_household h
                            WHERE h.village_code = r.code AND h.household_number LIKE %s)
               AND NOT EXISTS (SELECT 1 FROM households_household h
                                WHERE h.village_code = r.code AND h.household_number NOT LIKE %s)
            """,
            [like, like],
        )
        villages = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            """
            SELECT c.id FROM assistance_cadre c
             WHERE EXISTS (SELECT 1 FROM assistance_cadrepairing p
                             JOIN households_household h ON h.id = p.household_id
                            WHERE p.cadre_id = c.id AND h.household_number LIKE %s)
               AND NOT EXISTS (SELECT 1 FROM assistance_cadrepairing p
                                 JOIN households_household h ON h.id = p.household_id
                                WHERE p.cadre_id = c.id AND h.household_number NOT LIKE %s)
            """,
            [like, like],
        )
        cadres = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            SELECT aid_unit_id FROM assistance_aidunitvillage WHERE village_code = ANY(%s)
            UNION SELECT sending_unit_id FROM assistance_workteam
             WHERE village_code = ANY(%s) AND sending_unit_id IS NOT NULL
            """,
            [villages, villages],
        )
        units = [row[0] for row in cursor.fetchall()]

        cursor.execute(
            "DELETE FROM assistance_workteammember WHERE team_id IN "
            "(SELECT id FROM assistance_workteam WHERE village_code = ANY(%s))",
            [villages],
        )
        deleted["assistance_workteammember"] = cursor.rowcount
        cursor.execute("DELETE FROM assistance_workteam WHERE village_code = ANY(%s)", [villages])
        deleted["assistance_workteam"] = cursor.rowcount
        cursor.execute(
            "DELETE FROM assistance_aidunitvillage WHERE village_code = ANY(%s)", [villages]
        )
        deleted["assistance_aidunitvillage"] = cursor.rowcount

        cursor.execute(
            "SELECT count(*) FROM households_household WHERE household_number LIKE %s", [like]
        )
        deleted["households_household"] = cursor.fetchone()[0]
        deleted.update(_households_delete(cursor, like))

        cursor.execute("SELECT count(*) FROM assistance_cadre")
        if cursor.fetchone()[0] == len(cadres) and _truncate(cursor, ["assistance_cadre"]):
            deleted["assistance_cadre"] = len(cadres)
        else:
            cursor.execute("DELETE FROM assistance_cadre WHERE id = ANY(%s)", [cadres])
            deleted["assistance_cadre"] = cursor.rowcount
        cursor.execute(
            """
            DELETE FROM assistance_aidunit u WHERE u.id = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM assistance_aidunitvillage v WHERE v.aid_unit_id = u.id)
               AND NOT EXISTS (SELECT 1 FROM assistance_workteam t WHERE t.sending_unit_id = u.id)
            """,
            [units],
        )
        deleted["assistance_aidunit"] = cursor.rowcount
        cursor.execute(
            "DELETE FROM villages_region WHERE code = ANY(%s) AND level = 'village'", [villages]
        )
        deleted["villages_region"] = cursor.rowcount
    return deleted


def _households_delete(cursor, like: str) -> dict[str, int]:
    tables = [model._meta.db_table for model in _HOUSEHOLD_FAMILY]
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM households_household WHERE household_number NOT LIKE %s)",
        [like],
    )
    if not cursor.fetchone()[0] and _truncate(cursor, tables):
        return {}
    counts = {}
    subquery = "SELECT id FROM households_household WHERE household_number LIKE %s"
    for model in _HOUSEHOLD_FAMILY[:-1]:
        table = model._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE household_id IN ({subquery})", [like])
        counts[table] = cursor.rowcount
    # Anything else that points at a household goes through the ORM's cascade rules.
    count, _by_model = Household.objects.filter(
        household_number__startswith=DEMO_HOUSEHOLD_PREFIX
    ).delete()
    counts["households_household"] = count
    return counts


def _truncate(cursor, tables: list[str]) -> bool:
    """TRUNCATE the household tables when every other table pointing into them is empty.

    TRUNCATE must name every table with a foreign key into the truncated ones; naming an
    empty one loses nothing. Returns False (nothing done) if one of them holds rows.
    """
    names = list(tables)
    while True:
        cursor.execute(
            """
            SELECT DISTINCT conrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND confrelid = ANY(%s::regclass[])
               AND NOT conrelid = ANY(%s::regclass[])
            """,
            [names, names],
        )
        others = [row[0] for row in cursor.fetchall()]
        if not others:
            break
        for table in others:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                return False
        names.extend(others)
    cursor.execute(f"TRUNCATE {', '.join(names)}")
    return True


def _values_copy(cursor, model: type[Model], columns: tuple[str, ...], rows) -> int:
    """COPY rows of Python values (small tables), encoded with _copy_value."""
    names, suffix = _columns(model, columns)
    lines = ("\t".join(map(_copy_value, row)) + suffix for row in rows)
    return _copy(cursor, model, names, lines)


def _villages_write(cursor, plan: DemoPlan) -> int:
    now = plan.now
    return _values_copy(
        cursor,
        Region,
        (
            "code created updated name level level_name parent_code urban_rural_class "
            "is_poor_village poor_listed_year is_deep_poverty exit_year rural_population"
        ).split(),
        (
            (
                v.code,
                now,
                now,
                v.name,
                "village",
                "村",
                code_parent(v.code),
                "220",
                v.is_poor,
                v.listed_year,
                v.is_deep_poverty,
                v.exit_year,
                v.rural_population,
            )
            for v in plan.villages
        ),
    )


def _region_flags_write(plan: DemoPlan) -> int:
    """Poor-county flags (fixed, seed-independent), deep-poverty townships, county exit years."""
    prefixes = [region.prefix for region in FOUNDING_REGIONS]
    counties = list(
        Region.objects.filter(
            level="county", code__regex=r"^(" + "|".join(prefixes) + ")"
        ).order_by("code")
    )
    poor_people: dict[str, dict[int, int]] = {}
    rural: dict[str, int] = {}
    for village in plan.villages:
        county = village.county.code
        rural[county] = rural.get(county, 0) + village.rural_population
        totals = poor_people.setdefault(county, dict.fromkeys(plan.years, 0))
        for year, people in village.poor_people.items():
            totals[year] += people
    for county in counties:
        region = _region_of(county.code)
        district = int(county.code[4:6]) <= 20  # city districts are not poor counties here
        county.is_key_county = county.code[:6] in region.key_counties
        area = _contiguous_area(region, county.code)
        county.is_contiguous_area_county = bool(area) and not district
        county.contiguous_area_name = area if county.is_contiguous_area_county else ""
        county.is_deep_poverty = bool(region.deep_poverty_prefixes) and county.code.startswith(
            region.deep_poverty_prefixes
        )
        county.water_class = "short" if region.water_short else "rich"
        poor_county = county.is_key_county or county.is_contiguous_area_county
        county.poor_listed_year = 2012 if poor_county else None
        county.exit_year = None
        if poor_county and county.code in rural:
            threshold = EXIT_INCIDENCE[region.region_class]
            county.exit_year = next(
                (
                    y
                    for y in plan.years
                    if poor_people[county.code][y] / rural[county.code] < threshold
                ),
                None,
            )
    Region.objects.bulk_update(
        counties,
        [
            "is_key_county",
            "is_contiguous_area_county",
            "contiguous_area_name",
            "is_deep_poverty",
            "water_class",
            "poor_listed_year",
            "exit_year",
        ],
        batch_size=500,
    )
    deep = [c.code[:6] for c in counties if c.is_deep_poverty]
    townships = (
        list(Region.objects.filter(level="township", code__regex=r"^(" + "|".join(deep) + ")"))
        if deep
        else []
    )
    fixed = _Rng("deep-poverty-townships")
    for township in sorted(townships, key=lambda t: t.code):
        township.is_deep_poverty = fixed.random() < 0.4
    Region.objects.bulk_update(townships, ["is_deep_poverty"], batch_size=500)
    return len(counties) + len(townships)


def _assistance_write(cursor, plan: DemoPlan) -> dict[str, int]:
    """Helping units for poor villages, and a three-person work team in each."""
    rng = _Rng(f"{plan.seed}:assistance")
    now = plan.now
    poor = [v for v in plan.villages if v.is_poor]
    by_county: dict[str, list[_Village]] = {}
    for village in poor:
        by_county.setdefault(village.county.code, []).append(village)
    units: dict[str, tuple] = {}  # name → (name, division, type, level, contact, phone)
    unit_of_village: dict[str, str] = {}
    for county_code, villages in by_county.items():
        county = plan.counties[county_code]
        city_code, province_code = code_parent(county_code), county_code[:2].ljust(12, "0")
        # Candidates by kind, each shuffled; picked 70/15/10/5 until enough or none left.
        kinds = [
            [(county.name + u, county_code, "gov", "4") for u in _COUNTY_UNITS],
            [(county.city_name + u[1:], city_code, "gov", "3") for u in _CITY_UNITS],
            [
                (county.province_name + u[1:], province_code, "designated", "2")
                for u in _PROVINCE_UNITS
            ],
            [
                (county.region.partner + u, county_code, "east_west", "9")
                for u in ("对口帮扶工作组", "扶贫协作工作队", "援建指挥部")
                if county.region.partner
            ],
        ]
        for candidates in kinds:
            rng.shuffle(candidates)
        weights = [0.70, 0.15, 0.10, 0.05]
        needed = math.ceil(len(villages) / VILLAGES_PER_AID_UNIT)
        pool: list[str] = []
        while len(pool) < needed and any(kinds):
            cum = _cumulative(w if kinds[k] else 0.0 for k, w in enumerate(weights))
            unit = kinds[bisect.bisect_right(cum, rng.random() * cum[-1])].pop()
            if unit[0] not in units:
                contact = _person_name(rng, "1", 1975, _pick(rng, _SURNAMES, _SURNAME_CUM), False)
                units[unit[0]] = (*unit, contact, _phone(rng))
            pool.append(unit[0])
        for index, village in enumerate(villages):
            unit_of_village[village.code] = pool[index % len(pool)]

    first_unit = _reserve_ids(cursor, AidUnit, len(units))
    unit_id = {name: first_unit + index for index, name in enumerate(units)}
    first_team = _reserve_ids(cursor, WorkTeam, len(poor))
    date = _DateText()
    teams, members = [], []
    for index, village in enumerate(poor):
        unit = unit_of_village[village.code]
        start = date(_date(max(2015, village.listed_year), rng, (3, 1), (9, 30)))
        teams.append((first_team + index, now, now, village.code, unit_id[unit], unit, start))
        for role, position in (
            ("first_secretary", "第一书记"),
            ("member", rng.choice(_POSITIONS)),
            ("member", rng.choice(_POSITIONS)),
        ):
            sex = "1" if rng.random() < 0.7 else "2"
            surname = _pick(rng, _SURNAMES, _SURNAME_CUM)
            name = _person_name(rng, sex, rng.randint(1970, 1995), surname, False)
            members.append(
                (now, now, first_team + index, name, role, unit, position, _phone(rng), start)
            )
    return {
        "assistance_aidunit": _values_copy(
            cursor,
            AidUnit,
            tuple(
                "id created updated name division_code unit_type unit_level contact_name contact_phone".split()
            ),
            ((unit_id[u[0]], now, now, *u) for u in units.values()),
        ),
        "assistance_aidunitvillage": _values_copy(
            cursor,
            AidUnitVillage,
            ("created", "updated", "aid_unit_id", "village_code", "start_year"),
            ((now, now, unit_id[unit_of_village[v.code]], v.code, v.listed_year) for v in poor),
        ),
        "assistance_workteam": _values_copy(
            cursor,
            WorkTeam,
            tuple(
                "id created updated village_code sending_unit_id sending_unit_name term_start".split()
            ),
            teams,
        ),
        "assistance_workteammember": _values_copy(
            cursor,
            WorkTeamMember,
            tuple("created updated team_id name role unit_name position phone start_date".split()),
            members,
        ),
    }


def _existing_ids(cursor, plan: DemoPlan) -> set[str]:
    """Citizen IDs already registered for the demo's area codes (none after a reset)."""
    areas = sorted({code[:6] for code in plan.counties})
    cursor.execute(
        "SELECT id_number FROM households_member WHERE is_active AND substr(id_number, 1, 6) = ANY(%s)",
        [areas],
    )
    return {row[0] for row in cursor.fetchall()}


def demo_seed(
    *,
    households: int = 3000,
    seed: int = 1,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
    reset: bool = False,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate the demo data set, or report the one that exists (see the module docstring)."""
    say = log or (lambda _message: None)
    started = time.monotonic()
    timings: dict[str, float] = {}
    clock = [started]

    def lap(name: str) -> None:
        now = time.monotonic()
        timings[name] = round(now - clock[0], 2)
        clock[0] = now

    with transaction.atomic(durable=True):
        regions_created = demo_regions_ensure()
        lap("regions")
        if reset:
            removed = demo_reset()
            say(f"已删除原有演示数据：{removed.get('households_household', 0)} 户")
            lap("reset")
        existing = demo_exists()
        if existing:
            return DemoResult(
                created=False,
                households=existing,
                regions_created=regions_created,
                seconds=round(time.monotonic() - started, 2),
                timings=timings,
            )
        plan = demo_plan(
            households=households, seed=seed, first_year=first_year, last_year=last_year
        )
        lap("plan")
        rows: dict[str, int] = {}
        models = [
            Cadre,
            Household,
            Member,
            AnnualIncome,
            GuaranteeStatus,
            HouseholdStatusChange,
            CadrePairing,
        ]
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush pending checks before DDL
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            rows["villages_region"] = _villages_write(cursor, plan)
            _region_flags_write(plan)
            rows.update(_assistance_write(cursor, plan))
            small = list(rows)
            lap("villages_and_teams")
            taken = _existing_ids(cursor, plan)
            first_household, first_cadre = demo_ids_reserve(plan)
            for model, trigger in _HEAD_TRIGGERS:
                cursor.execute(f"ALTER TABLE {model._meta.db_table} DISABLE TRIGGER {trigger}")
            restore = _secondary_indexes_drop(cursor, models)
            lap("prepare")
            tables = demo_table_rows(plan, first_cadre_id=first_cadre, taken_ids=taken)
            rows.update(_tables_load(cursor, tables, restore, lap))
            if plan.households:
                _head_invariant_check(
                    cursor, first_household, first_household + len(plan.households) - 1
                )
            for model, trigger in _HEAD_TRIGGERS:
                cursor.execute(f"ALTER TABLE {model._meta.db_table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            lap("checks")
            for table in small:  # the big tables were analysed right after their load
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            lap("analyze")
    lap("commit")
    return DemoResult(
        created=True,
        households=len(plan.households),
        rows=rows,
        regions_created=regions_created,
        seconds=round(time.monotonic() - started, 2),
        timings=timings,
    )
