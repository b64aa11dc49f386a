"""The job worker: builds the files users asked for (reports, the task-list export).

python manage.py run_jobs            # keep running (systemd: deploy/parindex-jobs.service)
python manage.py run_jobs --once     # run what is queued, then exit (tests, cron)
"""

import logging
import os
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from plans.jobs import file_job_claim, file_job_run, file_jobs_delete_old, file_jobs_requeue_stale

logger = logging.getLogger("plans.jobs")

HOUSEKEEPING_SECONDS = 600


class Command(BaseCommand):
    help = "Build the reports and exports users asked for, one after another (the job worker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued, then exit")
        parser.add_argument(
            "--poll", type=float, default=1.0, help="seconds between looks at an empty queue"
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help="run at this niceness at least (default 10: below the web workers' 0)",
        )

    def handle(self, *args, once, poll, nice, **options):
        # The web workers answer people waiting on a page; a report can wait a second more.
        # With a lower priority the kernel gives the CPU to gunicorn first whenever both want
        # it, so a file being built no longer slows every other request (2 cores, 4 workers).
        current = os.nice(0)
        if nice > current:
            os.nice(nice - current)
        self.stopping = False
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        # A worker killed mid-job (restart, OOM) left its job "running": queue it again.
        file_jobs_requeue_stale()
        file_jobs_delete_old()
        housekept = time.monotonic()
        if not once:
            logger.info("run_jobs: waiting for jobs (pid %s)", os.getpid())
        while not self.stopping:
            # Connections idle between jobs may have been closed by PostgreSQL or a proxy;
            # and CONN_MAX_AGE is honoured here as in a request.
            _close_old_connections()
            try:
                job = file_job_claim()
                if job is not None:
                    file_job_run(job)
                if time.monotonic() - housekept > HOUSEKEEPING_SECONDS:
                    file_jobs_requeue_stale()
                    file_jobs_delete_old()
                    housekept = time.monotonic()
            except Exception:
                # The database went away, a disk filled up: log it, wait, try again; the
                # worker itself must not die of one bad job or one lost connection.
                logger.exception("run_jobs: error, retrying in %ss", max(poll, 1))
                _close_old_connections()
                job = None
                if once:
                    raise
                time.sleep(max(poll, 1))
                continue
            if job is None:
                if once:
                    break
                self._sleep(poll)
        _close_old_connections()
        if not once:
            logger.info("run_jobs: stopped")

    def _stop(self, signum, frame):
        # Let the job being built finish (a few seconds), then leave the loop.
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.2, seconds))


def _close_old_connections() -> None:
    # Never under a caller's open transaction (`call_command` inside a test or a script).
    if not connection.in_atomic_block:
        close_old_connections()
