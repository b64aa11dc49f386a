"""Median and 95th percentile time and query count of every page of issue 6, over real HTTP.

It starts gunicorn (1 worker, DEBUG=0) on 127.0.0.1 against the current database, logs in as
agency staff, a Sở Nội vụ reviewer and an administrator through the login form, and times
each scenario `--repeat` times after one warm-up request; the list scenarios are also run
through the Django admin changelist of assignments with the same filters (the peer). The
annex import (dry run, commit, unchanged re-import of a synthetic workbook) runs once, through
the web import pages, with the gunicorn worker's peak memory. Run it on a dataset made by
`generate_scale_data`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parindex_scale \\
        python manage.py benchmark --repeat 10 --json benchmark.json
"""

import json
import os
import statistics
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from plans.models import Assignment
from plans.tooling.benchmarking import (
    ADMIN_CHANGELIST,
    IMPORT_PLAN_NUMBER,
    PASSWORD,
    BenchmarkError,
    api_token_for,
    benchmark_scenarios,
    benchmark_setup,
    fetch_job_file,
    gunicorn_server,
    import_plan_delete,
    peak_rss_mb,
    peak_rss_reset,
    status_update_form,
    task_count,
)
from plans.tooling.synthetic import synthetic_annex


class Command(BaseCommand):
    help = "Time every page of issue 6 over HTTP (gunicorn on 127.0.0.1), with the admin as peer."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=10, help="timed requests a scenario")
        parser.add_argument("--json", dest="json_path", default=None, help="write results here")
        parser.add_argument(
            "--import-tasks",
            type=int,
            default=10_000,
            help="tasks in the synthetic annex workbook (0: skip the import)",
        )
        parser.add_argument("--only", default="", help="only scenarios whose name contains this")

    def handle(self, *args, repeat, json_path, import_tasks, only, **options):
        if repeat < 1:
            raise CommandError("--repeat phải ≥ 1.")
        today = timezone.localdate()
        try:
            setup = benchmark_setup(today=today)
            scenarios = [s for s in benchmark_scenarios(setup) if only in s.name]
            with gunicorn_server(workers=1) as server:
                sessions, api_sessions = {}, {}
                for persona, username in setup.users.items():
                    sessions[persona] = server.session()
                    sessions[persona].login(username, PASSWORD)
                    api_sessions[persona] = server.session(api_token_for(username))
                results = []
                for scenario in scenarios:
                    self.stderr.write(f"… {scenario.name}")
                    row = {"name": scenario.name, "url": scenario.path}
                    session = (api_sessions if scenario.api else sessions)[scenario.persona]
                    if scenario.post:
                        row.update(self._status_updates(session, setup, scenario, repeat))
                    elif scenario.job:
                        row.update(_measure_job(session, scenario.path, scenario.params, repeat))
                    else:
                        row.update(
                            _measure(session, scenario.path, scenario.params, repeat, explain=True)
                        )
                    if scenario.peer is not None:
                        peer = _measure(sessions["admin"], ADMIN_CHANGELIST, scenario.peer, repeat)
                        row["peer_median_ms"] = peer["median_ms"]
                        row["peer_queries"] = peer["queries"]
                        row["ratio"] = round(row["median_ms"] / peer["median_ms"], 2)
                    results.append(row)
                if import_tasks and only in f"import {import_tasks} tasks":
                    self.stderr.write(f"… import {import_tasks} tasks")
                    results.extend(self._import(server, sessions["reviewer"], setup, import_tasks))
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        self._print(results, setup, repeat)
        if json_path:
            Path(json_path).write_text(json.dumps(results, indent=1, ensure_ascii=False))

    def _status_updates(self, session, setup, scenario, repeat) -> dict:
        """POST a progress report on the staff persona's assignments (a new history entry each
        time); the version read from the database first, as the form would carry it."""
        if not setup.assignment_ids:
            raise BenchmarkError("Cơ quan được chọn không có phân công nào để cập nhật.")
        token = session.csrf_token(f"/tasks/{setup.task_id}/")
        times, queries = [], None
        for n in range(repeat + 1):
            pk = setup.assignment_ids[n % len(setup.assignment_ids)]
            version = Assignment.objects.values_list("version", flat=True).get(pk=pk)
            response = session.post(
                scenario.path.format(pk=pk),
                status_update_form(assignment_id=pk, version=version, token=token, n=n),
            )
            if response.status != 302:
                raise BenchmarkError(f"status update: HTTP {response.status}")
            if n:  # the first is the warm-up
                times.append(response.ms)
                queries = response.queries
        return _summary(times, queries)

    def _import(self, server, session, setup, tasks) -> list[dict]:
        """Upload (dry run preview), confirm (commit), then upload and confirm the same file
        again (unchanged re-import), each request's peak memory read from the worker."""
        (worker,) = server.worker_pids()
        workbook = synthetic_annex(tasks, year=setup.year)
        import_plan_delete(setup.province_id)
        rows = []
        try:
            phases = {}
            for attempt in ("first", "again"):
                token = session.csrf_token("/imports/new/")
                peak_rss_reset(worker)
                preview = session.post(
                    "/imports/new/",
                    {
                        "csrfmiddlewaretoken": token,
                        "province": setup.province_id,
                        "plan_number": IMPORT_PLAN_NUMBER,
                        "year": setup.year,
                    },
                    files={"file": (f"synthetic-{tasks}.xlsx", workbook)},
                )
                preview_peak = peak_rss_mb(worker)
                location = preview.headers.get("location", "")
                if preview.status != 302 or "/imports/" not in location:
                    raise BenchmarkError(f"import preview: HTTP {preview.status}")
                token = session.csrf_token(location)
                peak_rss_reset(worker)
                confirm = session.post(f"{location}confirm/", {"csrfmiddlewaretoken": token})
                confirm_peak = peak_rss_mb(worker)
                if confirm.status != 302 or confirm.headers.get("location") == location:
                    raise BenchmarkError(f"import confirm: HTTP {confirm.status}, nothing imported")
                phases[attempt] = (preview, preview_peak, confirm, confirm_peak)
            if task_count(setup.province_id) != tasks:
                raise BenchmarkError("import: the plan does not have every task of the workbook")
            first_preview, first_preview_peak, commit, commit_peak = phases["first"]
            again_preview, again_preview_peak, again, again_peak = phases["again"]
            for name, ms, queries, peak in (
                ("dry run", first_preview.ms, first_preview.queries, first_preview_peak),
                ("commit", commit.ms, commit.queries, commit_peak),
                # What a user waits for: the second upload's preview, then its confirmation.
                (
                    "unchanged re-import",
                    again_preview.ms + again.ms,
                    (again_preview.queries or 0) + (again.queries or 0),
                    max(again_preview_peak, again_peak),
                ),
            ):
                rows.append(
                    {
                        "name": f"import {tasks} tasks: {name}",
                        "url": "/imports/new/",
                        "median_ms": round(ms, 1),
                        "p95_ms": round(ms, 1),
                        "queries": queries,
                        "peak_mb": round(peak, 1),
                        "runs": 1,
                    }
                )
        finally:
            import_plan_delete(setup.province_id)
        return rows

    def _print(self, results, setup, repeat) -> None:
        assignments = Assignment.objects.count()
        self.stdout.write(
            f"{assignments} phân công, {connection.vendor}, {os.cpu_count()} CPU, "
            f"load {os.getloadavg()[0]:.2f}; HTTP qua gunicorn (1 worker, DEBUG=0) trên "
            f"127.0.0.1; {repeat} lần mỗi kịch bản (nhập phụ lục: 1 lần); "
            f"cơ quan {setup.agency.name} ({setup.agency.province.name}), năm {setup.year}"
        )
        header = (
            f"{'scenario':<38}{'median ms':>10}{'p95 ms':>9}{'queries':>8}"
            f"{'admin ms':>10}{'ours/admin':>11}{'SQL ms':>8}{'page/SQL':>9}{'peak MB':>9}"
        )
        self.stdout.write(header)
        for r in results:
            peer = f"{r['peer_median_ms']:>10.0f}{r['ratio']:>11.2f}" if "ratio" in r else " " * 21
            sql = f"{r['sql_ms']:>8.1f}{r['page_sql_ratio']:>9.2f}" if "sql_ms" in r else " " * 17
            peak = f"{r['peak_mb']:>9.0f}" if "peak_mb" in r else ""
            queries = "—" if r["queries"] is None else r["queries"]
            self.stdout.write(
                f"{r['name']:<38}{r['median_ms']:>10.0f}{r['p95_ms']:>9.0f}{queries:>8}{peer}"
                f"{sql}{peak}"
            )


def _measure(session, path, params, repeat, *, explain: bool = False) -> dict:
    warm = session.get(path, params)  # warm up the worker's caches and connection
    if warm.status != 200:
        raise BenchmarkError(f"{path} {params}: HTTP {warm.status}")
    times, queries = [], None
    for _ in range(repeat):
        response = session.get(path, params)
        if response.status != 200:
            raise BenchmarkError(f"{path} {params}: HTTP {response.status}")
        times.append(response.ms)
        queries = response.queries
    summary = _summary(times, queries)
    if explain and connection.vendor == "postgresql":
        # One more request, not timed: the server runs the page's SELECTs again under
        # EXPLAIN ANALYZE and says how long the database alone took (X-Sql-Ms).
        sql_ms = session.get(path, params, extra={"X-Explain-Sql": "1"}).sql_ms
        if sql_ms:
            summary["sql_ms"] = round(sql_ms, 1)
            summary["page_sql_ratio"] = round(summary["median_ms"] / sql_ms, 2)
    return summary


def _measure_job(session, path, params, repeat) -> dict:
    """A report or the export as the user gets it now: the request, the job page until the
    worker has built the file, the download; the time is all of it, the queries the first
    request's."""
    fetch_job_file(session, path, params)  # warm up
    fetches = [fetch_job_file(session, path, params) for _ in range(repeat)]
    return _summary([f.ms for f in fetches], fetches[-1].first.queries)


def _summary(times: list[float], queries) -> dict:
    times = sorted(times)
    return {
        "median_ms": round(statistics.median(times), 1),
        # Nearest-rank 95th percentile: with 10 runs the slowest, with 20 the second slowest.
        "p95_ms": round(times[max(0, -(-95 * len(times) // 100) - 1)], 1),
        "queries": queries,
        "runs": len(times),
    }
