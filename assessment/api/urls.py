"""Assessment API routes (mounted under /api/v1/ by poverty.api.urls)."""

from django.urls import path

from assessment.api import lists, procedures, views

urlpatterns = [
    path("assessment/what-if/", views.WhatIfApiView.as_view(), name="assessment-what-if"),
    path(
        "assessment/households/<int:pk>/verdicts/",
        views.HouseholdVerdictsApiView.as_view(),
        name="assessment-household-verdicts",
    ),
    path(
        "assessment/regions/<str:pk>/",
        views.RegionAssessmentApiView.as_view(),
        name="assessment-region",
    ),
    path(
        "assessment/household-verdicts/",
        lists.HouseholdVerdictListApiView.as_view(),
        name="assessment-household-verdict-list",
    ),
    path(
        "assessment/region-statistics/",
        lists.RegionStatisticListApiView.as_view(),
        name="assessment-region-statistic-list",
    ),
    path(
        "assessment/rankings/",
        lists.RankingEntryListApiView.as_view(),
        name="assessment-ranking-list",
    ),
    path(
        "assessment/procedures/",
        procedures.ProcedureListApiView.as_view(),
        name="assessment-procedures",
    ),
    path(
        "assessment/procedures/<int:pk>/",
        procedures.ProcedureDetailApiView.as_view(),
        name="assessment-procedure",
    ),
    path(
        "assessment/procedures/<int:pk>/steps/",
        procedures.ProcedureStepApiView.as_view(),
        name="assessment-procedure-steps",
    ),
    path(
        "assessment/procedures/<int:pk>/objections/",
        procedures.ProcedureObjectionApiView.as_view(),
        name="assessment-procedure-objections",
    ),
    path(
        "assessment/procedure-objections/<int:pk>/resolve/",
        procedures.ObjectionResolveApiView.as_view(),
        name="assessment-procedure-objection-resolve",
    ),
]
