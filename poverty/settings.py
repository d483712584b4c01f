"""Settings for the poverty-alleviation case-management system (精准扶贫业务管理系统).

One module, read from the environment (django-environ). Every variable is listed in
docs/configuration.md. With no DATABASE_URL a private PostgreSQL server is started from the
pgserver wheel (data in var/pg); with no REDIS_URL / CELERY_BROKER_URL Celery uses kombu's
filesystem transport in var/celery. Nothing ever falls back silently from a server that was
named: a named server that cannot be reached is an error (see poverty/preflight.py).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("POVERTY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    TIME_ZONE=(str, "Asia/Shanghai"),
    LANGUAGE_CODE=(str, "zh-hans"),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")

SECRET_KEY = env.str("SECRET_KEY", default=env.str("DJANGO_SECRET_KEY", default=""))
if not SECRET_KEY:
    if not DEBUG and not env.bool("POVERTY_ALLOW_INSECURE_KEY", default=False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or DEBUG=true for development)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "poverty",
    "poverty.audit",
    "poverty.jobs",
    "villages",
    "households",
    "assistance",
    "assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "poverty.audit.middleware.AuditContextMiddleware",
    # Last, as django-axes requires: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "poverty.urls"
WSGI_APPLICATION = "poverty.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL only --------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#postgresql-notes
DATABASE_URL = env.str("DATABASE_URL", default="")
EMBEDDED_DATABASE = not DATABASE_URL
if EMBEDDED_DATABASE:
    from poverty.embedded_db import embedded_database_config

    DATABASES = {
        "default": embedded_database_config(
            VAR_DIR / "pg", name=env.str("EMBEDDED_DATABASE_NAME", default="poverty")
        )
    }
else:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
# Django's PostgreSQL backend with a health check that skips busy connections (poverty/db/base.py)
DATABASES["default"]["ENGINE"] = "poverty.db"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_HEALTH_CHECK_AFTER_IDLE = env.float("DATABASE_HEALTH_CHECK_AFTER_IDLE", default=5.0)
# Behind pgbouncer in transaction pooling mode a server-side cursor (QuerySet.iterator()) can
# outlive the transaction on the server connection it was opened on; Django then uses
# client-side cursors instead (docs: ref/databases, "Transaction pooling and server-side cursors").
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False
)
# The API's hottest reads run as server-side prepared statements (poverty.api.prepared); off
# behind pgbouncer in transaction pooling mode older than 1.21.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES["default"].setdefault("TEST", {})
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"]["NAME"] = env.str("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "poverty",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery --------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _dir in (_queue_dir, _processed_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True  # results live in JobRun rows, not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=30 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=35 * 60)
CELERY_TIMEZONE = env("TIME_ZONE")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False  # never: a missing broker is an error, not a reason to run inline

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout after repeated failures, before any check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# django-axes: lock the (username, address) pair after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Behind a reverse proxy that sets X-Forwarded-For, set this so logs show the client address.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)

# --- I18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The hashed manifest needs `collectstatic`; development and tests serve from finders.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATICFILES_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API -----------------------------------------------------------------------------------
# The API's own pieces live in poverty/api/ (see docs/api.md).
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "poverty.api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request is answered 401 with WWW-Authenticate: Bearer.
        "poverty.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["poverty.api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["poverty.api.parsers.BoundedJSONParser"],
    # Per user, per token and per address (anonymous), counted in one Redis round trip.
    "DEFAULT_THROTTLE_CLASSES": ["poverty.api.throttling.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "poverty.api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per window ("N/s", "N/min", "N/hour", "N/day"); counters live in the default cache
# (Redis when REDIS_URL is set, so every gunicorn worker counts together).
API_THROTTLE_RATES = {
    "user": env.str("API_THROTTLE_USER", default="3000/min"),
    "token": env.str("API_THROTTLE_TOKEN", default="1200/min"),
    "anon": env.str("API_THROTTLE_ANON", default="60/min"),
}
# How much of a window's budget a server process reserves in Redis at a time (poverty.api.throttling)
API_THROTTLE_LEASE = env.int("API_THROTTLE_LEASE", default=20)
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)  # 0: tokens never expire
# Seconds a server process remembers a token that authenticated (poverty.api.authentication):
# a revocation reaches the other processes at most this late. 0: look it up on every request.
API_TOKEN_CACHE_SECONDS = env.int("API_TOKEN_CACHE_SECONDS", default=10)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 100
SPECTACULAR_SETTINGS = {
    "TITLE": "精准扶贫业务管理系统 API",
    "DESCRIPTION": (
        "建档立卡贫困户、家庭成员、年度收入、两不愁三保障、帮扶责任人、结对帮扶、驻村工作队等数据的接口。"
        "每个请求只能看到本人管辖区域内的数据，区域外的记录一律返回 404。使用说明见 docs/api.md。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": True,
    # Choice sets shared by several fields get one component each, named after the choice
    # class, instead of one copy per field name (clothing/water/medical..., from_status/status).
    "ENUM_NAME_OVERRIDES": {
        "GuaranteeStateEnum": "households.choices.GuaranteeState",
        "HouseholdStatusEnum": "households.choices.HouseholdStatus",
        "CauseOfPovertyEnum": "households.choices.CauseOfPoverty",
        "EducationEnum": "households.choices.Education",
        "AttendanceStatusEnum": "assistance.choices.AttendanceStatus",
        "VisitKindEnum": "assistance.choices.VisitKind",
        "VisitorRoleEnum": "assistance.choices.VisitorRole",
        "ProcedureKindEnum": "assessment.procedures.ProcedureKind",
        "ProcedureStatusEnum": "assessment.procedures.ProcedureStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayRequestDuration": True},
    "REDOC_DIST": "SIDECAR",
}

# --- Security (production values when DEBUG is off) ----------------------------------------
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # Secure by default; an intranet served over plain HTTP must turn these off explicitly.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's probe speaks plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=30 * 24 * 3600)
    # Subdomains and the browser preload list belong to whoever runs the domain (often a
    # county government portal with other sites under it): opt in, never by default.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
        *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    ]

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Project -------------------------------------------------------------------------------
# Which part of the division-code tree the demo and the region import know about.
POVERTY_REGION_SEED_FILE = BASE_DIR / "villages" / "data" / "divisions-seed-regions.csv"

# --- Excel ledgers (docs/ledgers.md) -------------------------------------------------------
# Finished export and import-check files are deleted this many hours after the job ends.
LEDGER_FILE_EXPIRY_HOURS = env.int("LEDGER_FILE_EXPIRY_HOURS", default=72)
# Uploads larger than this are refused before they are read.
LEDGER_IMPORT_MAX_BYTES = env.int("LEDGER_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Data rows per sheet before a ledger continues on the next sheet (Excel's limit less 3 rows).
LEDGER_MAX_ROWS_PER_SHEET = env.int("LEDGER_MAX_ROWS_PER_SHEET", default=1_048_573)
# Exports up to this many rows, and uploads up to this size, run in the request; larger as jobs.
LEDGER_SYNC_MAX_ROWS = env.int("LEDGER_SYNC_MAX_ROWS", default=3000)
LEDGER_SYNC_MAX_BYTES = env.int("LEDGER_SYNC_MAX_BYTES", default=512 * 1024)
