"""The load run itself, with locust as a library: `python -m plans.tooling.locust_run SPEC OUT`.

Run by `manage.py loadtest` in its own process, because importing locust monkey-patches the
standard library for gevent (sockets, threads): done in the Django process it would change how
Django's database connections behave. This module therefore imports nothing from Django; the
spec (host, users, scenarios with weights, assignments to report on) is a JSON file written by
the command, and the results go to a JSON file it reads back.
"""

import itertools
import json
import random
import re
import sys
import time

import gevent
import gevent.event
from locust import HttpUser, between, task
from locust.env import Environment

# Requests at least this slow are listed with when they started (see `note_slow`).
SLOW_MS = 500
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
JOB_DOWNLOAD = re.compile(r'href="(/files/\d+/download)"')
JOB_FAILED = "Không tạo được tệp"
# A user's browser looks at the job's page again after the page's own data-refresh-seconds
# (as `plans.tooling.benchmarking.job_page_refresh`; this module imports nothing from Django),
# and the user gives up after 30 s: a failure of the run.
JOB_REFRESH = re.compile(r'data-refresh-seconds="([0-9.]+)"')
JOB_CAP_SECONDS = 30
# Custom events, not HTTP requests: left out of the request counts and percentiles.
JOB_EVENT = "JOB"


class JobFailed(Exception):
    pass


def run(spec: dict) -> dict:
    logged_in = gevent.event.Event()
    logins = itertools.count(1)
    personas = itertools.cycle(spec["persona_cycle"])
    staff_numbers = itertools.count()
    scenarios = spec["scenarios"]

    class Visitor(HttpUser):
        host = spec["host"]
        wait_time = between(spec["think_min"], spec["think_max"])

        def on_start(self):
            self.persona = next(personas)
            self.csrf_token = None  # read after login, which rotates it
            self.mine = [s for s in scenarios if s["persona"] == self.persona and s["weight"]]
            if self.persona == "staff":
                ids = spec["assignments"]
                self.assignment = ids[next(staff_numbers) % len(ids)]
                self.version = spec["versions"][str(self.assignment)]
            self._login()

        def _plain_cookies(self):
            # The server runs with production settings, so its cookies are marked Secure; this
            # is plain HTTP on 127.0.0.1, where a browser would not send them back either.
            for cookie in self.client.cookies:
                cookie.secure = False

        def _token(self, path, name):
            response = self.client.get(path, name=name)
            self._plain_cookies()
            match = TOKEN.search(response.text)
            return match[1] if match else ""

        def _login(self):
            token = self._token("/accounts/login/", "login form")
            username = spec["users"][self.persona]
            with self.client.post(
                "/accounts/login/",
                data={
                    "username": username,
                    "password": spec["password"],
                    "csrfmiddlewaretoken": token,
                },
                name="login",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"login {username}: HTTP {response.status_code}")
            self._plain_cookies()
            if next(logins) == spec["users_count"]:
                logged_in.set()

        @task
        def visit(self):
            scenario = random.choices(self.mine, weights=[s["weight"] for s in self.mine])[0]
            if scenario["post"]:
                self._status_update(scenario)
                return
            if scenario["job"]:
                self._fetch_job_file(scenario)
                return
            with self.client.get(
                scenario["path"],
                params=scenario["params"],
                name=scenario["name"],
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
            self._plain_cookies()

        def _fetch_job_file(self, scenario):
            """Request, the job page every second until the file is ready, download; each a
            locust request, and the whole wait one "JOB" event."""
            label = scenario["name"].split(",")[0]  # "report xlsx", "export 38000 rows"
            # The button's CSRF token, from the page the user was on (not in the wait).
            token = self.csrf_token or self._token("/", "home (CSRF token)")
            self.csrf_token = token
            started = time.perf_counter()
            error = None
            try:
                with self.client.post(
                    scenario["path"],
                    params=scenario["params"],
                    data={"csrfmiddlewaretoken": token},
                    name=f"{label}: request",
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    page = response.headers.get("Location", "")
                    if response.status_code != 303 or "/files/" not in page:
                        response.failure(f"HTTP {response.status_code}, no job page")
                        raise JobFailed(f"request: HTTP {response.status_code}")
                self._plain_cookies()
                link = None
                while link is None:
                    with self.client.get(
                        page, name=f"{label}: job page", catch_response=True
                    ) as response:
                        if response.status_code != 200:
                            response.failure(f"HTTP {response.status_code}")
                            raise JobFailed(f"job page: HTTP {response.status_code}")
                        link = JOB_DOWNLOAD.search(response.text)
                        refresh = JOB_REFRESH.search(response.text)
                        if link is None and JOB_FAILED in response.text:
                            response.failure("the job failed")
                            raise JobFailed("the job failed")
                    # The job page renders a CSRF token, so Django sends the cookie again,
                    # marked Secure: without this the visitor's next POST had no CSRF cookie
                    # and was refused (403), as in a 200-user run's report requests.
                    self._plain_cookies()
                    if link is None:
                        if time.perf_counter() - started > JOB_CAP_SECONDS:
                            raise JobFailed(f"not ready after {JOB_CAP_SECONDS} s")
                        gevent.sleep(float(refresh[1]) if refresh else 2.0)
                with self.client.get(
                    link[1], name=f"{label}: download", catch_response=True
                ) as response:
                    if response.status_code != 200:
                        response.failure(f"HTTP {response.status_code}")
                        raise JobFailed(f"download: HTTP {response.status_code}")
                self._plain_cookies()
            except JobFailed as failed:
                error = failed
            self.environment.events.request.fire(
                request_type=JOB_EVENT,
                name=f"{label}, until downloaded",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                exception=error,
                context={},
            )

        def _status_update(self, scenario):
            token = self._token(spec["task_page"], "task detail")
            self.version_sent = self.version
            with self.client.post(
                scenario["path"].format(pk=self.assignment),
                data={
                    "csrfmiddlewaretoken": token,
                    "status": "in_progress" if self.version % 2 else "not_started",
                    "completed_on": "",
                    "note": "Load test: báo cáo tiến độ",
                    "period": "",
                    "version": self.version,
                },
                name=scenario["name"],
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 302:
                    self.version += 1
                else:
                    response.failure(f"HTTP {response.status_code}")
            self._plain_cookies()

    environment = Environment(user_classes=[Visitor])
    runner = environment.create_local_runner()
    runner.start(spec["users_count"], spawn_rate=spec["spawn_rate"])
    # The load is N users already logged in: the logins (one PBKDF2 hash each, ~0.5 s of CPU)
    # happen first and are reported on their own, then the timed window starts.
    logged_in.wait(timeout=30 + 10 * spec["users_count"])
    # The users' first pages, queued behind that burst of logins, would open the window with a
    # few seconds of waits no user sees later: they are given time to drain (a warm-up), still
    # under the same load, and not counted.
    gevent.sleep(spec["warmup"])
    login = _entries(environment.stats, {"login", "login form"})
    environment.stats.reset_all()
    # The slow requests with the second of the window they started in, to tell a burst (many
    # at once: queueing) from one page that is slow on its own.
    window_start = time.perf_counter()
    slow: list[dict] = []

    def note_slow(request_type, name, response_time, **_):
        if request_type != JOB_EVENT and response_time >= SLOW_MS:
            started = time.perf_counter() - window_start - response_time / 1000
            slow.append({"at_s": round(started, 1), "name": name, "ms": round(response_time)})

    environment.events.request.add_listener(note_slow)
    gevent.spawn_later(spec["seconds"], runner.quit)
    runner.greenlet.join()
    slow.sort(key=lambda r: r["at_s"])
    return {**_summary(environment.stats, spec["seconds"]), "logins": login, "slow": slow}


def _entries(stats, names) -> list[dict]:
    return [
        {
            "name": name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
        for (name, _method), entry in sorted(stats.entries.items())
        if name in names
    ]


def _summary(stats, seconds) -> dict:
    entries = []
    merged: dict[int, int] = {}
    every: dict[int, int] = {}  # every HTTP request (logins included), no JOB events
    requests = failures = job_failures = 0
    page_requests = page_failures = 0
    for (name, method), entry in sorted(stats.entries.items()):
        entries.append(
            {
                "name": name,
                "method": method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "median_ms": entry.get_response_time_percentile(0.5),
                "p95_ms": entry.get_response_time_percentile(0.95),
                "max_ms": round(entry.max_response_time or 0),
            }
        )
        if method == JOB_EVENT:
            job_failures += entry.num_failures
            continue  # a wait over several requests, already counted one by one
        requests += entry.num_requests
        failures += entry.num_failures
        for ms, count in entry.response_times.items():
            every[ms] = every.get(ms, 0) + count
        if name in ("login", "login form"):
            continue  # one-off per user, reported on their own line
        page_requests += entry.num_requests
        page_failures += entry.num_failures
        for ms, count in entry.response_times.items():
            merged[ms] = merged.get(ms, 0) + count
    return {
        "seconds": seconds,
        "requests": requests,
        "failures": failures,
        "job_failures": job_failures,
        "errors": [
            {"name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in stats.errors.values()
        ],
        "rps": round(requests / seconds, 1),
        "p95_ms": _percentile(every, 0.95),
        "pages_requests": page_requests,
        "pages_failures": page_failures,
        "pages_p95_ms": _percentile(merged, 0.95),
        "pages_median_ms": _percentile(merged, 0.5),
        "entries": entries,
    }


def _percentile(histogram: dict[int, int], fraction: float):
    count = sum(histogram.values())
    if not count:
        return None
    rank = fraction * count
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= rank:
            return ms
    return max(histogram)


if __name__ == "__main__":
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as spec_file:
        result = run(json.load(spec_file))
    with open(out_path, "w") as out_file:
        json.dump(result, out_file, indent=1, ensure_ascii=False)
