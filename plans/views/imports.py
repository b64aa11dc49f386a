"""The annex import: the list of runs, the upload, the preview (with its choices for suggested matches) and the confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.roles import can_import, import_provinces
from plans import services
from plans.forms import ImportForm
from plans.importing.preview import preview_context, tasks_counted
from plans.selectors import import_runs_visible_to
from plans.views.common import require


@login_required
def import_list(request):
    require(can_import(request.user))
    runs = import_runs_visible_to(user=request.user).order_by("-created_at")[:200]
    return render(request, "plans/import_list.html", {"runs": runs})


@login_required
def import_new(request):
    require(can_import(request.user))
    provinces = import_provinces(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        report = services.import_preview(
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


@login_required
def import_detail(request, pk):
    require(can_import(request.user))
    run = get_object_or_404(import_runs_visible_to(user=request.user), pk=pk)
    confirmation = getattr(run, "confirmation", None) if run.dry_run else None
    return render(
        request,
        "plans/import_detail.html",
        {
            "run": run,
            "report": run.summary,
            "confirmation": confirmation,
            **preview_context(run.summary),
        },
    )


def _preview_to_confirm(request, pk):
    require(can_import(request.user))
    return get_object_or_404(
        import_runs_visible_to(user=request.user), pk=pk, dry_run=True, succeeded=True
    )


@require_POST
@login_required
def import_choose(request, pk):
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
    report = services.import_preview_choose(preview=preview, user=request.user, decisions=decisions)
    if not report.ok:
        for error in report.errors:
            messages.error(request, error)
        return redirect("plans:import_detail", pk=preview.pk)
    messages.success(request, f"Đã áp dụng {len(decisions)} lựa chọn: đây là bản xem trước mới.")
    return redirect("plans:import_detail", pk=report.import_run_id)


@require_POST
@login_required
def import_confirm(request, pk):
    preview = _preview_to_confirm(request, pk)
    existing = getattr(preview, "confirmation", None)
    if existing is not None:
        messages.info(request, "Bản xem trước này đã được xác nhận nhập.")
        return redirect("plans:import_detail", pk=existing.pk)
    report = services.import_confirm(
        preview=preview, user=request.user, acknowledge=request.POST.get("acknowledge") == "1"
    )
    if not report.ok:
        if report.import_run_id:  # confirmed meanwhile, by another request
            messages.info(request, report.errors[0])
            return redirect("plans:import_detail", pk=report.import_run_id)
        for error in report.errors:
            messages.error(request, error)
        return redirect("plans:import_detail", pk=preview.pk)
    messages.success(request, f"Đã nhập: {tasks_counted(report.tasks)}.")
    return redirect("plans:import_detail", pk=report.import_run_id)
