"""Project-level pages: home, login/logout, health check. All public by declaration."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect

from poverty.roles import Role
from poverty.scoping import user_role
from poverty.views_base import public_view

__all__ = ["LoginView", "LogoutView", "healthz", "home"]


@public_view
def healthz(request):
    """Liveness probe for the load balancer and docker-compose."""
    return HttpResponse("ok", content_type="text/plain")


@public_view
def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    # A cadre's day starts with the households to visit (on a phone); everyone else's with
    # the registry.
    if user_role(request.user) == Role.CADRE:
        return redirect("assistance:my_households")
    return redirect("households:list")


class LoginView(auth_views.LoginView):
    public = True
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    public = True
