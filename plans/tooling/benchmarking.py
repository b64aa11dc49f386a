"""What `manage.py benchmark` and `manage.py loadtest` share: a gunicorn they start on
127.0.0.1, an HTTP client that logs in through the real login form, the personas, and the
scenarios of issue 6 with their Django admin peers.

Requests go over a real socket to a real gunicorn (DEBUG=0, as in production), and the query
count of each response comes from the opt-in `X-Query-Count` header
(`parindex.middleware.QueryCountMiddleware`, enabled only for that gunicorn). The worker of
django-tasks-db (`manage.py db_worker`) runs beside it, as in production, and builds the
reports and exports: their scenarios time what the user waits for, from the request (a POST,
the button) to the end of the download.
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Max

from agencies.models import Agency, Membership
from agencies.services import user_with_membership_upsert
from plans.models import Assignment, Plan, Task

PASSWORD = "bench-12345"
SEARCH = "cai cach hanh chinh"
# The admin's search is not accent-insensitive: give it the accented words, so it finds the
# same rows ours finds without accents.
SEARCH_ACCENTED = "cải cách hành chính"
IMPORT_PLAN_NUMBER = "BENCH-IMPORT"


class BenchmarkError(Exception):
    pass


# HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def queries(self) -> int | None:
        value = self.headers.get("x-query-count")
        return int(value) if value is not None else None

    @property
    def sql_ms(self) -> float | None:
        """The page's SELECTs under EXPLAIN ANALYZE (PostgreSQL, when asked: `X-Explain-Sql`)."""
        value = self.headers.get("x-sql-ms")
        return float(value) if value is not None else None


class HttpSession:
    """One browser: cookies kept (the Secure flag is ignored: this is plain HTTP on 127.0.0.1
    to a server that runs with production settings), redirects NOT followed, so each timing
    is one request."""

    def __init__(self, host: str, port: int, headers: dict | None = None):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}  # sent with every request (an API token)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method, path, *, params=None, data=None, files=None, extra=None) -> Response:
        if params:
            path = f"{path}?{urlencode(params, doseq=True)}"
        headers = {
            "Host": f"{self.host}:{self.port}",
            "Accept-Language": "vi",
            **self.headers,
            **(extra or {}),
        }
        body = None
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + "/"
            if files:
                body, headers["Content-Type"] = _multipart(data or {}, files)
            else:
                body = urlencode(data or {}, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=900)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read()
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        for line in raw.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, content, ms)

    def get(self, path, params=None, *, extra=None) -> Response:
        return self.request("GET", path, params=params, extra=extra)

    def post(self, path, data, files=None) -> Response:
        return self.request("POST", path, data=data, files=files)

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status != 200 or not match:
            raise BenchmarkError(f"{path}: không tìm thấy biểu mẫu (HTTP {page.status}).")
        return match[1]

    def login(self, username: str, password: str) -> None:
        """Through the real login form, as a user would."""
        token = self.csrf_token("/accounts/login/")
        response = self.post(
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if response.status != 302:
            raise BenchmarkError(f"Đăng nhập {username} thất bại (HTTP {response.status}).")


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (file_name, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# gunicorn --------------------------------------------------------------------------------


@dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen

    def session(self, headers: dict | None = None) -> HttpSession:
        return HttpSession(self.host, self.port, headers)

    def warm(self, workers: int) -> None:
        """A few concurrent requests, so every worker has imported the views and compiled the
        login template before anything is timed."""
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: self.session().get("/accounts/login/"), range(4 * workers)))

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 (ppid) follows the command name, which may contain spaces: split after ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# How often an idle worker looks for a task, as deploy/parindex-jobs.service and `make run` start it.
WORKER_INTERVAL = 0.2


@contextmanager
def jobs_worker(*, env: dict, log):
    """`manage.py db_worker` with the server's environment (same database, same MEDIA_ROOT),
    as `parindex-jobs.service` runs it: after `file_jobs_housekeeping`, at nice 10 (below the
    web workers), no autoreload, looking for tasks every `WORKER_INTERVAL` seconds; stopped
    (SIGTERM: it finishes its task) on exit."""
    subprocess.run(
        [sys.executable, "manage.py", "file_jobs_housekeeping"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )
    process = subprocess.Popen(
        [
            *("nice", "-n", "10", sys.executable, "manage.py", "db_worker", "--no-reload"),
            *("--interval", str(WORKER_INTERVAL)),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        _stop(process, grace=60)


def _stop(process: subprocess.Popen, *, grace: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn_server(*, workers: int = 1, timeout: int = 600):
    """gunicorn on 127.0.0.1 with production settings (DEBUG=0) against the current database,
    query counting on, with a job worker beside it; both stopped on exit."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="parindex-bench-") as tmp, ExitStack() as stack:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "PARINDEX_QUERY_COUNT_HEADER": "1",
            "STATIC_ROOT": str(Path(tmp) / "static"),
            "MEDIA_ROOT": str(Path(tmp) / "media"),
            "LOG_LEVEL": "WARNING",
        }
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            env["SQLITE_PATH"] = str(settings.DATABASES["default"]["NAME"])
        # Production templates may need collected static files (a manifest storage).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        config = Path(tmp) / "gunicorn.conf.py"
        config.write_text("# empty: the benchmark passes every option on the command line\n")
        log = open(Path(tmp) / "gunicorn.log", "w+b")  # noqa: SIM115 (closed below)
        jobs_log = stack.enter_context(open(Path(tmp) / "db_worker.log", "w+b"))
        stack.enter_context(jobs_worker(env=env, log=jobs_log))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "parindex.wsgi:application",
                "--config",
                str(config),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server("127.0.0.1", port, process)
        try:
            _wait_until_up(server, log)
            server.warm(workers)
            yield server
        finally:
            _stop(process, grace=10)
            log.close()


def _wait_until_up(server: Server, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log.seek(0)
            raise BenchmarkError(f"gunicorn dừng khi khởi động:\n{log.read().decode()[-3000:]}")
        try:
            if server.session().get("/accounts/login/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchmarkError("gunicorn không trả lời sau 60 giây.")


def peak_rss_reset(pid: int) -> None:
    """Reset a process's peak RSS (VmHWM), so the next reading is this request's peak. Where
    the kernel refuses, the reading stays the worker's peak so far (an upper bound)."""
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Personas and scenarios ------------------------------------------------------------------


@dataclass
class Setup:
    """Who logs in and what they look at, chosen from the data: the agency with the most
    assignments, its province, that province's Sở Nội vụ."""

    year: int
    agency: Agency
    province_id: int
    users: dict = field(default_factory=dict)  # persona → username
    task_id: int = 0
    assignment_ids: list = field(default_factory=list)  # the staff persona's, for status updates
    export_rows: int = 0
    deep_page: int = 500  # "page 500" of our list (25 a page), or the last page if fewer
    deep_page_admin: int = 125  # the admin changelist's page (100 a page) at the same rows


def benchmark_setup(*, today) -> Setup:
    busiest = (
        Assignment.objects.values("agency_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise BenchmarkError(
            "Cơ sở dữ liệu chưa có phân công nào; chạy trước: "
            "python manage.py generate_scale_data --scale national (hoặc province)."
        )
    agency = Agency.objects.select_related("province").get(pk=busiest["agency_id"])
    reviewer_agency = (
        Agency.objects.filter(province=agency.province, name="Sở Nội vụ").first() or agency
    )
    # This year's pages, or the latest plan year's on a dataset generated in an earlier year.
    latest = Plan.objects.filter(year__lte=today.year).aggregate(latest=Max("year"))["latest"]
    setup = Setup(year=latest or today.year, agency=agency, province_id=agency.province_id)
    for persona, role, at in (
        ("staff", Membership.Role.STAFF, agency),
        ("reviewer", Membership.Role.REVIEWER, reviewer_agency),
        ("admin", Membership.Role.ADMIN, None),
    ):
        user = user_with_membership_upsert(
            username=f"bench-{persona}",
            password=PASSWORD,
            full_name=f"Benchmark {persona}",
            role=role,
            agency=at,
        )
        setup.users[persona] = user.username
    mine = Assignment.objects.in_force().filter(agency=agency)
    current = (
        mine.filter(task__plan__year=setup.year)
        if mine.filter(task__plan__year=setup.year).exists()
        else mine
    )
    setup.task_id = current.order_by("-task_id").values_list("task_id", flat=True).first()
    setup.assignment_ids = list(current.order_by("-pk").values_list("pk", flat=True)[:100])
    setup.export_rows = (
        Assignment.objects.in_force().filter(task__plan__province_id=setup.province_id).count()
    )
    visible = Assignment.objects.in_force().count()
    setup.deep_page = max(1, min(500, -(-visible // 25)))
    setup.deep_page_admin = max(1, -(-(setup.deep_page * 25) // 100))
    return setup


PERSONAS = ("staff", "reviewer", "admin")


@dataclass
class Scenario:
    name: str
    persona: str
    path: str
    params: dict = field(default_factory=dict)
    peer: dict | None = None  # the Django admin changelist's parameters for the same rows
    post: bool = False  # the status update
    # A file built by the job worker: request, the job page until the file is ready, download.
    job: bool = False
    # How often a user of the persona opens it in the load mix (`loadtest`): lists and the task
    # page most; a report or the national dashboard is a few times a period, not every minute.
    weight: int = 1
    # Through the API (/api/v1/) with the persona's token instead of the session: another
    # system reading the same rows (not in the load mix: weight 0).
    api: bool = False


ADMIN_CHANGELIST = "/admin/plans/assignment/"
API_ASSIGNMENTS = "/api/v1/assignments/"
API_TOKEN_NAME = "benchmark"


def api_token_for(username: str) -> dict:
    """The Authorization header of a fresh token of `username` (the previous run's are
    deleted: the benchmark's users are its own)."""
    from django.contrib.auth import get_user_model

    from plans.api.models import ApiToken
    from plans.api.services import api_token_create

    user = get_user_model().objects.get(username=username)
    ApiToken.objects.filter(user=user, name=API_TOKEN_NAME).delete()
    _, raw = api_token_create(user=user, name=API_TOKEN_NAME)
    return {"Authorization": f"Bearer {raw}"}


def benchmark_scenarios(setup: Setup) -> list[Scenario]:
    year, province = setup.year, setup.province_id
    return [
        Scenario(
            "staff list",
            "staff",
            "/tasks/",
            {"year": year, "status": "not_started"},
            peer={
                "agency__id__exact": setup.agency.pk,
                "task__plan__year": year,
                "status__exact": "not_started",
            },
            weight=20,
        ),
        Scenario(
            "reviewer list",
            "reviewer",
            "/tasks/",
            {
                "province": province,
                "status": "in_progress",
                "due_after": f"01/01/{year - 1}",
                "due_before": f"31/12/{year}",
            },
            peer={
                "task__plan__province__id__exact": province,
                "status__exact": "in_progress",
                "task__due_on__gte": f"{year - 1}-01-01",
                "task__due_on__lte": f"{year}-12-31",
            },
            weight=10,
        ),
        # The same two lists through the API, a page of the HTML list's size (25 rows) and of
        # the API's default (100).
        *(
            Scenario(
                f"API {who} list, {size} rows",
                who,
                API_ASSIGNMENTS,
                {**params, "page_size": size},
                weight=0,
                api=True,
            )
            for who, params in (
                ("staff", {"year": year, "status": "not_started"}),
                (
                    "reviewer",
                    {
                        "province": province,
                        "status": "in_progress",
                        "due_after": f"01/01/{year - 1}",
                        "due_before": f"31/12/{year}",
                    },
                ),
            )
            for size in (25, 100)
        ),
        Scenario("admin list page 1", "admin", "/tasks/", {}, peer={}, weight=10),
        Scenario(
            f"admin list page {setup.deep_page}",
            "admin",
            "/tasks/",
            {"page": setup.deep_page},
            peer={"p": setup.deep_page_admin},
        ),
        Scenario(
            "search",
            "reviewer",
            "/tasks/",
            {"q": SEARCH},
            peer={"task__plan__province__id__exact": province, "q": SEARCH_ACCENTED},
            weight=5,
        ),
        # Home: the counts in the six groups, due soon, overdue, returned and Sở Nội vụ's
        # queue of each persona's scope (not in the load mix beyond the CSRF token's fetch).
        *(Scenario(f"home, {persona}", persona, "/", weight=0) for persona in PERSONAS),
        Scenario("task detail", "staff", f"/tasks/{setup.task_id}/", weight=20),
        Scenario("status update", "staff", "/assignments/{pk}/progress/", post=True, weight=5),
        Scenario(
            "province dashboard",
            "reviewer",
            "/dashboard/",
            {"province": province, "year": year, "period": "Y"},
            weight=4,
        ),
        Scenario(
            "national dashboard",
            "admin",
            "/dashboard/",
            {"province": "", "year": year, "period": "Y"},
        ),
        Scenario(
            f"export {setup.export_rows} rows",
            "reviewer",
            "/tasks/export.xlsx",
            weight=0,
            job=True,
        ),
        Scenario(
            "report xlsx, province-year",
            "reviewer",
            f"/reports/province-{province}/{year}-Y.xlsx",
            job=True,
        ),
        Scenario(
            "report docx, province-year",
            "reviewer",
            f"/reports/province-{province}/{year}-Y.docx",
            job=True,
        ),
    ]


JOB_DOWNLOAD = re.compile(r'href="(/files/\d+/download)"')
JOB_FAILED = "Không tạo được tệp"


# The file's page says when the browser looks again (`plans.files.jobs.job_page_refresh_seconds`).
JOB_REFRESH = re.compile(r'data-refresh-seconds="([0-9.]+)"')


def job_page_refresh(html: str) -> float:
    """Seconds until a browser showing this job page looks again (2 without the attribute,
    as the page's <noscript> refresh)."""
    found = JOB_REFRESH.search(html)
    return float(found[1]) if found else 2.0


@dataclass
class JobFetch:
    first: Response  # the request that queued the job (its query count is the scenario's)
    ms: float  # from the request to the end of the download: what the user waits for
    polls: int
    size: int


def fetch_job_file(session, path, params=None, *, cap: float = 600) -> JobFetch:
    """What a user does for a report or the export: ask (the button: a POST; its form and CSRF
    token come from the page the user was on, not timed), watch the job's page until the file
    is ready, as the browser does (again after the page's own `data-refresh-seconds`),
    download it."""
    token = session.csrf_token(f"{path}?{urlencode(params or {}, doseq=True)}")
    started = time.perf_counter()
    first = session.request("POST", path, params=params, data={"csrfmiddlewaretoken": token})
    page_url = first.headers.get("location", "")
    if first.status != 303 or not page_url.startswith("/files/"):
        raise BenchmarkError(f"{path} {params}: HTTP {first.status}, not sent to a job page")
    polls = 0
    while True:
        page = session.get(page_url)
        polls += 1
        if page.status != 200:
            raise BenchmarkError(f"{page_url}: HTTP {page.status}")
        link = JOB_DOWNLOAD.search(page.text)
        if link:
            break
        if JOB_FAILED in page.text:
            raise BenchmarkError(f"{path}: the job failed")
        if time.perf_counter() - started > cap:
            raise BenchmarkError(f"{path}: file not ready after {cap:.0f} s")
        time.sleep(job_page_refresh(page.text))
    download = session.get(link[1])
    if download.status != 200:
        raise BenchmarkError(f"{link[1]}: HTTP {download.status}")
    ms = (time.perf_counter() - started) * 1000
    return JobFetch(first, ms, polls, len(download.body))


def status_update_form(*, assignment_id: int, version: int, token: str, n: int) -> dict:
    """A progress report that changes the status (alternating), as staff would send it."""
    return {
        "csrfmiddlewaretoken": token,
        "status": "in_progress" if n % 2 == 0 else "not_started",
        "completed_on": "",
        "note": f"Benchmark: báo cáo tiến độ lần {n}",
        "period": "",
        "version": version,
    }


def import_plan_delete(province_id: int) -> None:
    Plan.objects.filter(province_id=province_id, number=IMPORT_PLAN_NUMBER).delete()


def task_count(province_id: int) -> int:
    return Task.objects.filter(
        plan__province_id=province_id, plan__number=IMPORT_PLAN_NUMBER
    ).count()
