"""Bad settings stop start-up with one line that says what to set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:notaport/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SESSION_COOKIE_AGE": "8h"}, "SESSION_COOKIE_AGE"),
        # An office shares one address: its limit may not be below a single user name's.
        ({"LOGIN_IP_FAILURE_LIMIT": "3"}, "LOGIN_IP_FAILURE_LIMIT"),
        # Shared evidence storage needs django-storages, which is not in requirements.txt.
        ({"S3_BUCKET": "parindex-evidence"}, "django-storages"),
    ],
)
def test_bad_setting_stops_start_up_with_one_line(env, names):
    result = start(env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert names in lines[0]
    assert "Traceback" not in result.stderr


def test_production_settings_start_when_given_what_they_need():
    result = start({"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "parindex.example"})
    assert result.returncode == 0, result.stderr


def test_sqlite_by_default_and_postgres_from_the_url():
    from parindex.settings import database_from_url

    config = database_from_url("postgres://parindex:secret@db.example:5433/parindex")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.example",
        5433,
        "parindex",
        "parindex",
    )


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


def test_postgresql_connections_run_without_jit(monkeypatch):
    # JIT compilation cost seconds on the dashboards' grouped pass (see settings.py).
    from parindex.settings import database_from_url

    monkeypatch.delenv("DB_JIT", raising=False)
    config = database_from_url("postgres://postgres@127.0.0.1:5432/x")
    assert config["OPTIONS"]["options"] == "-c jit=off"
    monkeypatch.setenv("DB_JIT", "1")
    assert "options" not in database_from_url("postgres://postgres@127.0.0.1:5432/x")["OPTIONS"]


@pytest.mark.django_db
def test_the_database_in_use_has_jit_off_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is a PostgreSQL feature; CI runs this on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
