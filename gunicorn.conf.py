"""gunicorn's configuration (`gunicorn -c gunicorn.conf.py parindex.wsgi`), read from the
environment like parindex/settings.py: a wrong value stops start-up with one line.

GUNICORN_BIND     where to listen (default 127.0.0.1:8000; nginx proxies to it)
GUNICORN_WORKERS  worker processes (default 2 × CPUs + 1)
GUNICORN_TIMEOUT  seconds a request may take before its worker is restarted (default 120:
                  confirming the import of a 10,000-task annex takes about 10 s on 2 cores)
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(
            f"parindex: {name}={raw!r} không phải số nguyên (set {name} to an integer)."
        ) from None


wsgi_app = "parindex.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so a slow leak never grows for months.
max_requests = 2000
max_requests_jitter = 200
# Not preloaded, so `systemctl reload parindex` (HUP) starts workers on the new code.
preload_app = False
# X-Forwarded-* headers are trusted only from nginx on the same machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# systemd starts, reloads (HUP) and stops it; no control socket in the service user's home.
control_socket_disable = True

# Access and error log on stdout, in the app's format (timestamp level logger message).
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
