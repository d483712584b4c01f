from django.urls import path

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
]
