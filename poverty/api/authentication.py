"""Token authentication: ``Authorization: Bearer <token>`` (``Token <token>`` also accepted).

One query per request: the token with its user and the user's role profile.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from poverty.api.tokens import token_digest
from poverty.models import ApiToken

__all__ = ["ApiTokenAuthentication"]

KEYWORDS = ("bearer", "token")
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


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
        token = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(key_digest=token_digest(key))
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
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
