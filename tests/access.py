"""A small world of two counties of one city, with households and a user per role in each.

Built through the real services (households.services.household_register), so history and
invariants hold as they do in production. Used by the access and URL-walk tests.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from assistance.models import Cadre, CadrePairing, WorkTeam, WorkTeamMember
from households.services import household_register
from households.validators import id_check_character
from poverty.models import UserProfile
from poverty.roles import Role
from villages.models import Region

PASSWORD = "test-pass-2026!"
_sequence = itertools.count(1)


def citizen_id(area: str, birth: str, *, male: bool) -> str:
    """A valid 18-character ID for area code and birth date (YYYYMMDD); unique per call."""
    order = f"{next(_sequence) % 100:02d}{1 if male else 2}"
    first17 = f"{area}{birth}{order}"
    return first17 + id_check_character(first17)


def region(code: str, name: str, level: str, parent: Region | None = None, **fields) -> Region:
    obj, _ = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, **fields}
    )
    return obj


@dataclass
class County:
    code: str
    township: Region
    villages: list[Region]
    households: list = field(default_factory=list)
    users: dict = field(default_factory=dict)  # role → User
    cadre: Cadre | None = None


@dataclass
class World:
    city: Region
    counties: dict[str, County]
    admin: object
    city_leader: object

    def other(self, key: str) -> County:
        return self.counties["b" if key == "a" else "a"]


def make_user(username: str, role: str | None, region_code: str = "", **profile):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        UserProfile.objects.create(user=user, role=role, region_code=region_code, **profile)
    return user


def make_household(village: Region, number: str, *, actor=None, members: int = 3, **fields):
    area = village.code[:6]
    head_id = citizen_id(area, "19700305", male=True)
    people = [
        {"name": f"户主{number}", "id_number": head_id, "relation": "01",
         "has_resident_medical_insurance": True, "phone": "13800138000"},
        {"name": f"配偶{number}", "id_number": citizen_id(area, "19720611", male=False), "relation": "02"},
        {"name": f"之子{number}", "id_number": citizen_id(area, "20050101", male=True), "relation": "03",
         "school_status": "06", "labour_ability": "04"},
    ][:members]  # fmt: skip
    data = {
        "household_number": number,
        "village": village,
        "attribute": "1",
        "identified_year": 2014,
        "main_cause": "01",
        "phone": "13912345678",
        "bank_account": "6222020200112233445",
        **fields,
    }
    return household_register(actor=actor, household_data=data, members_data=people)


def build_world() -> World:
    province = region("430000000000", "湖南省", "province", region_class="central")
    city = region("431200000000", "怀化市", "city", province)
    counties: dict[str, County] = {}
    for key, code, name in (("a", "431202", "鹤城区"), ("b", "431221", "中方县")):
        county = region(f"{code}000000", name, "county", city)
        township = region(f"{code}100000", f"{name}一镇", "township", county)
        other_township = region(f"{code}101000", f"{name}二镇", "township", county)
        villages = [
            region(f"{code}100201", f"{name}甲村", "village", township, is_poor_village=True),
            region(f"{code}100202", f"{name}乙村", "village", township),
            region(f"{code}101201", f"{name}丙村", "village", other_township),
        ]
        c = County(code=f"{code}000000", township=township, villages=villages)
        for index, village in enumerate(villages):
            c.households.append(make_household(village, f"{code}{index:03d}001"))
            c.households.append(make_household(village, f"{code}{index:03d}002"))
        c.users = {
            Role.COUNTY_OFFICE: make_user(f"county-{key}", Role.COUNTY_OFFICE, c.code),
            Role.TOWNSHIP_OFFICE: make_user(f"township-{key}", Role.TOWNSHIP_OFFICE, township.code),
            Role.VILLAGE_TEAM: make_user(f"village-{key}", Role.VILLAGE_TEAM, villages[0].code),
            Role.CADRE: make_user(f"cadre-{key}", Role.CADRE, villages[0].code),
            Role.INSPECTOR: make_user(
                f"inspector-{key}",
                Role.INSPECTOR,
                c.code,
                expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7),
            ),
        }
        c.cadre = Cadre.objects.create(
            name=f"干部{key}",
            division_code=c.code,
            unit_name="县农业农村局",
            user=c.users[Role.CADRE],
        )
        # The cadre is paired with the first household only.
        CadrePairing.objects.create(
            cadre=c.cadre, household=c.households[0], start_date=datetime.date(2016, 1, 1)
        )
        team = WorkTeam.objects.create(
            village=villages[0], sending_unit_name="县财政局", term_start=datetime.date(2018, 3, 1)
        )
        WorkTeamMember.objects.create(
            team=team,
            name=f"书记{key}",
            role="first_secretary",
            start_date=datetime.date(2018, 3, 1),
        )
        counties[key] = c
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    leader = make_user("city-leader", Role.CITY_LEADER, city.code)
    return World(city=city, counties=counties, admin=admin, city_leader=leader)
