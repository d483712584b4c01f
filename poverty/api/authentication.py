"""Token authentication: ``Authorization: Bearer <token>`` (``Token <token>`` also accepted).

One query: the token with its user and the user's role profile. A token that authenticated is
then remembered in the server process for ``API_TOKEN_CACHE_SECONDS`` (default 10), so a system
sending many requests costs one query per token per window, not one per request (measured:
the lookup and its SQL compilation were a third of a household detail's CPU). Expiry is
still checked on every request. Revoking through the API forgets the token at once in the
process that handled the revocation; other server processes may accept it for at most that
many seconds more, and the same holds for a user deactivated or given another role
(docs/api.md). 0 turns the cache off.
"""

from __future__ import annotations

import copy
import datetime
import threading
import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from poverty.api.tokens import token_digest
from poverty.models import ApiToken

__all__ = ["ApiTokenAuthentication", "forget_cached_tokens"]

KEYWORDS = ("bearer", "token")
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)
_MAX_CACHED_TOKENS = 1000

# key digest → (monotonic deadline, token row with its user and profile)
_cache: dict[str, tuple[float, ApiToken]] = {}
_cache_lock = threading.Lock()


def forget_cached_tokens(*digests: str) -> None:
    """Forget tokens in this process (all of them when no digest is given)."""
    with _cache_lock:
        if not digests:
            _cache.clear()
        for digest in digests:
            _cache.pop(digest, None)


def _cached(digest: str) -> ApiToken | None:
    entry = _cache.get(digest)
    if entry is None:
        return None
    if entry[0] <= time.monotonic():
        forget_cached_tokens(digest)
        return None
    return entry[1]


def _remember(digest: str, token: ApiToken) -> None:
    seconds = getattr(settings, "API_TOKEN_CACHE_SECONDS", 0)
    if seconds <= 0:
        return
    with _cache_lock:
        if len(_cache) >= _MAX_CACHED_TOKENS:
            _cache.clear()  # rare (a thousand live tokens in one process): start over
        _cache[digest] = (time.monotonic() + seconds, token)


class TokenFailed(exceptions.AuthenticationFailed):
    def __init__(self, detail, code):
        super().__init__(detail, code)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise TokenFailed(
                _("认证头格式不正确：应为 Authorization: Bearer <令牌>"), "token_malformed"
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise TokenFailed(_("令牌无效"), "token_invalid") from exc
        return self._authenticate_key(key)

    def _authenticate_key(self, key: str):
        digest = token_digest(key)
        cached = _cached(digest)
        if cached is not None:
            if cached.expires_at is not None and cached.expires_at <= timezone.now():
                forget_cached_tokens(digest)
                raise TokenFailed(_("令牌已过期，请重新获取"), "token_expired")
            # A copy per request: a view may set attributes on request.user.
            return copy.copy(cached.user), cached
        token = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(key_digest=digest)
            .first()
        )
        if token is None:
            raise TokenFailed(_("令牌无效"), "token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise TokenFailed(_("令牌已被吊销"), "token_revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenFailed(_("令牌已过期，请重新获取"), "token_expired")
        if not token.user.is_active:
            raise TokenFailed(_("用户已停用"), "user_inactive")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        _remember(digest, token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
