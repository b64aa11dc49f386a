"""Settings for parindex, driven by environment variables.

Every value an operator may set is read here through a small helper that stops start-up with
one line naming the variable when the value is wrong, so a mistyped environment never becomes a
half-working server. See README.md ("Configuration") for the list.
"""

import datetime
import importlib.util
import os
import sys
from pathlib import Path

import dj_database_url
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def _stop(message: str) -> None:
    # SystemExit with a string prints just that line and exits 1: no traceback to scroll through.
    raise SystemExit(f"parindex: {message}")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    _stop(f"{name}={raw!r} không hợp lệ; đặt {name}=1 hoặc {name}=0 (set {name} to 1 or 0).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        _stop(
            f"{name}={raw!r} không phải số nguyên; đặt {name} là một số (set {name} to an integer)."
        )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL (postgres://user@host:port/name); stop with one line when it is wrong."""
    hint = (
        "đặt DATABASE_URL dạng postgres://user:password@host:5432/dbname (or unset it for SQLite)"
    )
    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        _stop(f"DATABASE_URL={url!r} không hợp lệ; {hint}.")
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except Exception as exc:  # the parser raises several types; all mean the same to an operator
        _stop(f"DATABASE_URL không đọc được ({exc}); {hint}.")
    if config["ENGINE"].endswith("postgresql"):
        if not config.get("NAME"):
            _stop(f"DATABASE_URL={url!r} thiếu tên cơ sở dữ liệu; {hint}.")
        # A database that does not answer fails /healthz and requests within seconds, instead
        # of holding a worker until gunicorn's timeout.
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
        # PostgreSQL compiles a query to machine code when its estimated cost is high (JIT).
        # Our grouped dashboard pass is estimated high but runs in well under a second, and
        # the compilation alone took 3,8 s of its 3,6 s execution on the national dataset
        # (EXPLAIN ANALYZE, 01/12/2026): the pages are short queries, so JIT is off.
        if not env_bool("DB_JIT", False):
            options.setdefault("options", "-c jit=off")
    return config


# Development is the default so `make run` works out of the box; production sets DEBUG=0,
# and then SECRET_KEY must be given (checked below) and `check --deploy` is clean.
DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        _stop("thiếu SECRET_KEY; đặt SECRET_KEY (một chuỗi ngẫu nhiên dài) khi DEBUG=0.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, axes and django-tasks-db with Vietnamese names (parindex/apps.py).
    "parindex.apps.ParindexAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_tasks",
    "parindex.apps.TasksDbConfig",
    "parindex.apps.AxesConfig",
    "auditlog",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "parindex.indices",
    "agencies",
    "plans",
    "parindex.ops",
    "plans.tooling",
    "plans.api",
]

# None of ours adds a query to a request: WhiteNoise answers static files from memory, the
# request log reads the user only if the view loaded it, auditlog only binds the user to the
# entries a request writes, axes reads the database only when a login is attempted.
# WhiteNoise serves collectstatic's output in production; `runserver` and the tests serve
# static/ through django.contrib.staticfiles as usual.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "parindex.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "parindex.middleware.AuditActorMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only: each response says how many queries it made (X-Query-Count). Set by
# `manage.py benchmark` / `loadtest` for the gunicorn they start; never on by default.
if env_bool("PARINDEX_QUERY_COUNT_HEADER", False):
    MIDDLEWARE.insert(0, "parindex.middleware.QueryCountMiddleware")

ROOT_URLCONF = "parindex.urls"
# 400, 403, 404 and 500 are templates/<code>.html (Django's default handlers); a CSRF refusal
# gets our page too, in the layout, instead of Django's English one.
CSRF_FAILURE_VIEW = "parindex.views.csrf_failure"
WSGI_APPLICATION = "parindex.wsgi.application"

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
                "parindex.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL lets the dev server read while a management command writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "parindex.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Our Vietnamese for what Django's own catalog and the third-party apps leave in English or
# translate wrongly; it wins over theirs. The .po is compiled by `make setup` (compile_translations).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Vietnamese conventions: 31/12/2024 and 84,69.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "parindex.staticfiles.UsedAppDirectoriesFinder",
]
# Source maps are read by a developer's browser tools only: not worth compressing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Production serves `collectstatic`'s output through WhiteNoise, compressed and under hashed
# names (cached for a year); development and the tests read static/ directly, no manifest needed.
STATIC_STORAGE = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
# Evidence files live outside static/ and are served only through a permission-checked view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Several app servers share uploaded evidence through an S3-compatible store (django-storages,
# installed separately: see README "Growing past one server"); one server keeps it in MEDIA_ROOT.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    if importlib.util.find_spec("storages") is None:
        _stop(
            "S3_BUCKET được đặt nhưng chưa cài django-storages; "
            "chạy .venv/bin/pip install 'django-storages[s3]==1.14.6' (or unset S3_BUCKET)."
        )
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("S3_PREFIX", "parindex"),
            # Private objects: files are only ever streamed through the permission-checked view.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {"default": DEFAULT_STORAGE, "staticfiles": {"BACKEND": STATIC_STORAGE}}

# Accounts. Every login goes through django-axes first: after LOGIN_FAILURE_LIMIT failures
# within LOGIN_COOLOFF_MINUTES, that user name is refused whatever address tries it; an address
# is refused, whoever tries, only after LOGIN_IP_FAILURE_LIMIT failures, because a whole office
# shares one address (the two rules: parindex/login_throttle.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 50)
if AXES_FAILURE_LIMIT < 1 or LOGIN_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    _stop(
        f"LOGIN_FAILURE_LIMIT={AXES_FAILURE_LIMIT}, LOGIN_IP_FAILURE_LIMIT={LOGIN_IP_FAILURE_LIMIT}"
        " không hợp lệ; cần 1 ≤ LOGIN_FAILURE_LIMIT ≤ LOGIN_IP_FAILURE_LIMIT "
        "(an address is shared by many users: its limit is at least a user name's)."
    )
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
# Both are recorded and shown in the admin; the handler applies each its own limit.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "parindex.login_throttle.LoginThrottleHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "parindex.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "parindex.middleware.client_ip"
AXES_VERBOSE = False
# Behind nginx every request comes from 127.0.0.1; the client's address is then the
# X-Forwarded-For header that deploy/nginx-parindex.conf sets (and overwrites).
BEHIND_PROXY = env_bool("BEHIND_PROXY", not DEBUG)
AUDITLOG_DISABLE_REMOTE_ADDR = False
# A password hash is never copied into the audit log, not even a part of it.
AUDITLOG_MASK_CALLABLE = "parindex.core.audit.mask"
# Sessions live in the database (shared by every app server) and end after 8 hours by default;
# changing a password ends the user's other sessions (Django's session auth hash).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Domain settings (see docs in README.md).
# An open assignment due within this many days counts as "sắp đến hạn".
PARINDEX_DUE_SOON_DAYS = env_int("PARINDEX_DUE_SOON_DAYS", 7)
# An open task with no due date ("Thường xuyên", recurring, an event) whose agency has not
# reported for this many days is flagged "lâu chưa cập nhật" (dashboard, reminders).
PARINDEX_STALE_DAYS = env_int("PARINDEX_STALE_DAYS", 90)
if PARINDEX_STALE_DAYS < 1:
    _stop(
        f"PARINDEX_STALE_DAYS={PARINDEX_STALE_DAYS} không hợp lệ; đặt một số ngày từ 1 trở lên "
        "(set PARINDEX_STALE_DAYS to 1 or more)."
    )
# Reporting periods' data cut-off (day, month), after Nghị định 09/2019/NĐ-CP: a year's
# reports run from 15/12 of the year before to 14/03 (quý I), 14/06 (6 tháng), 14/09 (9 tháng)
# and 14/12 (năm).
PARINDEX_PERIOD_START = (15, 12)
PARINDEX_PERIOD_CUTOFFS = {"Q1": (14, 3), "H1": (14, 6), "9M": (14, 9), "Y": (14, 12)}
PARINDEX_UPLOAD_MAX_BYTES = env_int("PARINDEX_UPLOAD_MAX_MB", 20) * 1024 * 1024
PARINDEX_IMPORT_MAX_ROWS = env_int("PARINDEX_IMPORT_MAX_ROWS", 20_000)
# Background work (reports, exports, period reminders) is django-tasks with its database
# backend: a request enqueues a task, `manage.py db_worker` runs it (README, "Job worker").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A finished file is kept this many hours, then deleted with its job.
PARINDEX_JOBS_KEEP_HOURS = env_int("PARINDEX_JOBS_KEEP_HOURS", 24)
# A job still "running" after this many minutes lost its worker even if we cannot tell
# (another machine's worker): it is run again (at most 3 attempts in all). The largest file
# takes seconds; a worker of this machine that died is noticed at once (plans/files/jobs.py).
PARINDEX_JOBS_STALE_MINUTES = env_int("PARINDEX_JOBS_STALE_MINUTES", 30)
# Files one user may have queued or being built at once; one more is refused with a message.
PARINDEX_JOBS_PER_USER = env_int("PARINDEX_JOBS_PER_USER", 3)

# The API for the province's other systems (/api/v1/, plans/api/): a personal token
# ("Authorization: Bearer …", made on /accounts/api-tokens/) or the browser's session (with its
# CSRF token); every request throttled per token (per user for a session) in CACHES["default"].
# That cache is each process's memory unless PARINDEX_CACHE_DIR names a folder the app
# servers of one machine share (a file cache): with gunicorn's several workers, set it, or
# the limit is per worker.
PARINDEX_CACHE_DIR = env_str("PARINDEX_CACHE_DIR")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": PARINDEX_CACHE_DIR,
        }
        if PARINDEX_CACHE_DIR
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "plans.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["plans.api.throttling.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("PARINDEX_API_RATE", "600/minute")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "plans.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 100,
    "DATE_INPUT_FORMATS": ["iso-8601", "%d/%m/%Y"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "plans.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "parindex API",
    "DESCRIPTION": (
        "API đọc kế hoạch khắc phục, nhiệm vụ, phân công, tiến độ, tài liệu kiểm chứng, cơ quan, "
        "tỉnh, chỉ số và kết quả; ghi tiến độ, xác nhận, đề nghị và quyết định gia hạn. "
        "Xác thực bằng mã truy cập cá nhân (tạo tại /accounts/api-tokens/): "
        "`Authorization: Bearer <mã>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "plans.models.Assignment.Status",
        "ExtensionStatusEnum": "plans.models.DeadlineExtension.Status",
        "ReviewStateEnum": "plans.models.Assignment.Review",
    },
}

# Email (reminders). The console backend prints mail in development; set EMAIL_HOST for SMTP.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "parindex <no-reply@localhost>")
# Where links in emails point (the address users open the app at).
PARINDEX_BASE_URL = env_str("PARINDEX_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# One line per event on stderr, "2026-11-22 23:05:01,123 INFO parindex.request GET /tasks/ 200
# 41ms user=12 ip=10.0.0.7": systemd's journal (or docker) keeps it, grep finds it. gunicorn.conf.py
# writes gunicorn's own lines in the same format. Not stdout: a command's stdout is its output
# (import_annex --json prints one JSON document there, which a log line would corrupt).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": LOG_FORMAT}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": sys.stderr, "formatter": "plain"}
    },
    "root": {"handlers": ["stderr"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Its 4xx/5xx lines repeat what parindex.request says; errors keep their traceback.
        "django.request": {"level": "ERROR"},
        # django-axes: failed logins and lockouts (WARNING); successes are in the admin's
        # access log, not in the journal.
        "axes": {"level": "WARNING"},
        "parindex.request": {"level": "INFO" if env_bool("REQUEST_LOG", True) else "WARNING"},
    },
}

if not DEBUG:
    # nginx terminates HTTPS and says so in X-Forwarded-Proto (deploy/nginx-parindex.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health check may come over plain HTTP to the app server itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
