"""Serializers of the assessment API. They describe the shapes (OpenAPI) and hold no logic:
verdicts are computed by assessment.rules and read through assessment.selectors."""

from __future__ import annotations

from rest_framework import serializers

__all__ = [
    "HouseholdVerdictsSerializer",
    "ReasonSerializer",
    "RegionAssessmentSerializer",
    "WhatIfRequestSerializer",
    "WhatIfResponseSerializer",
]


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="稳定的原因代码，见 docs/rules.md")
    message = serializers.CharField(help_text="中文说明，含数据和所用标准")
    severity = serializers.ChoiceField(["fail", "unknown", "warning", "info"])
    veto = serializers.BooleanField(required=False, help_text="一票否决项")
    item = serializers.CharField(required=False, help_text="涉及的保障项、比率或清单指标")
    unconfirmed = serializers.BooleanField(required=False, help_text="所用标准待确认（[U]）")


class WhatIfRequestSerializer(serializers.Serializer):
    cases = serializers.ListField(
        child=serializers.DictField(),
        max_length=500,
        help_text=(
            "每个案例：level（household | village | county）、year、province，以及该层级的数据；"
            "字段说明见 docs/rules.md。单个案例有误只返回该案例的 error，不影响其他案例。"
        ),
    )


class WhatIfResponseSerializer(serializers.Serializer):
    results = serializers.ListField(
        child=serializers.DictField(),
        help_text=(
            "与 cases 一一对应：id、eligible、outcome、reasons、per_capita_net_income（户）或 "
            "incidence（村、县）、monitor（户）、standards；有误的案例为 {id, error: {code, field, message}}"
        ),
    )


class ReadinessYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    eligible = serializers.BooleanField()
    outcome = serializers.ChoiceField(["eligible", "not_eligible", "incomplete"])
    per_capita_net_income = serializers.FloatField(allow_null=True)
    income_line = serializers.FloatField(allow_null=True)
    monitor = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    monitor_flags = ReasonSerializer(many=True)
    computed_at = serializers.DateTimeField()


class HouseholdVerdictsSerializer(serializers.Serializer):
    household_id = serializers.IntegerField()
    household_number = serializers.CharField()
    years = ReadinessYearSerializer(many=True)


class RegionYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    households = serializers.IntegerField()
    people = serializers.IntegerField()
    exited_households = serializers.IntegerField()
    exited_people = serializers.IntegerField()
    remaining_households = serializers.IntegerField()
    remaining_people = serializers.IntegerField()
    ready_households = serializers.IntegerField()
    monitored_households = serializers.IntegerField()
    rural_population = serializers.IntegerField(allow_null=True)
    incidence = serializers.FloatField(allow_null=True)
    verdict = serializers.DictField(allow_null=True)


class RegionAssessmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    years = RegionYearSerializer(many=True)
