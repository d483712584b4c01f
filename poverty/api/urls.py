"""/api/v1/: every app's API routes, authentication, the OpenAPI schema and Swagger UI."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from poverty.api import views

app_name = "api"

token_router = SimpleRouter()
token_router.register("auth/tokens", views.TokenViewSet, basename="token")

RESOURCES = (
    "region",
    "household",
    "member",
    "income",
    "guarantee",
    "status-change",
    "cadre",
    "pairing",
    "aid-unit",
    "aid-unit-village",
    "work-team",
    "visit",
    "stationing-day",
)

urlpatterns = [
    path("", views.ApiRootView.as_view(resources=RESOURCES), name="root"),
    path("auth/token/", views.TokenCreateView.as_view(), name="token-create"),
    path("schema/", views.SchemaView.as_view(api_version="1"), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    *token_router.urls,
    path("", include("villages.api.urls")),
    path("", include("households.api.urls")),
    path("", include("assistance.api.urls")),
    path("", include("assessment.api.urls")),
    re_path(r"^.*$", views.ApiNotFoundView.as_view(), name="not-found"),
]
