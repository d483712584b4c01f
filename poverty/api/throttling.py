"""Throttling per user and per token: fixed windows counted in the default cache.

With Redis configured (REDIS_URL) every gunicorn worker and machine shares the counters.
Unlike DRF's SimpleRateThrottle (which stores the timestamp of every request in one cache
value) a window costs one counter, whatever the rate. A refused request is answered 429 with
Retry-After (seconds to the end of the window). ApiRateThrottle counts a request in all its
windows (user, token) with one Redis round trip.

Leases: a server process does not ask Redis for every request. It reserves a block of a
window's budget at once (INCRBY n, n = limit / 50, at most ``API_THROTTLE_LEASE``, default 20)
and serves that many requests of the window locally before asking again; a block only partly
left under the limit is granted in part. So a limit is never exceeded, but up to
(n - 1) requests per server process and window may be reserved and unused, and a client may be
refused that much early: 3 workers × 19 of 3,000/min is under 2 %. Small limits (under 100 per
window) are counted request by request. Measured: the Redis round trip was a quarter of a
household detail request's time under load.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

__all__ = [
    "AnonRateThrottle",
    "ApiRateThrottle",
    "TokenRateThrottle",
    "UserRateThrottle",
    "forget_leases",
    "lease_size",
    "parse_rate",
]

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "3000/min" → (3000, 60); None or "" → no limit."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


# INCRBY every window's counter by its lease; a counter's first lease sets its expiry. One
# round trip. ARGV: the expiry then the lease of each key, in turn.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local lease = tonumber(ARGV[2 * i])
  counts[i] = redis.call('INCRBY', key, lease)
  if counts[i] == lease then redis.call('EXPIRE', key, ARGV[2 * i - 1]) end
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


def _count(windows: list[tuple[str, int, int]]) -> list[int]:
    """Add each window's lease to its counter: (key, expiry, lease) → the counts after.

    With Redis, one Lua script call for all windows (Django's cache.incr costs two round trips
    per counter: EXISTS then INCRBY, and a third for the first request of a window);
    elsewhere (tests, the local-memory cache) through the cache API.
    """
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        keys = [cache.make_and_validate_key(key) for key, _timeout, _lease in windows]
        args = [value for _key, timeout, lease in windows for value in (timeout, lease)]
        counts = _count_script(backend)(keys=keys, args=args)
        return [int(count) for count in counts]
    counts = []
    for key, timeout, lease in windows:
        try:
            counts.append(cache.incr(key, lease))
        except ValueError:  # first request of the window
            counts.append(
                lease if cache.add(key, lease, timeout=timeout) else cache.incr(key, lease)
            )
    return counts


# counter key (its window number in it) → requests this process may still serve in the window
_leases: dict[str, int] = {}
_leases_lock = threading.Lock()
_MAX_LEASES = 10_000


def lease_size(limit: int) -> int:
    """How much of a window's budget one process reserves at a time."""
    return max(1, min(getattr(settings, "API_THROTTLE_LEASE", 20), limit // 50))


def forget_leases() -> None:
    """Drop this process's leases (tests; after the rates change)."""
    with _leases_lock:
        _leases.clear()


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
        windows = []  # (key, expiry, limit, period, window)
        for scope in self.scopes:
            rate = parse_rate(settings.API_THROTTLE_RATES.get(scope))
            ident = self.get_ident_key(scope, request) if rate is not None else None
            if ident is None:
                continue
            limit, period = rate
            window = int(now // period)
            key = f"{namespace}:thr:{scope}:{ident}:{window}"
            windows.append((key, period + 1, limit, period, window))
        if not windows:
            return True
        with _leases_lock:
            if len(_leases) > _MAX_LEASES:
                _leases.clear()  # old windows' leases: their keys are never asked for again
            # a key whose lease is spent (0) and known refused stays refused in its window
            renew = [entry for entry in windows if entry[0] not in _leases]
        if renew:
            sizes = [lease_size(limit) for _key, _expiry, limit, _period, _window in renew]
            counts = _count(
                [
                    (key, expiry, size)
                    for (key, expiry, *_rest), size in zip(renew, sizes, strict=True)
                ]
            )
            with _leases_lock:
                for (key, _expiry, limit, *_rest), size, count in zip(
                    renew, sizes, counts, strict=True
                ):
                    # the part of this block still under the limit
                    _leases[key] = _leases.get(key, 0) + max(0, min(size, limit - (count - size)))
        with _leases_lock:
            for key, _expiry, _limit, period, window in windows:
                if _leases.get(key, 0) <= 0:
                    wait = max(1, int((window + 1) * period - now + 0.999))
                    self.wait_seconds = max(wait, self.wait_seconds or 0)
            if self.wait_seconds is not None:
                return False
            for key, *_rest in windows:
                _leases[key] -= 1
                if _leases[key] == 0:
                    del _leases[key]  # spent: ask Redis for the next block
        return True

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
