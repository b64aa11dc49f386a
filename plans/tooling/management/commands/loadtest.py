"""A bounded load run: N logged-in users for S seconds against gunicorn (4 workers, 127.0.0.1).

Each simulated user logs in through the login form as agency staff, a Sở Nội vụ reviewer or an
administrator (half, a third, a sixth), then, reading each page 5–15 s (`--think`), opens
the pages of `manage.py benchmark` in a weighted mix (lists and the task page most, dashboards
and reports seldom); staff users also report progress on an assignment of their own. A report
is what a user does now: the request, the job's page every second until the job worker (started
beside gunicorn) has built the file, the download; "…, until downloaded" is that whole wait. locust
(as a library) drives the load in a separate process: see `plans/tooling/locust_run.py` for why.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parindex_scale \\
        python manage.py loadtest --users 50 --seconds 60
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from plans.models import Assignment
from plans.tooling.benchmarking import (
    PASSWORD,
    BenchmarkError,
    benchmark_scenarios,
    benchmark_setup,
    gunicorn_server,
)


class Command(BaseCommand):
    help = "Load run: N logged-in users for S seconds against gunicorn (4 workers) on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument(
            "--think",
            type=float,
            nargs=2,
            default=[5, 15],
            metavar=("MIN", "MAX"),
            help="seconds a user reads a page before the next (default 5 15)",
        )
        parser.add_argument(
            "--warmup",
            type=float,
            default=5,
            help="seconds after the last login before the timed window (default 5)",
        )
        parser.add_argument("--json", dest="json_path", default=None, help="write results here")

    def handle(
        self, *args, users, seconds, spawn_rate, workers, think, warmup, json_path, **options
    ):
        if users < 1 or seconds < 1:
            raise CommandError("--users và --seconds phải ≥ 1.")
        try:
            setup = benchmark_setup(today=timezone.localdate())
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        scenarios = benchmark_scenarios(setup)
        versions = dict(
            Assignment.objects.filter(pk__in=setup.assignment_ids).values_list("pk", "version")
        )
        with tempfile.TemporaryDirectory(prefix="parindex-load-") as tmp:
            spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
            try:
                with gunicorn_server(workers=workers) as server:
                    spec = {
                        "host": f"http://{server.host}:{server.port}",
                        "users_count": users,
                        "spawn_rate": spawn_rate,
                        "seconds": seconds,
                        "think_min": think[0],
                        "think_max": think[1],
                        "warmup": warmup,
                        "password": PASSWORD,
                        "users": setup.users,
                        "persona_cycle": [
                            "staff",
                            "reviewer",
                            "staff",
                            "admin",
                            "staff",
                            "reviewer",
                        ],
                        "scenarios": [
                            {
                                "name": s.name,
                                "persona": s.persona,
                                "path": s.path,
                                "params": s.params,
                                "post": s.post,
                                "job": s.job,
                                "weight": s.weight,
                            }
                            for s in scenarios
                        ],
                        "assignments": setup.assignment_ids,
                        "versions": {str(k): v for k, v in versions.items()},
                        "task_page": f"/tasks/{setup.task_id}/",
                    }
                    spec_path.write_text(json.dumps(spec, ensure_ascii=False))
                    run = subprocess.run(
                        [
                            sys.executable,
                            "-m",
                            "plans.tooling.locust_run",
                            str(spec_path),
                            str(out_path),
                        ],
                        cwd=settings.BASE_DIR,
                        capture_output=True,
                        text=True,
                        timeout=warmup + seconds + 120,
                    )
            except BenchmarkError as error:
                raise CommandError(str(error)) from error
            if run.returncode != 0 or not out_path.exists():
                raise CommandError(f"locust thất bại:\n{run.stderr[-3000:]}")
            result = json.loads(out_path.read_text())
            if options["verbosity"] > 1:  # -v 2: locust's own log
                self.stderr.write(run.stderr[-5000:])
        result.update(
            users=users,
            workers=workers,
            think=think,
            warmup=warmup,
            load=round(os.getloadavg()[0], 2),
        )
        self._print(result)
        if json_path:
            Path(json_path).write_text(json.dumps(result, indent=1, ensure_ascii=False))

    def _print(self, r) -> None:
        self.stdout.write(
            f"{r['users']} người dùng, {r['seconds']} s, đọc mỗi trang {r['think'][0]:g}–"
            f"{r['think'][1]:g} s, gunicorn {r['workers']} worker trên 127.0.0.1, "
            f"{os.cpu_count()} CPU, load {r['load']:.2f}"
        )
        self.stdout.write(
            f"requests {r['requests']} ({r['rps']:.1f}/s), errors {r['failures']}, "
            f"files not downloaded {r['job_failures']}, "
            f"p95 {r['p95_ms']} ms; pages without logins: {r['pages_requests']} requests, "
            f"errors {r['pages_failures']}, median {r['pages_median_ms']} ms, "
            f"p95 {r['pages_p95_ms']} ms"
        )
        self.stdout.write(f"{'request':<38}{'count':>7}{'errors':>7}{'median':>8}{'p95':>8}")
        for e in r["entries"]:
            self.stdout.write(
                f"{e['name']:<38}{e['requests']:>7}{e['failures']:>7}"
                f"{e['median_ms'] or 0:>8.0f}{e['p95_ms'] or 0:>8.0f}"
            )
        if r.get("slow"):
            self.stdout.write(f"{len(r['slow'])} requests ≥ 500 ms (second of the window, ms):")
            self.stdout.write(
                "  " + ", ".join(f"{e['at_s']:g}s {e['name']} {e['ms']}" for e in r["slow"])
            )
        for e in r["logins"]:
            self.stdout.write(
                f"before the window: {e['name']} ×{e['requests']}, errors {e['failures']}, "
                f"median {e['median_ms']} ms, p95 {e['p95_ms']} ms"
            )
        for error in r["errors"]:
            self.stdout.write(f"error: {error['name']}: {error['error']} ×{error['count']}")
