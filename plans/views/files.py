"""The files users download: the periodic reports, the task-list and plan exports, and "Tệp của tôi" (the job pages)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from plans.evidence import attachment_disposition
from plans.export import plan_export_xlsx
from plans.jobs import (
    FileJobInvalid,
    file_job_expires_at,
    file_job_request,
    file_job_source_url,
    file_job_title,
)
from plans.models import FileJob
from plans.selectors import (
    file_jobs_visible_to,
    plans_visible_to,
)
from plans.views.common import bad_request


@login_required
def plan_export(request, pk):
    plan = get_object_or_404(plans_visible_to(user=request.user), pk=pk)
    response = HttpResponse(
        plan_export_xlsx(plan),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    safe_number = "".join(ch if ch.isalnum() else "-" for ch in plan.number)
    response["Content-Disposition"] = attachment_disposition(
        f"ke-hoach-{safe_number}-{plan.year}.xlsx"
    )
    return response


def _to_file_job(request, job):
    """To the job's page: 303 after a POST, 302 for the links (GET)."""
    return HttpResponseRedirect(
        reverse("plans:file_job", args=[job.pk]), status=303 if request.method == "POST" else 302
    )


@login_required
def task_export(request):
    # A GET queues the export (derived data, nothing a user sees changes; an identical open
    # job is reused), so the existing "Tải danh sách" links keep working.
    job = file_job_request(
        user=request.user,
        kind=FileJob.Kind.TASK_EXPORT,
        params={"query": request.GET.urlencode()},
    )
    return _to_file_job(request, job)


@login_required
def report_download(request, subject, period, extension):
    """`/reports/plan-<id>/<period>.xlsx|docx` or `/reports/province-<id>/<period>...`: checked
    now (403, 404, 400 as before), built by the job worker, downloaded from the job's page."""
    try:
        job = file_job_request(
            user=request.user,
            kind=FileJob.Kind.REPORT,
            params={"subject": subject, "period": period, "extension": extension},
        )
    except FileJobInvalid as error:
        return bad_request(str(error))
    return _to_file_job(request, job)


@login_required
def file_job_list(request):
    """ "Tệp của tôi": the files the user asked for and still kept, newest first."""
    jobs = list(file_jobs_visible_to(user=request.user).order_by("-created_at", "-pk")[:100])
    rows = [(job, file_job_title(job)) for job in jobs]
    pending = any(job.pending for job in jobs)
    return render(
        request,
        "plans/file_job_list.html",
        {"rows": rows, "pending": pending, "keep_hours": settings.PARINDEX_JOBS_KEEP_HOURS},
    )


@login_required
def file_job(request, pk):
    job = get_object_or_404(file_jobs_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "plans/file_job.html",
        {
            "job": job,
            "title": file_job_title(job),
            "again_url": file_job_source_url(job),
            "expires_at": file_job_expires_at(job),
        },
    )


@login_required
def file_job_download(request, pk):
    job = get_object_or_404(
        file_jobs_visible_to(user=request.user).exclude(file=""),
        pk=pk,
        status=FileJob.Status.DONE,
    )
    try:
        stored = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(stored, content_type=job.content_type)
    response["Content-Disposition"] = attachment_disposition(job.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
