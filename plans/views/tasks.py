"""Home, the task list and the task page: progress, review, restoring a withdrawn task, evidence downloads and the agency and plan pickers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import LazyPaginator, RequestConfig

from agencies.roles import (
    can_manage_results,
    can_review_province,
    can_see_dashboard,
    is_administrator,
    is_staff_member,
    membership_of,
    province_ids_of,
)
from agencies.selectors import agency_choices
from plans import selectors, services
from plans.criteria.linking import task_suggestions
from plans.criteria.selectors import linkable_criteria
from plans.files.responses import evidence_response
from plans.filters import FORM_FIELDS, assignments_filtered, filter_chips, kept_parameters
from plans.forms import (
    AgencyLookupForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ListPageForm,
    ProgressForm,
    ReviewForm,
)
from plans.models import Assignment, DeadlineExtension
from plans.periods import current_period, period_choices, period_of_day
from plans.reminders import return_notice_send
from plans.selectors import (
    assignment_awaits_review,
    assignment_count_estimate,
    can_change_assignment,
    can_decide_extension,
    can_request_extension,
    can_restore_task,
    can_review,
    extension_histories,
    home_overview,
    list_shows_agency,
    plan_choices,
    plan_overview,
    progress_updates_by_id,
    review_queue,
    task_history,
    tasks_visible_to,
)
from plans.services import ConcurrentUpdate
from plans.tables import AssignmentTable, OpenWorkFirst
from plans.timeliness import TIMELINESS_LABELS, Timeliness
from plans.views.common import bad_request


def _home_dashboard_url(user, today) -> str | None:
    """The dashboard showing the home page's numbers: the same province (every province for
    administrators), every plan year, as of today. None when there is no such view (staff, or a
    merged province, whose home counts several provinces and the dashboard one at a time)."""
    if not can_see_dashboard(user):
        return None
    if is_administrator(user):
        province = ""
    else:
        ids = province_ids_of(user)
        if len(ids) != 1:
            return None
        (province,) = ids
    query = urlencode({"province": province, "year": "", "period": period_of_day(today)})
    return f"{reverse('plans:dashboard')}?{query}"


def _home_scope(user) -> str:
    """Whose work the home page counts, in words (the rule is `assignments_visible_to`)."""
    if is_administrator(user):
        return "mọi tỉnh"
    membership = membership_of(user)
    agency = membership.agency if membership else None
    if agency is None:
        return "không có cơ quan"
    if is_staff_member(user):
        return f"các nhiệm vụ giao cho {agency.name}, {agency.province}"
    return f"các nhiệm vụ của mọi cơ quan thuộc {agency.province}"


@login_required
def home(request):
    today = timezone.localdate()
    overview = home_overview(user=request.user, today=today)
    # Each number links to the list of exactly its rows, read as of the same day.
    as_of = urlencode({"as_of": today.isoformat()})
    groups = [
        (
            group,
            label,
            overview["counts"][group],
            f"{reverse('plans:task_list')}?timeliness={group}&{as_of}",
        )
        for group, label in Timeliness.choices
    ]
    return render(
        request,
        "plans/home.html",
        {
            "overview": overview,
            "groups": groups,
            "today": today,
            "plans": plan_overview(user=request.user),
            # Sở Nội vụ's queue: the list's `?review=pending` (plans.filters).
            "review_queue": review_queue(user=request.user),
            "dashboard_url": _home_dashboard_url(request.user, today),
            "scope": _home_scope(request.user),
        },
    )


# How many rows a search counts before it says "more than" (40 pages of 25).
SEARCH_COUNTED = 1000


@login_required
def task_list(request):
    if not ListPageForm(request.GET).is_valid():
        return bad_request(
            request, "Trang không hợp lệ: số trang từ 1 đến 100.000, mỗi trang 1–500 dòng."
        )
    today = timezone.localdate()
    filterset, rows = assignments_filtered(user=request.user, params=request.GET, today=today)
    plan_picker = filterset.offer_plans()
    shows_agency = list_shows_agency(user=request.user)
    data = OpenWorkFirst(rows, today=filterset.today)
    table = AssignmentTable(
        data,
        exclude=() if shows_agency else ("agency",),
        shows_province=selectors.list_shows_province(user=request.user),
    )
    # The whole country unfiltered is ~1,000,000 rows: counting them costs more than the page
    # itself (~500 ms), so that one list pages without a count and shows PostgreSQL's estimate
    # of its rows ("Khoảng …").
    whole = is_administrator(request.user) and not any(
        request.GET.get(name) for name in filterset.filters
    )
    # A search tests the text of every row it counts: it counts up to SEARCH_COUNTED rows and
    # says "more than" beyond, paging without a count like the whole country.
    searched = not whole and filterset.is_valid() and filterset.form.cleaned_data.get("q")
    more_than = None
    if searched and data.count_up_to(SEARCH_COUNTED) is None:
        more_than = SEARCH_COUNTED
    lazy = whole or more_than is not None
    paginate = {"per_page": 25, **({"paginator_class": LazyPaginator} if lazy else {})}
    RequestConfig(request, paginate=paginate).configure(table)
    count = None if lazy else table.page.paginator.count
    if whole and table.page.number == 1 and not table.page.has_next():
        # The whole list fits on its first page (a new or small installation): its number is
        # known exactly, where the planner's estimate of a table just filled can be far off.
        count = len(table.page.object_list)
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    chips = filter_chips(filterset)
    agency_chip = next((chip for chip in chips if chip.name == "agency"), None)
    return render(
        request,
        "plans/task_list.html",
        {
            "filter": filterset,
            "table": table,
            "chips": chips,
            # The panel stays open while the user refines with its fields; a search alone or a
            # dashboard link's filters (shown as chips) leave it closed.
            "panel_open": bool(filterset.errors)
            or any(chip.name in FORM_FIELDS and chip.name != "q" for chip in chips),
            "kept": kept_parameters(filterset),
            "shows_agency": shows_agency,
            "agency_name": agency_chip.value if agency_chip and cleaned.get("agency") else "",
            "plan_picker": plan_picker,
            "plan_label": cleaned["plan"].picker_label() if cleaned.get("plan") else "",
            "query": request.GET.urlencode(),
            "count": count,
            "estimate": assignment_count_estimate(rows) if whole and count is None else None,
            "more_than": more_than,
            "withdrawn": cleaned.get("withdrawn", False),
        },
    )


def _progress_initial(assignment, *, today, plan_year, latest) -> dict:
    initial = {
        "status": assignment.status,
        "completed_on": assignment.completed_on,
        "version": assignment.version,
        # Reports on an old plan are usually for its own year.
        "period": current_period(today) if plan_year >= today.year else f"{plan_year}-Y",
    }
    if assignment.review == Assignment.Review.RETURNED and latest is not None:
        # Resubmitting a returned completion is one click: the completion reported before is
        # offered again, the agency adds what the reviewer asked for.
        initial["status"] = Assignment.Status.DONE
        initial["completed_on"] = latest.completed_on
    return initial


def extension_row(user, assignment, history, form=None) -> dict:
    """What the task page's assignment card shows about extensions: the history (from
    `selectors.extension_histories`), the pending request, and the form the user may use."""
    pending = next((e for e in history if e.status == DeadlineExtension.Status.PENDING), None)
    request_form = None
    if pending is None and can_request_extension(user=user, assignment=assignment):
        request_form = form or ExtensionRequestForm()
    decide = pending is not None and can_decide_extension(user=user, assignment=assignment)
    return {
        "history": history,
        "pending": pending,
        "request_form": request_form,
        "decide_form": ExtensionDecisionForm() if decide else None,
    }


def _task_page(
    request, task, *, forms_by_assignment=None, status=200, conflict=None, extension_forms=None
):
    """The task page: the user's own assignments with their form first, then (for Sở Nội vụ)
    the completions awaiting review with the latest report, then every other agency in one
    compact table, then the history."""
    today = timezone.localdate()
    assignments = list(task.assignments.all())
    years = {task.plan.year, today.year, *(range(task.plan.year, today.year + 1))}
    periods = period_choices(years)
    forms_by_assignment = forms_by_assignment or {}
    extensions = extension_histories(assignments)
    own_ids = {a.pk for a in assignments if can_change_assignment(user=request.user, assignment=a)}
    review_ids = {
        a.pk
        for a in assignments
        if can_review(user=request.user, assignment=a) and assignment_awaits_review(a)
    }
    returned_ids = {a.pk for a in assignments if a.review == Assignment.Review.RETURNED}
    history, history_total = task_history(task=task, show_all=request.GET.get("history") == "all")
    latest = _latest_reports(assignments, review_ids | (own_ids & returned_ids), history)
    mine, to_review, others = [], [], []
    for assignment in assignments:
        timeliness = assignment.timeliness(today)
        row = {
            "assignment": assignment,
            "timeliness": TIMELINESS_LABELS[timeliness],
            "timeliness_code": timeliness,
            "latest": latest.get(assignment.pk),
            "extension": extension_row(
                request.user,
                assignment,
                extensions.get(assignment.pk, []),
                (extension_forms or {}).get(assignment.pk),
            ),
        }
        if assignment.pk in own_ids:
            form = forms_by_assignment.get(assignment.pk) or ProgressForm(
                periods=periods,
                initial=_progress_initial(
                    assignment, today=today, plan_year=task.plan.year, latest=row["latest"]
                ),
            )
            row["form"] = form
            mine.append(row)
        elif assignment.pk in review_ids:
            row["review_form"] = ReviewForm(initial={"version": assignment.version})
            row["reconfirm"] = _reopened_confirmation(row["latest"])
            to_review.append(row)
        elif row["extension"]["decide_form"]:
            # An extension request the reviewer decides on needs the card, not a table row.
            to_review.append(row)
        else:
            others.append(row)
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
        "mine": mine,
        "to_review": to_review,
        "others": others,
        # A long list of other agencies starts folded, so the page stays short on a phone.
        "others_folded": len(others) > OTHERS_SHOWN_OPEN,
        "others_summary": _others_summary(others),
        "history": history,
        "history_total": history_total,
        "conflict": conflict,
        "today": today,
        "linkable": linkable,
        # Ranked criteria for Sở Nội vụ to accept or reject, beside the manual link.
        "suggestions": task_suggestions(task, linkable) if linkable else [],
        "can_restore": withdrawn and can_restore_task(user=request.user, task=task),
    }
    return render(request, "plans/task_detail.html", context, status=status)


def _latest_reports(assignments, wanted: set[int], history) -> dict:
    """Assignment id → its latest report, for the `wanted` ones: taken from the history the
    page shows already, the few older ones loaded (no query when all are recent)."""
    report_ids = {
        a.pk: a.latest_report_id for a in assignments if a.pk in wanted and a.latest_report_id
    }
    shown = {update.pk: update for update in history}
    missing = [pk for pk in report_ids.values() if pk not in shown]
    loaded = {**shown, **progress_updates_by_id(ids=missing)}
    return {pk: loaded[report] for pk, report in report_ids.items() if report in loaded}


def _reopened_confirmation(report) -> bool:
    """Whether this report put a completion Sở Nội vụ had confirmed back in the queue (the
    service records the review's change in the entry)."""
    if report is None:
        return False
    before = (report.changes.get("review") or [""])[0]
    return before == Assignment.Review.CONFIRMED


# More other agencies than this and their table starts folded (a task of 40 agencies).
OTHERS_SHOWN_OPEN = 8


def _others_summary(rows) -> str:
    """ "12 đã hoàn thành · 28 chưa hoàn thành (3 quá hạn)": the folded table's one line."""
    done = sum(1 for row in rows if row["assignment"].status == Assignment.Status.DONE)
    overdue = sum(1 for row in rows if row["timeliness_code"] == Timeliness.OVERDUE)
    summary = f"{done} đã hoàn thành · {len(rows) - done} chưa hoàn thành"
    return summary + (f" ({overdue} quá hạn)" if overdue else "")


@login_required
def task_detail(request, pk):
    return _task_page(request, selectors.task_detail(user=request.user, pk=pk))


def _assignment_to_act_on(request, pk, may) -> Assignment:
    return selectors.assignment_to_act_on(user=request.user, pk=pk, may=may)


@require_POST
@login_required
def assignment_progress(request, pk):
    assignment = _assignment_to_act_on(request, pk, can_change_assignment)
    task = selectors.task_detail(user=request.user, pk=assignment.task_id)
    years = range(task.plan.year, timezone.localdate().year + 1)
    form = ProgressForm(request.POST, request.FILES, periods=period_choices(years))
    if not form.is_valid():
        return _task_page(request, task, forms_by_assignment={assignment.pk: form}, status=400)
    data = form.cleaned_data
    was_confirmed = assignment.review == Assignment.Review.CONFIRMED
    try:
        update = services.assignment_record_progress(
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
        task = selectors.task_detail(user=request.user, pk=assignment.task_id)
        return _task_page(
            request, task, forms_by_assignment={assignment.pk: form}, status=409, conflict=conflict
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _task_page(request, task, forms_by_assignment={assignment.pk: form}, status=400)
    # A double submission's second post is answered like the first: saved, nothing added.
    messages.success(request, "Đã lưu tiến độ.")
    if was_confirmed and not getattr(update, "repeated", False):
        if assignment.review == Assignment.Review.PENDING:
            messages.warning(
                request,
                "Hoàn thành này đã được Sở Nội vụ xác nhận; vì đã sửa ngày hoàn thành, "
                "nay chờ Sở Nội vụ xác nhận lại.",
            )
        elif assignment.review == Assignment.Review.NONE:
            messages.warning(
                request,
                "Hoàn thành này đã được Sở Nội vụ xác nhận; vì tiến độ đã đổi, xác nhận "
                "không còn hiệu lực (ghi trong lịch sử cập nhật).",
            )
    return redirect("plans:task_detail", pk=assignment.task_id)


@require_POST
@login_required
def assignment_review(request, pk):
    assignment = _assignment_to_act_on(request, pk, can_review)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Yêu cầu không hợp lệ.")
        return redirect("plans:task_detail", pk=assignment.task_id)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        update = services.assignment_review(
            assignment=assignment,
            reviewer=request.user,
            confirm=confirm,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ConcurrentUpdate:
        messages.error(request, "Phân công vừa được cập nhật; hãy xem lại trước khi xác nhận.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        agency = assignment.agency.name
        if confirm:
            messages.success(request, f"Đã xác nhận hoàn thành của {agency}.")
        else:
            told = return_notice_send(assignment=assignment, update=update)
            emailed = (
                f" Đã gửi thư báo lý do cho {len(told)} cán bộ của cơ quan."
                if told
                else " Chưa gửi được thư báo (không có địa chỉ thư điện tử của cán bộ hoặc máy"
                " chủ thư lỗi); lý do trả lại hiện trên trang nhiệm vụ."
            )
            messages.success(request, f"Đã trả lại cho {agency} để bổ sung.{emailed}")
    return redirect("plans:task_detail", pk=assignment.task_id)


@require_POST
@login_required
def task_restore(request, pk):
    """Put a withdrawn task back in its plan (Sở Nội vụ of its province, administrators)."""
    if not can_review_province(request.user):
        raise PermissionDenied
    task = get_object_or_404(
        tasks_visible_to(user=request.user, include_withdrawn=True).select_related("plan"), pk=pk
    )
    if not can_restore_task(user=request.user, task=task):
        raise PermissionDenied
    if services.task_restore(task=task, actor=request.user):
        messages.success(request, "Đã khôi phục nhiệm vụ vào kế hoạch.")
    else:
        messages.info(request, "Nhiệm vụ không ở trạng thái đã rút khỏi kế hoạch.")
    return redirect("plans:task_detail", pk=task.pk)


@login_required
def evidence_download(request, pk):
    return evidence_response(
        get_object_or_404(selectors.evidence_visible_to(user=request.user), pk=pk)
    )


@login_required
def plan_lookup(request):
    """Plans matching typed words, for the task list's plan picker (at most 20, only plans the
    user may see)."""
    form = AgencyLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"results": [], "error": " ".join(form.errors["q"])}, status=400)
    return JsonResponse({"results": plan_choices(user=request.user, text=form.cleaned_data["q"])})


@login_required
def agency_lookup(request):
    """Agencies matching a typed name, for the task list's agency filter (at most 20)."""
    form = AgencyLookupForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"results": [], "error": " ".join(form.errors["q"])}, status=400)
    return JsonResponse({"results": agency_choices(user=request.user, text=form.cleaned_data["q"])})
