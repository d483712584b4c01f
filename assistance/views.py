"""Visit log and attendance pages: thin views over assistance.selectors and assistance.services.

The visit form is built for a phone on a weak connection: one screen, saved by fetch() with
the page telling plainly when it was *not* saved (static/js/visit.js keeps a local draft),
and a submit token so that a retry after a lost answer never saves the visit twice.
"""

from __future__ import annotations

import math
import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from assistance.filters import VisitFilterSet
from assistance.forms import OverdueForm, StationingForm, VisitForm
from assistance.models import StationingDay, Visit, WorkTeamMember
from assistance.rules import days_since, visit_is_overdue
from assistance.selectors import (
    attendance_members_for_user,
    attendance_rows,
    household_visits,
    visit_get_for_user,
    visit_household_get_for_user,
    visit_households,
    visit_list,
    visits_overdue_by_cadre,
    visits_overdue_by_village,
)
from assistance.services import stationing_check_in, stationing_days_record, visit_record
from assistance.standards import visit_standards
from households.models import Household, Member
from households.selectors import region_cascade
from poverty.exceptions import BusinessRuleError
from poverty.views_base import ScopedViewMixin
from villages.codes import code_prefix

__all__ = [
    "AttendanceRecordView",
    "AttendanceView",
    "CheckInView",
    "MyHouseholdsView",
    "VisitCreateView",
    "VisitDetailView",
    "VisitListView",
    "VisitPhotoView",
    "VisitsOverdueView",
]


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _page(queryset, request, size: int):
    """A page of a queryset: (rows, number, pages, total) in two queries."""
    total = queryset.count()
    pages = max(1, math.ceil(total / size))
    number = min(max(1, _int(request.GET.get("page"), 1)), pages)
    rows = list(queryset[(number - 1) * size : number * size])
    return rows, number, pages, total


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class MyHouseholdsView(ScopedViewMixin, TemplateView):
    """我的走访户: the households the user visits, never visited or longest ago first."""

    scope_model = Household
    template_name = "assistance/my_households.html"
    page_size = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        standards = visit_standards()
        today = timezone.localdate()
        q = (request.GET.get("q") or "").strip()
        overdue_only = request.GET.get("overdue") == "1"
        households = visit_households(
            request.user,
            q=q,
            overdue_days=standards.visit_period_days if overdue_only else None,
            today=today,
        )
        rows, number, pages, total = _page(households, request, self.page_size)
        for household in rows:
            household.days_since = days_since(household.last_visit, today)
            household.overdue = visit_is_overdue(
                household.last_visit, today, standards.visit_period_days
            )
        context.update(
            households=rows,
            page_number=number,
            pages=pages,
            total=total,
            q=q,
            overdue_only=overdue_only,
            period_days=standards.visit_period_days,
        )
        return context


class VisitCreateView(ScopedViewMixin, TemplateView):
    """登记走访: one screen; JSON answers for the page's fetch(), a redirect without script."""

    scope_model = Household
    scope_action = "change"
    template_name = "assistance/visit_form.html"

    def get_household(self) -> Household:
        return visit_household_get_for_user(self.request.user, self.kwargs["pk"])

    def _context(self, household: Household, form: VisitForm, **extra):
        head = (
            Member.objects.filter(household=household, relation="01", is_active=True)
            .values_list("name", flat=True)
            .first()
        )
        return self.get_context_data(
            household=household,
            head_name=head,
            form=form,
            recent_visits=household_visits(self.request.user, household.pk, limit=3),
            **extra,
        )

    def get(self, request, *args, **kwargs):
        household = self.get_household()
        form = VisitForm(initial={"client_token": uuid.uuid4()})
        return self.render_to_response(self._context(household, form))

    def post(self, request, *args, **kwargs):
        household = self.get_household()
        form = VisitForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                visit = visit_record(
                    actor=request.user,
                    household=household,
                    data=form.visit_data(),
                    photo=form.cleaned_data.get("photo"),
                    client_token=form.cleaned_data.get("client_token"),
                )
            except BusinessRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                text = _("已保存走访记录：%(number)s，%(date)s") % {
                    "number": household.household_number,
                    "date": visit.visited_on.isoformat(),
                }
                messages.success(request, text)
                url = reverse("assistance:my_households")
                if _wants_json(request):
                    return JsonResponse(
                        {"ok": True, "id": visit.pk, "message": text, "redirect": url}
                    )
                return redirect(url)
        if _wants_json(request):
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        response = self.render_to_response(self._context(household, form))
        response.status_code = 400
        return response


class VisitListView(ScopedViewMixin, TemplateView):
    """走访台账: every visit in the user's scope, filtered (VisitFilterSet), newest first."""

    scope_model = Visit
    template_name = "assistance/visit_list.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        filterset = VisitFilterSet(request.GET or None, queryset=visit_list(request.user))
        rows, number, pages, total = _page(filterset.qs, request, self.page_size)
        context.update(
            filterset=filterset,
            visits=rows,
            page_number=number,
            pages=pages,
            total=total,
            cascade=region_cascade(request.user, request.GET.get("region", "")),
        )
        return context


class VisitDetailView(ScopedViewMixin, TemplateView):
    scope_model = Visit
    template_name = "assistance/visit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["visit"] = visit_get_for_user(self.request.user, kwargs["pk"])
        return context


class VisitPhotoView(ScopedViewMixin, TemplateView):
    """The visit's photo, served only to users who may read the visit (never a public URL)."""

    scope_model = Visit

    def get(self, request, *args, **kwargs):
        visit = visit_get_for_user(request.user, kwargs["pk"])
        if not visit.photo:
            raise Http404
        response = FileResponse(visit.photo.open("rb"))
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class VisitsOverdueView(ScopedViewMixin, TemplateView):
    """超期未走访: per village or per cadre, households not visited within the period."""

    scope_model = Household
    template_name = "assistance/visits_overdue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        form = OverdueForm(request.GET or None)
        days, grouping = form.period(), form.grouping()
        cascade = region_cascade(request.user, request.GET.get("region", ""))
        region = request.GET.get("region", "") and cascade["code"]
        prefix = code_prefix(region) if region else ""
        finder = visits_overdue_by_cadre if grouping == "cadre" else visits_overdue_by_village
        rows = finder(request.user, days=days, region=prefix)
        context.update(
            form=form,
            days=days,
            grouping=grouping,
            rows=rows,
            cascade=cascade,
            region=region,
            total=sum(r["total"] for r in rows),
            overdue=sum(r["overdue"] for r in rows),
        )
        return context


class AttendanceView(ScopedViewMixin, TemplateView):
    """驻村考勤: days in the village per member and month; first secretaries checked against
    the yearly minimum, every member against the monthly minimum."""

    scope_model = WorkTeamMember
    template_name = "assistance/attendance.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        today = timezone.localdate()
        year = _int(request.GET.get("year"), today.year)
        year = year if 2013 <= year <= today.year else today.year
        cascade = region_cascade(request.user, request.GET.get("region", ""))
        region = request.GET.get("region", "") and cascade["code"]
        rows = attendance_rows(
            request.user, year=year, region=code_prefix(region) if region else "", today=today
        )
        members = attendance_members_for_user(request.user, on=today)
        own = (
            WorkTeamMember.objects.filter(
                user=request.user, end_date__isnull=True, start_date__lte=today
            )
            .select_related("team__village")
            .first()
        )
        checked_in = (
            own is not None
            and StationingDay.objects.filter(member=own, date=today, status="present").exists()
        )
        context.update(
            year=year,
            years=list(range(today.year, 2013, -1)),
            rows=rows,
            short=[r for r in rows if r.verdict and r.verdict.short],
            standards=visit_standards(),
            form=kwargs.get("form") or StationingForm(members=members),
            may_record=members.exists(),
            own_membership=own,
            checked_in=checked_in,
            cascade=cascade,
            months=range(1, 13),
        )
        return context


class AttendanceRecordView(ScopedViewMixin, TemplateView):
    """Record attendance for a member over a stretch of days (POST from the attendance page)."""

    scope_model = StationingDay
    scope_action = "change"
    template_name = "assistance/attendance.html"

    def get(self, request, *args, **kwargs):
        return redirect("assistance:attendance")

    def post(self, request, *args, **kwargs):
        members = attendance_members_for_user(request.user, on=timezone.localdate())
        form = StationingForm(request.POST, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                written = stationing_days_record(
                    actor=request.user,
                    member=data["member"],
                    start=data["start"],
                    end=data["end"],
                    status=data["status"],
                    note=data["note"],
                )
            except BusinessRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("已登记 %(name)s 考勤 %(days)s 天")
                    % {"name": data["member"].name, "days": written},
                )
                return redirect(reverse("assistance:attendance") + f"?year={data['start'].year}")
        view = AttendanceView()
        view.setup(request, *args, **kwargs)
        response = view.render_to_response(view.get_context_data(form=form))
        response.status_code = 400
        return response


class CheckInView(ScopedViewMixin, TemplateView):
    """签到: today in the village, for the user's own team membership, with the location."""

    scope_model = StationingDay
    scope_action = "change"

    def get(self, request, *args, **kwargs):
        return redirect("assistance:attendance")

    def post(self, request, *args, **kwargs):
        def coordinate(name, limit):
            try:
                value = round(float(request.POST.get(name, "")), 6)
            except ValueError:
                return None
            return value if -limit <= value <= limit else None

        latitude, longitude = coordinate("latitude", 90), coordinate("longitude", 180)
        if latitude is None or longitude is None:
            latitude = longitude = None
        try:
            day = stationing_check_in(actor=request.user, latitude=latitude, longitude=longitude)
        except BusinessRuleError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("已签到：%(date)s 在村%(where)s")
                % {
                    "date": day.date.isoformat(),
                    "where": _("（已记录位置）") if latitude is not None else "",
                },
            )
        return redirect("assistance:attendance")
