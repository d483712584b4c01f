"""Attach channel, client address and a request id to everything a request changes."""

from __future__ import annotations

import uuid

from django.conf import settings

from poverty.audit.context import actor_context

__all__ = ["AuditContextMiddleware", "client_ip"]


def client_ip(request) -> str | None:
    """The client's address; X-Forwarded-For is trusted only behind a configured proxy."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _channel(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "page"


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:36] or str(uuid.uuid4())
        request.request_id = request_id
        with actor_context(
            channel=_channel(request.path), ip_address=client_ip(request), request_id=request_id
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
