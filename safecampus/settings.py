"""SafeCampus settings: one module, every knob read from the environment (see docs/configure.md).

SAFECAMPUS_MODE=laptop (default) runs on SQLite with a per-machine generated secret;
SAFECAMPUS_MODE=production refuses to start without a real SECRET_KEY and turns on
HTTPS-only cookies, HSTS and SSL redirect so that `manage.py check --deploy` is clean.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from safecampus.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SAFECAMPUS_VAR_DIR", str(BASE_DIR / "var")))

MODE = env_str("SAFECAMPUS_MODE", "laptop")
if MODE not in {"laptop", "production"}:
    raise ImproperlyConfigured(f"SAFECAMPUS_MODE must be laptop or production, got {MODE!r}")
PRODUCTION = MODE == "production"
DEBUG = env_bool("DEBUG", False)

INSECURE_SECRET_PREFIX = "django-insecure"  # noqa: S105 (what Django prefixes demo keys with)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if PRODUCTION:
        # The same bar as Django's security.W009: long, varied, not a generated demo key.
        weak = len(key) < 50 or len(set(key)) < 5 or key.startswith(INSECURE_SECRET_PREFIX)
        if weak:
            raise ImproperlyConfigured(
                "SAFECAMPUS_MODE=production needs SECRET_KEY: at least 50 random characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
            )
        return key
    if key:
        return key
    # Laptop mode: a random key kept on this machine, never a default shared by every install.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SAFECAMPUS_MODE=production needs ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "treebeard",
    "ninja",
    "axes",
    "csp",
    "django_htmx",
    "safecampus.audit",
    "safecampus.orgs",
    "safecampus.accounts",
    "safecampus.hazards",
    "safecampus.duties",
    "safecampus.risks",
    "safecampus.notify",
    "safecampus.analytics",
    "safecampus.demo",
    "safecampus.ops",
    "safecampus.web",
]

MIDDLEWARE = [
    "safecampus.web.access_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safecampus.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safecampus.accounts.middleware.SessionTimeoutMiddleware",
    "safecampus.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safecampus.urls"
WSGI_APPLICATION = "safecampus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safecampus" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safecampus.web.context.shell",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    _db["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "safecampus.sqlite3"),
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so that concurrent writers queue instead of failing with "database is locked".
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# Short: a Redis that is down must cost a page a fraction of a second, not redis-py's 5 s.
REDIS_SOCKET_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
if REDIS_URL:
    # Reads miss and writes do nothing while Redis is unreachable (safecampus/lib/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "safecampus.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_SOCKET_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts, passwords, sessions, lockout ------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "safecampus.accounts.passwords.ComplexityValidator"},
    {"NAME": "safecampus.accounts.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "safecampus.accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front of Django (nginx: 1). django-ipware is not installed, so the client
# address comes from our own helper, which trusts only the X-Forwarded-For hops proxies wrote.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "safecampus.lib.http.client_ip"

# --- security headers ----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not from this cookie
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
if env_bool("BEHIND_TLS_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- i18n / time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safecampus_language"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static & media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "safecampus" / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Where `manage.py backup` writes its archives (docs/backup.md).
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
MEDIA_URL = "/media/"  # never served directly: files go through permission-checked views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000, minimum=1)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- public reports (/report/, no login) -----------------------------------------------------
# Per client address (see PROXY_COUNT), counted in the cache: per process unless REDIS_URL is set.
PUBLIC_REPORTS_PER_HOUR = env_int("PUBLIC_REPORTS_PER_HOUR", 5, minimum=1)
PUBLIC_REPORTS_PER_DAY = env_int("PUBLIC_REPORTS_PER_DAY", 50, minimum=1)
PUBLIC_STATUS_CHECKS_PER_HOUR = env_int("PUBLIC_STATUS_CHECKS_PER_HOUR", 60, minimum=1)

# --- email ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "safecampus@localhost")

# --- notifications and the periodic job (docs/notifications.md) ----------------------------


def _days(name: str, raw: list[str]) -> list[int]:
    try:
        days = sorted({int(item) for item in raw}, reverse=True)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be whole days like 3,1, got {raw!r}") from None
    if any(day < 1 for day in days):
        raise ImproperlyConfigured(f"{name} must list days of at least 1, got {raw!r}")
    return days


# The address people open SafeCampus at, e.g. https://safecampus.example.gov.cn: emails and
# group-robot messages then end with a link to the hazard. Empty: no link.
SITE_URL = env_str("SITE_URL").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, got {SITE_URL!r}")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
HAZARD_REMINDER_DAYS = _days("HAZARD_REMINDER_DAYS", env_list("HAZARD_REMINDER_DAYS", "3,1"))
HAZARD_ESCALATE_COUNTY_DAYS = env_int("HAZARD_ESCALATE_COUNTY_DAYS", 3, minimum=1)
HAZARD_ESCALATE_CITY_DAYS = env_int("HAZARD_ESCALATE_CITY_DAYS", 7, minimum=1)
if HAZARD_ESCALATE_CITY_DAYS <= HAZARD_ESCALATE_COUNTY_DAYS:
    raise ImproperlyConfigured(
        "HAZARD_ESCALATE_CITY_DAYS must be more than HAZARD_ESCALATE_COUNTY_DAYS."
    )

# --- background jobs: Celery (docs/deploy.md "Background jobs (Celery)") --------------------
# Without a broker (laptop mode) tasks run inline when called and `manage.py tick` from cron
# does the periodic work; with one, `celery -A safecampus worker` and `... beat` do it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, not when it starts, and given back to the
# broker if its worker dies: a tick killed mid-way runs again (every task is idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one waiting task, not four
CELERY_TASK_TIME_LIMIT = 30 * 60  # seconds; the longest a task may run before it is killed
# Redis hands an unacknowledged task to another worker after this long: well above the time
# limit, so a slow task is never run twice at once because the broker thought it lost.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * CELERY_TASK_TIME_LIMIT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits out a Redis restart, however long
# A task running when the broker connection drops cannot be acknowledged any more and is
# delivered again after the reconnect: stop it instead of letting two copies run.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # no result backend: the outcome is in the database and log
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING below (JSON lines) in the worker too
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
TICK_INTERVAL_SECONDS = env_int("TICK_INTERVAL_SECONDS", 300, minimum=60)
# ``expires``: a run that waited in the queue longer than its interval (the worker was down)
# is dropped instead of piling up; the next one does the same work.
CELERY_BEAT_SCHEDULE = {
    "tick": {
        "task": "safecampus.tick",
        "schedule": TICK_INTERVAL_SECONDS,
        "options": {"expires": TICK_INTERVAL_SECONDS},
    },
    "deliver-outbox": {
        "task": "safecampus.deliver_outbox",
        "schedule": 60,
        "options": {"expires": 60},
    },
    "heartbeat": {"task": "safecampus.heartbeat", "schedule": 60, "options": {"expires": 60}},
}

# --- health and readiness (/healthz, /readyz; docs/deploy.md "Health and readiness") ---------
READYZ_WORKER_STALE_MINUTES = env_int("READYZ_WORKER_STALE_MINUTES", 15, minimum=1)
READYZ_OUTBOX_STALE_MINUTES = env_int("READYZ_OUTBOX_STALE_MINUTES", 30, minimum=1)

# --- early warning (docs/risks.md, "Early warning") -----------------------------------------


def _named_numbers(name: str, raw: str, keys: tuple[str, ...]) -> dict[str, int]:
    """'a=1,b=2' over exactly ``keys``: unknown or missing names and non-numbers refuse."""
    values: dict[str, int] = {}
    for part in filter(None, (item.strip() for item in raw.split(","))):
        key, _sep, number = part.partition("=")
        key = key.strip()
        if key not in keys or not number.strip().isdigit():
            raise ImproperlyConfigured(
                f"{name} must be {','.join(k + '=<whole number>' for k in keys)}, got {raw!r}"
            )
        values[key] = int(number)
    missing = [key for key in keys if key not in values]
    if missing:
        raise ImproperlyConfigured(f"{name} is missing {', '.join(missing)}: got {raw!r}")
    return values


SAFETY_INDEX_WEIGHTS = _named_numbers(
    "SAFETY_INDEX_WEIGHTS",
    env_str(
        "SAFETY_INDEX_WEIGHTS",
        "red_points=10,orange_points=4,open_hazards=1,overdue_hazards=3,"
        "open_major_hazards=8,unsigned_lists=2",
    ),
    (
        "red_points",
        "orange_points",
        "open_hazards",
        "overdue_hazards",
        "open_major_hazards",
        "unsigned_lists",
    ),
)
SAFETY_WARNING_LEVELS = _named_numbers(
    "SAFETY_WARNING_LEVELS",
    env_str("SAFETY_WARNING_LEVELS", "red=40,orange=20,yellow=8"),
    ("red", "orange", "yellow"),
)
if (
    not 0
    < SAFETY_WARNING_LEVELS["yellow"]
    < SAFETY_WARNING_LEVELS["orange"]
    < SAFETY_WARNING_LEVELS["red"]
):
    raise ImproperlyConfigured("SAFETY_WARNING_LEVELS must rise: 0 < yellow < orange < red.")

# --- API -----------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
API_PAGE_SIZE_MAX = 500

# --- logging (docs/configure.md "Logging") ---------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # On the handler, so that every record (Django's, Celery's, ours) gets the request id.
    "filters": {"context": {"()": "safecampus.lib.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "safecampus.lib.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"axes": {"level": "WARNING"}},
}
