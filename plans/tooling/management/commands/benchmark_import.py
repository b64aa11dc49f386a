"""Time and peak memory of the annex import on a synthetic workbook: dry run, commit, unchanged
re-import, then a revised annex (a task inserted at the top of every section and the rest
renumbered, every 97th deleted, a word corrected in every 89th) previewed and committed, which
is where matching tasks by content costs most. With ``--format docx`` the same tasks come as a
Word plan's annex table (plans.tooling.synthetic.synthetic_annex_docx).

Each phase runs `import_annex` in its own process so its peak memory (max RSS) is its own,
with production settings (DEBUG=0), as `benchmark` runs gunicorn: with DEBUG on, Django keeps
the text of every query (here the 17 MB import run summary and the inserts of 81,000
assignments), 15 MB more peak memory than production has.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from plans.models import Plan
from plans.tooling.synthetic import synthetic_annex, synthetic_annex_docx


def _load(averages) -> str:
    return " ".join(f"{x:.2f}" for x in averages)


class Command(BaseCommand):
    help = (
        "Benchmark the annex import on a synthetic workbook (or, with --format docx, Word "
        "document) of N tasks (default 10,000)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tasks", type=int, default=10_000)
        parser.add_argument("--format", choices=["xlsx", "docx"], default="xlsx")
        parser.add_argument(
            "--json", dest="json_path", default=None, help="also write results here"
        )
        parser.add_argument("--keep", action="store_true", help="keep the imported plan afterwards")

    def handle(self, *args, tasks, json_path, keep, **options):
        file_format = options["format"]
        load_before = os.getloadavg()
        write = synthetic_annex_docx if file_format == "docx" else synthetic_annex
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"synthetic-{tasks}.{file_format}"
            path.write_bytes(write(tasks))
            revised = Path(tmp) / f"synthetic-{tasks}-revised.{file_format}"
            revised.write_bytes(write(tasks, revised=True))
            number = f"BENCH-{tasks}"
            Plan.objects.filter(number=number).delete()
            results = []
            for phase, source, extra in (
                ("dry run", path, ["--dry-run"]),
                ("commit", path, []),
                ("unchanged re-import", path, []),
                ("revised dry run", revised, ["--dry-run"]),
                ("revised commit", revised, []),
            ):
                results.append(self._phase(phase, source, number, extra))
            if not keep:
                Plan.objects.filter(number=number).delete()
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"Annex import, {tasks} tasks from .{file_format}, {engine}, {os.cpu_count()} CPU"
        )
        self.stdout.write(
            f"load average (1, 5, 15 min) before {_load(load_before)}, after {_load(os.getloadavg())}"
        )
        self.stdout.write(f"{'phase':<22}{'seconds':>9}{'CPU s':>7}{'peak MB':>9}  tasks")
        for r in results:
            self.stdout.write(
                f"{r['phase']:<22}{r['seconds']:>9.1f}{r['cpu_seconds']:>7.1f}"
                f"{r['peak_mb']:>9.0f}  {r['tasks']}"
            )
        if json_path:
            Path(json_path).write_text(
                json.dumps(
                    {"engine": engine, "format": file_format, "tasks": tasks, "phases": results},
                    indent=1,
                )
            )

    def _phase(self, phase, path, number, extra) -> dict:
        command = [
            sys.executable,
            "manage.py",
            "import_annex",
            str(path),
            "--province",
            "06-bac-kan",
            "--plan-number",
            number,
            "--year",
            "2023",
            "--json",
            *extra,
        ]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                stdout=out,
                stderr=err,
                env={**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)},
            )
            # wait4 gives this child's own resource usage: ru_maxrss is its peak RSS in KiB, and
            # its user + system CPU time is the figure to compare on a shared machine (the wall
            # time is the other processes' too; PostgreSQL's own work is in neither).
            _pid, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if process.returncode != 0:
            raise SystemExit(f"{phase} failed: {stderr.decode()[-2000:]}")
        report = json.loads(stdout)
        return {
            "phase": phase,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "tasks": report["tasks"],
        }
