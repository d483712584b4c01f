"""The project's PostgreSQL backend: Django's, with a cheaper connection health check.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request
on a persistent connection: a database round trip per request (measured: a fifth of a
household API detail's time in the server process under load). Here a connection that ended
the previous request without an error less than ``DATABASE_HEALTH_CHECK_AFTER_IDLE`` seconds
ago (default 5) is trusted without the probe; one idle for longer is probed as before. A
connection that dies meanwhile (a database restart under load) fails that one query, Django
marks it unusable and closes it at the end of the request, and the next request reconnects —
what Django does without health checks, limited to busy connections.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base

__all__ = ["DatabaseWrapper"]


class DatabaseWrapper(base.DatabaseWrapper):
    #: when the connection was last seen healthy: the end (or start) of a request without errors
    _healthy_at = float("-inf")
    #: whether this request may skip the probe
    _trusted = False

    def close_if_unusable_or_obsolete(self):
        # Called at the start and at the end of every request (and Celery task): at the start,
        # the previous call is the end of the previous request on this connection.
        now = time.monotonic()
        grace = getattr(settings, "DATABASE_HEALTH_CHECK_AFTER_IDLE", 5)
        self._trusted = now - self._healthy_at < grace
        super().close_if_unusable_or_obsolete()
        healthy = self.connection is not None and not self.errors_occurred
        self._healthy_at = now if healthy else float("-inf")

    def close_if_health_check_failed(self):
        if (
            self._trusted
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
