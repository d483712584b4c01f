"""Forms of the visit log and attendance pages; each message in Chinese, on its field."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistance import rules
from assistance.choices import AttendanceStatus
from assistance.models import Visit
from assistance.rules import MSG_DATE_IN_FUTURE, visit_problems
from assistance.standards import visit_standards
from assistance.validators import validate_photo

__all__ = [
    "MSG_LOCATION_PAIR",
    "OverdueForm",
    "StationingForm",
    "VisitForm",
]

MSG_LOCATION_PAIR = rules.MSG_LOCATION_PAIR


def _bootstrap(form: forms.BaseForm, *, small: bool = False) -> None:
    size = " form-control-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select" + (" form-select-sm" if small else "")
        else:
            css = "form-control" + size
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class VisitForm(forms.ModelForm):
    """One visit on one screen (phone). Location and the submit token are filled by the page."""

    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    class Meta:
        model = Visit
        fields = [
            "visited_on",
            "kind",
            "findings",
            "policies_explained",
            "actions_taken",
            "demands",
            "follow_up_needed",
            "follow_up_note",
            "latitude",
            "longitude",
            "location_accuracy_m",
        ]
        widgets = {
            "visited_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 3}),
            "policies_explained": forms.Textarea(attrs={"rows": 2}),
            "actions_taken": forms.Textarea(attrs={"rows": 2}),
            "demands": forms.Textarea(attrs={"rows": 2}),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
            "location_accuracy_m": forms.HiddenInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
        self.fields["findings"].help_text = _("收入、两不愁三保障、饮水等情况")
        _bootstrap(self)

    def clean_visited_on(self) -> datetime.date:
        value = self.cleaned_data["visited_on"]
        for problem in visit_problems(visited_on=value, today=timezone.localdate()):
            raise ValidationError(problem.message, code="visited_on")
        return value

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            validate_photo(photo)
        return photo

    def clean(self):
        cleaned = super().clean()
        for problem in visit_problems(
            visited_on=None,
            today=timezone.localdate(),
            latitude=cleaned.get("latitude"),
            longitude=cleaned.get("longitude"),
        ):
            self.add_error(None, problem.message)
        if cleaned.get("follow_up_note") and not cleaned.get("follow_up_needed"):
            cleaned["follow_up_needed"] = True
        return cleaned

    def visit_data(self) -> dict:
        """The visit's own fields, for assistance.services.visit_record."""
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class StationingForm(forms.Form):
    """Attendance for one member over a stretch of days (a leave, a week in the village)."""

    member = forms.ModelChoiceField(label=_("队员"), queryset=None, empty_label=_("请选择队员"))
    start = forms.DateField(label=_("开始日期"), widget=DateInput())
    end = forms.DateField(label=_("结束日期"), widget=DateInput())
    status = forms.ChoiceField(
        label=_("考勤状态"), choices=AttendanceStatus.choices, initial=AttendanceStatus.PRESENT
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.team.village.name} · {m.name}（{m.get_role_display()}）"
        )
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("start", today)
            self.initial.setdefault("end", today)
        _bootstrap(self, small=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("结束日期不能早于开始日期"))
        if end and end > timezone.localdate():
            self.add_error("end", MSG_DATE_IN_FUTURE)
        return cleaned


class OverdueForm(forms.Form):
    """The period of the not-visited lists (default: the standard for the region)."""

    days = forms.IntegerField(label=_("未走访天数"), min_value=1, max_value=3660, required=False)
    by = forms.ChoiceField(
        label=_("统计方式"),
        choices=[("village", _("按村")), ("cadre", _("按帮扶责任人"))],
        required=False,
    )

    def period(self) -> int:
        days = self.cleaned_data.get("days") if self.is_valid() else None
        return days or visit_standards().visit_period_days

    def grouping(self) -> str:
        by = self.cleaned_data.get("by") if self.is_valid() else None
        return by or "village"
