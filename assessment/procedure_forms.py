"""Forms of the procedure pages: parse input only; the rules are in assessment.procedures."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.procedures import ProcedureKind

__all__ = ["ObjectionForm", "ProcedureStartForm", "ReopenForm", "ResolveForm", "StepForm"]


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ProcedureStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("程序类别"), choices=ProcedureKind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2035)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, ProcedureKind(k).label) for k in kinds]
        _bootstrap(self)


class StepForm(forms.Form):
    """The next step: date, notice start (for a notice), opinion and the evidence file."""

    step = forms.CharField(widget=forms.HiddenInput)
    acted_on = forms.DateField(label=_("办理日期"), required=False, widget=_DateInput())
    notice_start = forms.DateField(label=_("公示开始日期"), required=False, widget=_DateInput())
    note = forms.CharField(
        label=_("办理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("佐证材料（PDF 或图片）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ObjectionForm(forms.Form):
    raised_on = forms.DateField(label=_("提出日期"), required=False, widget=_DateInput())
    objector = forms.CharField(label=_("异议人"), max_length=50, required=False)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("解锁原因"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
