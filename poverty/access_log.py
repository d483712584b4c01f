"""Access log (访问日志): logins, failed logins, lockouts, exports and downloads."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from poverty.audit.middleware import client_ip
from poverty.models import AccessEvent, AccessLog

__all__ = ["access_log_write"]


def access_log_write(
    event: str, *, request=None, user=None, username: str = "", **detail
) -> AccessLog:
    """Record one access event; exports and downloads call this with what was exported."""
    if user is not None and not getattr(user, "pk", None):
        user = None
    return AccessLog.objects.create(
        event=event,
        user=user,
        username=username or (user.get_username() if user else ""),
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else ""),
        detail=detail,
    )


@receiver(user_logged_in, dispatch_uid="access_log_login")
def _on_login(sender, request, user, **kwargs):
    access_log_write(AccessEvent.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="access_log_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        access_log_write(AccessEvent.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="access_log_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    access_log_write(
        AccessEvent.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )
