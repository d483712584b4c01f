"""Assessment pages and API: what a user of county a sees, and that county b stays out of sight
(404, never 403). The household page and the verdict API show every reason."""

import pytest

from assessment.models import MonitoringFlag, RankingConfig
from assessment.recompute import recompute
from assessment.services import RECOMPUTE_KIND, recompute_request
from poverty.jobs.models import JobRun
from poverty.roles import Role
from tests.assessment.scenario import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    scenario = build_scenario()
    recompute()
    return scenario


def user(scenario, role, county="a"):
    return scenario.world.counties[county].users[role]


def test_the_household_page_shows_the_verdicts_with_their_reasons(client, scenario):
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    body = client.get(f"/households/{scenario.h1.pk}/").content.decode()
    assert "退出达标情况" in body
    assert "2018 年人均纯收入 2,000 元，低于标准 2,995 元（标准待确认）" in body
    assert "有 2 名家庭成员未参加基本医疗保险，基本医疗保障不达标" in body
    assert "veto_member_uninsured" in body


def test_the_verdict_api_answers_for_own_households_only(client, scenario):
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    response = client.get(f"/api/v1/assessment/households/{scenario.h3.pk}/verdicts/")
    assert response.status_code == 200
    years = {y["year"]: y for y in response.json()["years"]}
    assert years[2019]["eligible"] is True and years[2019]["reasons"] == []
    assert [f["code"] for f in years[2020]["monitor_flags"]] == [
        "below_monitoring_line",
        "income_sharp_drop",
    ]
    assert years[2020]["reasons"][0]["message"] == "2020 年人均纯收入 2,000 元，低于标准 4,000 元"
    other = scenario.world.counties["b"].households[0]
    assert client.get(f"/api/v1/assessment/households/{other.pk}/verdicts/").status_code == 404


def test_a_cadre_sees_the_verdicts_of_paired_households_only(client, scenario):
    client.force_login(user(scenario, Role.CADRE))  # paired with h1 only
    assert (
        client.get(f"/api/v1/assessment/households/{scenario.h1.pk}/verdicts/").status_code == 200
    )
    assert (
        client.get(f"/api/v1/assessment/households/{scenario.h2.pk}/verdicts/").status_code == 404
    )


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        (Role.COUNTY_OFFICE, "431202000000", 200),
        (Role.COUNTY_OFFICE, "431221000000", 404),  # county b
        (Role.COUNTY_OFFICE, "431200000000", 404),  # the city: not its summary scope
        (Role.TOWNSHIP_OFFICE, "431202000000", 200),  # a township reads its county's figures
        (Role.TOWNSHIP_OFFICE, "431221000000", 404),
        (Role.VILLAGE_TEAM, "431202100201", 200),
        (Role.VILLAGE_TEAM, "431202100202", 404),
    ],
)
def test_region_pages_follow_the_summary_scope(client, scenario, role, code, status):
    client.force_login(user(scenario, role))
    assert client.get(f"/assessment/regions/{code}/").status_code == status
    assert client.get(f"/api/v1/assessment/regions/{code}/").status_code == status


def test_the_region_page_names_each_failure(client, scenario):
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    body = client.get("/assessment/regions/431202000000/").content.decode()
    assert (
        "2019 年贫困发生率 2.5%（剩余贫困人口 15 人 ÷ 农村户籍人口 600 人），未低于摘帽标准 2%"
        in body
    )
    data = client.get("/api/v1/assessment/regions/431202100201/").json()
    y2019 = next(y for y in data["years"] if y["year"] == 2019)
    assert (y2019["households"], y2019["remaining_people"], y2019["incidence"]) == (2, 6, 0.06)
    assert y2019["verdict"]["outcome"] == "not_eligible"


def test_the_what_if_page_is_filled_from_own_households_only(client, scenario):
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    response = client.get(f"/assessment/what-if/?household={scenario.h2.pk}")
    assert response.status_code == 200
    assert 'value="9654.00"' in response.content.decode()  # 2019 wage
    other = scenario.world.counties["b"].households[0]
    assert client.get(f"/assessment/what-if/?household={other.pk}").status_code == 404


def test_recompute_is_started_by_the_county_office_and_polled(client, scenario):
    client.force_login(user(scenario, Role.VILLAGE_TEAM))
    assert client.post("/assessment/recompute/").status_code == 404

    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    response = client.post("/assessment/recompute/")
    job = JobRun.objects.get(kind=RECOMPUTE_KIND)
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}")
    assert (job.region_code, job.subject) == ("431202000000", "431202000000:all")
    progress = client.get(f"/assessment/jobs/progress/?job={job.pk}")
    assert progress.status_code == 200
    assert 'hx-trigger="every 1s"' in progress.content.decode()

    other, _ = recompute_request(region_code="431221000000")
    assert client.get(f"/assessment/jobs/progress/?job={other.pk}").status_code == 404
    client.force_login(user(scenario, Role.COUNTY_OFFICE, "b"))
    assert client.get(f"/assessment/jobs/progress/?job={job.pk}").status_code == 404


def test_rankings_and_monitoring_lists_stay_in_scope(client, scenario):
    own = RankingConfig.objects.create(
        name="甲县村排名", region_code="431202000000", unit_level="village",
        weights={"exit_progress": 1},
    )  # fmt: skip
    other = RankingConfig.objects.create(
        name="乙县村排名", region_code="431221000000", unit_level="village",
        weights={"exit_progress": 1},
    )  # fmt: skip
    recompute()
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    body = client.get("/assessment/rankings/").content.decode()
    assert "甲县村排名" in body and "乙县村排名" not in body
    assert client.get(f"/assessment/rankings/?config={own.pk}").status_code == 200
    assert client.get(f"/assessment/rankings/?config={other.pk}").status_code == 404

    MonitoringFlag.objects.create(
        household=scenario.world.counties["b"].households[0],
        division_code="431221100201", year=2020, code="risk_event", item="illness",
        params={},
    )  # fmt: skip
    body = client.get("/assessment/monitoring/?year=2020").content.decode()
    assert scenario.h3.household_number in body
    assert scenario.world.counties["b"].households[0].household_number not in body


def test_a_county_office_configures_a_ranking_for_its_county(client, scenario):
    client.force_login(user(scenario, Role.COUNTY_OFFICE))
    response = client.post(
        "/assessment/rankings/",
        {"name": "乡镇排名", "unit_level": "township", "bottom_n": 1, "w_exit_progress": 60,
         "w_readiness": 40},
    )  # fmt: skip
    config = RankingConfig.objects.get(name="乡镇排名")
    assert response.status_code == 302
    assert (config.region_code, config.weights) == (
        "431202000000",
        {"exit_progress": 60, "readiness": 40},
    )
