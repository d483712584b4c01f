"""Household pages: thin views over households.selectors (reads) and households.services (writes).

Every view declares its ``scope_model`` (poverty.views_base); objects are fetched through
``get_for_user`` (404 outside the user's scope) and every write goes through a service.
"""

from __future__ import annotations

import datetime
import math
import re

from django.contrib import messages
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    ForeignKey,
    IntegerField,
    Value,
)
from django.db.models.functions import Concat
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from assistance.models import Cadre
from assistance.selectors import household_visits, user_may_record_visit
from households.choices import CauseOfPoverty, HouseholdStatus
from households.filters import HouseholdFilterSet
from households.forms import (
    HouseholdDeleteForm,
    HouseholdEntryForm,
    HouseholdRestoreForm,
    member_entry_formset,
)
from households.models import Household, Member
from households.rules import INCOME_COMPONENTS, income_account
from households.selectors import (
    household_detail,
    household_rows,
    in_region_hint,
    list_region_prefix,
    region_cascade,
    village_choices_for_user,
)
from households.services import (
    MemberEdit,
    household_restore,
    household_save_with_members,
    household_soft_delete,
)
from poverty.exceptions import BusinessRuleError, ConcurrencyError
from poverty.roles import Role
from poverty.scoping import get_for_user, user_role, visible_to
from poverty.views_base import ScopedViewMixin
from villages.models import Region

__all__ = [
    "CadreOptionsView",
    "HouseholdCreateView",
    "HouseholdDeleteView",
    "HouseholdDeletedListView",
    "HouseholdDetailView",
    "HouseholdEditView",
    "HouseholdListView",
    "HouseholdRestoreView",
    "RegionCascadeView",
]

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50
# Public sort keys (HouseholdFilterSet's ordering) → columns; "village" sorts by the code
# itself, without joining the region table.
SORT_COLUMNS = {
    "household_number": "household_number",
    "village": "village_id",
    "identified_year": "identified_year",
    "status": "status",
    "updated": "updated",
}
DEFAULT_ORDER = ("village", "household_number")
#: Up to this many matching rows, the page is chosen by sorting the matched rows (found through
#: the region prefix index) rather than by walking a whole-table index in sort order.
SORT_ROWS_LIMIT = 100_000
#: Sort keys that the index hh_village_number returns in order within a region (a range of
#: village codes): the page is read straight off the index, whatever the number of matches.
INDEX_ORDERS = frozenset(
    {
        ("village", "household_number"),
        ("-village", "-household_number"),
        ("village",),
        ("-village",),
    }
)
#: Sort keys that hh_county_number / hh_city_number return in order within a county / city.
NUMBER_ORDERS = frozenset({("household_number",), ("-household_number",)})
#: Roles that may see and restore deleted households (DOMAIN.md §16: the county office).
RESTORE_ROLES = frozenset({Role.COUNTY_OFFICE, Role.ADMIN})


def _is_fragment(request) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _sort_expressions(keys: list[str], *, sort_in_memory: bool) -> list:
    """ORDER BY terms for the public sort keys ("-household_number"), then the primary key.

    With a region or a filter, PostgreSQL tends to walk the unique index on household_number
    (or village_code) backwards and filter row by row, expecting the matches to be spread
    evenly: for a county whose numbers sit together in the middle of the table that reads
    ~150,000 rows to find 50. When the matched set is bounded (``sort_in_memory``: the count
    already taken), sorting on an expression of the column (same order, no index) makes it
    fetch the matched rows through the region prefix index and keep the top N: tens of
    milliseconds for a county of 30,000, whatever the table size.
    """
    terms = []
    for key in keys or DEFAULT_ORDER:
        descending = key.startswith("-")
        column = SORT_COLUMNS[key.lstrip("-")]
        expression = F(column)
        if sort_in_memory:
            field = Household._meta.get_field(column)
            if isinstance(field, (CharField, ForeignKey)):
                expression = Concat(F(column), Value(""), output_field=CharField())
            elif isinstance(field, IntegerField):
                expression = ExpressionWrapper(F(column) + 0, output_field=IntegerField())
            elif isinstance(field, DateTimeField):
                expression = ExpressionWrapper(
                    F(column) + Value(datetime.timedelta(0)), output_field=DateTimeField()
                )
        terms.append(expression.desc() if descending else expression.asc())
    terms.append(F("pk").asc())
    return terms


def _choice_labels(model, *names) -> dict[str, dict[str, str]]:
    """{field: {code: label}} in the active language, made once per request.

    ``get_FOO_display`` hashes every (lazy) choice on each call: for 50 rows and three coded
    columns that is thousands of translations per page; one dict per field is a few dozen.
    """
    return {
        name: {str(value): str(label) for value, label in model._meta.get_field(name).flatchoices}
        for name in names
    }


def _page_window(number: int, pages: int) -> list[int | None]:
    """Page numbers to link: first, last, and two either side of the current (None = gap)."""
    shown = sorted({1, pages, *range(max(1, number - 2), min(pages, number + 2) + 1)})
    window: list[int | None] = []
    for page in shown:
        if window and page - (window[-1] or 0) > 1:
            window.append(None)
        window.append(page)
    return window


class HouseholdListView(ScopedViewMixin, TemplateView):
    """The registry (贫困户名册): filters in the URL, sorting, paging, counts by status.

    The page is chosen on the plain filtered queryset (one grouped count, one sorted slice of
    ids); only the rows shown get their head and member count. Queries per page do not
    depend on the number of rows.
    """

    scope_model = Household
    template_name = "households/household_list.html"
    fragment_template = "households/_household_results.html"

    def get_template_names(self):
        return [self.fragment_template if _is_fragment(self.request) else self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        base = visible_to(user, Household.objects.filter(is_deleted=False))
        filterset = HouseholdFilterSet(request.GET or None, queryset=base, request=request)
        filtered = filterset.qs
        cleaned = (
            filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
        )
        keys = [key for key in (cleaned.get("ordering") or []) if key.lstrip("-") in SORT_COLUMNS]

        by_status = dict(
            filtered.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        total = sum(by_status.values())
        size = _int(request.GET.get("per_page"), DEFAULT_PAGE_SIZE)
        size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
        pages = max(1, math.ceil(total / size))
        number = min(max(1, _int(request.GET.get("page"), 1)), pages)
        offset = (number - 1) * size
        order = tuple(keys or DEFAULT_ORDER)
        page_query = filtered
        head = list_region_prefix(user, cleaned.get("region") or "")
        if order in NUMBER_ORDERS and head:
            page_query = in_region_hint(filtered, head)
        index_ordered = order in INDEX_ORDERS or page_query is not filtered
        ordered = page_query.order_by(
            *_sort_expressions(keys, sort_in_memory=total <= SORT_ROWS_LIMIT and not index_ordered)
        )
        pks = list(ordered.values_list("pk", flat=True)[offset : offset + size])

        current_order = (request.GET.get("ordering") or "").strip()
        rows = household_rows(user, pks)
        labels = _choice_labels(Household, "status", "attribute", "main_cause")
        for row in rows:
            row.status_label = labels["status"].get(row.status, row.status)
            row.attribute_label = labels["attribute"].get(row.attribute, row.attribute)
            row.main_cause_label = labels["main_cause"].get(row.main_cause, row.main_cause)
        context.update(
            filterset=filterset,
            households=rows,
            total=total,
            status_counts=[
                (value, label, by_status.get(value, 0)) for value, label in HouseholdStatus.choices
            ],
            page_number=number,
            pages=pages,
            page_size=size,
            page_sizes=PAGE_SIZES,
            page_window=_page_window(number, pages),
            first_row=offset + 1 if total else 0,
            last_row=offset + len(pks),
            current_order=current_order,
            cascade=region_cascade(user, request.GET.get("region", "")),
            selected_cadre=self._selected_cadre(filterset),
            gap_choices=HouseholdFilterSet.base_filters["gap"].extra["choices"],
            may_create=village_choices_for_user(user).exists(),
            may_restore=user_role(user) in RESTORE_ROLES,
        )
        return context

    def _selected_cadre(self, filterset):
        cadre = filterset.form.cleaned_data.get("cadre") if filterset.is_bound else None
        if not cadre:
            return None
        return visible_to(self.request.user, Cadre.objects.filter(pk=cadre)).first()


class RegionCascadeView(ScopedViewMixin, TemplateView):
    """The cascading region selector (省 → 村), re-rendered for the level just chosen (htmx)."""

    scope_model = Region
    template_name = "includes/_region_cascade.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cascade"] = region_cascade(self.request.user, self.request.GET.get("region", ""))
        context["cascade_name"] = re.sub(r"\W", "", self.request.GET.get("name", "region"))
        return context


class CadreOptionsView(ScopedViewMixin, TemplateView):
    """<option>s of the cadre filter, loaded when the select is first opened (htmx)."""

    scope_model = Cadre
    template_name = "households/_cadre_options.html"
    limit = 1000

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cadres = visible_to(self.request.user, Cadre.objects.filter(is_active=True))
        region = re.sub(r"\D", "", self.request.GET.get("region", ""))
        if len(region) >= 6:
            cadres = cadres.filter(division_code__startswith=region[:6])
        context["cadres"] = list(cadres.order_by("name", "pk")[: self.limit])
        context["selected"] = _int(self.request.GET.get("cadre"), 0)
        return context


class HouseholdDetailView(ScopedViewMixin, TemplateView):
    """Everything about one household: members, incomes, guarantees, helpers, visits, history."""

    scope_model = Household
    template_name = "households/household_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(household_detail(user, kwargs["pk"]))
        household = context["household"]
        may_change = visible_to(user, Household.objects.filter(pk=household.pk), "change").exists()
        context.update(
            visits=household_visits(user, household.pk),
            may_change=may_change and not household.is_deleted,
            may_visit=not household.is_deleted and user_may_record_visit(user, household.pk),
            may_restore=household.is_deleted and may_change and user_role(user) in RESTORE_ROLES,
            active_members=[m for m in context["members"] if m.is_active],
            other_causes=[CauseOfPoverty(c).label for c in household.other_causes],
            # The figures as the rules compute them (households.rules.income_account).
            income_rows=[
                (
                    income,
                    income_account(
                        {name: getattr(income, name) for name in INCOME_COMPONENTS},
                        business_costs=income.business_costs,
                        household_size=income.household_size,
                    ),
                )
                for income in context["incomes"]
            ],
        )
        return context


class HouseholdFormView(ScopedViewMixin, TemplateView):
    """Household and members in one form; nothing is saved unless everything is valid."""

    scope_model = Household
    scope_action = "change"
    template_name = "households/household_form.html"
    extra_members = 1

    def get_household(self) -> Household | None:
        return None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.villages = village_choices_for_user(request.user)
        return super().dispatch(request, *args, **kwargs)

    def _visible_household_ids(self, ids):
        return set(
            visible_to(self.request.user, Household.objects.filter(pk__in=ids)).values_list(
                "pk", flat=True
            )
        )

    def build_forms(self, household: Household | None, data=None):
        instance = household or Household()
        initial = {} if household else self.initial_household()
        form = HouseholdEntryForm(
            data, instance=instance, initial=initial, villages=self.villages, prefix=None
        )
        formset_class = member_entry_formset(extra=self.extra_members)
        formset = formset_class(
            data,
            instance=instance,
            prefix="members",
            form_kwargs={"visible_household_ids": self._visible_household_ids},
        )
        return form, formset

    def initial_household(self) -> dict:
        from django.utils import timezone

        initial = {"identified_year": timezone.localdate().year}
        village = self.request.GET.get("village") or self.request.session.get("last_village")
        if village and self.villages.filter(code=village).exists():
            initial["village"] = village
        return initial

    def get(self, request, *args, **kwargs):
        household = self.get_household()
        form, formset = self.build_forms(household)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                household=household,
                version=household.version if household else "",
            )
        )

    def post(self, request, *args, **kwargs):
        household = self.get_household()
        form, formset = self.build_forms(household, request.POST)
        page_errors: list[str] = []
        conflict = False
        version = request.POST.get("version", "")
        forms_valid = form.is_valid()
        formset_valid = formset.is_valid()
        if forms_valid and formset_valid:
            edit_forms = [f for f in formset.forms if f.has_changed()]
            edits = [
                MemberEdit(
                    pk=f.instance.pk if f in formset.initial_forms else None,
                    data={
                        name: f.cleaned_data.get(name)
                        for name in f.fields
                        if name not in ("id", "household")
                    },
                )
                for f in edit_forms
            ]
            household_data = {name: form.cleaned_data.get(name) for name in form.fields}
            try:
                saved = household_save_with_members(
                    actor=request.user,
                    household=household,
                    household_data=household_data,
                    members=edits,
                    expected_version=_int(version, -1) if household else None,
                )
            except ConcurrencyError as exc:
                page_errors.append(str(exc.message))
                conflict = True
            except BusinessRuleError as exc:
                self._apply_error(exc, form, edit_forms, page_errors)
            else:
                return self._saved(saved, created=household is None)
        for non_form in formset.non_form_errors():
            page_errors.append(non_form)
        response = self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                household=household,
                version=version,
                page_errors=page_errors,
                conflict=conflict,
            )
        )
        response.status_code = 409 if conflict else 400
        return response

    def _apply_error(self, exc: BusinessRuleError, form, edit_forms, page_errors) -> None:
        """Put a service refusal beside the field it names ("members[2].id_number")."""
        path = exc.field or ""
        match = re.fullmatch(r"members\[(\d+)\](?:\.(\w+))?", path)
        if match and int(match[1]) < len(edit_forms):
            target = edit_forms[int(match[1])]
            field = match[2] if match[2] in target.fields else None
            target.add_error(field, str(exc.message))
            if exc.code == "duplicate_id" and exc.extra.get("household_id") in (
                self._visible_household_ids([exc.extra.get("household_id")])
            ):
                target.duplicate_household = (
                    exc.extra["household_id"],
                    exc.extra.get("household_number", ""),
                )
        elif path in form.fields:
            form.add_error(path, str(exc.message))
        else:
            page_errors.append(str(exc.message))

    def _saved(self, household: Household, *, created: bool):
        head = (
            Member.objects.filter(household=household, relation="01", is_active=True)
            .values_list("name", flat=True)
            .first()
        )
        text = (
            _("已登记：户编号 %(number)s，户主 %(head)s")
            if created
            else _("已保存：户编号 %(number)s，户主 %(head)s")
        )
        messages.success(
            self.request, text % {"number": household.household_number, "head": head or "—"}
        )
        self.request.session["last_village"] = household.village_id
        if "save_and_new" in self.request.POST:
            url = reverse("households:create") + "?" + urlencode({"village": household.village_id})
            return HttpResponseRedirect(url)
        return redirect("households:detail", pk=household.pk)


class HouseholdCreateView(HouseholdFormView):
    """登记新户: household and members on one page; "save and add another" keeps the village."""

    extra_members = 3

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not village_choices_for_user(request.user).exists():
            raise Http404  # the role does not register households anywhere
        return super().dispatch(request, *args, **kwargs)


class HouseholdEditView(HouseholdFormView):
    """修改: the form carries the version it was loaded with; a stale save is refused."""

    extra_members = 1

    def get_household(self) -> Household:
        return get_for_user(
            self.request.user,
            Household.objects.filter(is_deleted=False).select_related("village"),
            "change",
            pk=self.kwargs["pk"],
        )


class HouseholdDeleteView(ScopedViewMixin, TemplateView):
    """删除 (soft): the household leaves the registry with a reason; the county can restore it."""

    scope_model = Household
    scope_action = "change"
    template_name = "households/household_delete.html"

    def get_household(self) -> Household:
        return get_for_user(
            self.request.user,
            Household.objects.filter(is_deleted=False).select_related("village"),
            "change",
            pk=self.kwargs["pk"],
        )

    def get(self, request, *args, **kwargs):
        household = self.get_household()
        return self.render_to_response(
            self.get_context_data(
                household=household, form=HouseholdDeleteForm(), version=household.version
            )
        )

    def post(self, request, *args, **kwargs):
        household = self.get_household()
        form = HouseholdDeleteForm(request.POST)
        version = request.POST.get("version", "")
        if form.is_valid():
            try:
                household_soft_delete(
                    actor=request.user,
                    household=household,
                    reason=form.cleaned_data["reason"],
                    expected_version=_int(version, -1),
                )
            except BusinessRuleError as exc:
                form.add_error("reason" if exc.field == "reason" else None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("已删除户 %(number)s（可由县扶贫办恢复）")
                    % {"number": household.household_number},
                )
                return redirect("households:list")
        response = self.render_to_response(
            self.get_context_data(household=household, form=form, version=version)
        )
        response.status_code = 400
        return response


class _RestoreRoleMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_role(request.user) not in RESTORE_ROLES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class HouseholdDeletedListView(_RestoreRoleMixin, ScopedViewMixin, TemplateView):
    """已删除的户 (county office): who deleted each, when and why; restore from here."""

    scope_model = Household
    scope_action = "change"
    template_name = "households/household_deleted_list.html"
    limit = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deleted = visible_to(
            self.request.user, Household.objects.filter(is_deleted=True), "change"
        ).select_related("village", "deleted_by")
        q = (self.request.GET.get("q") or "").strip()
        if q:
            deleted = deleted.filter(household_number__startswith=q)
        context["households"] = list(deleted.order_by("-deleted_at", "pk")[: self.limit])
        context["q"] = q
        context["form"] = HouseholdRestoreForm()
        return context


class HouseholdRestoreView(_RestoreRoleMixin, ScopedViewMixin, TemplateView):
    """恢复 a soft-deleted household (POST); its members become active again."""

    scope_model = Household
    scope_action = "change"
    template_name = "households/household_restore.html"

    def get_household(self) -> Household:
        return get_for_user(
            self.request.user,
            Household.objects.filter(is_deleted=True).select_related("village"),
            "change",
            pk=self.kwargs["pk"],
        )

    def get(self, request, *args, **kwargs):
        household = self.get_household()
        return self.render_to_response(
            self.get_context_data(household=household, form=HouseholdRestoreForm())
        )

    def post(self, request, *args, **kwargs):
        household = self.get_household()
        form = HouseholdRestoreForm(request.POST)
        if form.is_valid():
            try:
                household_restore(
                    actor=request.user, household=household, reason=form.cleaned_data["reason"]
                )
            except BusinessRuleError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request, _("已恢复户 %(number)s") % {"number": household.household_number}
                )
                return redirect("households:detail", pk=household.pk)
        response = self.render_to_response(self.get_context_data(household=household, form=form))
        response.status_code = 400
        return response
