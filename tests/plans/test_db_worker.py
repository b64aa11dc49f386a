"""The worker as systemd runs it (`file_jobs_housekeeping`, then django-tasks-db's
`manage.py db_worker`): a process of its own, at a lower CPU priority, building the files
asked for, and stopping cleanly on SIGTERM. (Against a SQLite file of its own: the test
database lives in this process's memory.)"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from plans.tooling.benchmarking import WORKER_INTERVAL, jobs_worker

ASK = """
from django.contrib.auth import get_user_model
from plans.files.jobs import file_job_request
from plans.files.kinds import FILE_KINDS, TaskExportParams
user = get_user_model().objects.create_user("worker-test", password="x")
job = file_job_request(
    user=user, kind=FILE_KINDS["task_export"], params=TaskExportParams(query="")
)
print("JOB", job.pk)
"""

# What a worker killed with SIGKILL in the middle of the job leaves behind: its task result
# RUNNING for good, the job running under a process that no longer exists.
KILLED = """
import socket, subprocess, sys
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from plans.models import FileJob
process = subprocess.Popen([sys.executable, "-c", "pass"])
process.wait()
job = FileJob.objects.get(pk={job_id})
DBTaskResult.objects.filter(pk=job.task_result_id).update(
    status="RUNNING", started_at=timezone.now(), worker_ids=["killed"]
)
FileJob.objects.filter(pk=job.pk).update(
    status="running", attempts=1, started_at=timezone.now(),
    worker=f"{{socket.gethostname()}}:{{process.pid}}",
)
"""


def _environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="INFO",
        DEBUG="1",
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
            text=True,
        ).stdout

    manage("migrate", "-v", "0")
    [job_id] = re.findall(r"^JOB (\d+)$", manage("shell", "-c", ASK), re.MULTILINE)
    return env, manage, job_id


def _wait_for(log, text, worker):
    deadline = time.monotonic() + 60
    while text not in log.read_text():
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_the_worker_builds_files_below_the_web_workers_and_stops_on_sigterm(tmp_path):
    env, _, job_id = _environment(tmp_path)
    log = tmp_path / "db_worker.log"
    with open(log, "wb") as out, jobs_worker(env=env, log=out) as worker:
        _wait_for(log, f"file job {job_id} task_export done", worker)
        # Field 19 of /proc/<pid>/stat is the nice value: `nice -n 10` adds 10 to ours
        # (pytest's, 0 unless the tests themselves run niced), up to the maximum of 19.
        nice = int(Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
        assert nice == min(19, os.nice(0) + 10)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    text = log.read_text()
    assert "file jobs: 0 queued again, 0 expired deleted" in text  # the housekeeping first
    assert "Starting worker" in text
    assert list((tmp_path / "media" / "jobs").glob("*/danh-sach-nhiem-vu-*.xlsx"))


def test_a_job_a_killed_worker_left_running_is_built_when_a_worker_starts(tmp_path):
    env, manage, job_id = _environment(tmp_path)
    manage("shell", "-c", KILLED.format(job_id=job_id))
    log = tmp_path / "db_worker.log"
    # As systemd (and `make run`) start it: the housekeeping, then db_worker.
    with open(log, "wb") as out, jobs_worker(env=env, log=out) as worker:
        _wait_for(log, f"file job {job_id} task_export done", worker)
    text = log.read_text()
    assert "file jobs: 1 queued again, 0 expired deleted" in text
    assert f"file job {job_id}: run lost (worker " in text


def test_the_worker_looks_for_tasks_as_often_in_production_as_in_the_benchmark():
    # A file waits on average half the interval before a worker takes it: the benchmark's
    # "until downloaded" holds for the unit and `make run` only if they start it alike.
    flag = f"--interval {WORKER_INTERVAL}"
    unit = (Path(settings.BASE_DIR) / "deploy" / "parindex-jobs.service").read_text()
    [start] = re.findall(r"^ExecStart=.*db_worker.*$", unit, re.MULTILINE)
    assert start.endswith(flag)
    make = (Path(settings.BASE_DIR) / "Makefile").read_text()
    assert f"manage.py db_worker --no-reload {flag} &" in make
