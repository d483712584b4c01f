"""Ledger pages: choose and export a ledger, download 一户一档 and templates, upload an import.

Thin: parse, call poverty.ledgers.services / imports, render. Exports up to
LEDGER_SYNC_MAX_ROWS rows are written in the request and downloaded at once; larger ones
ask for confirmation (POST) and run as a job whose page shows progress and the download.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View

from households.ledgers.template import TEMPLATES, template_write
from households.models import Household
from poverty.exceptions import BusinessRuleError
from poverty.jobs.models import JobRun
from poverty.jobs.views import jobs_for
from poverty.ledgers.base import LedgerKind, ledger_kind_get, ledger_kinds
from poverty.ledgers.imports import (
    IMPORT_CHECK_KIND,
    IMPORT_KINDS,
    ledger_import_apply_start,
    ledger_import_check_start,
)
from poverty.ledgers.services import (
    ledger_default_year,
    ledger_export_enqueue,
    ledger_export_log,
    ledger_params_for,
    ledger_write,
)
from poverty.scoping import user_can, user_profile
from poverty.views_base import ScopedViewMixin
from poverty.xlsx import FileRejected

__all__ = [
    "HouseholdFileView",
    "ImportApplyView",
    "ImportUploadView",
    "LedgerExportView",
    "LedgerIndexView",
    "TemplateDownloadView",
]

FILTER_KEYS = (
    "status",
    "attribute",
    "main_cause",
    "identified_year",
    "exit_year",
    "gap",
    "q",
    "cadre",
)


def _filters(query) -> dict:
    return {k: (query.getlist(k) if k in ("status", "attribute", "main_cause", "gap") else query.get(k))
            for k in FILTER_KEYS if query.get(k)}  # fmt: skip


def _send(kind: LedgerKind, params, request) -> FileResponse:
    """Write the ledger into a temporary file and send it; log the export."""
    handle = tempfile.TemporaryFile()
    plan, rows = ledger_write(kind, params, handle)
    handle.seek(0)
    ledger_export_log(request.user, kind, params, rows, request=request)
    return FileResponse(handle, as_attachment=True, filename=plan.filename)


class LedgerIndexView(ScopedViewMixin, View):
    scope_model = Household
    scope_action = "export"

    def get(self, request):
        profile = user_profile(request.user)
        return render(request, "ledgers/index.html", {
            "kinds": [k for k in ledger_kinds() if not k.per_household],
            "region": request.GET.get("region") or (profile.region_code if profile else ""),
            "year": request.GET.get("year") or ledger_default_year(request.user),
            "can_import": user_can(request.user, "import"),
            "templates": TEMPLATES,
            "recent": jobs_for(request.user).order_by("-created")[:10],
        })  # fmt: skip


class LedgerExportView(ScopedViewMixin, View):
    """GET: the file (small) or a confirmation (large); POST: start the export job."""

    scope_model = Household
    scope_action = "export"

    def _prepare(self, request, kind_key: str, query):
        kind = ledger_kind_get(kind_key)
        if kind is None or kind.per_household:
            raise Http404
        params = ledger_params_for(
            request.user, region=query.get("region", ""), year=query.get("year"),
            filters=_filters(query),
        )  # fmt: skip
        return kind, params

    def get(self, request, kind: str):
        try:
            ledger, params = self._prepare(request, kind, request.GET)
            total = ledger.count(params)
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
            return redirect("ledgers:index")
        if total <= settings.LEDGER_SYNC_MAX_ROWS:
            return _send(ledger, params, request)
        return render(request, "ledgers/confirm.html", {
            "kind": ledger, "params": params, "total": total, "query": request.GET.urlencode(),
        })  # fmt: skip

    def post(self, request, kind: str):
        try:
            ledger, params = self._prepare(request, kind, request.POST)
        except BusinessRuleError as exc:
            messages.error(request, str(exc))
            return redirect("ledgers:index")
        job, _created = ledger_export_enqueue(ledger, params)
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))


class HouseholdFileView(ScopedViewMixin, View):
    """一户一档 of one household the user may export (404 otherwise)."""

    scope_model = Household
    scope_action = "export"

    def get(self, request, pk: int):
        household = self.get_scoped_object(pk=pk)
        kind = ledger_kind_get("household_file")
        try:
            params = ledger_params_for(
                request.user, region=household.village_id, year=request.GET.get("year"),
                household_id=household.pk,
            )  # fmt: skip
        except BusinessRuleError as exc:
            raise Http404 from exc
        return _send(kind, params, request)


class TemplateDownloadView(ScopedViewMixin, View):
    scope_model = Household
    scope_action = "import"

    def get(self, request, key: str):
        if key not in TEMPLATES:
            raise Http404
        profile = user_profile(request.user)
        village = (
            Household.objects.filter(
                village__code__startswith=(profile.region_code[:6] if profile else "")
            )
            .values_list("village_id", flat=True)
            .first()
        ) or "620502100201"
        handle = tempfile.TemporaryFile()
        filename = template_write(key, handle, village_code=village)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=filename)


class ImportUploadView(ScopedViewMixin, View):
    scope_model = Household
    scope_action = "import"

    def get(self, request):
        return render(request, "ledgers/import.html", {
            "templates": TEMPLATES, "max_mb": settings.LEDGER_IMPORT_MAX_BYTES // 1048576,
            "kinds": IMPORT_KINDS, "kind": request.GET.get("kind", "households"),
        })  # fmt: skip

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的 .xlsx 文件"))
            return redirect("ledgers:import")
        try:
            job = ledger_import_check_start(
                request.user, upload, kind=request.POST.get("kind", "households")
            )
        except FileRejected as exc:
            messages.error(request, str(exc))
            return redirect("ledgers:import")
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))


class ImportApplyView(ScopedViewMixin, View):
    """Apply the upload of a passed check (POST only); the check must be the user's own."""

    scope_model = JobRun
    scope_action = "import"

    def post(self, request, pk: int):
        check = self.get_scoped_object(queryset=jobs_for(request.user), pk=pk)
        if check.kind != IMPORT_CHECK_KIND or not (check.result or {}).get("ok"):
            raise Http404
        job = ledger_import_apply_start(request.user, check)
        return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
