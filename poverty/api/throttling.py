"""Throttling per user and per token: fixed windows counted in the default cache.

With Redis configured (REDIS_URL) every gunicorn worker and machine shares the counters.
Unlike DRF's SimpleRateThrottle (which stores the timestamp of every request in one cache
value) a window costs one counter, whatever the rate. A refused request is answered 429 with
Retry-After (seconds to the end of the window).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

__all__ = ["AnonRateThrottle", "TokenRateThrottle", "UserRateThrottle", "parse_rate"]

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "3000/min" → (3000, 60); None or "" → no limit."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


def _count(key: str, timeout: int) -> int:
    """Add one to the window's counter and return it.

    With Redis, INCR and EXPIRE … NX in one round trip (Django's cache.incr costs two: EXISTS
    then INCRBY, and a third for the first request of a window); elsewhere (tests, the
    local-memory cache) through the cache API.
    """
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        full_key = cache.make_and_validate_key(key)
        pipe = backend.get_client(full_key, write=True).pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)
        return int(pipe.execute()[0])
    try:
        return cache.incr(key)
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)


class WindowThrottle(BaseThrottle):
    scope = ""

    def get_ident_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        rate = parse_rate(settings.API_THROTTLE_RATES.get(self.scope))
        ident = self.get_ident_key(request, view)
        if rate is None or ident is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        key = f"{getattr(settings, 'API_THROTTLE_NAMESPACE', 'api')}:thr:{self.scope}:{ident}:{window}"
        count = _count(key, period + 1)
        if count > limit:
            self.wait_seconds = max(1, int((window + 1) * period - now + 0.999))
            return False
        return True

    def wait(self):
        return self.wait_seconds


class UserRateThrottle(WindowThrottle):
    """All requests of one user, whatever token or session they come with."""

    scope = "user"

    def get_ident_key(self, request, view):
        user = request.user
        return str(user.pk) if user is not None and user.is_authenticated else None


class TokenRateThrottle(WindowThrottle):
    """Requests made with one token (a system's share of its user's budget)."""

    scope = "token"

    def get_ident_key(self, request, view):
        token = request.auth
        return (
            str(token.pk) if getattr(token, "pk", None) and hasattr(token, "key_digest") else None
        )


class AnonRateThrottle(WindowThrottle):
    """Requests without credentials (token creation, schema) by client address."""

    scope = "anon"

    def get_ident_key(self, request, view):
        user = request.user
        if user is not None and user.is_authenticated:
            return None
        return self.get_ident(request)
