"""`benchmark` and `loadtest` end to end at a tiny scale: a real gunicorn on 127.0.0.1, logins
through the form, the admin as peer, the web import; shape and output only, no timing.

They run as separate processes against a SQLite file of their own (the test database lives in
this process's memory, where a gunicorn could not reach it).
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# One worker under pytest-xdist, so the tiny data set below is generated once.
pytestmark = pytest.mark.xdist_group("benchmark")

LIST_SCENARIOS = {"staff list", "reviewer list", "admin list page 1", "search"}


def manage(env, *args, timeout=600) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def tiny_env(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SQLITE_PATH"] = str(tmp_path_factory.mktemp("bench") / "tiny.sqlite3")
    manage(env, "migrate", "-v", "0")
    manage(env, "generate_scale_data", "--scale", "tiny")
    return env


def test_benchmark_measures_every_scenario_over_http(tiny_env, tmp_path):
    out = tmp_path / "bench.json"
    printed = manage(
        tiny_env, "benchmark", "--repeat", "1", "--import-tasks", "20", "--json", str(out)
    )
    rows = {row["name"]: row for row in json.loads(out.read_text())}
    names = set(rows)
    assert names >= LIST_SCENARIOS
    for expected in (
        "task detail",
        "home, staff",
        "home, reviewer",
        "home, admin",
        # The API's list with the staff and reviewer lists' filters, from the same run.
        "API staff list, 25 rows",
        "API reviewer list, 25 rows",
        "API staff list, 100 rows",
        "API reviewer list, 100 rows",
        "status update",
        "province dashboard",
        "national dashboard",
        "report xlsx, province-year",
        "report docx, province-year",
        "import 20 tasks: dry run",
        "import 20 tasks: commit",
        "import 20 tasks: unchanged re-import",
    ):
        assert expected in names
    assert any(
        name.startswith("admin list page ") and name != "admin list page 1" for name in names
    )
    assert any(name.startswith("export ") and name.endswith(" rows") for name in names)
    for row in rows.values():
        assert row["median_ms"] > 0 and row["p95_ms"] >= row["median_ms"]
        assert row["queries"] > 0  # read from the X-Query-Count header over HTTP
        assert row["name"] in printed
    for name in LIST_SCENARIOS:
        assert rows[name]["peer_median_ms"] > 0
    assert "peer_median_ms" not in rows["task detail"]
    assert all(rows[f"import 20 tasks: {p}"]["peak_mb"] > 20 for p in ("dry run", "commit"))
    assert "ours/admin" in printed


def test_loadtest_runs_logged_in_users_and_stops_by_itself(tiny_env, tmp_path):
    out = tmp_path / "load.json"
    printed = manage(
        tiny_env,
        "loadtest",
        "--users",
        "2",
        "--seconds",
        "4",
        "--think",
        "0.5",
        "1",
        "--warmup",
        "1",
        "--json",
        str(out),
        timeout=300,
    )
    result = json.loads(out.read_text())
    assert result["users"] == 2 and result["seconds"] == 4 and result["warmup"] == 1
    # Slow requests are listed with when they started; a tiny run has none or a few.
    assert all(set(e) == {"at_s", "name", "ms"} and e["ms"] >= 500 for e in result["slow"])
    # Both users logged in through the form before the timed window, then browsed.
    assert [(e["name"], e["requests"], e["failures"]) for e in result["logins"]] == [
        ("login", 2, 0),
        ("login form", 2, 0),
    ]
    assert {entry["name"] for entry in result["entries"]} - {"login", "login form"}
    assert result["failures"] == 0 and result["requests"] > 2
    assert "requests" in printed and "p95" in printed
