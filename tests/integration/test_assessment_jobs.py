"""A real worker recomputes: a changed income shows in the household's verdict and in its
village's statistics, through the same job, the change scan and the broker as in production."""

import pytest

from assessment.models import HouseholdReadiness, RegionStatistic
from assessment.services import recompute_request
from assessment.tasks import assessment_changes_task
from poverty.jobs.models import JobRun, JobStatus
from tests.assessment.scenario import build_scenario, income
from tests.integration.conftest import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def test_a_changed_income_updates_the_verdict_and_the_village_statistics(celery_queue):
    # given a registry and a first recomputation of county a by the worker
    scenario = build_scenario()
    village = scenario.county.villages[0].code
    job, created = recompute_request(region_code="431202000000", queue=celery_queue)
    assert created

    def finished():
        job.refresh_from_db()
        return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    wait_for(finished, timeout=120, message="the recompute job did not finish: var/worker-*.log")
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress_done == job.progress_total == 6
    verdict = HouseholdReadiness.objects.get(household=scenario.h2, year=2019)
    assert [r.code for r in verdict.reason_list()] == ["income_not_above_line"]
    assert RegionStatistic.objects.get(region_code=village, year=2019).ready_households == 0

    # when the income is corrected through the service and the change scan runs
    income(scenario.h2, 2019, 9657)  # 3,219 per person: above the 2019 line of 3,218
    assessment_changes_task.apply_async(queue=celery_queue)

    # then the verdict and the village's figures follow
    wait_for(
        lambda: HouseholdReadiness.objects.get(household=scenario.h2, year=2019).eligible,
        timeout=120,
        message="the change scan did not recompute the household",
    )
    statistic = RegionStatistic.objects.get(region_code=village, year=2019)
    assert statistic.ready_households == 1
    assert JobRun.objects.filter(kind="assessment_changes", status=JobStatus.SUCCEEDED).exists()
