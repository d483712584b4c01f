"""Throttling per user and per token: fixed windows counted in the default cache.

With Redis configured (REDIS_URL) every gunicorn worker and machine shares the counters.
Unlike DRF's SimpleRateThrottle (which stores the timestamp of every request in one cache
value) a window costs one counter, whatever the rate. A refused request is answered 429 with
Retry-After (seconds to the end of the window). ApiRateThrottle counts a request in all its
windows (user, token) with one Redis round trip.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

__all__ = [
    "AnonRateThrottle",
    "ApiRateThrottle",
    "TokenRateThrottle",
    "UserRateThrottle",
    "parse_rate",
]

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "3000/min" → (3000, 60); None or "" → no limit."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


# INCR every window's counter; a counter's first request sets its expiry. One round trip.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""
# Per cache backend object (Django keeps one per thread): a Redis client and the script.
# Django's cache builds a new Redis client for every operation, which copies the client's
# table of ~170 response callbacks; measured under gunicorn, that and the pipeline object
# were most of the throttle's cost.
_scripts: dict[int, object] = {}


def _count_script(backend):
    script = _scripts.get(id(backend))
    if script is None:
        client = backend.get_client(write=True)
        script = _scripts[id(backend)] = client.register_script(_COUNT_SCRIPT)
    return script


def _count(windows: list[tuple[str, int]]) -> list[int]:
    """Add one to each window's counter; return the counts.

    With Redis, one Lua script call for all windows (Django's cache.incr costs two round trips
    per counter: EXISTS then INCRBY, and a third for the first request of a window);
    elsewhere (tests, the local-memory cache) through the cache API.
    """
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        keys = [cache.make_and_validate_key(key) for key, _timeout in windows]
        counts = _count_script(backend)(keys=keys, args=[timeout for _key, timeout in windows])
        return [int(count) for count in counts]
    counts = []
    for key, timeout in windows:
        try:
            counts.append(cache.incr(key))
        except ValueError:  # first request of the window
            counts.append(1 if cache.add(key, 1, timeout=timeout) else cache.incr(key))
    return counts


def _user_ident(request) -> str | None:
    """All requests of one user, whatever token or session they come with."""
    user = request.user
    return str(user.pk) if user is not None and user.is_authenticated else None


def _token_ident(request) -> str | None:
    """Requests made with one token (a system's share of its user's budget)."""
    token = request.auth
    return str(token.pk) if getattr(token, "pk", None) and hasattr(token, "key_digest") else None


class WindowThrottle(BaseThrottle):
    """Counts a request in the window of every scope that applies, in one cache round trip."""

    scopes: tuple[str, ...] = ()

    def get_ident_key(self, scope: str, request) -> str | None:
        if scope == "user":
            return _user_ident(request)
        if scope == "token":
            return _token_ident(request)
        if scope == "anon":
            return None if _user_ident(request) is not None else self.get_ident(request)
        raise ValueError(scope)

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        namespace = getattr(settings, "API_THROTTLE_NAMESPACE", "api")
        now = time.time()
        windows, limits = [], []
        for scope in self.scopes:
            rate = parse_rate(settings.API_THROTTLE_RATES.get(scope))
            ident = self.get_ident_key(scope, request) if rate is not None else None
            if ident is None:
                continue
            limit, period = rate
            window = int(now // period)
            windows.append((f"{namespace}:thr:{scope}:{ident}:{window}", period + 1))
            limits.append((limit, period, window))
        if not windows:
            return True
        for count, (limit, period, window) in zip(_count(windows), limits, strict=True):
            if count > limit:
                wait = max(1, int((window + 1) * period - now + 0.999))
                self.wait_seconds = max(wait, self.wait_seconds or 0)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds


class ApiRateThrottle(WindowThrottle):
    """The API's throttle: per user, per token and (without credentials) per address."""

    scopes = ("user", "token", "anon")


class UserRateThrottle(WindowThrottle):
    scopes = ("user",)


class TokenRateThrottle(WindowThrottle):
    scopes = ("token",)


class AnonRateThrottle(WindowThrottle):
    scopes = ("anon",)
