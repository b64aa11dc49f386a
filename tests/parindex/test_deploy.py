"""Production serving: the documented environment passes `check --deploy`, gunicorn serves the
app with WhiteNoise's hashed and compressed static files, /healthz tells whether the database
answers, and every request leaves one greppable log line."""

import gzip
import http.client
import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ROOT / "deploy" / "parindex.env.example"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) [\w.]+ .+$")


def documented_environment() -> dict[str, str]:
    """deploy/parindex.env.example as systemd reads it, with a real secret key filled in."""
    env = {}
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    assert env["SECRET_KEY"] == "", "the example must not ship a key people would keep"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def clean_environ(**overrides) -> dict[str, str]:
    names = set(documented_environment()) | {"DATABASE_URL", "SQLITE_PATH"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(overrides)
    return env


def test_check_deploy_reports_no_issue_with_the_documented_environment():
    env = clean_environ(**documented_environment())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_complains_without_https_settings():
    """The clean result above means something: switching HSTS off is reported."""
    env = clean_environ(**{**documented_environment(), "SECURE_HSTS_SECONDS": "0"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": "parindex.example.gov.vn", **(headers or {})})
    response = conn.getresponse()
    return response, response.read()


def test_gunicorn_serves_the_app_and_hashed_compressed_static_files(tmp_path):
    port = free_port()
    env = clean_environ(
        **{
            **documented_environment(),
            "DATABASE_URL": "",
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
        }
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                health, body = get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not answer: {log.read_text()}")
        assert (health.status, body) == (200, b"ok\n")

        https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        plain, _ = get(port, "/accounts/login/")
        assert plain.status == 301 and plain.getheader("Location").startswith("https://")
        login, html = get(port, "/accounts/login/", https)
        assert login.status == 200
        assert "max-age=31536000" in login.getheader("Strict-Transport-Security")
        css = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
        assert css, html[:500]

        styles, data = get(port, css.group(1).decode(), {**https, "Accept-Encoding": "gzip"})
        assert styles.status == 200
        assert styles.getheader("Content-Encoding") == "gzip"
        assert "immutable" in styles.getheader("Cache-Control")
        assert b".topbar" in gzip.decompress(data)
        missing, _ = get(port, "/static/css/app.0123456789ab.css", https)
        assert missing.status == 404
        # Browsers ask for /favicon.ico on every page without the layout's link (the admin).
        icon_link, _ = get(port, "/favicon.ico", https)
        assert icon_link.status == 302
        icon_url = icon_link.getheader("Location")
        assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.ico", icon_url), icon_url
        icon, data = get(port, icon_url, https)
        assert icon.status == 200 and data.startswith(b"\x00\x00\x01\x00")
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = log.read_text().splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines), lines
    assert any(
        "INFO parindex.request GET /accounts/login/ 200" in line and "ip=203.0.113.9" in line
        for line in lines
    ), lines
    assert any("INFO gunicorn.access" in line and "/healthz" in line for line in lines), lines


@pytest.mark.django_db
def test_healthz_answers_ok_without_login(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    """A real PostgreSQL client against a port nobody listens on."""
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='localhost').get('/healthz');"
        "print(r.status_code, r.content)"
    )
    env = clean_environ(
        DEBUG="1", DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/parindex_gone"
    )
    env["DJANGO_SETTINGS_MODULE"] = "parindex.settings"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503 b'database unavailable\\n'"
    # The reason is in the log (on stderr), not in the answer.
    assert "ERROR parindex.views healthz: database unavailable:" in result.stderr


@pytest.mark.django_db
def test_every_request_is_logged_with_status_duration_user_and_address(
    client, staff_tuphap, caplog
):
    client.force_login(staff_tuphap)
    with caplog.at_level(logging.INFO, logger="parindex.request"):
        client.get("/tasks/?q=xyz", REMOTE_ADDR="198.51.100.4")
        client.get("/no-such-page/")
    messages = [r.getMessage() for r in caplog.records if r.name == "parindex.request"]
    assert re.fullmatch(
        rf"GET /tasks/\?q=xyz 200 \d+ms user={staff_tuphap.pk} ip=198\.51\.100\.4", messages[0]
    ), messages
    assert messages[1].startswith("GET /no-such-page/ 404 ")
