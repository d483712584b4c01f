"""API tokens: create with the user's password, list, revoke. Only a digest is ever stored."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from poverty.models import ApiToken

__all__ = ["TOKEN_PREFIX", "token_create", "token_digest", "token_list", "token_revoke"]

TOKEN_PREFIX = "pat_"  # recognisable in logs and by secret scanners


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the secret (shown to the user once)."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ttl_days = settings.API_TOKEN_TTL_DAYS
    expires_at = timezone.now() + datetime.timedelta(days=ttl_days) if ttl_days > 0 else None
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        key_digest=token_digest(key),
        prefix=key[: len(TOKEN_PREFIX) + 6],
        expires_at=expires_at,
    )
    return token, key


def token_list(user) -> QuerySet:
    """The user's tokens, newest first (revoked and expired ones too, marked as such)."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-id")


def token_revoke(*, user, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice changes nothing.

    This server process forgets the token at once; others within API_TOKEN_CACHE_SECONDS
    (poverty.api.authentication).
    """
    from poverty.api.authentication import forget_cached_tokens  # it imports this module

    if token.user_id != user.pk:
        raise PermissionError("a user revokes only their own tokens")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    forget_cached_tokens(token.key_digest)
    return token
