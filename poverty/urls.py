"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from poverty import views

urlpatterns = [
    # First: the API takes most requests, and Django tries the patterns in order.
    path("api/v1/", include("poverty.api.urls", namespace="api")),
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("households/", include("households.urls")),
    path("assistance/", include("assistance.urls")),
    path("assessment/", include("assessment.urls")),
    path("ledgers/", include("poverty.ledgers.urls")),
    path("jobs/", include("poverty.jobs.urls")),
    path("healthz", views.healthz, name="healthz"),
]
