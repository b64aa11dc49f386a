"""`manage.py run_jobs` as systemd runs it: a process of its own, at a lower CPU priority,
waiting for jobs, and stopping cleanly on SIGTERM. (Against a SQLite file of its own: the test
database lives in this process's memory.)"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from plans.tooling.benchmarking import jobs_worker


def test_the_worker_runs_below_the_web_workers_and_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SQLITE_PATH=str(tmp_path / "jobs.sqlite3"), LOG_LEVEL="INFO", DEBUG="1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    log = tmp_path / "run_jobs.log"
    with open(log, "wb") as out, jobs_worker(env=env, log=out) as worker:
        deadline = time.monotonic() + 60
        while b"waiting for jobs" not in log.read_bytes():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        # Field 19 of /proc/<pid>/stat is the nice value: 10, or ours (pytest's) if higher.
        nice = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice == min(19, max(10, os.nice(0)))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    assert "run_jobs: stopped" in log.read_text()
