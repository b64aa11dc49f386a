"""The files users download: the periodic reports, the task-list and plan exports, and "Tệp
của tôi" (the job pages).

A file is asked for by POST (a button): the kind's checks answer 403/404/400 at once, then a
job is queued and the user sent to its page. A GET of the same URL changes nothing: it runs
the same checks and shows the button (old links and bookmarks still lead somewhere).
"""

import dataclasses

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from plans.files.jobs import (
    FileJobLimit,
    file_job_expires_at,
    file_job_request,
    file_job_source_url,
    file_job_title,
    file_job_waiting,
)
from plans.files.kinds import (
    FILE_KINDS,
    EvidencePackageParams,
    FileRequestInvalid,
    PlanExportParams,
    TaskExportParams,
)
from plans.files.responses import attachment_response
from plans.forms import ReportDocumentForm
from plans.models import FileJob
from plans.selectors import file_jobs_visible_to
from plans.views.common import bad_request


def _file_request(request, kind_id: str, params, form=None):
    """`form`, if the kind asks for more than its URL says: its fields are parameters of the
    same names, and a wrong value is shown on the form (400), after the kind's own checks."""
    kind = FILE_KINDS[kind_id]
    try:
        invalid = form is not None and form.is_bound and not form.is_valid()
        if request.method != "POST" or invalid:
            kind.check(user=request.user, params=params, today=timezone.localdate())
            return render(
                request,
                "plans/file_request.html",
                {"title": kind.title(params), "action": request.get_full_path(), "form": form},
                status=400 if invalid else 200,
            )
        if form is not None:
            params = dataclasses.replace(params, **form.cleaned_data)
        job = file_job_request(user=request.user, kind=kind, params=params)
    except FileRequestInvalid as error:
        return bad_request(request, str(error))
    except FileJobLimit as error:
        return render(
            request,
            "plans/file_request.html",
            {"title": kind.title(params), "refused": str(error)},
            status=429,
        )
    return HttpResponseRedirect(reverse("plans:file_job", args=[job.pk]), status=303)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def plan_export(request, pk):
    return _file_request(request, FileJob.Kind.PLAN_EXPORT, PlanExportParams(plan_id=pk))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def task_export(request):
    # The filters travel in the query string of the form's action, as on the list.
    params = TaskExportParams(query=request.GET.urlencode())
    return _file_request(request, FileJob.Kind.TASK_EXPORT, params)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def report_download(request, subject, period, extension):
    """`/reports/plan-<id>/<period>.xlsx|docx` or `/reports/province-<id>/<period>...`."""
    kind = FILE_KINDS[FileJob.Kind.REPORT]
    params = kind.params_from_url(subject=subject, period=period, extension=extension)
    # The number, signer and nơi nhận of the document, or its placeholders when left empty.
    data = request.POST if request.method == "POST" else None
    form = ReportDocumentForm(data, extension=extension)
    return _file_request(request, FileJob.Kind.REPORT, params, form=form)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def evidence_package(request, province, index, year):
    params = EvidencePackageParams(province_id=province, index=index, year=year)
    return _file_request(request, FileJob.Kind.EVIDENCE_PACKAGE, params)


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
            "waiting": file_job_waiting(job, now=timezone.now()) if job.pending else None,
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
    return attachment_response(stored, name=job.file_name, content_type=job.content_type)
