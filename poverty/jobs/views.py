"""Job pages: status, an htmx progress fragment, and the download of the result file.

A job is visible to the user who started it, within the user's region (JobRun.region_code
through poverty.scoping); anyone else gets 404, whatever the job's region. Other features
reuse these pages: a kind-specific part is included from ``jobs/_result_<kind>.html``.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.views.generic import View

from poverty.access_log import access_log_write
from poverty.jobs.cleanup import job_expires_at, job_is_expired
from poverty.jobs.models import JobRun
from poverty.models import AccessEvent
from poverty.roles import Role
from poverty.scoping import user_role
from poverty.views_base import ScopedViewMixin

__all__ = ["JobDetailView", "JobDownloadView", "JobProgressView", "jobs_for"]


def jobs_for(user):
    """The jobs the user may follow: their own (every job, for the administrator)."""
    queryset = JobRun.objects.select_related("created_by")
    if user_role(user) != Role.ADMIN:
        queryset = queryset.filter(created_by=user)
    return queryset


class _JobView(ScopedViewMixin, View):
    scope_model = JobRun
    scope_action = "view"

    def job(self, pk: int) -> JobRun:
        return self.get_scoped_object(queryset=jobs_for(self.request.user), pk=pk)

    def context(self, job: JobRun) -> dict:
        result_template = None
        try:
            result_template = select_template([f"jobs/_result_{job.kind}.html"]).template.name
        except TemplateDoesNotExist:
            pass
        percent = int(100 * job.progress_done / job.progress_total) if job.progress_total else 0
        return {
            "job": job,
            "percent": 100 if job.status == "succeeded" else min(percent, 100),
            "expired": job_is_expired(job),
            "expires_at": job_expires_at(job),
            "result": job.result or {},
            "result_template": result_template,
        }


class JobDetailView(_JobView):
    def get(self, request, pk: int):
        job = self.job(pk)
        return render(request, "jobs/job_detail.html", self.context(job))


class JobProgressView(_JobView):
    """The fragment htmx polls every second until the job is finished."""

    def get(self, request, pk: int):
        job = self.job(pk)
        return render(request, "jobs/_progress.html", self.context(job))


class JobDownloadView(_JobView):
    def get(self, request, pk: int):
        job = self.job(pk)
        if job_is_expired(job):
            return render(request, "jobs/expired.html", self.context(job), status=410)
        if not job.result_file:
            raise Http404
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        filename = (job.result or {}).get("filename") or job.result_file.name.rsplit("/", 1)[-1]
        access_log_write(
            AccessEvent.DOWNLOAD, request=request, user=request.user, job=job.pk,
            kind=job.kind, filename=filename, region_code=job.region_code,
        )  # fmt: skip
        return FileResponse(handle, as_attachment=True, filename=filename)
