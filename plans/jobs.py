"""Files built off the request: the periodic reports and the task-list export.

A report of a province-year takes one to two seconds of CPU, the export of ~38,000 rows six;
built inside a request, each held a web worker that long and every other request queued
behind it. Now the request only checks the user may have the file (the same checks, and the
same 403/404/400 answers, as before) and queues a `FileJob`; the job worker (`manage.py
run_jobs`, at a lower CPU priority) builds it with the same builders, checking again what the
requester may see, and the user downloads it from the job's page.

    file_job_request   the request: check, then queue (or reuse the same open job)
    file_jobs_run      the worker: claim the oldest queued job, build it, store it; repeat
    file_job_run       build one claimed job
    file_jobs_requeue_stale, file_jobs_delete_old   housekeeping of the worker
"""

import datetime
import logging
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies.roles import can_see_dashboard, dashboard_provinces
from plans.export import assignments_export_xlsx
from plans.filters import assignments_filtered
from plans.models import FileJob
from plans.periods import period_bounds, period_label
from plans.reports import report_docx, report_subject, report_xlsx
from plans.selectors import plans_visible_to

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_TYPES = {"xlsx": (XLSX, report_xlsx), "docx": (DOCX, report_docx)}
# A job that killed its worker this many times is not tried again.
MAX_ATTEMPTS = 3

GONE = "Nội dung của tệp không còn tồn tại, hoặc bạn không còn quyền xem."
REFUSED = "Bạn không còn quyền xem nội dung của tệp này."
BROKEN = "Lỗi hệ thống khi tạo tệp. Hãy thử lại sau; nếu vẫn lỗi, xin báo quản trị hệ thống."
LOST = "Việc tạo tệp bị gián đoạn nhiều lần; hãy yêu cầu lại hoặc báo quản trị hệ thống."


class FileJobInvalid(Exception):
    """A request that can never give a file (a wrong period): answered 400 with this
    Vietnamese message."""


@dataclass
class BuiltFile:
    content: bytes
    name: str
    content_type: str


# Checks and builders ------------------------------------------------------------------------


def _report_subject(*, user, params: dict, today: datetime.date):
    """The report's subject if `user` may have it; PermissionDenied, Http404 or FileJobInvalid
    otherwise (the checks of the report URL, at request time and again when building)."""
    if not user.is_active or not can_see_dashboard(user):
        raise PermissionDenied
    subject, period, extension = params["subject"], params["period"], params["extension"]
    kind, _, pk = subject.partition("-")
    # isascii: "²" and "١" are digits to str.isdigit, but no id.
    if (
        kind not in {"plan", "province"}
        or not (pk.isascii() and pk.isdigit())
        or extension not in REPORT_TYPES
    ):
        raise Http404
    try:
        period_bounds(period)
    except ValueError as error:
        raise FileJobInvalid(str(error)) from error
    if kind == "plan":
        plan = get_object_or_404(plans_visible_to(user=user), pk=pk)
        return report_subject(plan=plan, period=period, today=today)
    province = get_object_or_404(dashboard_provinces(user), pk=pk)
    return report_subject(province=province, period=period, today=today)


def _report_build(*, user, params: dict, today: datetime.date) -> BuiltFile:
    report = _report_subject(user=user, params=params, today=today)
    content_type, build = REPORT_TYPES[params["extension"]]
    name = f"bao-cao-{params['subject']}-{params['period']}.{params['extension']}"
    return BuiltFile(build(report), name, content_type)


def _task_export_check(*, user, params: dict, today: datetime.date) -> None:
    # Everyone logged in may export the list; the rows are those the user sees when it is
    # built. A wrong filter exports no rows, as the list shows none.
    if not user.is_active:
        raise PermissionDenied


def _task_export_build(*, user, params: dict, today: datetime.date) -> BuiltFile:
    _task_export_check(user=user, params=params, today=today)
    _, rows = assignments_filtered(user=user, params=QueryDict(params["query"]), today=today)
    content = assignments_export_xlsx(
        rows.order_by("task__plan_id", "task__position", "agency__name"), today=today
    )
    return BuiltFile(content, f"nhiem-vu-{today:%Y%m%d}.xlsx", XLSX)


CHECKS = {FileJob.Kind.REPORT: _report_subject, FileJob.Kind.TASK_EXPORT: _task_export_check}
BUILDERS = {FileJob.Kind.REPORT: _report_build, FileJob.Kind.TASK_EXPORT: _task_export_build}


def file_job_title(job: FileJob) -> str:
    """What the job page calls the file: "Báo cáo 6 tháng 2024 của kế hoạch (.xlsx)"."""
    if job.kind == FileJob.Kind.REPORT:
        params = job.params
        province = params.get("subject", "").startswith("province")
        whole = "của các kế hoạch trong tỉnh" if province else "của kế hoạch"
        period = period_label(params.get("period", ""))
        period = period[:1].lower() + period[1:]  # mid-sentence: "Báo cáo năm 2024", "quý I/2024"
        return f"Báo cáo {period} {whole} (.{params.get('extension', '')})"
    return "Danh sách nhiệm vụ (.xlsx)"


def file_job_source_url(job: FileJob) -> str:
    """The URL that asked for the file, to ask again (a new job with fresh figures); the list
    of the user's files if the job's parameters cannot make one."""
    params = job.params
    try:
        if job.kind == FileJob.Kind.REPORT:
            args = [params["subject"], params["period"], params["extension"]]
            return reverse("plans:report_download", args=args)
        query = params.get("query", "")
        return reverse("plans:task_export") + (f"?{query}" if query else "")
    except (KeyError, NoReverseMatch):
        return reverse("plans:file_job_list")


# The request ---------------------------------------------------------------------------------


def file_job_request(*, user, kind: str, params: dict) -> FileJob:
    """Queue the file `user` asks for, after the same checks the download did (PermissionDenied,
    Http404 or FileJobInvalid, and nothing is queued); the user's identical job still queued or
    running is returned instead of a second one (a double click, a reload)."""
    CHECKS[kind](user=user, params=params, today=timezone.localdate())
    open_jobs = FileJob.objects.filter(
        requested_by=user, kind=kind, status__in=[FileJob.Status.QUEUED, FileJob.Status.RUNNING]
    )
    for job in open_jobs.order_by("-created_at"):  # a user has a handful at most
        if job.params == params:
            return job
    job = FileJob(kind=kind, params=params, requested_by=user)
    job.full_clean()
    job.save()
    return job


# The worker ----------------------------------------------------------------------------------


def file_job_claim() -> FileJob | None:
    """The oldest queued job, now marked running; None when the queue is empty. On PostgreSQL
    other workers skip the row this one has locked; everywhere, the conditional update makes
    the claim safe: only one worker turns a queued job to running. (SQLite has no row locks,
    and a read-then-write transaction there fails at once when a request wrote in between, so
    it claims in autocommit.)"""
    skip_locked = connection.features.has_select_for_update_skip_locked
    while True:
        with transaction.atomic() if skip_locked else nullcontext():
            queued = FileJob.objects.filter(status=FileJob.Status.QUEUED)
            if skip_locked:
                queued = queued.select_for_update(skip_locked=True)
            job = queued.order_by("created_at", "pk").first()
            if job is None:
                return None
            claimed = FileJob.objects.filter(pk=job.pk, status=FileJob.Status.QUEUED).update(
                status=FileJob.Status.RUNNING, started_at=timezone.now(), attempts=job.attempts + 1
            )
        if claimed:
            job.refresh_from_db()
            return job


def _finish(job: FileJob, *, status: str, error: str = "") -> None:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "file",
            "file_name",
            "content_type",
            "size",
        ]
    )


def file_job_run(job: FileJob) -> FileJob:
    """Build a claimed job's file with the builder its download used, as its requester (whose
    permissions are checked again: they may have changed since the request), and store it; a
    failure is kept on the job with a Vietnamese message, its traceback goes to the log."""
    started = timezone.now()
    try:
        built = BUILDERS[job.kind](
            user=job.requested_by, params=job.params, today=timezone.localdate()
        )
    except PermissionDenied:
        _finish(job, status=FileJob.Status.FAILED, error=REFUSED)
    except (Http404, ObjectDoesNotExist):
        _finish(job, status=FileJob.Status.FAILED, error=GONE)
    except FileJobInvalid as error:
        _finish(job, status=FileJob.Status.FAILED, error=str(error)[:500])
    except Exception:
        logger.exception("file job %s (%s, %s) failed", job.pk, job.kind, job.params)
        _finish(job, status=FileJob.Status.FAILED, error=BROKEN)
    else:
        job.file.save(built.name, ContentFile(built.content), save=False)
        job.file_name = built.name
        job.content_type = built.content_type
        job.size = len(built.content)
        _finish(job, status=FileJob.Status.DONE)
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


def file_jobs_run(*, limit: int | None = None) -> int:
    """Run queued jobs, oldest first, until the queue is empty (or `limit` ran); how many ran.
    A job that fails is marked failed and the next one runs."""
    ran = 0
    while limit is None or ran < limit:
        job = file_job_claim()
        if job is None:
            break
        file_job_run(job)
        ran += 1
    return ran


def file_jobs_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Jobs left running by a worker that was killed: queued again, or failed after
    MAX_ATTEMPTS (a job that kills its worker every time must not kill the next ones)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PARINDEX_JOBS_STALE_MINUTES)
    stale = FileJob.objects.filter(status=FileJob.Status.RUNNING, started_at__lt=cutoff)
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=FileJob.Status.FAILED, error=LOST, finished_at=now
    )
    requeued = stale.update(status=FileJob.Status.QUEUED, started_at=None)
    if given_up or requeued:
        logger.warning("file jobs: %s stale requeued, %s given up", requeued, given_up)
    return requeued


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


def file_job_expires_at(job: FileJob) -> datetime.datetime | None:
    if job.finished_at is None:
        return None
    return job.finished_at + datetime.timedelta(hours=settings.PARINDEX_JOBS_KEEP_HOURS)
