"""Plain helpers that build valid registry rows for tests (no factory_boy).

- ``make_region_tree()``: 甘肃省 → 天水市 → 秦州区 → a township → a village, plus a second
  county (麦积区) with its own township and village, for "outside my region" cases.
  Idempotent: calling it twice in one test returns the same rows.
- ``make_household(village, members=[...], **fields)``: a household and its members, each
  with a well-formed citizen ID (the check character from households.validators).
- ``make_member(household, **fields)`` and ``citizen_id(...)`` for finer control.

Rows are written with the ORM, not through households.services, so no change history is
recorded. The at-least-one-head trigger is deferred to the commit; ordinary ``django_db``
tests do not commit, but Django runs ``SET CONSTRAINTS ALL IMMEDIATE`` when such a test
ends, so a household left without an active head fails the test there too. Give every
household a head (the default).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from households.choices import RELATION_IMPLIED_SEX, Relation, Sex
from households.models import Household, Member
from households.validators import id_check_character
from villages.models import Region

__all__ = [
    "RegionTree",
    "citizen_id",
    "make_household",
    "make_member",
    "make_region_tree",
]

_sequence = itertools.count()
_household_numbers = itertools.count(1)

# Default birth dates by relation, so that ages look plausible in age-based rules.
_DEFAULT_BIRTH = {
    Relation.HEAD: datetime.date(1968, 3, 15),
    Relation.SPOUSE: datetime.date(1970, 7, 1),
    Relation.FATHER: datetime.date(1940, 5, 20),
    Relation.MOTHER: datetime.date(1942, 9, 9),
}
_CHILD_BIRTH = datetime.date(1996, 10, 1)


@dataclass(frozen=True)
class RegionTree:
    """The regions made by make_region_tree; ``other_*`` lie in a second county."""

    province: Region
    city: Region
    county: Region
    township: Region
    village: Region
    other_county: Region
    other_township: Region
    other_village: Region


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    region, _created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


def make_region_tree() -> RegionTree:
    """Province, city and two counties with real codes; townships and villages made up."""
    province = _region("620000000000", "甘肃省", "province", None)
    city = _region("620500000000", "天水市", "city", province)
    county = _region("620502000000", "秦州区", "county", city)
    township = _region("620502100000", "测试镇", "township", county)
    village = _region("620502100201", "测试村", "village", township)
    other_county = _region("620503000000", "麦积区", "county", city)
    other_township = _region("620503100000", "另一测试镇", "township", other_county)
    other_village = _region("620503100201", "另一测试村", "village", other_township)
    return RegionTree(
        province=province,
        city=city,
        county=county,
        township=township,
        village=village,
        other_county=other_county,
        other_township=other_township,
        other_village=other_village,
    )


def citizen_id(
    address: str = "620502",
    birth_date: datetime.date = datetime.date(1968, 3, 15),
    sex: str = Sex.MALE,
    sequence: int | None = None,
) -> str:
    """A well-formed 18-character citizen ID (GB 11643) for the given place, birth and sex.

    Digits 15–17 come from ``sequence`` (a session-wide counter by default), with the 17th
    digit odd for men and even for women; 500 distinct numbers exist per address, birth date
    and sex.
    """
    n = next(_sequence) if sequence is None else sequence
    seventeenth = (n // 100) % 5 * 2 + (1 if sex == Sex.MALE else 0)
    first17 = f"{address}{birth_date:%Y%m%d}{n % 100:02d}{seventeenth}"
    return first17 + id_check_character(first17)


def make_member(household: Household, **fields) -> Member:
    """Save one member of ``household``; the ID, sex and birth date agree unless overridden.

    Sex defaults to the one the relation implies (之女 → female), the spouse to the other sex
    than the household's head, everyone else to male.
    """
    relation = fields.pop("relation", Relation.HEAD)
    sex = fields.pop("sex", None)
    if sex is None:
        sex = RELATION_IMPLIED_SEX.get(relation, Sex.MALE)
        if relation == Relation.SPOUSE:
            head = household.members.filter(relation=Relation.HEAD, is_active=True).first()
            sex = Sex.FEMALE if head is None or head.sex == Sex.MALE else Sex.MALE
    default_birth = _DEFAULT_BIRTH.get(relation, _CHILD_BIRTH)
    birth_date = fields.pop("birth_date", default_birth)
    id_number = fields.pop("id_number", None) or citizen_id(
        household.village_id[:6], birth_date, sex
    )
    values = {
        "household": household,
        "division_code": household.village_id,
        "name": f"成员{id_number[-4:]}",
        "id_number": id_number,
        "sex": sex,
        "birth_date": birth_date,
        "relation": relation,
    }
    values.update(fields)
    return Member.objects.create(**values)


def make_household(village: Region, members: list[dict] | None = None, **fields) -> Household:
    """Save a household in ``village`` and its members (default: only a male head).

    ``members`` is a list of keyword dicts for make_member, e.g.
    ``[{"relation": "01", "name": "张三"}, {"relation": "02"}, {"relation": "04"}]``.
    Household fields default to a valid minimum (一般贫困户, 2014, 因病) and can be overridden.
    """
    values = {
        "household_number": f"{village.code}{next(_household_numbers):04d}",
        "village": village,
        "attribute": "1",
        "identified_year": 2014,
        "main_cause": "01",
    }
    values.update(fields)
    household = Household.objects.create(**values)
    for member_fields in [{"relation": Relation.HEAD}] if members is None else members:
        make_member(household, **member_fields)
    return household
