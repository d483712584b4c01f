"""The assistance admin: every page renders, search works, the region filter narrows each list
to one county, households and villages are picked by id, and list queries stay constant."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import (
    AidUnit,
    AidUnitVillage,
    Cadre,
    CadrePairing,
    WorkTeam,
    WorkTeamMember,
)
from households.models import Household, Member
from villages.models import Region

pytestmark = pytest.mark.django_db

MODELS = ["cadre", "cadrepairing", "aidunit", "aidunitvillage", "workteam", "workteammember"]
HECHENG = "431202000000"  # 鹤城区
ZHONGFANG = "431221000000"  # 中方县


def region(code: str, name: str, level: str, parent: Region | None = None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def household(village: Region, number: str, head_id: str) -> Household:
    """A household with its head (户主), as the registry requires."""
    hh = Household.objects.create(
        household_number=number,
        village=village,
        attribute="1",
        identified_year=2014,
        main_cause="01",
    )
    Member.objects.create(
        household=hh,
        division_code=village.code,
        name=f"户主{number}",
        id_number=head_id,
        sex="1",
        birth_date=datetime.date(1970, 1, 1),
        relation="01",
    )
    return hh


@pytest.fixture
def data():
    """The same assistance rows in two counties of 怀化市: 鹤城区 (inside) and 中方县 (outside)."""
    hunan = region("430000000000", "湖南省", "province")
    huaihua = region("431200000000", "怀化市", "city", hunan)
    rows = {}
    for key, county_code, county_name, town_code, village_code, village_name, id_seed in [
        ("in", HECHENG, "鹤城区", "431202100000", "431202100201", "黄金坳村", "43120219700101001"),
        ("out", ZHONGFANG, "中方县", "431221101000", "431221101202", "荆坪村", "43122119700101002"),
    ]:
        county = region(county_code, county_name, "county", huaihua)
        town = region(town_code, f"{county_name}某镇", "township", county)
        village = region(village_code, village_name, "village", town)
        hh = household(village, f"HH-{key}", id_seed + "X")
        cadre = Cadre.objects.create(
            name=f"干部{village_name}", division_code=county_code, unit_name=f"{county_name}农业局"
        )
        unit = AidUnit.objects.create(name=f"{county_name}财政局", division_code=county_code)
        team = WorkTeam.objects.create(
            village=village, sending_unit=unit, term_start=datetime.date(2018, 3, 1)
        )
        rows[key] = {
            "village": village,
            "household": hh,
            "cadre": cadre,
            "cadrepairing": CadrePairing.objects.create(
                cadre=cadre, household=hh, start_date=datetime.date(2016, 5, 1)
            ),
            "aidunit": unit,
            "aidunitvillage": AidUnitVillage.objects.create(
                aid_unit=unit, village=village, start_year=2016
            ),
            "workteam": team,
            "workteammember": WorkTeamMember.objects.create(
                team=team,
                name=f"书记{village_name}",
                role="first_secretary",
                start_date=datetime.date(2018, 3, 1),
            ),
        }
    return rows


def changelist(model: str) -> str:
    return reverse(f"admin:assistance_{model}_changelist")


def listed_pks(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_every_row_for_a_superuser(admin_client, data, model):
    response = admin_client.get(changelist(model))

    assert response.status_code == 200
    assert listed_pks(response) == {data["in"][model].pk, data["out"][model].pk}


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders(admin_client, data, model):
    response = admin_client.get(reverse(f"admin:assistance_{model}_add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_page_renders(admin_client, data, model):
    obj = data["in"][model]

    response = admin_client.get(reverse(f"admin:assistance_{model}_change", args=[obj.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_region_filter_narrows_to_one_county(admin_client, data, model):
    response = admin_client.get(changelist(model), {"region": HECHENG})

    assert response.status_code == 200
    pks = listed_pks(response)
    assert data["in"][model].pk in pks
    assert data["out"][model].pk not in pks


@pytest.mark.parametrize("model", MODELS)
def test_region_filter_by_city_keeps_both_counties(admin_client, data, model):
    response = admin_client.get(changelist(model), {"region": "431200000000"})

    assert listed_pks(response) == {data["in"][model].pk, data["out"][model].pk}


@pytest.mark.parametrize(
    ("model", "term"),
    [
        ("cadre", "干部黄金坳村"),
        ("cadre", "鹤城区农业局"),
        ("cadrepairing", "干部黄金坳村"),
        ("cadrepairing", "HH-in"),
        ("aidunit", "鹤城区财政局"),
        ("aidunitvillage", "黄金坳村"),
        ("aidunitvillage", "431202100201"),
        ("workteam", "黄金坳村"),
        ("workteam", "鹤城区财政局"),
        ("workteammember", "书记黄金坳村"),
        ("workteammember", "黄金坳村"),
    ],
)
def test_search_finds_the_matching_row_only(admin_client, data, model, term):
    response = admin_client.get(changelist(model), {"q": term})

    assert listed_pks(response) == {data["in"][model].pk}


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("cadrepairing", "household"),
        ("aidunitvillage", "village"),
        ("workteam", "village"),
    ],
)
def test_households_and_villages_are_picked_by_id_not_from_a_list(admin_client, data, model, field):
    response = admin_client.get(reverse(f"admin:assistance_{model}_add"))

    html = response.content.decode()
    assert f'name="{field}"' in html
    assert f'<select name="{field}"' not in html
    assert f'<input type="text" name="{field}"' in html


def test_work_team_page_edits_its_members_inline(admin_client, data):
    team = data["in"]["workteam"]

    response = admin_client.get(reverse("admin:assistance_workteam_change", args=[team.pk]))

    html = response.content.decode()
    assert 'name="members-0-name"' in html
    assert "书记黄金坳村" in html


def test_autocomplete_finds_cadres_for_the_pairing_form(admin_client, data):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "黄金坳",
            "app_label": "assistance",
            "model_name": "cadrepairing",
            "field_name": "cadre",
        },
    )

    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids == {data["in"]["cadre"].pk}


@pytest.mark.parametrize("model", MODELS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, data, model):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(changelist(model)).status_code == 200
        return len(ctx.captured_queries)

    before = count_queries()
    add_rows_like(data["in"], copies=5)
    after = count_queries()

    assert after == before


def add_rows_like(rows: dict, copies: int) -> None:
    """More cadres, pairings, units, unit-villages, teams and members in the same village."""
    village = rows["village"]
    for i in range(copies):
        hh = household(village, f"HH-extra-{i}", f"43120219800101{i:04d}")
        cadre = Cadre.objects.create(name=f"干部{i}", division_code=HECHENG, unit_name="单位")
        CadrePairing.objects.create(cadre=cadre, household=hh, start_date=datetime.date(2017, 1, 1))
        unit = AidUnit.objects.create(name=f"单位{i}", division_code=HECHENG)
        AidUnitVillage.objects.create(aid_unit=unit, village=village, start_year=2017)
        team = WorkTeam.objects.create(
            village=village, sending_unit=unit, term_start=datetime.date(2019, 1, 1)
        )
        WorkTeamMember.objects.create(
            team=team, name=f"队员{i}", role="member", start_date=datetime.date(2019, 1, 1)
        )
