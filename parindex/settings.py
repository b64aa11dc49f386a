"""Settings for parindex, driven by environment variables.

Every value an operator may set is read here through a small helper that stops start-up with
one line naming the variable when the value is wrong, so a mistyped environment never becomes a
half-working server. See README.md ("Production environment") for the list.
"""

import os
import sys
from pathlib import Path

import dj_database_url

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
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        _stop(f"DATABASE_URL={url!r} thiếu tên cơ sở dữ liệu; {hint}.")
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "parindex",
    "agencies",
    "plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Benchmarks only: each response says how many queries it made (X-Query-Count). Set by
# `manage.py benchmark` / `loadtest` for the gunicorn they start; never on by default.
if env_bool("PARINDEX_QUERY_COUNT_HEADER", False):
    MIDDLEWARE.insert(0, "parindex.middleware.QueryCountMiddleware")

ROOT_URLCONF = "parindex.urls"
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
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
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Evidence files live outside static/ and are served only through a permission-checked view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Domain settings (see docs in README.md).
# An open assignment due within this many days counts as "sắp đến hạn".
PARINDEX_DUE_SOON_DAYS = env_int("PARINDEX_DUE_SOON_DAYS", 7)
# Reporting periods' data cut-off (day, month), after Nghị định 09/2019/NĐ-CP: a year's
# reports run from 15/12 of the year before to 14/03 (quý I), 14/06 (6 tháng), 14/09 (9 tháng)
# and 14/12 (năm).
PARINDEX_PERIOD_START = (15, 12)
PARINDEX_PERIOD_CUTOFFS = {"Q1": (14, 3), "H1": (14, 6), "9M": (14, 9), "Y": (14, 12)}
PARINDEX_UPLOAD_MAX_BYTES = env_int("PARINDEX_UPLOAD_MAX_MB", 20) * 1024 * 1024
PARINDEX_IMPORT_MAX_ROWS = env_int("PARINDEX_IMPORT_MAX_ROWS", 20_000)

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": sys.stdout, "formatter": "plain"}
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
