"""Who is acting, from where, through which channel: set per request or job, read by recording.

Context variables, so that threads and async code each keep their own.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["ActorContext", "actor_context", "current_context"]


@dataclass(frozen=True)
class ActorContext:
    user: object | None = None
    channel: str = "command"
    ip_address: str | None = None
    request_id: str = ""


_DEFAULT = ActorContext()  # frozen dataclass: safe to share
_current: ContextVar[ActorContext] = ContextVar("audit_actor_context", default=_DEFAULT)  # noqa: B039


def current_context() -> ActorContext:
    return _current.get()


@contextlib.contextmanager
def actor_context(*, user=None, channel: str, ip_address: str | None = None, request_id: str = ""):
    """Run a block as ``user`` through ``channel``; jobs and commands use this too."""
    token = _current.set(
        ActorContext(
            user=user,
            channel=channel,
            ip_address=ip_address,
            request_id=request_id or str(uuid.uuid4()),
        )
    )
    try:
        yield current_context()
    finally:
        _current.reset(token)
