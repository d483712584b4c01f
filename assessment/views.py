"""Assessment pages: thin views over assessment.selectors (reads, scoped) and services (writes).

Every view declares ``scope_model`` (or ``public``), as the URL walk requires.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from assessment import services
from assessment.choices import Evidence
from assessment.forms import (
    RankingConfigForm,
    WhatIfHouseholdForm,
    WhatIfJsonForm,
)
from assessment.models import (
    MonitoringFlag,
    RankingConfig,
)
from assessment.selectors import (
    assessment_overview,
    monitoring_flags_page,
    ranking_page,
    region_summary,
    standards_list,
    whatif_household_initial,
    whatif_run,
)
from assessment.whatif import PayloadError
from households.models import Household
from poverty.exceptions import BusinessRuleError
from poverty.jobs.models import JobRun
from poverty.scoping import region_prefixes, user_can, user_profile
from poverty.views_base import ScopedViewMixin
from villages.models import Region

__all__ = [
    "AssessmentHomeView",
    "JobProgressView",
    "MonitoringListView",
    "RankingView",
    "RecomputeView",
    "RegionAssessmentView",
    "StandardListView",
    "WhatIfView",
]

MSG_RECOMPUTE_STARTED = _("已开始重新计算，进度见下方")
MSG_RECOMPUTE_RUNNING = _("该范围的重新计算已在进行中")
MSG_RANKING_SAVED = _("排名设置已保存，排名将在后台重新计算")
JOB_KINDS = (services.RECOMPUTE_KIND, services.CHANGES_KIND)


def _own_region_code(user) -> str:
    profile = user_profile(user)
    return profile.region_code if profile is not None else ""


class AssessmentHomeView(ScopedViewMixin, TemplateView):
    """Overview: the user's regions with their latest figures and verdicts, and the jobs."""

    scope_model = Region
    scope_action = "summary"
    template_name = "assessment/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            assessment_overview(user),
            job_id=self.request.GET.get("job"),
            may_recompute=user_can(user, "approve"),
        )
        return context


class RegionAssessmentView(ScopedViewMixin, TemplateView):
    """One region: statistics by year, its 出列/摘帽 verdict with reasons, its children."""

    scope_model = Region
    scope_action = "summary"
    template_name = "assessment/region_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = region_summary(self.request.user, kwargs["pk"])
        for verdict in summary["verdicts"]:
            verdict.reason_objects = verdict.reason_list()
        chart = {
            "years": [s.year for s in summary["statistics"]],
            "incidence": [
                None if s.incidence is None else round(float(s.incidence) * 100, 2)
                for s in summary["statistics"]
            ],
            "remaining": [s.remaining_people for s in summary["statistics"]],
        }
        context.update(summary, chart=chart, may_recompute=user_can(self.request.user, "approve"))
        return context


class WhatIfView(ScopedViewMixin, TemplateView):
    """试算: a cadre types or adjusts a household's figures and sees the verdict; nothing saved.

    ``?household=<id>`` fills the form from a household the user may see (its latest year).
    The verdict comes from assessment.selectors.whatif_run, as for the API and the command.
    """

    scope_model = Household
    template_name = "assessment/whatif.html"

    def _initial(self) -> dict:
        household_id = self.request.GET.get("household")
        if household_id:
            found = whatif_household_initial(self.request.user, household_id)
            return {**found["initial"], "_household": found["household"]}
        code = _own_region_code(self.request.user)
        return {"year": 2020, "province": code[:2] if code else "", "region_code": code}

    def get(self, request, *args, **kwargs):
        initial = self._initial()
        household = initial.pop("_household", None)
        context = self.get_context_data(
            form=WhatIfHouseholdForm(initial=initial),
            json_form=WhatIfJsonForm(initial={"payload": _example_payload()}),
            household=household,
        )
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        result = None
        error = None
        form = WhatIfHouseholdForm(prefix=None)
        json_form = WhatIfJsonForm(initial={"payload": _example_payload()})
        if "payload" in request.POST:
            json_form = WhatIfJsonForm(request.POST)
            if json_form.is_valid():
                try:
                    result = whatif_run(json_form.cleaned_data["payload"])
                except PayloadError as exc:
                    error = exc.message
        else:
            form = WhatIfHouseholdForm(request.POST)
            if form.is_valid():
                result = whatif_run({"cases": [form.to_case()]})
        context = self.get_context_data(
            form=form,
            json_form=json_form,
            result=result,
            result_json=json.dumps(result, ensure_ascii=False) if result else "",
            error=error,
        )
        if request.headers.get("HX-Request"):
            return self.response_class(
                request=request, template="assessment/_whatif_result.html", context=context
            )
        return self.render_to_response(context)


def _example_payload() -> str:
    from assessment.api.views import WHATIF_EXAMPLE

    return json.dumps(WHATIF_EXAMPLE, ensure_ascii=False, indent=1)


class StandardListView(LoginRequiredMixin, TemplateView):
    """The policy-standards table and the local checklists, with sources and marks.

    Reference data, the same for everyone (no registry data): declared public, login needed.
    """

    public = True
    template_name = "assessment/standards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(standards_list(), unconfirmed=Evidence.UNVERIFIED)
        return context


class RecomputeView(ScopedViewMixin, View):
    """Start a recomputation of the user's region (county office, administrator)."""

    scope_model = Region
    scope_action = "approve"

    def get(self, request, *args, **kwargs):
        return redirect("assessment:home")

    def post(self, request, *args, **kwargs):
        code = request.POST.get("region") or _own_region_code(request.user)
        prefixes = region_prefixes(request.user, "approve")
        if prefixes is not None and not any(code.startswith(p) for p in prefixes):
            raise Http404
        job, created = services.recompute_request(region_code=code, actor=request.user)
        messages.info(request, MSG_RECOMPUTE_STARTED if created else MSG_RECOMPUTE_RUNNING)
        return redirect(f"{reverse('assessment:home')}?job={job.pk}")


class JobProgressView(ScopedViewMixin, TemplateView):
    """The progress bar of one job (htmx polls it every second while the job is active)."""

    scope_model = JobRun
    template_name = "assessment/_job_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.get_scoped_object(pk=self.request.GET.get("job"))
        percent = 0
        if job.progress_total:
            percent = int(job.progress_done * 100 / job.progress_total)
        elif job.is_terminal:
            percent = 100
        context.update(job=job, percent=percent)
        return context


class RankingView(ScopedViewMixin, TemplateView):
    """Rankings of townships or villages, bottom N highlighted, indicator values shown."""

    scope_model = RankingConfig
    scope_action = "summary"
    template_name = "assessment/rankings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            ranking_page(user, self.request.GET.get("config"), self.request.GET.get("year")),
            form=kwargs.get("form") or RankingConfigForm(),
            may_configure=user_can(user, "approve"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not user_can(request.user, "approve"):
            raise Http404
        form = RankingConfigForm(request.POST)
        if form.is_valid():
            code = _own_region_code(request.user)
            try:
                config = services.ranking_config_save(
                    actor=request.user,
                    config=None,
                    data={
                        "name": form.cleaned_data["name"],
                        "region_code": code,
                        "unit_level": form.cleaned_data["unit_level"],
                        "bottom_n": form.cleaned_data["bottom_n"],
                        "weights": form.weights(),
                    },
                )
            except BusinessRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, MSG_RANKING_SAVED)
                return redirect(f"{reverse('assessment:rankings')}?config={config.pk}")
        return self.render_to_response(self.get_context_data(form=form))


class MonitoringListView(ScopedViewMixin, TemplateView):
    """Exited households flagged for monitoring (防返贫监测预警) in a year, with the reasons."""

    scope_model = MonitoringFlag
    template_name = "assessment/monitoring.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            monitoring_flags_page(
                self.request.user, self.request.GET.get("year"), self.request.GET.get("page")
            )
        )
        return context
