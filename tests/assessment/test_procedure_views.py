"""Procedure pages and API on the two-county world: scoping (county b stays out of sight), the
next-action form for the owning role only, the print view's masking, Excel, adjustment list."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment import procedure_services as ps
from assessment.models import HouseholdYearLock, Procedure
from assessment.procedures import ProcedureKind
from households.models import Member
from poverty.roles import Role
from tests.access import build_world

pytestmark = pytest.mark.django_db

D = datetime.date
PDF = b"%PDF-1.4\n%scan\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return build_world()


def user(world, role, county="a"):
    return world.counties[county].users[role]


def start(world, county="a", index=0):
    household = world.counties[county].households[index]
    return ps.procedure_start(
        actor=user(world, Role.VILLAGE_TEAM, county),
        kind=ProcedureKind.HOUSEHOLD_EXIT,
        year=2019,
        household=household,
    )


def advance(world, procedure, until, county="a"):
    plan = [
        ("proposal", Role.VILLAGE_TEAM, D(2019, 10, 20), None),
        ("appraisal", Role.VILLAGE_TEAM, D(2019, 10, 25), None),
        ("verification", Role.VILLAGE_TEAM, D(2019, 10, 28), None),
        ("agreement", Role.VILLAGE_TEAM, D(2019, 10, 30), PDF),
        ("notice", Role.VILLAGE_TEAM, D(2019, 11, 1), None),
        ("notice_end", Role.VILLAGE_TEAM, D(2019, 11, 8), None),
        ("township_review", Role.TOWNSHIP_OFFICE, D(2019, 11, 12), None),
        ("approval", Role.COUNTY_OFFICE, D(2019, 11, 20), None),
        ("announcement", Role.COUNTY_OFFICE, D(2019, 11, 25), None),
        ("marking", Role.COUNTY_OFFICE, D(2019, 12, 1), None),
    ]
    for code, role, day, content in plan:
        ps.procedure_step_take(
            actor=user(world, role, county),
            procedure=procedure,
            step_code=code,
            acted_on=day,
            today=day,
            evidence=SimpleUploadedFile("退出确认书.pdf", content) if content else None,
        )
        if code == until:
            return


def test_list_shows_own_county_only(client, world):
    mine, theirs = start(world, "a"), start(world, "b")
    client.force_login(user(world, Role.COUNTY_OFFICE))
    body = client.get("/assessment/procedures/").content.decode()
    assert f"/assessment/procedures/{mine.pk}/" in body
    assert f"/assessment/procedures/{theirs.pk}/" not in body
    assert client.get(f"/assessment/procedures/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/assessment/procedures/{theirs.pk}/").status_code == 404
    api = client.get("/api/v1/assessment/procedures/").json()
    assert [r["id"] for r in api["results"]] == [mine.pk]
    other = start(world, "a", 1)
    body = client.get(f"/assessment/procedures/?household={other.household_id}").content.decode()
    assert f"/assessment/procedures/{other.pk}/" in body
    assert f"/assessment/procedures/{mine.pk}/" not in body
    assert client.get("/assessment/procedures/?year=99999&household=1e99").status_code == 200


def test_a_cadre_sees_only_procedures_of_paired_households(client, world):
    paired, other = start(world, "a", 0), start(world, "a", 1)
    client.force_login(user(world, Role.CADRE))
    assert client.get(f"/assessment/procedures/{paired.pk}/").status_code == 200
    assert client.get(f"/assessment/procedures/{other.pk}/").status_code == 404


def test_detail_offers_the_next_step_to_its_owner_only(client, world):
    procedure = start(world)
    client.force_login(user(world, Role.VILLAGE_TEAM))
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "办理：村两委对象初选" in body
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "办理：村两委对象初选" not in body and "驻村工作队/村两委" in body


def test_taking_steps_through_the_page_with_htmx_and_upload(client, world):
    procedure = start(world)
    advance(world, procedure, "verification")
    client.force_login(user(world, Role.VILLAGE_TEAM))
    url = f"/assessment/procedures/{procedure.pk}/step/"
    # without the signed scan: refused, the panel says why
    response = client.post(
        url, {"step": "agreement", "acted_on": "2019-10-30"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "须上传退出确认书的扫描件" in response.content.decode()
    assert procedure.steps.count() == 3
    scan = SimpleUploadedFile("确认书.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url, {"step": "agreement", "acted_on": "2019-10-30", "note": "户主已签字", "evidence": scan}
    )
    assert response.status_code == 302
    step = procedure.steps.get(code="agreement")
    assert step.note == "户主已签字" and step.evidence_type == "pdf"
    evidence = client.get(f"/assessment/procedures/steps/{step.pk}/evidence/")
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content) == PDF
    client.force_login(user(world, Role.VILLAGE_TEAM, "b"))
    assert client.get(f"/assessment/procedures/steps/{step.pk}/evidence/").status_code == 404


def test_objections_through_the_page(client, world):
    procedure = start(world)
    advance(world, procedure, "notice")
    client.force_login(user(world, Role.VILLAGE_TEAM))
    response = client.post(
        f"/assessment/procedures/{procedure.pk}/objections/",
        {"content": "收入未达标", "objector": "村民李某", "raised_on": "2019-11-02"},
    )
    assert response.status_code == 302
    objection = procedure.objections.get()
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "收入未达标" in body and "1 条未处理" in body
    client.post(
        f"/assessment/procedures/objections/{objection.pk}/resolve/", {"resolution": "经核实不属实"}
    )
    objection.refresh_from_db()
    assert objection.resolution == "经核实不属实" and not objection.is_open


def test_api_takes_a_step_and_reports_refusals(client, world):
    procedure = start(world)
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))
    url = f"/api/v1/assessment/procedures/{procedure.pk}/steps/"
    response = client.post(url, {"step": "proposal"}, content_type="application/json")
    assert response.status_code == 400
    assert "须由驻村工作队/村两委办理" in response.content.decode()
    client.force_login(user(world, Role.VILLAGE_TEAM))
    response = client.post(
        url, {"step": "proposal", "note": "初选"}, content_type="application/json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["steps_done"] == 1 and data["next_step"] == "appraisal"
    assert data["steps"][0]["done"] and data["steps"][0]["actor_name"] == "village-a"
    client.force_login(user(world, Role.VILLAGE_TEAM, "b"))
    response = client.post(url, {"step": "appraisal"}, content_type="application/json")
    assert response.status_code == 404


def test_notice_print_view_masks_ids_and_shows_dates(client, world):
    procedure = start(world)
    advance(world, procedure, "notice")
    head = Member.objects.get(household=procedure.household, relation="01")
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))  # sees full IDs elsewhere
    response = client.get("/assessment/procedures/notice/?year=2019&kind=household_exit")
    body = response.content.decode()
    assert response.status_code == 200
    assert "贫困户退出公示名单" in body and "@page" in body and "A4" in body
    assert head.name in body
    assert head.id_number not in body
    assert head.id_number[:4] + "*" * 10 + head.id_number[-4:] in body
    assert "2019-11-01 ~ 2019-11-07" in body
    assert "13912345678" not in body and "6222020200112233445" not in body

    xlsx = client.get("/assessment/procedures/notice.xlsx?year=2019&kind=household_exit")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert head.id_number[:4] + "*" * 10 + head.id_number[-4:] in values
    assert head.id_number not in values
    assert any("公示期：2019-11-01 至 2019-11-07" in str(v) for v in values)


def test_notice_of_another_county_is_not_found(client, world):
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))
    other = world.counties["b"].township.code
    assert client.get(f"/assessment/procedures/notice/?region={other}").status_code == 404
    assert client.get(f"/assessment/procedures/notice.xlsx?region={other}").status_code == 404


def test_adjustment_list_shows_the_years_exits(client, world):
    procedure = start(world)
    advance(world, procedure, "marking")
    client.force_login(user(world, Role.COUNTY_OFFICE))
    body = client.get("/assessment/procedures/adjustment/?year=2019").content.decode()
    assert procedure.household.household_number in body
    assert "脱贫（退出）" in body
    other = world.counties["b"].code
    assert client.get(f"/assessment/procedures/adjustment/?county={other}").status_code == 404


def test_county_office_reopens_a_locked_year_through_the_page(client, world):
    procedure = start(world)
    advance(world, procedure, "marking")
    lock = HouseholdYearLock.objects.get(procedure=procedure)
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))
    client.post(f"/assessment/procedures/locks/{lock.pk}/", {"reason": "改错"})
    lock.refresh_from_db()
    assert lock.is_locked
    client.force_login(user(world, Role.COUNTY_OFFICE))
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "2019 年度数据已锁定" in body
    client.post(f"/assessment/procedures/locks/{lock.pk}/", {"reason": "收入漏填"})
    lock.refresh_from_db()
    assert not lock.is_locked and lock.reopen_reason == "收入漏填"
    client.post(f"/assessment/procedures/locks/{lock.pk}/", {"action": "relock"})
    lock.refresh_from_db()
    assert lock.is_locked


def test_start_page_offers_the_kinds_of_the_users_role(client, world):
    household = world.counties["a"].households[0]
    client.force_login(user(world, Role.VILLAGE_TEAM))
    body = client.get(f"/assessment/procedures/new/?household={household.pk}").content.decode()
    assert "贫困户退出" in body and "贫困村出列" not in body
    response = client.post(
        "/assessment/procedures/new/",
        {"household": household.pk, "kind": "household_exit", "year": 2019},
    )
    procedure = Procedure.objects.get(household=household)
    assert response.status_code == 302 and response["Location"].endswith(f"/{procedure.pk}/")
    other = world.counties["b"].households[0]
    assert client.get(f"/assessment/procedures/new/?household={other.pk}").status_code == 404


def test_the_procedure_page_is_english_with_the_language_cookie(client, world, settings):
    procedure = start(world)
    client.force_login(user(world, Role.VILLAGE_TEAM))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "Proposal by the village committees" in body and "Democratic appraisal" in body
    assert "Household exit" in body


def test_the_exit_page_shows_the_years_exit_verdict(client, world):
    from assessment.recompute import recompute
    from households.services import annual_income_save

    procedure = start(world)
    annual_income_save(
        actor=None,
        household=procedure.household,
        year=2019,
        data={"wage": 1200},
        expected_version=None,
    )
    recompute()
    client.force_login(user(world, Role.COUNTY_OFFICE))
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "2019 年度退出达标判定" in body
    assert "2019 年人均纯收入 400 元，低于标准" in body


def test_list_page_queries_do_not_grow_with_rows(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start(world, "a", 0)
    client.force_login(user(world, Role.COUNTY_OFFICE))
    client.get("/assessment/procedures/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/assessment/procedures/").status_code == 200
    for index in (1, 2, 3):
        start(world, "a", index)
    with CaptureQueriesContext(connection) as four:
        client.get("/assessment/procedures/")
    assert len(four) == len(one)


def test_monitoring_identification_shows_its_time_limit(client, world):
    from assessment.models import PolicyStandard

    PolicyStandard.objects.create(
        key="sla_days.monitoring_identification",
        scope_code="43",
        year_from=2020,
        value=20,
        evidence="V",
        source="测试：监测对象识别不超过20个工作日",
    )
    household = world.counties["a"].households[0]
    procedure = ps.procedure_start(
        actor=user(world, Role.VILLAGE_TEAM),
        kind=ProcedureKind.MONITORING_IDENTIFICATION,
        year=2021,
        household=household,
    )
    ps.procedure_step_take(
        actor=user(world, Role.VILLAGE_TEAM),
        procedure=procedure,
        step_code="verification",
        acted_on=D(2021, 3, 1),
        today=D(2021, 3, 1),
    )
    client.force_login(user(world, Role.COUNTY_OFFICE))
    body = client.get(f"/assessment/procedures/{procedure.pk}/").content.decode()
    assert "办结时限：2021-03-26" in body and "已超时" in body  # 20 working days from Mon 1 March


def test_api_records_and_settles_objections(client, world):
    procedure = start(world)
    advance(world, procedure, "notice")
    client.force_login(user(world, Role.VILLAGE_TEAM))
    response = client.post(
        f"/api/v1/assessment/procedures/{procedure.pk}/objections/",
        {"content": "有车辆", "objector": "匿名"},
        content_type="application/json",
    )
    assert response.status_code == 201
    [objection] = response.json()["objections"]
    assert objection["resolved"] is False
    client.force_login(user(world, Role.COUNTY_OFFICE, "b"))
    url = f"/api/v1/assessment/procedure-objections/{objection['id']}/resolve/"
    assert client.post(url, {"resolution": "x"}, content_type="application/json").status_code == 404
    client.force_login(user(world, Role.TOWNSHIP_OFFICE))
    response = client.post(url, {"resolution": "车辆已报废"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["objections"][0]["resolution"] == "车辆已报废"
