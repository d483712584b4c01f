"""Forms of the assessment pages. They turn typed figures into what-if cases and hold no rule:
the verdict is assessment.whatif → assessment.rules, exactly as for the API and the command."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.choices import RankingIndicator
from households.choices import GuaranteeState, HouseGrade

__all__ = [
    "RankingConfigForm",
    "WhatIfHouseholdForm",
    "WhatIfJsonForm",
    "whatif_initial_from_household",
]

_MONEY = {"min_value": 0, "max_digits": 12, "decimal_places": 2, "required": False}
_GUARANTEES = (
    ("food", _("不愁吃")),
    ("clothing", _("不愁穿")),
    ("education", _("义务教育保障")),
    ("medical", _("基本医疗保障")),
    ("housing", _("住房安全保障")),
    ("water", _("饮水安全")),
)


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else ("form-control form-control-sm")
        )
        field.widget.attrs.setdefault("class", css)


class WhatIfHouseholdForm(forms.Form):
    """One household's figures for a year; nothing is saved."""

    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2035)
    province = forms.CharField(label=_("省级区划代码"), max_length=2, min_length=2)
    region_code = forms.CharField(
        label=_("所在地区划代码"),
        max_length=12,
        required=False,
        help_text=_("用于适用市、县的地方标准，可留空"),
    )
    identified_year = forms.IntegerField(
        label=_("识别年度"), min_value=2013, max_value=2035, required=False
    )
    household_size = forms.IntegerField(label=_("家庭人口数"), min_value=1, max_value=30)
    wage = forms.DecimalField(label=_("工资性收入"), **_MONEY)
    business = forms.DecimalField(label=_("生产经营性收入"), **_MONEY)
    property = forms.DecimalField(label=_("财产性收入"), **_MONEY)
    transfer = forms.DecimalField(label=_("转移性收入"), **_MONEY)
    business_costs = forms.DecimalField(label=_("生产经营性支出"), **_MONEY)
    housing_grade = forms.ChoiceField(
        label=_("房屋安全等级"),
        choices=[("", _("未鉴定"))] + [(g.value, g.label) for g in HouseGrade],
        required=False,
    )
    members_json = forms.CharField(
        label=_("家庭成员（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('JSON 数组，如 [{"age": 12, "in_school": true, "medical_insured": true}]'),
    )
    status = forms.ChoiceField(
        label=_("状态（用于监测预警）"),
        choices=[("", _("未指定")), ("poor", _("未脱贫")), ("exited", _("已脱贫"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item, label in _GUARANTEES:
            self.fields[f"g_{item}"] = forms.ChoiceField(
                label=label, choices=GuaranteeState.choices, initial="unknown"
            )
        _bootstrap(self)

    def clean_members_json(self):
        text = (self.cleaned_data.get("members_json") or "").strip()
        if not text:
            return None
        try:
            members = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("不是有效的 JSON")) from exc
        if not isinstance(members, list):
            raise forms.ValidationError(_("应为 JSON 数组"))
        return members

    def to_case(self) -> dict:
        data = self.cleaned_data
        income = {
            key: float(data[key])
            for key in ("wage", "business", "property", "transfer", "business_costs")
            if data.get(key) is not None
        }
        case = {
            "id": "form",
            "level": "household",
            "year": data["year"],
            "province": data["province"],
            "household_size": data["household_size"],
            "income": income,
            "guarantees": {item: data[f"g_{item}"] for item, _label in _GUARANTEES},
        }
        if data.get("region_code"):
            case["region_code"] = data["region_code"]
        if data.get("identified_year"):
            case["identified_year"] = data["identified_year"]
        if data.get("housing_grade"):
            case["housing_grade"] = data["housing_grade"]
        if data.get("members_json") is not None:
            case["members"] = data["members_json"]
        if data.get("status"):
            case["status"] = data["status"]
        return case

    def guarantee_fields(self):
        return [self[f"g_{item}"] for item, _label in _GUARANTEES]


class WhatIfJsonForm(forms.Form):
    """Several cases, or villages and counties, as the API's JSON."""

    payload = forms.CharField(
        label=_("试算数据（JSON）"), widget=forms.Textarea(attrs={"rows": 12})
    )

    def clean_payload(self):
        try:
            return json.loads(self.cleaned_data["payload"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON：第 %(line)s 行第 %(col)s 列")
                % {"line": exc.lineno, "col": exc.colno}
            ) from exc


def whatif_initial_from_household(household, incomes, guarantees, members) -> dict:
    """Initial form values from a stored household's latest year (the cadre then adjusts them)."""
    income = incomes[0] if incomes else None
    year = income.year if income else (guarantees[0].year if guarantees else 2020)
    guarantee = next((g for g in guarantees if g.year == year), None)
    initial = {
        "year": year,
        "province": household.village_id[:2],
        "region_code": household.village_id,
        "identified_year": household.identified_year,
        "household_size": income.household_size if income else len(members) or 1,
        "housing_grade": household.house_grade,
        "status": "exited" if household.status in ("exited", "monitored") else "poor",
    }
    if income is not None:
        initial.update(
            wage=income.wage,
            business=income.business,
            property=income.property_dividend + income.property_other,
            transfer=income.family_planning
            + income.dibao
            + income.tekun
            + income.pension
            + income.eco_compensation
            + income.transfer_other,
            business_costs=income.business_costs,
        )
    for item, _label in _GUARANTEES:
        initial[f"g_{item}"] = getattr(guarantee, item) if guarantee else "unknown"
    initial["members_json"] = json.dumps(
        [
            {
                "age": year - m.birth_date.year,
                "in_school": m.school_status != "01",
                "medical_insured": m.has_resident_medical_insurance
                or m.has_employee_medical_insurance,
            }
            for m in members
        ],
        ensure_ascii=False,
    )
    return initial


class RankingConfigForm(forms.Form):
    """A county or city office's ranking: one weight per indicator (0 = not used)."""

    name = forms.CharField(label=_("排名名称"), max_length=100)
    unit_level = forms.ChoiceField(
        label=_("排名对象"), choices=[("township", _("乡镇")), ("village", _("村"))]
    )
    bottom_n = forms.IntegerField(label=_("末位标记数"), min_value=0, max_value=50, initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for indicator in RankingIndicator:
            self.fields[f"w_{indicator.value}"] = forms.IntegerField(
                label=indicator.label, min_value=0, max_value=100, initial=0, required=False
            )
        _bootstrap(self)

    def weights(self) -> dict[str, int]:
        return {
            indicator.value: self.cleaned_data[f"w_{indicator.value}"]
            for indicator in RankingIndicator
            if self.cleaned_data.get(f"w_{indicator.value}")
        }

    def weight_fields(self):
        return [self[f"w_{indicator.value}"] for indicator in RankingIndicator]
