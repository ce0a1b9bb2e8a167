"""Settings for every profile, read from the environment (12-factor, django-environ).

Two profiles, chosen by INSURER_PROFILE:

- ``embedded`` (default): what ``make run`` and ``make test`` use on a fresh machine.
  SQLite in WAL mode under ``var/``, kombu's filesystem broker (no server), development keys
  that are printed as such. DEBUG stays off unless DJANGO_DEBUG=1 is set.
- ``production``: PostgreSQL and Redis from DATABASE_URL / CELERY_BROKER_URL; the secret key
  and PII keys MUST come from the environment (start-up fails without them); HTTPS-only
  cookies, HSTS and the rest of ``manage.py check --deploy``.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("INSURER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
PROFILE = env.str("INSURER_PROFILE", default="embedded")
if PROFILE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"INSURER_PROFILE must be 'embedded' or 'production', not {PROFILE!r}")
EMBEDDED = PROFILE == "embedded"

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Development-only defaults. They are public (they are in this file), so the production
# profile refuses to start without real values from the environment.
_DEV_SECRET_KEY = "embedded-profile-only-not-a-secret-9c1f0e7a3b"  # noqa: S105 (public on purpose)
_DEV_PII_KEYS = "dev1:ZW1iZWRkZWQtcHJvZmlsZS1vbmx5LXBpaS1rZXktMDE="  # 32 bytes, base64
_DEV_BLIND_INDEX_KEY = "embedded-profile-only-blind-index-key"
_DEV_LEDGER_SIGNING_KEY = "ZW1iZWRkZWQtcHJvZmlsZS1sZWRnZXItc2lnbmluZy0="  # 32-byte Ed25519 seed


def _required(name: str, dev_default: str) -> str:
    if EMBEDDED:
        return env.str(name, default=dev_default)
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the production profile")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
# Old secret keys still accepted for signatures (sessions, password resets) during rotation.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# PII encryption keyring: "kid:base64key[,kid:base64key...]"; the first key encrypts, all
# decrypt. Rotation: put the new key first, run `manage.py pii_rotate`, then drop the old
# one (docs/operator-guide.md).
INSURER_PII_KEYS = _required("INSURER_PII_KEYS", _DEV_PII_KEYS)
INSURER_BLIND_INDEX_KEY = _required("INSURER_BLIND_INDEX_KEY", _DEV_BLIND_INDEX_KEY)
# Signs the audit ledger's checkpoints (Ed25519 seed, base64). Its public half is what the
# audit committee keeps: `manage.py audit_checkpoint --public-key`.
INSURER_LEDGER_SIGNING_KEY = _required("INSURER_LEDGER_SIGNING_KEY", _DEV_LEDGER_SIGNING_KEY)
# Who gives recorded events their place in the chain (docs/decisions/0006-audit-ledger.md):
# "after_commit": the writing process, right after its commit (one process, SQLite, tests);
# "chainer": one `manage.py ledger_chainer` process per database chains in batches, so
# writers only insert (production; the compose file runs the chainer as a service).
INSURER_LEDGER_CHAINING = env.str(
    "INSURER_LEDGER_CHAINING", default="chainer" if PROFILE == "production" else "after_commit"
)
if INSURER_LEDGER_CHAINING not in ("after_commit", "chainer"):
    raise ImproperlyConfigured(
        f"INSURER_LEDGER_CHAINING must be 'after_commit' or 'chainer', not {INSURER_LEDGER_CHAINING!r}"
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "insurer.admin_site.InsurerAdminConfig",  # django.contrib.admin, writing to the audit ledger
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
    "insurer",
    "insurer.access",
    "insurer.ledger",
    "insurer.notifications",
    "insurer.jobs",
    "insurer.clocks",
    "insurer.approvals",
    "customers",
    "risk",
    "compliance",
    "compliance.screening",
    "compliance.rules",
    "compliance.holds",
]

# How many reverse proxies we run in front of the web container (the TLS proxy of
# docs/operator-guide.md counts one). The client address in the audit ledger and the sign-in
# throttle is read from X-Forwarded-For past exactly that many hops (insurer.middleware).
INSURER_TRUSTED_PROXIES = env.int("INSURER_TRUSTED_PROXIES", default=0)

MIDDLEWARE = [
    "insurer.middleware.HealthCheckMiddleware",  # before the Host check: container health checks
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "insurer.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "insurer.urls"
WSGI_APPLICATION = "insurer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "insurer.navigation.navigation",
                "insurer.notifications.context.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'insurer.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions take
    # the write lock up front, so two writers queue instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not :memory:) so a real worker process can share the test database (it is told
    # the name: INSURER_DB_NAME_OVERRIDE); one per test process, so that two test runs in the
    # same checkout never remove each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-insurer-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A worker process started by the integration tests points at the test database by name.
if env.str("INSURER_DB_NAME_OVERRIDE", default=""):
    DATABASES["default"]["NAME"] = env.str("INSURER_DB_NAME_OVERRIDE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "insurer.access.backends.PasswordBackend",  # passwords only; superusers
    "insurer.access.backends.RoleGrantBackend",  # the roles a user holds today (docs/decisions/0004)
    "guardian.backends.ObjectPermissionBackend",  # single-object grants
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (vendored; no Node and no network at run time) -----------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
if EMBEDDED:
    # Served from the app folders (WHITENOISE_USE_FINDERS); an empty root keeps whitenoise quiet.
    STATIC_ROOT = VAR_DIR / "static"
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not EMBEDDED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The embedded profile serves straight from the app folders, so `make run` needs no
# collectstatic step; production serves the hashed, compressed collectstatic output.
WHITENOISE_USE_FINDERS = EMBEDDED
WHITENOISE_AUTOREFRESH = EMBEDDED and DEBUG

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "insurer.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "EXCEPTION_HANDLER": "insurer.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute"},
    # Left unset, DRF would take X-Forwarded-For at its word and any client could dodge
    # the throttle by forging it: trust exactly the proxies we run (INSURER_TRUSTED_PROXIES).
    "NUM_PROXIES": INSURER_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Insurer compliance-and-risk platform API",
    "DESCRIPTION": "Versioned REST API for integrators. See docs/api-guide.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" field; name the clocks' enum so the names stay stable.
    "ENUM_NAME_OVERRIDES": {
        # The role catalogue, wherever a field offers it (role, other_role…).
        "RoleEnum": "insurer.access.models.ROLE_CHOICES",
        "ClockStatusEnum": "insurer.clocks.models.Clock.Status",
        "ApprovalStatusEnum": "insurer.approvals.models.ApprovalRequest.Status",
        "ApprovalStepStatusEnum": "insurer.approvals.models.ApprovalStep.Status",
        "ApprovalStepKindEnum": "insurer.approvals.models.ApprovalStep.Kind",
        "MatrixStatusEnum": "insurer.approvals.models.AuthorisationMatrix.Status",
        "BusinessTypeEnum": "insurer.approvals.models.BusinessType",
        # AML (compliance/): tiers, dispositions and each model's own status.
        "AmlTierEnum": "compliance.models.Tier",
        "AmlDispositionEnum": "compliance.models.Disposition",
        "AlertStatusEnum": "compliance.models.Alert.Status",
        "CaseStatusEnum": "compliance.models.Case.Status",
        "StrStatusEnum": "compliance.models.SuspiciousTransactionReport.Status",
        "LvtrStatusEnum": "compliance.models.LargeValueReport.Status",
        "ScreeningHitStatusEnum": "compliance.screening.models.ScreeningHit.Status",
        "RuleVersionStatusEnum": "compliance.rules.models.RuleVersion.Status",
        "AmlRiskRatingEnum": "compliance.screening.models.CustomerRiskRating.Rating",
        "RestrictionKindEnum": "compliance.holds.models.Restriction.Kind",
        "RestrictionSourceEnum": "compliance.holds.models.Restriction.Source",
    },
}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("INSURER_BROKER_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # The filesystem transport expects its folders to exist, in the web process too.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Redis: a message a dead worker took (acks_late, never acknowledged) is delivered again
    # once it has been unacknowledged this long. It must exceed the longest retry countdown
    # (300 s), or such a task runs twice (harmless for jobs, docs/jobs.md). The sweep that
    # restores such messages runs every INSURER_BROKER_RESTORE_INTERVAL seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("INSURER_BROKER_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("INSURER_BROKER_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # The dashboard reads precomputed figures; refresh them nightly in case a change
    # reached the book without going through an import (e.g. a database restore).
    "book-summary-nightly": {"task": "customers.tasks.book_summary_refresh_task", "schedule": 24 * 3600},
    # A signed checkpoint of the audit ledger's head every hour (docs/operator-guide.md §7).
    "ledger-checkpoint-hourly": {"task": "insurer.ledger.tasks.ledger_checkpoint_task", "schedule": 3600},
    # Chain audit events whose writer died between its commit and the chaining step.
    "ledger-chain-minutely": {"task": "insurer.ledger.tasks.ledger_chain_task", "schedule": 60},
    # Jobs: requeue chunks whose worker died and messages a broker lost (docs/jobs.md).
    "jobs-recover-minutely": {"task": "insurer.jobs.tasks.jobs_recover_task", "schedule": 60},
    # Regulatory clocks: fire escalation steps and record breaches (docs/clocks.md).
    "clocks-tick-5min": {"task": "insurer.clocks.tasks.clocks_tick_task", "schedule": 300},
    # Object grants: add guardian rows on the start date, remove them after the end date.
    "access-object-grants-5min": {"task": "insurer.access.tasks.object_grants_sweep_task", "schedule": 300},
    # AML: the live monitoring run (alerts, cases, holds and freezes) as a job requested by the
    # system user aml-monitor, and the large-value reports with their C13 clocks (docs/aml.md).
    # Local time (CELERY_TIMEZONE); both are idempotent if beat fires twice.
    "aml-monitoring-daily": {"task": "compliance.tasks.monitoring_daily_task", "schedule": crontab(minute=0, hour=2)},
    "aml-lvtr-daily": {"task": "compliance.tasks.lvtr_daily_task", "schedule": crontab(minute=30, hour=1)},
}

# --- E-mail (notifications) ------------------------------------------------------------
# Embedded: printed to the console. Production: set EMAIL_URL (smtp+tls://user:pass@host:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="insurer-platform@localhost")
INSURER_NOTIFY_BY_EMAIL = env.bool("INSURER_NOTIFY_BY_EMAIL", default=not EMBEDDED)

# --- Security -------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not EMBEDDED:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Health checks come from inside the container network over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
