"""Ledger and job pages through the client: downloads, jobs, scope (404), logging, expiry."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from households.models import Household
from poverty.jobs.cleanup import job_files_expire
from poverty.jobs.models import JobRun, JobStatus
from poverty.models import AccessEvent, AccessLog
from poverty.roles import Role
from tests.ledgers.conftest import data_rows, open_book

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def login(client, world, role=Role.COUNTY_OFFICE, key="a"):
    user = world.counties[key].users[role]
    client.force_login(user)
    return user


def test_index_lists_the_ledgers(client, world):
    login(client, world)
    page = client.get(reverse("ledgers:index")).content.decode()
    assert "贫困户花名册" in page and "结对帮扶台账" in page and "数据导入" in page


def test_small_export_downloads_at_once_and_is_logged(client, world):
    user = login(client, world, Role.INSPECTOR)
    response = client.get(reverse("ledgers:export", args=["households_roster"]), {"year": 2019})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = open_book(body(response))
    assert len(data_rows(book.active)) == 6
    log = AccessLog.objects.get(event=AccessEvent.EXPORT, user=user)
    assert log.detail["ledger"] == "households_roster" and log.detail["rows"] == 6


def test_region_of_another_county_is_refused(client, world):
    login(client, world)
    response = client.get(
        reverse("ledgers:export", args=["households_roster"]), {"region": world.counties["b"].code}
    )
    assert (
        response.status_code == 302
        and not AccessLog.objects.filter(event=AccessEvent.EXPORT).exists()
    )


def test_roles_without_export_get_404(client, world):
    login(client, world, Role.CADRE)
    assert client.get(reverse("ledgers:index")).status_code == 404
    assert client.get(reverse("ledgers:export", args=["households_roster"])).status_code == 404


def test_household_file_download_and_404_for_the_other_county(client, world):
    login(client, world)
    own = world.counties["a"].households[0]
    response = client.get(reverse("ledgers:household_file", args=[own.pk]))
    assert open_book(body(response)).sheetnames[0] == "基本情况"
    other = world.counties["b"].households[0]
    assert client.get(reverse("ledgers:household_file", args=[other.pk])).status_code == 404


def test_large_export_asks_then_starts_one_job(client, world, settings, monkeypatch):
    settings.LEDGER_SYNC_MAX_ROWS = 2
    sent = []
    monkeypatch.setattr("poverty.ledgers.tasks.ledger_export_task.delay", sent.append)
    login(client, world)
    url = reverse("ledgers:export", args=["households_roster"])
    confirm = client.get(url, {"year": 2019})
    assert confirm.status_code == 200 and "后台生成" in confirm.content.decode()
    with _on_commit_now(monkeypatch):
        first = client.post(url, {"year": 2019})
        second = client.post(url, {"year": 2019})
    job = JobRun.objects.get()
    assert first["Location"] == second["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (
        job.region_code == world.counties["a"].code
        and job.result["params"]["kind"] == "households_roster"
    )
    assert sent == [job.pk]  # enqueued once


class _on_commit_now:
    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def __enter__(self):
        self.monkeypatch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())

    def __exit__(self, *exc):
        return False


def finished_job(user, region_code, *, content=b"x", finished=None, kind="ledger_export"):
    job = JobRun.objects.create(kind=kind, subject=f"t{JobRun.objects.count()}", region_code=region_code,
                                created_by=user, status=JobStatus.SUCCEEDED,
                                finished=finished or timezone.now(),
                                result={"filename": "花名册.xlsx", "params": {"label": "贫困户花名册"}})  # fmt: skip
    job.result_file.save("roster.xlsx", ContentFile(content))
    return job


def test_job_pages_and_download_are_the_owners_only(client, world, media):
    user_a = world.counties["a"].users[Role.COUNTY_OFFICE]
    user_b = world.counties["b"].users[Role.COUNTY_OFFICE]
    job_b = finished_job(user_b, world.counties["b"].code)
    job_a = finished_job(user_a, world.counties["a"].code, content=b"ledger")
    township_a = world.counties["a"].users[Role.TOWNSHIP_OFFICE]
    login(client, world)
    for name in ("jobs:detail", "jobs:progress", "jobs:download"):
        assert client.get(reverse(name, args=[job_b.pk])).status_code == 404
    page = client.get(reverse("jobs:detail", args=[job_a.pk])).content.decode()
    assert "下载" in page and "100%" in page
    response = client.get(reverse("jobs:download", args=[job_a.pk]))
    assert body(response) == b"ledger" and "filename*=utf-8''" in response["Content-Disposition"]
    log = AccessLog.objects.get(event=AccessEvent.DOWNLOAD)
    assert log.user == user_a and log.detail["job"] == job_a.pk
    client.force_login(township_a)  # same county, another user: not theirs
    assert client.get(reverse("jobs:download", args=[job_a.pk])).status_code == 404


def test_expired_files_are_deleted_and_answer_410(client, world, media, settings):
    user = login(client, world)
    old = finished_job(
        user,
        world.counties["a"].code,
        finished=timezone.now() - datetime.timedelta(hours=settings.LEDGER_FILE_EXPIRY_HOURS + 1),
    )
    fresh = finished_job(user, world.counties["a"].code)
    path = old.result_file.path
    assert job_files_expire() == 1
    old.refresh_from_db()
    assert not old.result_file and old.result["expired"] and not __import__("os").path.exists(path)
    assert client.get(reverse("jobs:download", args=[old.pk])).status_code == 410
    assert client.get(reverse("jobs:download", args=[fresh.pk])).status_code == 200


def _upload(world, *, bad=False):
    from tests.ledgers.test_imports import good_file

    data = good_file(world)
    if bad:
        book = openpyxl.load_workbook(data)
        book["户信息"]["C4"] = "不知道"
        data = io.BytesIO()
        book.save(data)
    data.seek(0)
    data.name = "村上报.xlsx"
    return data


def test_upload_check_preview_apply_through_the_pages(client, world, media):
    login(client, world)
    response = client.post(reverse("ledgers:import"), {"file": _upload(world)})
    check = JobRun.objects.get(kind="ledger_import_check")
    assert response["Location"] == reverse("jobs:detail", args=[check.pk])
    page = client.get(response["Location"]).content.decode()
    assert "检查通过" in page and "确认导入" in page
    assert not Household.objects.filter(household_number="4312020990001").exists()
    applied = client.post(reverse("ledgers:import_apply", args=[check.pk]))
    apply_job = JobRun.objects.get(kind="ledger_import_apply")
    assert applied["Location"] == reverse("jobs:detail", args=[apply_job.pk])
    assert apply_job.status == JobStatus.SUCCEEDED and apply_job.result["applied"]
    assert Household.objects.filter(household_number="4312020990001").exists()


def test_upload_with_problems_gives_an_error_workbook(client, world, media):
    login(client, world)
    client.post(reverse("ledgers:import"), {"file": _upload(world, bad=True)})
    check = JobRun.objects.get(kind="ledger_import_check")
    assert check.status == JobStatus.FAILED and check.result["problem_count"] == 1
    page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
    assert "贫困户属性" in page and "确认导入" not in page
    book = open_book(body(client.get(reverse("jobs:download", args=[check.pk]))))
    assert "第 4 行 贫困户属性" in book["户信息"]["J2"].value
    assert client.post(reverse("ledgers:import_apply", args=[check.pk])).status_code == 404


def test_non_xlsx_upload_is_refused_on_the_page(client, world, media):
    login(client, world)
    upload = io.BytesIO(b"a,b\n1,2")
    upload.name = "data.csv"
    response = client.post(reverse("ledgers:import"), {"file": upload}, follow=True)
    assert "只接受 .xlsx" in response.content.decode() and not JobRun.objects.exists()


def test_import_pages_need_the_import_action(client, world):
    login(client, world, Role.INSPECTOR)
    assert client.get(reverse("ledgers:import")).status_code == 404
    assert client.get(reverse("ledgers:template", args=["households"])).status_code == 404


def test_template_download(client, world):
    login(client, world)
    book = open_book(body(client.get(reverse("ledgers:template", args=["incomes"]))))
    assert "年度收入" in book.sheetnames
