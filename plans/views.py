"""Plan pages: home, the task list and task page, progress and review, the annex import
(upload, preview, confirm, history), the plan export, the dashboard, the periodic reports and
the task-list export (queued for the job worker: `plans/jobs.py`) with their job pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import LazyPaginator, RequestConfig

from agencies.models import Agency
from agencies.roles import (
    can_import,
    can_manage_results,
    can_review_province,
    can_see_dashboard,
    can_settle_names,
    dashboard_provinces,
    import_provinces,
    is_administrator,
    settle_provinces,
)
from agencies.selectors import agency_choices, unknown_name_counts
from parindex.selectors import linkable_criteria
from plans.dashboard import (
    DashboardScope,
    dashboard_by_agency,
    dashboard_chart_data,
    dashboard_deadlines,
    dashboard_tables,
    dashboard_totals,
)
from plans.evidence import attachment_disposition, evidence_download_name, evidence_served_type
from plans.export import plan_export_xlsx
from plans.filters import assignments_filtered
from plans.forms import (
    AgencyLookupForm,
    DashboardForm,
    ImportForm,
    ListPageForm,
    OpenPeriodForm,
    ProgressForm,
    ReviewForm,
    SettleAliasForm,
    SettleCollectiveForm,
)
from plans.jobs import (
    FileJobInvalid,
    file_job_expires_at,
    file_job_request,
    file_job_source_url,
    file_job_title,
)
from plans.models import Assignment, Evidence, FileJob, ProgressUpdate, ReportingPeriod, Task
from plans.periods import current_period, period_bounds, period_choices, period_label
from plans.reminders import period_reminder_send
from plans.selectors import (
    agency_uses,
    assignment_count_estimate,
    can_change_assignment,
    can_restore_task,
    can_review,
    file_jobs_visible_to,
    home_overview,
    import_runs_visible_to,
    plan_overview,
    plans_visible_to,
    settle_choices,
    task_detail,
    task_history,
    tasks_visible_to,
    unknown_agencies,
    unknown_agency_to_settle,
)
from plans.services import (
    ConcurrentUpdate,
    agency_settle_as_alias,
    agency_settle_as_collective,
    agency_settle_as_external,
    assignment_record_progress,
    assignment_review,
    import_confirm,
    import_preview,
    import_preview_choose,
    task_restore,
)
from plans.tables import AssignmentTable
from plans.timeliness import TIMELINESS_LABELS, Timeliness


def _bad_request(message: str) -> HttpResponse:
    """A parameter no page can be made from: 400 with one Vietnamese line."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _require_importer(user) -> None:
    if not can_import(user):
        raise PermissionDenied


@login_required
def import_list(request):
    _require_importer(request.user)
    runs = import_runs_visible_to(user=request.user).order_by("-created_at")[:200]
    return render(request, "plans/import_list.html", {"runs": runs})


@login_required
def import_new(request):
    _require_importer(request.user)
    provinces = import_provinces(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        report = import_preview(
            data=upload.read(),
            file_name=upload.name,
            province=data["province"],
            user=request.user,
            plan_number=data["plan_number"],
            plan_title=data["plan_title"],
            plan_date=data["plan_date"],
            year=data["year"],
        )
        if report.ok:
            return redirect("plans:import_detail", pk=report.import_run_id)
        for error in report.errors:
            form.add_error("file", error)
    return render(request, "plans/import_new.html", {"form": form})


HOW_LABELS = {
    "matched": "khớp tên",
    "aliased": "tên gọi khác",
    "expanded": "từ tên chung",
    "new": "mới, chưa xác minh",
}
STATUS_LABELS = {
    "created": "Mới",
    "updated": "Sửa nội dung",
    "moved": "Chuyển mục",
    "restored": "Khôi phục",
    "unchanged": "Không đổi",
}


def _day(iso: str | None) -> str:
    """ "2018-06-30" → "30/06/2018" (the stored report keeps ISO dates)."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _display_rows(report: dict) -> list[dict]:
    """Rows of a stored report, with each agency paired with how it was read, and the labels
    and dates the preview shows."""
    kinds = dict(Task.DeadlineKind.choices)
    recurrences = dict(Task.Recurrence.choices)
    rows = []
    for index, row in enumerate(report.get("rows", [])):
        deadline = row["deadline"]
        rows.append(
            {
                **row,
                "index": index,
                "status_label": STATUS_LABELS.get(row["status"], row["status"]),
                "lead_items": [
                    (n, row["lead_how"].get(n), HOW_LABELS.get(row["lead_how"].get(n)))
                    for n in row["lead"]
                ],
                "support_items": [
                    (n, row["support_how"].get(n), HOW_LABELS.get(row["support_how"].get(n)))
                    for n in row["support"]
                ],
                "deadline_kind_label": kinds.get(deadline["kind"], ""),
                "deadline_start": _day(deadline.get("start")),
                "deadline_due": _day(deadline.get("due")),
                "recurrence_label": recurrences.get(deadline.get("recurrence") or "", ""),
            }
        )
    return rows


@login_required
def import_detail(request, pk):
    _require_importer(request.user)
    run = get_object_or_404(import_runs_visible_to(user=request.user), pk=pk)
    confirmation = getattr(run, "confirmation", None) if run.dry_run else None
    rows = _display_rows(run.summary)
    report = run.summary
    return render(
        request,
        "plans/import_detail.html",
        {
            "run": run,
            "report": report,
            "rows": rows,
            "undecided": [r for r in rows if r.get("suggestion")],
            "at_risk": report.get("at_risk", []),
            "withdrawn": report.get("withdrawn", []),
            "losses": [r for r in rows if r.get("agencies_removed")],
            "confirmation": confirmation,
        },
    )


def _preview_to_confirm(request, pk):
    _require_importer(request.user)
    return get_object_or_404(
        import_runs_visible_to(user=request.user), pk=pk, dry_run=True, succeeded=True
    )


@require_POST
@login_required
def import_choose_view(request, pk):
    """The reviewer's decisions on the uncertain rows: a new preview that applies them."""
    preview = _preview_to_confirm(request, pk)
    decisions = {}
    for index, row in enumerate(preview.summary.get("rows", [])):
        choice = request.POST.get(f"choice-{index}")
        if row.get("suggestion") and choice in ("same", "new"):
            decisions[row["row_id"]] = row["suggestion"]["task_id"] if choice == "same" else None
    if not decisions:
        messages.error(request, "Chưa chọn dòng nào: hãy chọn “cùng nhiệm vụ” hoặc “nhiệm vụ mới”.")
        return redirect("plans:import_detail", pk=preview.pk)
    report = import_preview_choose(preview=preview, user=request.user, decisions=decisions)
    if not report.ok:
        for error in report.errors:
            messages.error(request, error)
        return redirect("plans:import_detail", pk=preview.pk)
    messages.success(request, f"Đã áp dụng {len(decisions)} lựa chọn: đây là bản xem trước mới.")
    return redirect("plans:import_detail", pk=report.import_run_id)


@require_POST
@login_required
def import_confirm_view(request, pk):
    preview = _preview_to_confirm(request, pk)
    existing = getattr(preview, "confirmation", None)
    if existing is not None:
        messages.info(request, "Bản xem trước này đã được xác nhận nhập.")
        return redirect("plans:import_detail", pk=existing.pk)
    report = import_confirm(
        preview=preview, user=request.user, acknowledge=request.POST.get("acknowledge") == "1"
    )
    if not report.ok:
        if report.import_run_id:  # confirmed meanwhile, by another request
            messages.info(request, report.errors[0])
            return redirect("plans:import_detail", pk=report.import_run_id)
        for error in report.errors:
            messages.error(request, error)
        return redirect("plans:import_detail", pk=preview.pk)
    tasks = report.tasks
    messages.success(
        request,
        f"Đã nhập: {tasks['created']} nhiệm vụ mới, {tasks['updated']} sửa nội dung, "
        f"{tasks['moved']} chuyển mục, {tasks['restored']} khôi phục, "
        f"{tasks['unchanged']} không đổi, {tasks['withdrawn']} rút khỏi kế hoạch.",
    )
    return redirect("plans:import_detail", pk=report.import_run_id)


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


# The task pages -------------------------------------------------------------------------


@login_required
def home(request):
    today = timezone.localdate()
    overview = home_overview(user=request.user, today=today)
    groups = [(group, label, overview["counts"][group]) for group, label in Timeliness.choices]
    return render(
        request,
        "plans/home.html",
        {
            "overview": overview,
            "groups": groups,
            "today": today,
            "plans": plan_overview(user=request.user),
        },
    )


@login_required
def task_list(request):
    if not ListPageForm(request.GET).is_valid():
        return _bad_request("Trang không hợp lệ: số trang từ 1 đến 100.000, mỗi trang 1–500 dòng.")
    today = timezone.localdate()
    filterset, rows = assignments_filtered(user=request.user, params=request.GET, today=today)
    table = AssignmentTable(rows)
    # The whole country unfiltered is ~1,000,000 rows: counting them costs more than the page
    # itself (~500 ms), so that one list pages without a count and shows an estimate.
    whole = is_administrator(request.user) and not any(
        request.GET.get(name) for name in filterset.filters
    )
    paginate = {"per_page": 25, **({"paginator_class": LazyPaginator} if whole else {})}
    RequestConfig(request, paginate=paginate).configure(table)
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    agency_id = cleaned.get("agency")
    chosen_agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
    return render(
        request,
        "plans/task_list.html",
        {
            "filter": filterset,
            "table": table,
            "chosen_agency": chosen_agency,
            "query": request.GET.urlencode(),
            "uncounted": whole,
            "estimate": assignment_count_estimate() if whole else None,
            "withdrawn": cleaned.get("withdrawn", False),
        },
    )


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


# The task page shows the latest updates; `?history=all` shows every one.
HISTORY_SHOWN = 30


def _task_page(request, task, *, forms_by_assignment=None, status=200, conflict=None):
    today = timezone.localdate()
    assignments = list(task.assignments.all())
    years = {task.plan.year, today.year, *(range(task.plan.year, today.year + 1))}
    periods = period_choices(years)
    forms_by_assignment = forms_by_assignment or {}
    rows = []
    for assignment in assignments:
        own = can_change_assignment(user=request.user, assignment=assignment)
        review = (
            can_review(user=request.user, assignment=assignment)
            and assignment.status == Assignment.Status.DONE
            and assignment.review != Assignment.Review.CONFIRMED
        )
        form = forms_by_assignment.get(assignment.pk)
        if own and form is None:
            form = ProgressForm(
                periods=periods,
                initial={
                    "status": assignment.status,
                    "completed_on": assignment.completed_on,
                    "version": assignment.version,
                    # Reports on an old plan are usually for its own year.
                    "period": current_period(today)
                    if task.plan.year >= today.year
                    else f"{task.plan.year}-Y",
                },
            )
        review_form = ReviewForm(initial={"version": assignment.version}) if review else None
        rows.append(
            {
                "assignment": assignment,
                "timeliness": TIMELINESS_LABELS[assignment.timeliness(today)],
                "timeliness_code": assignment.timeliness(today),
                "form": form if own else None,
                "review_form": review_form,
            }
        )
    show_all = request.GET.get("history") == "all"
    history, history_total = task_history(task=task, limit=None if show_all else HISTORY_SHOWN)
    # Labels looked up once: get_FOO_display rebuilds the field's choices on every call, and a
    # task's history runs to dozens of entries (it was a third of the page's time).
    kinds = {value: str(label) for value, label in ProgressUpdate.Kind.choices}
    statuses = {value: str(label) for value, label in Assignment.Status.choices}
    for update in history:
        update.change_lines = _change_lines(update.changes)
        update.period_label = period_label(update.period) if update.period else ""
        update.kind_label = kinds.get(update.kind, update.kind)
        update.status_label = statuses.get(update.status, update.status)
        update.files = list(update.evidence.all())
    linked = {c.pk for c in task.criteria.all()}
    # A withdrawn task is read-only: no progress, no review (see can_change_assignment and
    # can_review), no criteria to link; those who may read it may also restore it.
    withdrawn = task.withdrawn_at is not None
    linkable = (
        [c for c in linkable_criteria(task=task) if c.pk not in linked]
        if not withdrawn and can_manage_results(request.user, task.plan.province_id)
        else None
    )
    context = {
        "task": task,
        "rows": rows,
        "history": history,
        "history_total": history_total,
        "conflict": conflict,
        "today": today,
        "linkable": linkable,
        "can_restore": withdrawn and can_restore_task(user=request.user, task=task),
    }
    return render(request, "plans/task_detail.html", context, status=status)


CHANGE_LABELS = {"status": "Tiến độ", "completed_on": "Ngày hoàn thành", "review": "Xác nhận"}
CHANGE_VALUES = {
    "status": dict(Assignment.Status.choices),
    "review": dict(Assignment.Review.choices),
}


def _change_lines(changes: dict) -> list[tuple[str, str, str]]:
    """{"status": ["not_started", "done"]} → [("Tiến độ", "Chưa thực hiện", "Đã hoàn thành")]."""

    def shown(field, value):
        if value in (None, ""):
            return "—"
        if field == "completed_on":
            year, month, day = str(value).split("-")
            return f"{day}/{month}/{year}"
        return str(CHANGE_VALUES.get(field, {}).get(value, value))

    return [
        (CHANGE_LABELS.get(field, field), shown(field, old), shown(field, new))
        for field, (old, new) in changes.items()
    ]


@login_required
def task_detail_view(request, pk):
    return _task_page(request, task_detail(user=request.user, pk=pk))


def _visible_assignment(request, pk) -> Assignment:
    """The assignment if its task is visible to the user (else 404); the caller then checks the
    user may act on it (else 403): another agency's assignment on a task one sees is forbidden,
    another province's is not found, and so is a withdrawn task's, to those who may not read
    it; those who may read it are refused (it is read-only)."""
    visible = Assignment.objects.filter(
        task__in=tasks_visible_to(user=request.user, include_withdrawn=True)
    )
    return get_object_or_404(visible.select_related("task", "task__plan"), pk=pk)


@require_POST
@login_required
def assignment_progress(request, pk):
    assignment = _visible_assignment(request, pk)
    if not can_change_assignment(user=request.user, assignment=assignment):
        raise PermissionDenied
    task = task_detail(user=request.user, pk=assignment.task_id)
    years = range(task.plan.year, timezone.localdate().year + 1)
    form = ProgressForm(request.POST, request.FILES, periods=period_choices(years))
    if not form.is_valid():
        return _task_page(request, task, forms_by_assignment={assignment.pk: form}, status=400)
    data = form.cleaned_data
    try:
        assignment_record_progress(
            assignment=assignment,
            author=request.user,
            status=data["status"],
            note=data["note"],
            completed_on=data["completed_on"],
            period=data["period"],
            files=data["files"],
            expected_version=data["version"],
        )
    except ConcurrentUpdate as conflict:
        task = task_detail(user=request.user, pk=assignment.task_id)
        return _task_page(
            request, task, forms_by_assignment={assignment.pk: form}, status=409, conflict=conflict
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _task_page(request, task, forms_by_assignment={assignment.pk: form}, status=400)
    messages.success(request, "Đã lưu tiến độ.")
    return redirect("plans:task_detail", pk=assignment.task_id)


@require_POST
@login_required
def assignment_review_view(request, pk):
    assignment = _visible_assignment(request, pk)
    if not can_review(user=request.user, assignment=assignment):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Yêu cầu không hợp lệ.")
        return redirect("plans:task_detail", pk=assignment.task_id)
    try:
        assignment_review(
            assignment=assignment,
            reviewer=request.user,
            confirm=form.cleaned_data["decision"] == "confirm",
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ConcurrentUpdate:
        messages.error(request, "Phân công vừa được cập nhật; hãy xem lại trước khi xác nhận.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã ghi ý kiến xác nhận.")
    return redirect("plans:task_detail", pk=assignment.task_id)


@require_POST
@login_required
def task_restore_view(request, pk):
    """Put a withdrawn task back in its plan (Sở Nội vụ of its province, administrators)."""
    if not can_review_province(request.user):
        raise PermissionDenied
    task = get_object_or_404(
        tasks_visible_to(user=request.user, include_withdrawn=True).select_related("plan"), pk=pk
    )
    if not can_restore_task(user=request.user, task=task):
        raise PermissionDenied
    if task_restore(task=task, actor=request.user):
        messages.success(request, "Đã khôi phục nhiệm vụ vào kế hoạch.")
    else:
        messages.info(request, "Nhiệm vụ không ở trạng thái đã rút khỏi kế hoạch.")
    return redirect("plans:task_detail", pk=task.pk)


@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(
        Evidence.objects.filter(
            update__assignment__task__in=tasks_visible_to(user=request.user, include_withdrawn=True)
        ),
        pk=pk,
    )
    content_type = evidence_served_type(evidence.content_type)
    response = FileResponse(evidence.file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(
        evidence_download_name(evidence.original_name, content_type)
    )
    # Never guessed from the bytes, never run as a page even if a browser showed it inline.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def agency_lookup(request):
    """Agencies matching a typed name, for the task list's agency filter (at most 20)."""
    form = AgencyLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"results": [], "error": " ".join(form.errors["q"])}, status=400)
    return JsonResponse({"results": agency_choices(user=request.user, text=form.cleaned_data["q"])})


# Dashboard ---------------------------------------------------------------------------------


@login_required
def dashboard(request):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    provinces = dashboard_provinces(request.user)
    national_allowed = is_administrator(request.user)
    form = DashboardForm(
        request.GET or None, provinces=provinces, today=today, national=national_allowed
    )
    if not form.is_valid():
        return render(
            request, "plans/dashboard.html", {"form": form}, status=400 if request.GET else 200
        )
    data = form.cleaned_data
    province = data["province"]
    scope = DashboardScope(
        province_id=province.pk if province else None,
        year=data["year"],
        period=f"{data['year']}-{data['period']}",
        today=today,
        plan_id=data["plan"].pk if data.get("plan") else None,
        index=data.get("index") or None,
    )
    counts = dashboard_tables(scope, agencies=bool(province))
    totals = counts.totals
    if province:
        agencies = counts.by_agency
        tables = {"by_plan": counts.by_plan, "by_section": counts.by_section}
    else:  # national: one row per province instead of thousands of agencies and sections
        agencies = []
        tables = {"by_province": counts.by_province}
    context = {
        "form": form,
        "scope": scope,
        "province": province,
        "totals": totals,
        "agencies": agencies,
        "charts": dashboard_chart_data(counts, agencies),
        "by_index": counts.by_index,
        **tables,
        "groups": Timeliness.choices,
        "deadlines": dashboard_deadlines(scope),
        "report_subject": f"plan-{scope.plan_id}"
        if scope.plan_id
        else (f"province-{scope.province_id}" if province else ""),
    }
    return render(request, "plans/dashboard.html", context)


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
        return _bad_request(str(error))
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


# Reporting periods ------------------------------------------------------------------------


@login_required
def period_list(request):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    provinces = dashboard_provinces(request.user)
    form = OpenPeriodForm(
        request.POST or None, provinces=provinces, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST":
        if not can_review_province(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            period, created = ReportingPeriod.objects.get_or_create(
                province=data["province"],
                code=f"{data['year']}-{data['period']}",
                defaults={"opened_by": request.user},
            )
            messages.success(
                request,
                f"Đã mở kỳ báo cáo {period}." if created else f"Kỳ {period} đã mở trước đó.",
            )
            return redirect("plans:period_detail", pk=period.pk)
    periods = ReportingPeriod.objects.filter(province__in=provinces).select_related(
        "province", "opened_by"
    )
    return render(
        request,
        "plans/period_list.html",
        {"form": form, "periods": periods, "can_open": can_review_province(request.user)},
    )


def _period_and_scope(request, pk):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    period = get_object_or_404(
        ReportingPeriod.objects.filter(
            province__in=dashboard_provinces(request.user)
        ).select_related("province"),
        pk=pk,
    )
    scope = DashboardScope(
        province_id=period.province_id,
        year=period.year,
        period=period.code,
        today=timezone.localdate(),
    )
    return period, scope


@login_required
def period_detail(request, pk):
    period, scope = _period_and_scope(request, pk)
    agencies = [row for row in dashboard_by_agency(scope) if row["not_reported"]]
    agencies.sort(key=lambda row: (-row["not_reported"], row["agency__name"]))
    return render(
        request,
        "plans/period_detail.html",
        {
            "period": period,
            "scope": scope,
            "agencies": agencies,
            "can_remind": can_review_province(request.user),
            "totals": dashboard_totals(scope),
        },
    )


@require_POST
@login_required
def period_remind(request, pk):
    period, scope = _period_and_scope(request, pk)
    if not can_review_province(request.user):
        raise PermissionDenied
    result = period_reminder_send(
        assignments=scope.assignments(),
        period=period.code,
        start=scope.period_start,
        cutoff=period_bounds(period.code)[1],
    )
    messages.success(
        request,
        f"Đã gửi {result.emails} thư đề nghị báo cáo kỳ {period_label(period.code)} tới "
        f"{result.recipients} người; {len(result.unreached_agency_ids)} cơ quan chưa báo cáo "
        "chưa có cán bộ nhận thư.",
    )
    if result.failed:
        messages.error(
            request, f"{len(result.failed)} thư không gửi được; hãy kiểm tra cấu hình thư."
        )
    return redirect("plans:period_detail", pk=period.pk)


# Unknown agency names ---------------------------------------------------------------------


def _require_settler(user) -> None:
    if not can_settle_names(user):
        raise PermissionDenied


@login_required
def unknown_agency_provinces(request):
    """The provinces whose unknown names the user may settle, with how many each has."""
    _require_settler(request.user)
    provinces = unknown_name_counts(user=request.user)
    return render(request, "plans/unknown_agency_provinces.html", {"provinces": provinces})


@login_required
def unknown_agency_list(request, province_pk):
    """Every name of the province an import could not place, with the tasks that use it."""
    _require_settler(request.user)
    province = get_object_or_404(settle_provinces(request.user), pk=province_pk)
    return render(
        request,
        "plans/unknown_agency_list.html",
        {"province": province, "agencies": unknown_agencies(province=province)},
    )


def _to_settle(request, pk) -> Agency:
    _require_settler(request.user)
    return unknown_agency_to_settle(user=request.user, pk=pk)


@login_required
def agency_settle(request, pk):
    """One unknown name: its tasks, and the three ways to settle it."""
    agency = _to_settle(request, pk)
    if agency.verified:
        messages.info(request, f"“{agency.name}” đã được xác định.")
        return redirect("plans:unknown_agency_list", province_pk=agency.province_id)
    agency.uses = agency_uses(agency=agency)
    choices = list(settle_choices(agency=agency))
    return render(
        request,
        "plans/agency_settle.html",
        {
            "agency": agency,
            "choices": choices,
            "worked": sum(1 for a in agency.uses if a.has_work),
        },
    )


def _settled(request, agency: Agency, action) -> HttpResponseRedirect:
    """Run a settle service; back to the list when done, to the name's page with the reason
    when refused."""
    try:
        message = action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("plans:agency_settle", pk=agency.pk)
    messages.success(request, message)
    return redirect("plans:unknown_agency_list", province_pk=agency.province_id)


@require_POST
@login_required
def agency_settle_alias(request, pk):
    agency = _to_settle(request, pk)
    form = SettleAliasForm(request.POST, agencies=settle_choices(agency=agency))
    if not form.is_valid():
        messages.error(request, "Hãy chọn cơ quan mà tên này chỉ đến.")
        return redirect("plans:agency_settle", pk=agency.pk)
    target = form.cleaned_data["target"]

    def settle():
        result = agency_settle_as_alias(agency=agency, target=target, actor=request.user)
        return (
            f"“{agency.name}” là tên gọi khác của {target.name}: {result.moved + result.merged} "
            f"nhiệm vụ chuyển sang {target.name} cùng tiến độ đã báo cáo ({result.merged} nhiệm "
            f"vụ {target.name} đã có, gộp làm một). Lần nhập sau sẽ hiểu tên này là {target.name}."
        )

    return _settled(request, agency, settle)


@require_POST
@login_required
def agency_settle_external(request, pk):
    agency = _to_settle(request, pk)

    def settle():
        agency_settle_as_external(agency=agency, actor=request.user)
        return (
            f"“{agency.name}” là cơ quan ngoài hệ thống hành chính của tỉnh; các phân công của "
            "cơ quan được giữ nguyên."
        )

    return _settled(request, agency, settle)


@require_POST
@login_required
def agency_settle_collective(request, pk):
    agency = _to_settle(request, pk)
    form = SettleCollectiveForm(request.POST, agencies=settle_choices(agency=agency))
    if not form.is_valid():
        messages.error(request, "Hãy chọn ít nhất một cơ quan thành viên.")
        return redirect("plans:agency_settle", pk=agency.pk)
    members = list(form.cleaned_data["members"])

    def settle():
        result = agency_settle_as_collective(agency=agency, members=members, actor=request.user)
        kept = (
            f"; {result.kept} phân công đã có tiến độ của tên này được giữ cùng lịch sử"
            if result.kept
            else ""
        )
        return (
            f"“{agency.name}” là tên chung của {len(members)} cơ quan: {result.created} phân "
            f"công mới cho các cơ quan thành viên{kept}. Lần nhập sau sẽ giao nhiệm vụ ghi tên "
            "này cho từng cơ quan thành viên."
        )

    return _settled(request, agency, settle)
