"""Bench-only URLconf: the project's URLs plus the baseline viewsets under /api/bench/."""

from django.urls import include, path

from poverty.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/bench/", include("bench.api_baseline")),
    *project_urlpatterns,
]
