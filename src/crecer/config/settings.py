"""One settings module, driven by environment variables.

CRECER_DATA_DIR   folder for the SQLite database, DuckDB files, uploads (default ./crecer-data)
DATABASE_URL      use this database (PostgreSQL in deployments) instead of SQLite
CRECER_ENV        "production" turns on the secure defaults that `check --deploy` wants
CRECER_SECRET_KEY secret key; when unset one is generated once into the data folder
CRECER_ALLOWED_HOSTS comma-separated host names (production)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CRECER_DATA_DIR", "crecer-data")).resolve()
PRODUCTION = os.environ.get("CRECER_ENV", "").lower() == "production"


def _secret_key() -> str:
    if key := os.environ.get("CRECER_SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CRECER_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("CRECER_ALLOWED_HOSTS", "").split(",") if h] or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs page (Swagger UI) from its own static files, no CDN
    "axes",
    "django_tasks",
    "django_tasks_db",
    "crecer.core",
    "crecer.territory",
    "crecer.accounts",
    "crecer.registry",
    "crecer.dedup",
    "crecer.imports",
    "crecer.programmes",
    "crecer.fieldwork",
    "crecer.referrals",
    "crecer.deliveries",
    "crecer.coresponsibility",
    "crecer.aggregates",
    "crecer.indicators",
    "crecer.quality",
    "crecer.interop",
    "crecer.tablero",
    "crecer.finance",
    "crecer.planning",
    "crecer.scaleup",
    "crecer.workforce",
    "crecer.implementation",
    "crecer.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crecer.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crecer.config.urls"
WSGI_APPLICATION = "crecer.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "crecer.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Rate limiting of failed logins (django-axes): 5 failures lock the username+IP for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("CRECER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("CRECER_TIME_ZONE", "America/Mexico_City")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Uploads: refuse anything larger than this for imports (bytes).
CRECER_IMPORT_MAX_BYTES = int(os.environ.get("CRECER_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
CRECER_IMPORT_MAX_ROWS = int(os.environ.get("CRECER_IMPORT_MAX_ROWS", "50000"))
CRECER_MAX_EVIDENCE_BYTES = int(os.environ.get("CRECER_MAX_EVIDENCE_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = CRECER_IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Background tasks: django-tasks with the database backend; `crecer worker` runs them.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "CRECER_TASK_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
    }
}

# The tablero's and the indicator API's per-user cache (crecer.tablero.cache): in memory per
# process by default; CRECER_CACHE=file shares it between processes (several web workers),
# CRECER_CACHE=off turns it off.
# Entries are keyed by the data version, so the timeout only bounds edits made outside audited
# actions (the Django admin).
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "TIMEOUT": int(os.environ.get("CRECER_CACHE_SECONDS", "600")),
    "OPTIONS": {"MAX_ENTRIES": 2000},
}}
if os.environ.get("CRECER_CACHE", "").lower() == "file":
    CACHES["default"].update(BACKEND="django.core.cache.backends.filebased.FileBasedCache",
                             LOCATION=str(DATA_DIR / "cache"))
elif os.environ.get("CRECER_CACHE", "").lower() == "off":  # every page computed (benchmarks)
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("CRECER_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Indicators: where the DuckDB extract and results live, and how many months are computed.
CRECER_ANALYTICS_DIR = Path(os.environ.get("CRECER_ANALYTICS_DIR", DATA_DIR / "analytics"))
CRECER_INDICATOR_MONTHS = int(os.environ.get("CRECER_INDICATOR_MONTHS", "36"))
CRECER_INDICATORS_AUTO_REFRESH = os.environ.get("CRECER_INDICATORS_AUTO_REFRESH", "1") != "0"
# DuckDB's memory bound for a refresh (beyond it, it spills to DATA_DIR/analytics/tmp).
CRECER_ANALYTICS_MEMORY_LIMIT = os.environ.get("CRECER_ANALYTICS_MEMORY_LIMIT", "4GB")
