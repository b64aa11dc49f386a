"""The index pages: a province's results over the years and where it lost points; the results
workbook import (upload, preview, confirm); score statements accepted or dismissed; tasks
linked to the criteria they address."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies.roles import (
    can_manage_results,
    can_see_dashboard,
    dashboard_provinces,
    is_administrator,
    results_provinces,
)
from parindex.indices.models import Criterion, CriterionImport, ResultImport
from plans.criteria import services
from plans.criteria.forms import (
    CriteriaImportForm,
    CriterionLinkForm,
    IndicesForm,
    ResultImportForm,
    StatementForm,
    SuggestionDecisionForm,
)
from plans.criteria.linking import suggestions_for_tasks
from plans.criteria.selectors import (
    criteria_tree,
    pending_statements,
    points_at_stake_by_agency,
    results_over_years,
)
from plans.importing.criteria import CriteriaRefused
from plans.importing.results import ResultsRefused
from plans.models import Task
from plans.selectors import plans_visible_to, tasks_visible_to
from plans.views.common import require


def _indices_url(province_id, index_code, year) -> str:
    params = {"province": province_id, "index": index_code, "year": year}
    return f"{reverse('indices')}?{urlencode(params)}"


@login_required
def indices(request):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    provinces = dashboard_provinces(request.user)
    form = IndicesForm(request.GET or None, provinces=provinces)
    if not form.is_valid():
        return render(
            request, "parindex/indices.html", {"form": form}, status=400 if request.GET else 200
        )
    province, index = form.cleaned_data["province"], form.cleaned_data["index"]
    results = list(results_over_years(province_ids=[province.pk], index=index))
    year = form.cleaned_data.get("year") or (results[-1].year if results else None)
    result = next((r for r in results if r.year == year), None)
    edition = index.edition_for(year) if year else None
    # The next year's result, scored on the same edition: last year's lost points → this
    # year's tasks → this year's result, criterion by criterion.
    following = next((r for r in results if year and r.year == year + 1), None)
    if following is not None and index.edition_for(following.year) != edition:
        following = None
    tree = (
        criteria_tree(
            edition=edition, result=result, province_id=province.pk, next_result=following
        )
        if edition
        else []
    )
    # A line through the years with a published total; a single point is already the table's
    # row, and drawn alone it was a large empty box.
    totals = [r for r in results if r.total is not None]
    chart = (
        [{"year": r.year, "total": float(r.total), "rank": r.rank} for r in totals]
        if len(totals) > 1
        else []
    )
    can_manage = can_manage_results(request.user, province.pk)
    context = {
        "form": form,
        "province": province,
        "index": index,
        "year": year,
        "edition": edition,
        "results": results,
        "result": result,
        "tree": tree,
        "following": following,
        "at_stake": points_at_stake_by_agency(tree),
        "statements": pending_statements(province_id=province.pk, index=index, year=year, tree=tree)
        if year and can_manage
        else [],
        "can_manage": can_manage,
        "is_admin": is_administrator(request.user),
        # The evidence of the plans of the result's year, and of the next year's (which answer
        # this result).
        "package_years": [year, year + 1] if year else [],
        "chart": chart,
    }
    return render(request, "parindex/indices.html", context)


# Tasks ↔ criteria ------------------------------------------------------------------------


@require_POST
@login_required
def task_criteria(request, pk):
    """Link or unlink a criterion on the task page (Sở Nội vụ of the task's province)."""
    task = get_object_or_404(tasks_visible_to(user=request.user).select_related("plan"), pk=pk)
    if not can_manage_results(request.user, task.plan.province_id):
        raise PermissionDenied
    form = CriterionLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Hãy chọn một tiêu chí.")
        return redirect("plans:task_detail", pk=task.pk)
    criterion = form.cleaned_data["criterion"]
    try:
        if form.cleaned_data["action"] == "link":
            services.task_criterion_link(task=task, criterion=criterion)
            messages.success(request, f"Đã gắn tiêu chí {criterion}.")
        else:
            services.task_criterion_unlink(task=task, criterion=criterion)
            messages.success(request, f"Đã bỏ gắn tiêu chí {criterion}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("plans:task_detail", pk=task.pk)


# Results workbook ------------------------------------------------------------------------


def _visible_import(request, pk) -> ResultImport:
    imports = ResultImport.objects.filter(province__in=results_provinces(request.user))
    return get_object_or_404(
        imports.select_related("province", "index", "edition", "created_by", "confirmed_by"), pk=pk
    )


@login_required
def result_import_new(request):
    require(results_provinces(request.user).exists())
    form = ResultImportForm(
        request.POST or None,
        request.FILES or None,
        provinces=results_provinces(request.user),
        initial={"index": request.GET.get("index"), "year": request.GET.get("year")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            preview = services.result_import_preview(
                data=upload.read(),
                file_name=upload.name,
                province=data["province"],
                index=data["index"],
                year=data["year"],
                edition=data["edition"],
                totals={key: data[key] for key in ("total", "maximum", "rank", "rank_of", "band")},
                user=request.user,
            )
        except ResultsRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            return redirect("result_import_detail", pk=preview.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "parindex/result_import_new.html", {"form": form}, status=status)


@login_required
def result_import_detail(request, pk):
    require(results_provinces(request.user).exists())
    preview = _visible_import(request, pk)
    return render(
        request,
        "parindex/result_import_detail.html",
        {
            "preview": preview,
            "counts": {
                change: sum(1 for row in preview.rows if row["change"] == change)
                for change in ("new", "updated", "unchanged")
            },
            "indices_url": _indices_url(preview.province_id, preview.index.code, preview.year),
        },
    )


@require_POST
@login_required
def result_import_confirm(request, pk):
    require(results_provinces(request.user).exists())
    preview = _visible_import(request, pk)
    try:
        outcome = services.result_import_confirm(preview=preview, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("result_import_detail", pk=preview.pk)
    messages.success(
        request,
        f"Đã nhập kết quả {preview.index} năm {preview.year}: {outcome.created} điểm tiêu chí "
        f"mới, {outcome.updated} cập nhật, {outcome.unchanged} không đổi.",
    )
    return redirect(_indices_url(preview.province_id, preview.index.code, preview.year))


# Score statements ------------------------------------------------------------------------


@require_POST
@login_required
def statement_decide(request):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    form = StatementForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("indices")
    data = form.cleaned_data
    task = get_object_or_404(
        tasks_visible_to(user=request.user).select_related("plan"), pk=data["task"]
    )
    if not can_manage_results(request.user, task.plan.province_id):
        raise PermissionDenied
    back = _indices_url(task.plan.province_id, data["index"].code, data["year"])
    try:
        if data["decision"] == "dismiss":
            services.statement_dismiss(task=task, text=data["text"], user=request.user)
            messages.success(request, f"Đã bỏ qua “{data['text']}”.")
            return redirect(back)
        criterion = None
        if data["target"] != "total":
            criterion = get_object_or_404(Criterion, pk=int(data["target"]))
        services.statement_accept(
            task=task,
            text=data["text"],
            index=data["index"],
            year=data["year"],
            criterion=criterion,
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    where = f"tiêu chí {criterion.code}" if criterion else "tổng điểm"
    messages.success(request, f"Đã ghi “{data['text']}” làm điểm {where} năm {data['year']}.")
    return redirect(back)


# Criteria workbook -----------------------------------------------------------------------
# The criteria trees are national reference data shared by every province: only system
# administrators load them.


@login_required
def criteria_import_new(request):
    require(is_administrator(request.user))
    form = CriteriaImportForm(
        request.POST or None, request.FILES or None, initial={"edition": request.GET.get("edition")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = services.criteria_import_preview(
                data=upload.read(),
                file_name=upload.name,
                edition=form.cleaned_data["edition"],
                user=request.user,
            )
        except CriteriaRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            return redirect("criteria_import_detail", pk=preview.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "parindex/criteria_import_new.html", {"form": form}, status=status)


def _criteria_import(pk) -> CriterionImport:
    return get_object_or_404(
        CriterionImport.objects.select_related("edition__index", "created_by", "confirmed_by"),
        pk=pk,
    )


@login_required
def criteria_import_detail(request, pk):
    require(is_administrator(request.user))
    preview = _criteria_import(pk)
    counts = {
        change: sum(1 for row in preview.rows if row["change"] == change)
        for change in ("new", "updated", "unchanged")
    }
    counts["kept"] = sum(1 for row in preview.absent if row["kept"])
    counts["removed"] = len(preview.absent) - counts["kept"]
    return render(
        request,
        "parindex/criteria_import_detail.html",
        {"preview": preview, "counts": counts},
    )


@require_POST
@login_required
def criteria_import_confirm(request, pk):
    require(is_administrator(request.user))
    preview = _criteria_import(pk)
    try:
        outcome = services.criteria_import_confirm(preview=preview, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("criteria_import_detail", pk=preview.pk)
    messages.success(
        request,
        f"Đã nhập bộ tiêu chí {preview.edition}: {outcome.created} mới, {outcome.updated} cập "
        f"nhật, {outcome.unchanged} không đổi, {outcome.removed} bỏ đi, {outcome.kept} giữ lại "
        "vì đã có nhiệm vụ hoặc điểm số.",
    )
    return redirect("criteria_import_detail", pk=preview.pk)


# Suggested links -------------------------------------------------------------------------


def _plan_to_link(request, pk):
    """The plan if the user sees it (else 404) and is Sở Nội vụ of its province or an
    administrator (else 403)."""
    plan = get_object_or_404(plans_visible_to(user=request.user), pk=pk)
    if not can_manage_results(request.user, plan.province_id):
        raise PermissionDenied
    return plan


def _current_tasks(plan) -> list[Task]:
    return list(
        Task.objects.filter(plan=plan, withdrawn_at__isnull=True)
        .select_related("plan", "section")
        .prefetch_related("criteria")
        .order_by("position")
    )


@login_required
def plan_suggestions(request, pk):
    """Every suggestion for a plan's tasks on one screen, for Sở Nội vụ to accept or reject."""
    plan = _plan_to_link(request, pk)
    tasks = _current_tasks(plan)
    suggestions = suggestions_for_tasks(tasks)
    rows = [(task, suggestions[task.pk]) for task in tasks if suggestions.get(task.pk)]
    linked = sum(1 for task in tasks if task.criteria.all())
    return render(
        request,
        "parindex/plan_suggestions.html",
        {"plan": plan, "rows": rows, "task_count": len(tasks), "linked": linked},
    )


@require_POST
@login_required
def plan_suggestions_decide(request, pk):
    plan = _plan_to_link(request, pk)
    tasks = _current_tasks(plan)
    offered = {
        (task_id, suggestion.criterion.pk)
        for task_id, found in suggestions_for_tasks(tasks).items()
        for suggestion in found
    }
    back = request.POST.get("back", "")
    back_url = (
        reverse("plans:task_detail", args=[int(back)])
        if back.isascii() and back.isdigit() and int(back) in {t.pk for t in tasks}
        else reverse("plan_suggestions", args=[plan.pk])
    )
    form = SuggestionDecisionForm(request.POST, offered=offered)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()))
        return redirect(back_url)
    try:
        outcome = services.suggestions_decide(
            tasks=tasks, decisions=form.cleaned_data["decisions"], user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back_url)
    messages.success(
        request, f"Đã gắn {outcome.linked} tiêu chí và bỏ qua {outcome.rejected} gợi ý."
    )
    return redirect(back_url)
