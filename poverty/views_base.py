"""What every page declares: which model scopes it (or that it is public), and who may use it.

The URL-walk test (tests/poverty/test_url_walk.py) fails for any URL whose view declares
neither ``scope_model`` nor ``public = True``: deny by default.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from poverty.scoping import get_for_user, user_can, visible_to

__all__ = ["ScopedViewMixin", "public_view"]


def public_view(view):
    """Mark a function view as reachable without scoping (login, health check …)."""
    view.public = True
    return view


class ScopedViewMixin(LoginRequiredMixin):
    """A page over a region-scoped model. Subclasses set ``scope_model`` and ``scope_action``."""

    scope_model = None
    scope_action = "view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_can(request.user, self.scope_action):
            raise Http404  # a role without the action sees nothing, not even that it exists
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset=None, action: str | None = None):
        queryset = queryset if queryset is not None else self.scope_model._default_manager.all()
        return visible_to(self.request.user, queryset, action or self.scope_action)

    def get_scoped_object(self, queryset=None, action: str | None = None, **lookup):
        queryset = queryset if queryset is not None else self.scope_model._default_manager.all()
        return get_for_user(self.request.user, queryset, action or self.scope_action, **lookup)
