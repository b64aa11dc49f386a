"""Files built off the request: asked for by POST, built by a django-tasks task.

A report of a province-year took one to two seconds of CPU, the export of ~38,000 rows six
(about half a second and one since `sheet_rows`); built inside a request, each held a web
worker that long. The request only checks the user
may have the file (403/404/400 at once) and records a `FileJob` with a task
(`file_job_build`, below) that `manage.py db_worker` runs; the task builds the file
with the kind's `render`, as the requester, and the user downloads it from the job's page.

    file_job_request    check, then queue (or return the user's identical open job)
    file_job_run        build one started job and store its file or its failure
    file_jobs_recover   lost runs (a worker killed mid-job) started again, or given up
    file_jobs_delete_old   retention of the built files

A lost run. django-tasks-db keeps no heartbeat: a result stays RUNNING for good when its
worker is killed (SIGKILL, OOM, power loss). The task writes "host:pid" of its worker process
on the job when it starts; a running job whose process on this machine is gone is lost at
once, and any run older than PARINDEX_JOBS_STALE_MINUTES (a worker on another machine) is
taken as lost too. A lost job gets a new task (its old result is marked failed), at most
MAX_ATTEMPTS runs in all. This is checked when a worker starts (`manage.py
file_jobs_housekeeping`, run before `db_worker` by the systemd unit and `make run`), after
every file a worker builds, and when the user asks for a file: an identical request never
waits on a dead run, and a dead run never counts against the user's limit.
"""

import datetime
import logging
import os
import socket
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from plans.files.kinds import FILE_KINDS, FileKind, FileRequestInvalid
from plans.models import FileJob

logger = logging.getLogger("plans.jobs")

# A job whose run was lost this many times (it may be what kills its worker) is not tried again.
MAX_ATTEMPTS = 3

GONE = "Nội dung của tệp không còn tồn tại, hoặc bạn không còn quyền xem."
REFUSED = "Bạn không còn quyền xem nội dung của tệp này."
BROKEN = "Lỗi hệ thống khi tạo tệp. Hãy thử lại sau; nếu vẫn lỗi, xin báo quản trị hệ thống."
LOST = "Việc tạo tệp bị gián đoạn nhiều lần; hãy yêu cầu lại hoặc báo quản trị hệ thống."
PENDING = [FileJob.Status.QUEUED, FileJob.Status.RUNNING]


class FileJobLimit(Exception):
    """The user already has PARINDEX_JOBS_PER_USER files queued or being built; the message
    says so in Vietnamese, and nothing is queued."""


def file_job_kind(job: FileJob) -> FileKind:
    return FILE_KINDS[job.kind]


def file_job_title(job: FileJob) -> str:
    """What the job page calls the file: "Báo cáo 6 tháng 2024 của kế hoạch (.xlsx)"."""
    kind = FILE_KINDS.get(job.kind)
    try:
        return kind.title(kind.params_load(job.params))
    except (AttributeError, TypeError, ValueError):
        return str(job.get_kind_display())


def file_job_source_url(job: FileJob) -> str:
    """The page that asked for the file, to ask again (a new job with fresh figures); the list
    of the user's files if the job's parameters cannot make one."""
    kind = FILE_KINDS.get(job.kind)
    try:
        return kind.request_url(kind.params_load(job.params))
    except (AttributeError, TypeError, ValueError, NoReverseMatch):
        return reverse("plans:file_job_list")


def file_job_expires_at(job: FileJob) -> datetime.datetime | None:
    if job.finished_at is None:
        return None
    return job.finished_at + datetime.timedelta(hours=settings.PARINDEX_JOBS_KEEP_HOURS)


# A file waiting this long without a worker taking it is late: the largest takes seconds once
# started, so a minute in the queue means the worker is stopped or swamped.
DELAYED_AFTER = datetime.timedelta(minutes=1)


# How soon the file's page looks again (`static/js/refresh-region.js`, which takes the next
# interval from each fresh copy of the page). A report or the export is usually ready within a
# second: looking every 2 seconds made every file a 2-second wait. The page looks every quarter
# second for the first 5 seconds (20 small requests at most), then every 2.
QUICK_REFRESH_SECONDS = 0.25
QUICK_REFRESH_FOR = datetime.timedelta(seconds=5)
REFRESH_SECONDS = 2


def job_page_refresh_seconds(waited: datetime.timedelta) -> float:
    """Seconds until the file's page looks again, after `waited` since the request."""
    return QUICK_REFRESH_SECONDS if waited < QUICK_REFRESH_FOR else REFRESH_SECONDS


def file_job_waiting(job: FileJob, *, now: datetime.datetime) -> dict:
    """What the file's page says while the file is not ready: how long the user has waited
    ("1 phút 05 giây"), whether the service is late (still queued after `DELAYED_AFTER`), and
    when the page looks again (a string: the template must not write "0,5")."""
    waited = max(now - job.created_at, datetime.timedelta(0))
    delayed = job.status == FileJob.Status.QUEUED and waited >= DELAYED_AFTER
    minutes, seconds = divmod(int(waited.total_seconds()), 60)
    text = f"{minutes} phút {seconds:02d} giây" if minutes else f"{seconds} giây"
    refresh = f"{job_page_refresh_seconds(waited):g}"
    return {"text": text, "delayed": delayed, "refresh_seconds": refresh}


# The request ---------------------------------------------------------------------------------


def file_job_request(*, user, kind: FileKind, params) -> FileJob:
    """Queue the file `user` asks for, after the kind's checks (PermissionDenied, Http404 or
    FileRequestInvalid, and nothing is queued). The user's identical job still queued or
    running is returned instead of a second one (a double click, a reload); beyond
    PARINDEX_JOBS_PER_USER open jobs, FileJobLimit."""
    kind.check(user=user, params=params, today=timezone.localdate())
    file_jobs_recover(jobs=FileJob.objects.filter(requested_by=user))
    data = kind.params_dump(params)
    open_jobs = list(FileJob.objects.filter(requested_by=user, status__in=PENDING))
    for job in open_jobs:  # a handful at most: the limit below
        if job.kind == kind.identifier and job.params == data:
            return job
    limit = settings.PARINDEX_JOBS_PER_USER
    if len(open_jobs) >= limit:
        raise FileJobLimit(
            f"Bạn đang có {len(open_jobs)} tệp chờ tạo (tối đa {limit} tệp cùng lúc). "
            "Hãy đợi các tệp đó xong rồi yêu cầu thêm."
        )
    with transaction.atomic():
        # One transaction: the worker never sees the task before the job names it.
        job = FileJob(kind=kind.identifier, params=data, requested_by=user)
        job.full_clean()
        job.save()
        _enqueue(job)
    return job


def _enqueue(job: FileJob) -> None:
    result = file_job_build.enqueue(job_id=job.pk)
    job.task_result_id = str(result.id)
    FileJob.objects.filter(pk=job.pk).update(task_result_id=job.task_result_id)


# The task ------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def file_job_start(*, job_id: int, task_result_id: str) -> FileJob | None:
    """The job marked running by this process, or None if this task is not the job's task
    any more (its run was taken for lost and given a new task) or the job is gone."""
    started = FileJob.objects.filter(
        pk=job_id, task_result_id=task_result_id, status=FileJob.Status.QUEUED
    ).update(
        status=FileJob.Status.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        worker=worker_name(),
    )
    if not started:
        return None
    return FileJob.objects.select_related("requested_by").get(pk=job_id)


def file_job_run(job: FileJob) -> FileJob:
    """Build a started job's file with its kind, as its requester (whose permissions are
    checked again: they may have changed since the request), and store it; a failure is kept
    on the job with a Vietnamese message, its traceback goes to the log."""
    started = timezone.now()
    built = None
    try:
        kind = file_job_kind(job)
        built = kind.render(
            user=job.requested_by, params=kind.params_load(job.params), today=timezone.localdate()
        )
    except PermissionDenied:
        _finish(job, status=FileJob.Status.FAILED, error=REFUSED)
    except (Http404, ObjectDoesNotExist):
        _finish(job, status=FileJob.Status.FAILED, error=GONE)
    except FileRequestInvalid as error:
        _finish(job, status=FileJob.Status.FAILED, error=str(error)[:500])
    except Exception:
        logger.exception("file job %s (%s, %s) failed", job.pk, job.kind, job.params)
        _finish(job, status=FileJob.Status.FAILED, error=BROKEN)
    else:
        try:
            job.size = _store(job, built)
        finally:
            if built.path is not None:
                built.path.unlink(missing_ok=True)  # moved into the storage, or not wanted
        job.file_name = built.name
        job.content_type = built.content_type
        if not _finish(job, status=FileJob.Status.DONE):
            job.file.delete(save=False)  # another run has the job now; keep no stray file
    seconds = (timezone.now() - started).total_seconds()
    logger.info(
        "file job %s %s %s user=%s %.1fs %s",
        job.pk,
        job.kind,
        job.status,
        job.requested_by_id,
        seconds,
        job.file_name or job.error,
    )
    return job


class _TemporaryBuiltFile(File):
    """A built file on disk, offered to the storage as an upload's temporary file: the file
    system storage moves it in place (no copy), another storage reads it in chunks."""

    def temporary_file_path(self) -> str:
        return self.name


def _store(job: FileJob, built) -> int:
    """Save the built file as the job's file: its size in bytes."""
    if built.path is None:
        job.file.save(built.name, ContentFile(built.content), save=False)
        return len(built.content)
    size = built.path.stat().st_size
    with open(built.path, "rb") as handle:
        job.file.save(built.name, _TemporaryBuiltFile(handle, name=str(built.path)), save=False)
    return size


def _finish(job: FileJob, *, status: str, error: str = "") -> bool:
    """Store the outcome unless the job was given to another run meanwhile (a run taken for
    lost that was only slow): whether it was stored."""
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    return bool(
        FileJob.objects.filter(
            pk=job.pk, task_result_id=job.task_result_id, status=FileJob.Status.RUNNING
        ).update(
            status=status,
            error=error,
            finished_at=job.finished_at,
            file=job.file.name or "",
            file_name=job.file_name,
            content_type=job.content_type,
            size=job.size,
        )
    )


# Lost runs -----------------------------------------------------------------------------------


def _process_gone(worker: str) -> bool:
    """Whether the worker process "host:pid" is known to be dead: only a process of this
    machine can be asked."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def file_jobs_recover(*, jobs=None, now: datetime.datetime | None = None) -> int:
    """Open jobs among `jobs` (all by default) whose run was lost, started again with a new
    task, or failed after MAX_ATTEMPTS runs: how many were started again."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(minutes=settings.PARINDEX_JOBS_STALE_MINUTES)
    jobs = (FileJob.objects.all() if jobs is None else jobs).filter(status__in=PENDING)
    pending = list(jobs.only("pk", "status", "task_result_id", "worker", "attempts"))
    if not pending:
        return 0
    results = {
        str(result.pk): result
        for result in DBTaskResult.objects.filter(
            pk__in=[job.task_result_id for job in pending if _is_uuid(job.task_result_id)]
        ).only("pk", "status", "started_at")
    }
    requeued = 0
    for job in pending:
        result = results.get(job.task_result_id)
        if result is None:
            lost = True  # never enqueued (an old job), or its result was pruned
        elif result.status == TaskResultStatus.READY:
            lost = False  # waiting for a worker
        elif result.status == TaskResultStatus.RUNNING:
            lost = (job.status == FileJob.Status.RUNNING and _process_gone(job.worker)) or (
                result.started_at is not None and result.started_at < stale_before
            )
        else:  # the task ended and left the job open: it died in our own bookkeeping
            lost = True
        if lost:
            requeued += _file_job_rerun(job, result=result, now=now)
    return requeued


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _file_job_rerun(job: FileJob, *, result, now) -> int:
    if result is not None and result.status == TaskResultStatus.RUNNING:
        # django-tasks-db never ends a result whose worker died; end it so the task list in
        # the admin, and `prune_db_task_results`, see it for what it is.
        DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="plans.files.jobs.WorkerLost",
            traceback=f"worker {job.worker or '?'} lost the run (file job {job.pk})",
        )
    mine = FileJob.objects.filter(pk=job.pk, task_result_id=job.task_result_id, status__in=PENDING)
    if job.attempts >= MAX_ATTEMPTS:
        mine.update(status=FileJob.Status.FAILED, error=LOST, finished_at=now)
        logger.warning("file job %s: lost %s times, given up", job.pk, job.attempts)
        return 0
    with transaction.atomic():
        new = file_job_build.enqueue(job_id=job.pk)
        taken = mine.update(
            status=FileJob.Status.QUEUED, task_result_id=str(new.id), started_at=None, worker=""
        )
        if not taken:  # another request or worker restarted it first
            transaction.set_rollback(True)
            return 0
    logger.warning("file job %s: run lost (worker %s), queued again", job.pk, job.worker or "?")
    return 1


# Retention -----------------------------------------------------------------------------------


def file_jobs_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Finished jobs older than PARINDEX_JOBS_KEEP_HOURS, with their files: how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.PARINDEX_JOBS_KEEP_HOURS)
    old = FileJob.objects.filter(
        status__in=[FileJob.Status.DONE, FileJob.Status.FAILED], finished_at__lt=cutoff
    )
    deleted = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)  # a file already gone is no error for the storage
        job.delete()
        deleted += 1
    _orphan_files_delete(cutoff=cutoff)
    return deleted


def _orphan_files_delete(*, cutoff: datetime.datetime) -> None:
    """Files under jobs/ that no job names any more, once older than the retention: a job's
    row goes with its user (CASCADE) and a worker may die between writing a file and saving
    its job; neither leaves a file behind for good."""
    storage = FileJob._meta.get_field("file").storage
    try:
        folders, _ = storage.listdir("jobs")
    except FileNotFoundError:
        return
    named = set(FileJob.objects.exclude(file="").values_list("file", flat=True))
    for folder in folders:
        for name in storage.listdir(f"jobs/{folder}")[1]:
            path = f"jobs/{folder}/{name}"
            if path not in named and storage.get_modified_time(path) < cutoff:
                storage.delete(path)


def file_jobs_housekeeping() -> None:
    """What a worker does when it starts and after each file: lost runs, old files."""
    file_jobs_recover()
    file_jobs_delete_old()


# The task that db_worker runs ----------------------------------------------------------------


@task(takes_context=True)
def file_job_build(context: TaskContext, job_id: int) -> str:
    """Build the file of job `job_id`, unless another task has the job now."""
    job = file_job_start(job_id=job_id, task_result_id=str(context.task_result.id))
    if job is None:
        logger.info("file job %s: not this task's any more, skipped", job_id)
        return "skipped"
    job = file_job_run(job)
    # Lost runs of other jobs and old files are looked at after every file, so nothing waits
    # on the daily timer or the next restart of a worker.
    file_jobs_housekeeping()
    return job.status
