"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The live server answers from another thread, so it only sees committed data: these tests are
transactional, and the database is flushed after each one, the session's reference data
included. The `demo` fixture therefore gives every test what `make run` loads (reference data,
then the demo users and plans of `seed_demo`): the first test of a process loads it (about four
seconds) and keeps a copy of the database (`DemoSnapshot`); each later test gets that copy back,
in a fraction of a second.

Playwright's sync API keeps an asyncio loop running while it is started, and Django refuses
ORM calls then (SynchronousOnlyOperation). So Playwright starts per test, after the data is
loaded, and stops before the database is flushed; the tests themselves use only the browser.

Chromium is Debian's (`make test` installs it); Playwright's own browser download is not used.
A missing /usr/bin/chromium fails these tests: it never skips them.
"""

import io
import os
import sqlite3
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, which a closed network
# refuses; the sandbox needs user namespaces that containers often lack.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# axe-core, from the npm registry (`make test` fetches it; see the Makefile).
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
# The two widths the flows are checked at: an office screen and a phone.
WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 780}
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def chromium() -> Path:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. Run `make test` "
            "(it installs it) or, as root, `apt-get install -y chromium`.",
            pytrace=False,
        )
    return CHROMIUM


class DemoSnapshot:
    """A copy of the test database as `seed_demo` left it, put back for each later test.

    SQLite (the test database is in memory): the backup API copies the whole file, page by page.
    PostgreSQL: every model table is copied into a schema of its own, then the tables are
    emptied and filled from the copies, and the sequences set past the copied ids. What the
    flush after a test leaves (content types and permissions created again) is replaced, so the
    ids are the same for every test."""

    SCHEMA = "browser_demo_snapshot"

    def __init__(self):
        self.sqlite: sqlite3.Connection | None = None
        self.tables: list[str] = []

    @property
    def taken(self) -> bool:
        return self.sqlite is not None or bool(self.tables)

    def take(self) -> None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.sqlite = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.sqlite)
            return
        tables = connection.introspection.django_table_names(only_existing=True)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.SCHEMA}")
            for table in tables:
                cursor.execute(f"CREATE TABLE {self.SCHEMA}.{quote(table)} AS TABLE {quote(table)}")
        self.tables = tables

    def restore(self) -> None:
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            self.sqlite.backup(connection.connection)
        else:
            quote = connection.ops.quote_name
            with transaction.atomic(), connection.cursor() as cursor:
                # The foreign keys are checked at the commit. DELETE, not TRUNCATE: the tables
                # are nearly empty after the flush, and TRUNCATE costs seconds for ~60 tables.
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for table in self.tables:
                    cursor.execute(f"DELETE FROM {quote(table)}")
                for table in self.tables:
                    cursor.execute(
                        f"INSERT INTO {quote(table)} SELECT * FROM {self.SCHEMA}.{quote(table)}"
                    )
                models = [
                    model
                    for model in connection.introspection.installed_models(self.tables)
                    if model._meta.db_table in self.tables
                ]
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
        # Cached by id: the flush and this restore changed the ids.
        ContentType.objects.clear_cache()


_demo_snapshot = DemoSnapshot()


@pytest.fixture
def demo(chromium, transactional_db, live_server, settings, tmp_path) -> str:
    """The demo data of `make run`, served by the live server; returns the server's URL."""
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence uploaded by the tests goes here
    if _demo_snapshot.taken:
        _demo_snapshot.restore()
    else:
        settings.DEBUG = True  # seed_demo refuses to create its public passwords otherwise
        call_command("load_reference", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
        settings.DEBUG = False
        _demo_snapshot.take()
    return live_server.url


@pytest.fixture
def browser(chromium, demo):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, demo):
    """A page in a fresh browser context on the live server (relative URLs work). The test fails
    on a JavaScript error, a server error, or a stylesheet, script or image that did not load."""
    context = browser.new_context(base_url=demo, viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))

    def check_response(response):
        asset = response.request.resource_type in {"stylesheet", "script", "image", "font"}
        if response.status >= 500 or (asset and response.status >= 400):
            problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    page.on("response", check_response)
    yield page
    context.close()
    assert not problems, "The browser met problems:\n" + "\n".join(problems)


def _violations_text(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'][:300]}")
    return "\n".join(lines)


@pytest.fixture
def axe():
    """`axe(page)`: run axe-core (WCAG 2.1 A and AA rules) on the page as it stands and fail
    with every violation named. Call it on each page a test visits, at each width."""
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: run `make test` (it fetches axe-core from npm).", pytrace=False
        )
    source = AXE.read_text()

    def check(page) -> None:
        # Evaluated through the DevTools protocol, so the page's own CSP does not apply.
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(source + "\n;undefined")
        result = page.evaluate(
            """() => axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                resultTypes: ['violations'],
            }).then(r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.map(String), failureSummary: n.failureSummary || ''})),
            })))"""
        )
        assert not result, f"axe-core found on {page.url}:\n" + _violations_text(result)

    return check


@pytest.fixture
def screenshot():
    """Save a full-page PNG under test-artifacts/screenshots/ (for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
