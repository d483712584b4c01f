"""Procedure writes (assessment.procedure_services) on the two-county world: the happy path to
marking in the registry, refusals, objections, history, and the exit-year lock."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment import procedure_services as ps
from assessment.models import HouseholdYearLock, Procedure, ProcedureStep
from assessment.procedures import ProcedureKind
from households import services as hs
from households.models import HouseholdStatusChange
from poverty.audit.models import ChangeRecord
from poverty.exceptions import BusinessRuleError
from poverty.roles import Role
from tests.access import build_world

pytestmark = pytest.mark.django_db

D = datetime.date
PDF = b"%PDF-1.4\n%test scan\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return build_world()


def users(world, county="a"):
    return world.counties[county].users


def scan(name="确认书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def exit_steps(world, county="a"):
    """(step, role, date, extra) for a household exit from proposal to marking."""
    return [
        ("proposal", Role.VILLAGE_TEAM, D(2019, 10, 20), {}),
        ("appraisal", Role.VILLAGE_TEAM, D(2019, 10, 25), {"evidence": scan("会议记录.pdf")}),
        ("verification", Role.VILLAGE_TEAM, D(2019, 10, 28), {}),
        ("agreement", Role.VILLAGE_TEAM, D(2019, 10, 30), {"evidence": scan()}),
        ("notice", Role.VILLAGE_TEAM, D(2019, 11, 1), {}),
        ("notice_end", Role.VILLAGE_TEAM, D(2019, 11, 8), {}),
        ("township_review", Role.TOWNSHIP_OFFICE, D(2019, 11, 12), {}),
        ("approval", Role.COUNTY_OFFICE, D(2019, 11, 20), {}),
        ("announcement", Role.COUNTY_OFFICE, D(2019, 11, 25), {}),
        ("marking", Role.COUNTY_OFFICE, D(2019, 12, 1), {}),
    ]


def take(world, procedure, step, role, day, county="a", **extra):
    return ps.procedure_step_take(
        actor=users(world, county)[role],
        procedure=procedure,
        step_code=step,
        acted_on=day,
        today=day,
        note=f"{step} 办理",
        **extra,
    )


def start_exit(world, household=None, county="a"):
    household = household or world.counties[county].households[0]
    return ps.procedure_start(
        actor=users(world, county)[Role.VILLAGE_TEAM],
        kind=ProcedureKind.HOUSEHOLD_EXIT,
        year=2019,
        household=household,
    )


def run_exit(world, procedure, until=None):
    for step, role, day, extra in exit_steps(world):
        take(world, procedure, step, role, day, **extra)
        if step == until:
            break


def test_household_exit_happy_path_marks_the_registry_and_locks_the_year(world):
    household = world.counties["a"].households[0]
    procedure = start_exit(world, household)
    run_exit(world, procedure)

    procedure.refresh_from_db()
    household.refresh_from_db()
    assert procedure.status == "completed" and procedure.steps_done == 10
    assert household.status == "exited" and household.exit_year == 2019
    assert household.status_changed_on == D(2019, 12, 1)
    change = HouseholdStatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status, change.year) == ("poor", "exited", 2019)
    notice = procedure.steps.get(code="notice")
    assert (notice.notice_start, notice.notice_end, notice.notice_days) == (
        D(2019, 11, 1),
        D(2019, 11, 7),
        7,
    )
    agreement = procedure.steps.get(code="agreement")
    assert agreement.evidence.name.endswith(".pdf") and agreement.evidence_type == "pdf"
    assert agreement.evidence_name == "确认书.pdf" and agreement.actor_role == Role.VILLAGE_TEAM
    assert HouseholdYearLock.objects.get(household=household, year=2019).is_locked
    # every step is in the change history, attributed
    records = ChangeRecord.objects.filter(object_type="assessment.procedurestep")
    assert records.count() == 10
    assert set(records.values_list("user_name", flat=True)) == {
        "village-a",
        "township-a",
        "county-a",
    }
    assert ChangeRecord.objects.filter(
        object_type="households.householdstatuschange", household_id=household.pk
    ).exists()


@pytest.mark.parametrize(
    ("until", "step", "role", "day", "code"),
    [
        (None, "proposal", Role.COUNTY_OFFICE, D(2019, 10, 20), "wrong_role"),
        (None, "appraisal", Role.VILLAGE_TEAM, D(2019, 10, 20), "wrong_order"),
        ("verification", "agreement", Role.VILLAGE_TEAM, D(2019, 10, 30), "evidence_required"),
        ("notice", "notice_end", Role.VILLAGE_TEAM, D(2019, 11, 7), "notice_not_ended"),
        ("notice_end", "township_review", Role.COUNTY_OFFICE, D(2019, 11, 12), "wrong_role"),
        ("township_review", "approval", Role.TOWNSHIP_OFFICE, D(2019, 11, 20), "wrong_role"),
        ("township_review", "marking", Role.COUNTY_OFFICE, D(2019, 11, 20), "wrong_order"),
    ],
)
def test_refused_steps_change_nothing(world, until, step, role, day, code):
    procedure = start_exit(world)
    if until:
        run_exit(world, procedure, until)
    before = procedure.steps.count()
    with pytest.raises(BusinessRuleError) as caught:
        take(world, procedure, step, role, day)
    assert caught.value.code == code
    assert procedure.steps.count() == before


def test_an_objection_blocks_until_it_is_resolved(world):
    procedure = start_exit(world)
    run_exit(world, procedure, "notice")
    township = users(world)[Role.TOWNSHIP_OFFICE]
    objection = ps.objection_record(
        actor=users(world)[Role.VILLAGE_TEAM],
        procedure=procedure,
        content="该户有家庭成员在县城经营门店",
        objector="村民张某",
        raised_on=D(2019, 11, 3),
    )
    with pytest.raises(BusinessRuleError) as caught:
        take(world, procedure, "notice_end", Role.VILLAGE_TEAM, D(2019, 11, 8))
    assert caught.value.code == "objection_open"
    with pytest.raises(BusinessRuleError):  # a cadre may not settle it
        ps.objection_resolve(actor=users(world)[Role.CADRE], objection=objection, resolution="x")
    ps.objection_resolve(
        actor=township, objection=objection, resolution="经核实，门店已于2018年转让"
    )
    take(world, procedure, "notice_end", Role.VILLAGE_TEAM, D(2019, 11, 8))
    with pytest.raises(BusinessRuleError) as caught:  # the notice is over: no more objections
        ps.objection_record(actor=township, procedure=procedure, content="迟到的异议")
    assert caught.value.code == "not_in_notice"


def test_evidence_is_checked_by_size_and_content(world, settings):
    procedure = start_exit(world)
    run_exit(world, procedure, "verification")
    with pytest.raises(BusinessRuleError) as caught:
        take(world, procedure, "agreement", Role.VILLAGE_TEAM, D(2019, 10, 30),
             evidence=scan("确认书.pdf", b"MZ\x90\x00 not a pdf"))  # fmt: skip
    assert caught.value.code == "evidence_type"
    settings.POVERTY_PROCEDURE_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(BusinessRuleError) as caught:
        take(world, procedure, "agreement", Role.VILLAGE_TEAM, D(2019, 10, 30), evidence=scan())
    assert caught.value.code == "evidence_too_large"
    assert str(caught.value.message).startswith("佐证材料不能超过")


def test_starting_is_refused_for_the_wrong_role_status_or_a_second_open_case(world):
    household = world.counties["a"].households[0]
    with pytest.raises(BusinessRuleError) as caught:
        ps.procedure_start(
            actor=users(world)[Role.COUNTY_OFFICE],
            kind=ProcedureKind.HOUSEHOLD_EXIT,
            year=2019,
            household=household,
        )
    assert caught.value.code == "wrong_role"
    start_exit(world, household)
    with pytest.raises(BusinessRuleError) as caught:
        start_exit(world, household)
    assert caught.value.code == "already_open"
    with pytest.raises(BusinessRuleError) as caught:  # a poor household cannot 返贫
        ps.procedure_start(
            actor=users(world)[Role.VILLAGE_TEAM],
            kind=ProcedureKind.RETURN_TO_POVERTY,
            year=2020,
            household=household,
        )
    assert caught.value.code == "wrong_status"


def test_a_user_of_the_other_county_cannot_take_a_step(world):
    procedure = start_exit(world)
    with pytest.raises(BusinessRuleError) as caught:
        take(world, procedure, "proposal", Role.VILLAGE_TEAM, D(2019, 10, 20), county="b")
    assert caught.value.code == "not_found"


def test_locked_exit_year_refuses_changes_until_the_county_office_reopens_it(world):
    household = world.counties["a"].households[0]
    run_exit(world, start_exit(world, household))
    village = users(world)[Role.VILLAGE_TEAM]
    lock = HouseholdYearLock.objects.get(household=household)

    with pytest.raises(BusinessRuleError) as caught:
        hs.annual_income_save(
            actor=village, household=household, year=2019, data={"wage": 1}, expected_version=None
        )
    assert caught.value.code == "year_locked"
    assert caught.value.message == (
        "该户 2019 年度的退出结果已审批锁定，不能修改 2019 年度的数据；"
        "确需修改的，须由县扶贫办填写原因解锁后再改"
    )
    with pytest.raises(BusinessRuleError):
        hs.guarantee_status_save(
            actor=village, household=household, year=2019, data={"food": "met"},
            expected_version=None,
        )  # fmt: skip
    with pytest.raises(BusinessRuleError):
        hs.household_update(
            actor=village, household=household, data={"exit_year": 2020}, expected_version=None
        )
    # other years and other fields stay editable
    hs.annual_income_save(
        actor=village, household=household, year=2020, data={"wage": 1}, expected_version=None
    )
    hs.household_update(
        actor=village, household=household, data={"address": "一组3号"}, expected_version=None
    )

    with pytest.raises(BusinessRuleError) as caught:  # only the county office reopens
        ps.exit_year_reopen(actor=users(world)[Role.TOWNSHIP_OFFICE], lock=lock, reason="错填")
    assert caught.value.code == "wrong_role"
    with pytest.raises(BusinessRuleError) as caught:
        ps.exit_year_reopen(actor=users(world)[Role.COUNTY_OFFICE], lock=lock, reason=" ")
    assert caught.value.code == "reason_required"
    ps.exit_year_reopen(actor=users(world)[Role.COUNTY_OFFICE], lock=lock, reason="工资收入漏填")
    hs.annual_income_save(
        actor=village, household=household, year=2019, data={"wage": 9000}, expected_version=None
    )
    record = ChangeRecord.objects.filter(object_type="assessment.householdyearlock").first()
    assert record.message == "工资收入漏填" and record.user_name == "county-a"

    ps.exit_year_relock(actor=users(world)[Role.COUNTY_OFFICE], lock=lock)
    with pytest.raises(BusinessRuleError):
        hs.annual_income_save(
            actor=village, household=household, year=2019, data={"wage": 1}, expected_version=None
        )


def test_return_to_poverty_and_monitoring_cycle(world):
    household = world.counties["a"].households[0]
    run_exit(world, start_exit(world, household))
    u = users(world)
    # 返贫 in 2021: a later year is not locked by the 2019 exit
    procedure = ps.procedure_start(
        actor=u[Role.VILLAGE_TEAM], kind=ProcedureKind.RETURN_TO_POVERTY, year=2021,
        household=household,
    )  # fmt: skip
    plan = [
        ("application", Role.VILLAGE_TEAM, D(2021, 3, 1)),
        ("appraisal", Role.VILLAGE_TEAM, D(2021, 3, 2)),
        ("verification", Role.VILLAGE_TEAM, D(2021, 3, 3)),
        ("notice", Role.VILLAGE_TEAM, D(2021, 3, 4)),
        ("notice_end", Role.VILLAGE_TEAM, D(2021, 3, 11)),
        ("township_review", Role.TOWNSHIP_OFFICE, D(2021, 3, 12)),
        ("approval", Role.COUNTY_OFFICE, D(2021, 3, 13)),
        ("announcement", Role.COUNTY_OFFICE, D(2021, 3, 14)),
        ("marking", Role.COUNTY_OFFICE, D(2021, 3, 15)),
    ]
    for step, role, day in plan:
        take(world, procedure, step, role, day)
    household.refresh_from_db()
    assert household.status == "returned" and household.exit_year == 2019
    assert list(
        HouseholdStatusChange.objects.filter(household=household).values_list(
            "to_status", flat=True
        )
    ) == ["exited", "returned"]


def test_county_exit_is_taken_by_the_administrator_and_counts_working_days(world):
    county = world.counties["a"]
    from villages.models import Region

    region = Region.objects.get(code=county.code)
    procedure = ps.procedure_start(
        actor=county.users[Role.COUNTY_OFFICE], kind=ProcedureKind.COUNTY_EXIT, year=2020,
        region=region,
    )  # fmt: skip
    admin = world.admin
    take(world, procedure, "proposal", Role.COUNTY_OFFICE, D(2020, 2, 1))
    for step, day in [("city_review", D(2020, 2, 5)), ("provincial_check", D(2020, 2, 10))]:
        ps.procedure_step_take(actor=admin, procedure=procedure, step_code=step, today=day)
    step = ps.procedure_step_take(
        actor=admin, procedure=procedure, step_code="notice", today=D(2020, 2, 17)
    )
    assert (step.notice_start, step.notice_end) == (D(2020, 2, 17), D(2020, 2, 21))
    with pytest.raises(BusinessRuleError):
        ps.procedure_step_take(
            actor=admin, procedure=procedure, step_code="notice_end", today=D(2020, 2, 21)
        )
    for step_code, day in [
        ("notice_end", D(2020, 2, 24)),
        ("approval", D(2020, 2, 25)),
        ("national_assessment", D(2020, 4, 1)),
        ("announcement", D(2020, 5, 1)),
        ("marking", D(2020, 5, 2)),
    ]:
        ps.procedure_step_take(actor=admin, procedure=procedure, step_code=step_code, today=day)
    region.refresh_from_db()
    assert region.exit_year == 2020
    assert Procedure.objects.get(pk=procedure.pk).status == "completed"
    assert ProcedureStep.objects.filter(procedure=procedure).count() == 9


def test_a_province_may_forbid_exit_in_the_year_of_identification(world):
    from assessment.models import PolicyStandard

    PolicyStandard.objects.create(
        key="new_household_can_exit_same_year", scope_code="43", value=0, evidence="V2",
        source="测试：当年识别当年不退出",
    )  # fmt: skip
    household = world.counties["a"].households[0]  # identified 2014
    with pytest.raises(BusinessRuleError) as caught:
        ps.procedure_start(
            actor=users(world)[Role.VILLAGE_TEAM],
            kind=ProcedureKind.HOUSEHOLD_EXIT,
            year=2014,
            household=household,
        )
    assert caught.value.code == "new_household_exit"
    assert caught.value.message == "当年新识别贫困户当年不能退出（2014 年识别）"
    start_exit(world, household)  # 2019 is fine


def test_risk_elimination_needs_six_months_of_monitoring(world):
    from django.utils import timezone

    household = world.counties["a"].households[0]
    recent = timezone.localdate() - datetime.timedelta(days=60)
    hs.household_status_change(
        actor=None, household=household, to_status="monitored", year=recent.year,
        changed_on=recent,
    )  # fmt: skip
    with pytest.raises(BusinessRuleError) as caught:
        ps.procedure_start(
            actor=users(world)[Role.VILLAGE_TEAM],
            kind=ProcedureKind.RISK_ELIMINATION,
            year=recent.year,
            household=household,
        )
    assert caught.value.code == "monitored_too_short"
