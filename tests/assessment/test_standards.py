"""The seeded standards table (DOMAIN.md §6.0, §7, §8, §10), writes through the services and the
admin (stricter only, history, recomputation after the commit), and the job runner."""

from decimal import Decimal as D

import pytest

from assessment.models import ChecklistItem, PolicyStandard
from assessment.selectors import standard_set_load, standard_value
from assessment.services import (
    RECOMPUTE_KIND,
    checklist_item_problems,
    recompute_request,
    recompute_run,
    standard_problems,
    standard_save,
)
from poverty.audit.models import ChangeRecord
from poverty.exceptions import BusinessRuleError
from poverty.jobs.models import JobRun, JobStatus
from tests.access import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "code", "year", "value", "evidence"),
    [
        ("poverty_line", "620502100201", 2019, D("3218"), "V2"),
        ("poverty_line", "620502100201", 2016, D("2952"), "U"),
        ("poverty_line", "370102000000", 2014, D("3322"), "V2"),  # 山东's own line
        ("poverty_line", "620502100201", 2020, D("4000"), "V"),
        ("monitoring_line", "520102000000", 2023, D("7300"), "V2"),  # 贵州
        ("monitoring_line", "620502000000", 2023, D("7100"), "U"),  # national reference
        ("new_household_can_exit_same_year", "610102001001", 2019, D("0"), "V2"),  # 陕西
        ("new_household_can_exit_same_year", "620502100201", 2019, D("1"), "U"),
        ("follow_up_year_before_removal", "450102000000", 2019, D("1"), "V2"),  # 广西
        ("first_secretary_days_min", "220302000000", 2019, D("200"), "F"),  # 四平
        ("notice_days.household_exit", "431202100201", 2019, D("7"), "V2"),
        ("notice_days.county_exit", "620000000000", 2020, D("5"), "V"),
        ("notice_days.village_exit", "620000000000", 2020, D("7"), "U"),
        ("county_approval_min", "620000000000", 2019, D("0.9"), "V2"),
    ],
)
def test_seeded_values_resolve_by_place_and_year(key, code, year, value, evidence):
    row = standard_value(key, code, year)
    assert (row.value, row.evidence) == (value, evidence)
    assert row.unconfirmed is (evidence == "U")
    assert row.source


@pytest.mark.parametrize(("rc", "value"), [("west", D("0.03")), ("central", D("0.02"))])
def test_seeded_incidence_thresholds_by_region_class(rc, value):
    assert standard_value("village_exit_incidence_max", "620502100201", 2019, rc).value == value


def test_every_seeded_row_is_consistent_with_the_others():
    problems = {s.pk: standard_problems(s) for s in PolicyStandard.objects.all()}
    assert {pk: p for pk, p in problems.items() if p} == {}
    problems = {c.pk: checklist_item_problems(c) for c in ChecklistItem.objects.all()}
    assert {pk: p for pk, p in problems.items() if p} == {}


def test_sichuan_checklists_are_seeded():
    view = standard_set_load().view("511725109201", 2019, "west")
    assert [i.indicator for i in view.checklist("household")] == [
        "安全饮用水·水量",
        "安全饮用水·取水往返时间",
        "安全饮用水·供水保证率",
        "安全饮用水·水质达标",
        "有生活用电",
        "有广播电视",
    ]
    assert len(view.checklist("village")) == 6
    assert standard_set_load().view("620502100201", 2019, "west").checklist("household") == ()


def test_a_province_may_not_loosen_a_national_standard(django_capture_on_commit_callbacks):
    with pytest.raises(BusinessRuleError) as exc:
        standard_save(
            actor=None,
            standard=None,
            data={
                "key": "notice_days.household_exit",
                "scope_code": "62",
                "value": D("5"),
                "evidence": "V",
                "source": "某省文件",
            },  # fmt: skip
        )
    assert exc.value.message == (
        "地方标准只能比上级更严格，不能放宽：贫困户退出公示天数 5 比全国（7）更宽松"
    )
    assert not PolicyStandard.objects.filter(scope_code="62").exists()


def test_a_stricter_provincial_standard_is_saved_with_history_and_starts_a_recompute(
    django_capture_on_commit_callbacks,
):
    admin = make_user("policy", None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = standard_save(
            actor=admin,
            standard=None,
            data={
                "key": "notice_days.household_exit",
                "scope_code": "62",
                "value": D("10"),
                "evidence": "V",
                "source": "甘肃省文件",
            },  # fmt: skip
        )
    assert standard_value("notice_days.household_exit", "620502100201", 2019).value == D("10")
    record = ChangeRecord.objects.get(object_type="assessment.policystandard", object_id=row.pk)
    assert record.user == admin and record.action == "create"
    job = JobRun.objects.get(kind=RECOMPUTE_KIND)
    assert (job.subject, job.status) == ("all:all", JobStatus.PENDING)
    assert len(callbacks) == 1  # the task is sent only after the commit


def test_the_admin_refuses_a_looser_value_and_records_a_valid_change(client):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x-pass-2026!")
    client.force_login(root)
    national = PolicyStandard.objects.get(key="notice_days.household_exit", scope_code="")
    form = {
        "key": "notice_days.household_exit", "scope_code": "62", "region_class": "",
        "year_from": "", "year_to": "", "value": "6", "measure": "", "evidence": "V",
        "source": "某省文件", "note": "",
    }  # fmt: skip
    response = client.post("/admin/assessment/policystandard/add/", form)
    assert response.status_code == 200
    assert "比全国（7）更宽松" in response.content.decode()

    response = client.post(
        f"/admin/assessment/policystandard/{national.pk}/change/",
        {**form, "scope_code": "", "value": "8", "source": national.source},
    )
    assert response.status_code == 302
    national.refresh_from_db()
    assert national.value == D("8")
    record = ChangeRecord.objects.filter(object_id=national.pk).latest("at")
    assert record.channel == "admin" and record.changes["value"] == ["7.0000", "8"]
    assert JobRun.objects.filter(kind=RECOMPUTE_KIND, subject="all:all").exists()


def test_the_job_runner_records_progress_and_is_idempotent():
    job, created = recompute_request(region_code="620502000000", year=2019)
    assert created
    again, created_again = recompute_request(region_code="620502000000", year=2019)
    assert (again.pk, created_again) == (job.pk, False)  # nothing is enqueued twice

    summary = recompute_run(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == summary
    assert job.message.startswith("已重新计算")
    assert recompute_run(job.pk) is None  # a redelivered message does nothing


def test_the_standards_page_flags_unverified_values(client):
    client.force_login(make_user("clerk", "county_office", "620502000000"))
    response = client.get("/assessment/standards/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "待核实" in body
    assert "DOMAIN.md §8.1 现价标准（未核实）" in body  # the source of each value is shown


def test_the_recompute_task_is_late_acknowledged_and_retried():
    from assessment.tasks import (
        assessment_changes_task,
        assessment_nightly_task,
        assessment_recompute_task,
    )
    from poverty.celery import app

    for task in (assessment_recompute_task, assessment_changes_task, assessment_nightly_task):
        assert task.acks_late
    assert assessment_recompute_task.max_retries == 5 and assessment_recompute_task.autoretry_for
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"assessment.tasks.assessment_changes_task"} <= schedule
    assert {"assessment.tasks.assessment_nightly_task"} <= schedule


def test_the_recompute_command_runs_a_region_and_year(capsys):
    import json

    from django.core.management import call_command

    from tests.assessment.scenario import build_scenario

    build_scenario()
    call_command("recompute_assessments", "--region", "431202", "--year", "2019", verbosity=0)
    summary = json.loads(capsys.readouterr().out)
    # county a has six households; three have figures for 2019
    assert summary["households"] == 6 and summary["household_years"] == 3
    assert summary["statistics"] > 0
