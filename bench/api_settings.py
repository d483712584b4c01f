"""Settings for bench/api_bench.py: the project's, with the bench-only baseline routed and
the request limits raised (the load generator is one client hammering on purpose)."""

from poverty.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
DEBUG = False  # no query log, as in production
SECURE_SSL_REDIRECT = False
API_THROTTLE_RATES = {"user": "10000000/min", "token": "10000000/min", "anon": "10000000/min"}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Connections kept for the whole run (production: 60 s), so that the PostgreSQL CPU per request
# that api_bench.py reads off the backends is not lost when a worker reconnects mid-run.
DATABASES["default"]["CONN_MAX_AGE"] = None  # noqa: F405
