from django.urls import path

from assessment import procedure_views as pv
from assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.AssessmentHomeView.as_view(), name="home"),
    path("regions/<str:pk>/", views.RegionAssessmentView.as_view(), name="region"),
    path("what-if/", views.WhatIfView.as_view(), name="what-if"),
    path("standards/", views.StandardListView.as_view(), name="standards"),
    path("recompute/", views.RecomputeView.as_view(), name="recompute"),
    path("jobs/progress/", views.JobProgressView.as_view(), name="job-progress"),
    path("rankings/", views.RankingView.as_view(), name="rankings"),
    path("monitoring/", views.MonitoringListView.as_view(), name="monitoring"),
    # procedures (程序) with public notice (公示)
    path("procedures/", pv.ProcedureListView.as_view(), name="procedures"),
    path("procedures/new/", pv.ProcedureStartView.as_view(), name="procedure-start"),
    path("procedures/notice/", pv.NoticeListView.as_view(), name="procedure-notice"),
    path("procedures/notice.xlsx", pv.NoticeExcelView.as_view(), name="procedure-notice-xlsx"),
    path("procedures/adjustment/", pv.AdjustmentListView.as_view(), name="procedure-adjustment"),
    path("procedures/<int:pk>/", pv.ProcedureDetailView.as_view(), name="procedure-detail"),
    path("procedures/<int:pk>/step/", pv.StepTakeView.as_view(), name="procedure-step"),
    path(
        "procedures/<int:pk>/objections/",
        pv.ObjectionCreateView.as_view(),
        name="procedure-objection",
    ),
    path(
        "procedures/objections/<int:pk>/resolve/",
        pv.ObjectionResolveView.as_view(),
        name="procedure-objection-resolve",
    ),
    path(
        "procedures/steps/<int:pk>/evidence/",
        pv.StepEvidenceView.as_view(),
        name="procedure-evidence",
    ),
    path("procedures/locks/<int:pk>/", pv.LockReopenView.as_view(), name="procedure-lock"),
]
