"""Procedure pages: thin views over assessment.procedure_selectors (reads, scoped) and
assessment.procedure_services (writes). Every view declares ``scope_model`` for the URL walk.

The detail page shows the step timeline and, to the user whose role owns the next step, the
form to take it; the forms post with htmx and get the panel back (or a redirect without htmx).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from assessment import procedure_services as services
from assessment.models import HouseholdYearLock, Procedure, ProcedureObjection, ProcedureStep
from assessment.procedure_forms import (
    ObjectionForm,
    ProcedureStartForm,
    ReopenForm,
    ResolveForm,
    StepForm,
)
from assessment.procedure_ledgers import notice_list_xlsx
from assessment.procedure_selectors import (
    adjustment_list,
    notice_list,
    notice_region,
    procedure_detail,
    procedure_get_for_user,
    procedure_list,
)
from assessment.procedures import PROCEDURES, ProcedureKind, ProcedureStatus
from households.models import HouseholdStatusChange
from households.selectors import household_get_for_user
from poverty.exceptions import BusinessRuleError
from poverty.scoping import get_for_user, user_role
from poverty.views_base import ScopedViewMixin
from villages.models import Region

__all__ = [
    "AdjustmentListView",
    "LockReopenView",
    "NoticeExcelView",
    "NoticeListView",
    "ObjectionCreateView",
    "ObjectionResolveView",
    "ProcedureDetailView",
    "ProcedureListView",
    "ProcedureStartView",
    "StepEvidenceView",
    "StepTakeView",
]

MSG_STEP_DONE = _("已办理：%(step)s")
MSG_STARTED = _("已发起程序：%(procedure)s")
MSG_OBJECTION_SAVED = _("已登记公示异议")
MSG_OBJECTION_RESOLVED = _("已记录异议处理结果")
MSG_REOPENED = _("已解锁该户 %(year)s 年度数据")
MSG_RELOCKED = _("已重新锁定该户 %(year)s 年度数据")
PER_PAGE = 50
NOTICE_LEVELS = ("village", "township", "county")


def _int(value, default=None, *, low: int = 1, high: int = 2**63 - 1):
    """A whole number within the column's range, else ``default`` (never a database error)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def _year(value, default=None):
    return _int(value, default, low=2013, high=2035)


class ProcedureListView(ScopedViewMixin, TemplateView):
    """Procedures in the user's region, filtered by kind, status, year and region code."""

    scope_model = Procedure
    template_name = "assessment/procedure_list.html"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        params = self.request.GET
        queryset = procedure_list(
            self.request.user,
            kind=params.get("kind", ""),
            status=params.get("status", ""),
            year=_year(params.get("year")),
            region=params.get("region", ""),
            household=_int(params.get("household")),
        )
        page = Paginator(queryset, PER_PAGE).get_page(params.get("page"))
        context.update(
            page_obj=page,
            kinds=ProcedureKind.choices,
            statuses=ProcedureStatus.choices,
            params=params,
        )
        return context


class ProcedureStartView(ScopedViewMixin, TemplateView):
    """Start a procedure for a household (``?household=<id>``) or a region (``?region=<code>``).

    Only the kinds whose first step the user's role owns are offered.
    """

    scope_model = Procedure
    template_name = "assessment/procedure_start.html"

    def _subject(self):
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        user = self.request.user
        if params.get("household"):
            household = household_get_for_user(user, params["household"])
            return household, None, "household"
        if params.get("region"):
            region = get_for_user(user, Region.objects.all(), "view", code=params["region"])
            if region.level not in ("village", "county"):
                raise Http404
            return None, region, region.level
        raise Http404

    def _kinds(self, subject: str) -> list[str]:
        role = user_role(self.request.user)
        return [
            kind
            for kind, definition in PROCEDURES.items()
            if definition.subject == subject and definition.steps[0].role == role
        ]

    def get(self, request, *args, **kwargs):
        household, region, subject = self._subject()
        form = ProcedureStartForm(
            kinds=self._kinds(subject), initial={"year": timezone.localdate().year}
        )
        return self.render_to_response(
            self.get_context_data(form=form, household=household, region=region)
        )

    def post(self, request, *args, **kwargs):
        household, region, subject = self._subject()
        form = ProcedureStartForm(request.POST, kinds=self._kinds(subject))
        if form.is_valid():
            try:
                procedure = services.procedure_start(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    year=form.cleaned_data["year"],
                    household=household,
                    region=region,
                    note=form.cleaned_data["note"],
                )
            except BusinessRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, MSG_STARTED % {"procedure": procedure})
                return redirect("assessment:procedure-detail", pk=procedure.pk)
        return self.render_to_response(
            self.get_context_data(form=form, household=household, region=region)
        )


class _ProcedurePanelMixin(ScopedViewMixin):
    """Renders the detail page, or only its panel for an htmx request."""

    scope_model = Procedure

    def panel_response(self, procedure: Procedure, **extra):
        procedure.refresh_from_db()
        context = {
            "view": self,
            "detail": procedure_detail(self.request.user, procedure),
            "step_form": extra.pop("step_form", None) or StepForm(),
            "objection_form": extra.pop("objection_form", None) or ObjectionForm(),
            "reopen_form": ReopenForm(),
            **extra,
        }
        context["step_form"].initial.setdefault(
            "step", context["detail"].next.code if context["detail"].next else ""
        )
        from django.template.response import TemplateResponse

        template = (
            "assessment/_procedure_panel.html"
            if self.request.headers.get("HX-Request")
            else "assessment/procedure_detail.html"
        )
        return TemplateResponse(self.request, template, context)


class ProcedureDetailView(_ProcedurePanelMixin, View):
    """One procedure: subject, timeline of steps (who, when, evidence, note), objections."""

    def get(self, request, pk):
        return self.panel_response(procedure_get_for_user(request.user, pk))


class StepTakeView(_ProcedurePanelMixin, View):
    """POST the next step (multipart: the evidence file)."""

    def post(self, request, pk):
        procedure = procedure_get_for_user(request.user, pk)
        form = StepForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                step = services.procedure_step_take(
                    actor=request.user,
                    procedure=procedure,
                    step_code=form.cleaned_data["step"],
                    note=form.cleaned_data["note"],
                    acted_on=form.cleaned_data["acted_on"],
                    notice_start=form.cleaned_data["notice_start"],
                    evidence=form.cleaned_data["evidence"],
                )
            except BusinessRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, MSG_STEP_DONE % {"step": step.label})
                if not request.headers.get("HX-Request"):
                    return redirect("assessment:procedure-detail", pk=procedure.pk)
                return self.panel_response(procedure, done=step)
        return self.panel_response(procedure, step_form=form)


class ObjectionCreateView(_ProcedurePanelMixin, View):
    """Record an objection raised during the notice."""

    def post(self, request, pk):
        procedure = procedure_get_for_user(request.user, pk)
        form = ObjectionForm(request.POST)
        if form.is_valid():
            try:
                services.objection_record(
                    actor=request.user,
                    procedure=procedure,
                    content=form.cleaned_data["content"],
                    objector=form.cleaned_data["objector"],
                    raised_on=form.cleaned_data["raised_on"],
                )
            except BusinessRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, MSG_OBJECTION_SAVED)
                if not request.headers.get("HX-Request"):
                    return redirect("assessment:procedure-detail", pk=procedure.pk)
                return self.panel_response(procedure)
        return self.panel_response(procedure, objection_form=form)


class ObjectionResolveView(_ProcedurePanelMixin, View):
    """Record how an objection was handled."""

    scope_model = ProcedureObjection

    def post(self, request, pk):
        objection = self.get_scoped_object(
            ProcedureObjection.objects.select_related("procedure"), pk=pk
        )
        form = ResolveForm(request.POST)
        error = None
        if form.is_valid():
            try:
                services.objection_resolve(
                    actor=request.user,
                    objection=objection,
                    resolution=form.cleaned_data["resolution"],
                )
            except BusinessRuleError as exc:
                error = exc.message
            else:
                messages.success(request, MSG_OBJECTION_RESOLVED)
        else:
            error = next(iter(form.errors.values()))[0]
        if error:
            messages.error(request, error)
        if not request.headers.get("HX-Request"):
            return redirect("assessment:procedure-detail", pk=objection.procedure_id)
        return self.panel_response(objection.procedure)


class LockReopenView(_ProcedurePanelMixin, View):
    """The county office reopens (with a reason) or locks again a household's exit year."""

    scope_model = HouseholdYearLock

    def post(self, request, pk):
        lock = self.get_scoped_object(HouseholdYearLock.objects.select_related("procedure"), pk=pk)
        try:
            if request.POST.get("action") == "relock":
                services.exit_year_relock(actor=request.user, lock=lock)
                messages.success(request, MSG_RELOCKED % {"year": lock.year})
            else:
                form = ReopenForm(request.POST)
                reason = form.data.get("reason", "")
                services.exit_year_reopen(actor=request.user, lock=lock, reason=reason)
                messages.success(request, MSG_REOPENED % {"year": lock.year})
        except BusinessRuleError as exc:
            messages.error(request, exc.message)
        if not request.headers.get("HX-Request"):
            return redirect("assessment:procedure-detail", pk=lock.procedure_id)
        return self.panel_response(lock.procedure)


class StepEvidenceView(ScopedViewMixin, View):
    """A step's attachment, served only to users who may read the procedure."""

    scope_model = ProcedureStep

    def get(self, request, pk):
        step = self.get_scoped_object(pk=pk)
        if not step.evidence:
            raise Http404
        filename = step.evidence_name or step.evidence.name.rsplit("/", 1)[-1]
        return FileResponse(step.evidence.open("rb"), filename=filename)


def _notice_context(request) -> dict:
    region = notice_region(request.user, request.GET.get("region"), NOTICE_LEVELS)
    kind = request.GET.get("kind") or ProcedureKind.HOUSEHOLD_EXIT
    if kind not in ProcedureKind.values:
        raise Http404
    year = _year(request.GET.get("year"), timezone.localdate().year)
    rows = notice_list(request.user, region, kind=kind, year=year)
    starts = [r.notice_start for r in rows if r.notice_start]
    ends = [r.notice_end for r in rows if r.notice_end]
    label = ProcedureKind(kind).label
    title = _("%(region)s%(year)s年度%(kind)s公示名单") % {
        "region": region.name,
        "year": year,
        "kind": label,
    }
    return {
        "region": region,
        "kind": kind,
        "kind_label": label,
        "kinds": ProcedureKind.choices,
        "year": year,
        "rows": rows,
        "title": title,
        "notice_from": min(starts) if starts else None,
        "notice_to": max(ends) if ends else None,
        "printed_on": timezone.localdate(),
    }


class NoticeListView(ScopedViewMixin, TemplateView):
    """公示名单 of a village or township, A4 print view; ID numbers masked for everyone."""

    scope_model = Procedure
    template_name = "assessment/notice_print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_notice_context(self.request))
        return context


class NoticeExcelView(ScopedViewMixin, View):
    """The same list as an Excel file."""

    scope_model = Procedure

    def get(self, request):
        context = _notice_context(request)
        frm, to = context["notice_from"], context["notice_to"]
        subtitle = str(_("公示期：%(start)s 至 %(end)s　制表日期：%(today)s")) % {
            "start": frm.isoformat() if frm else "—",
            "end": to.isoformat() if to else "—",
            "today": context["printed_on"].isoformat(),
        }
        content = notice_list_xlsx(context["rows"], title=str(context["title"]), subtitle=subtitle)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"notice-{context['region'].code}-{context['year']}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AdjustmentListView(ScopedViewMixin, TemplateView):
    """动态调整: a county's additions, exits, returns and monitoring entries of a year."""

    scope_model = HouseholdStatusChange
    template_name = "assessment/adjustment_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        code = self.request.GET.get("county")
        if not code:
            from poverty.scoping import user_profile

            profile = user_profile(self.request.user)
            own = profile.region_code if profile is not None else ""
            code = own[:6] + "000000" if len(own) == 12 else ""
        county = notice_region(self.request.user, code, ("county",))
        year = _year(self.request.GET.get("year"), timezone.localdate().year)
        groups = adjustment_list(self.request.user, county, year)
        context.update(
            county=county,
            year=year,
            groups=groups,
            total=sum(len(rows) for _s, _l, rows in groups),
            years=list(range(timezone.localdate().year, 2013, -1)),
        )
        return context
