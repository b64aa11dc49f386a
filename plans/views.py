"""Plan pages: the annex import (upload, preview, confirm, history) and the plan export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.roles import can_import, import_provinces
from plans.export import plan_export_xlsx
from plans.forms import ImportForm
from plans.models import Task
from plans.selectors import import_runs_visible_to, plans_visible_to
from plans.services import import_confirm, import_preview


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


def _display_rows(report: dict) -> list[dict]:
    """Rows of a stored report, with each agency paired with how it was read."""
    kinds = dict(Task.DeadlineKind.choices)
    rows = []
    for row in report.get("rows", []):
        rows.append(
            {
                **row,
                "lead_items": [
                    (n, row["lead_how"].get(n), HOW_LABELS.get(row["lead_how"].get(n)))
                    for n in row["lead"]
                ],
                "support_items": [
                    (n, row["support_how"].get(n), HOW_LABELS.get(row["support_how"].get(n)))
                    for n in row["support"]
                ],
                "deadline_kind_label": kinds.get(row["deadline"]["kind"], ""),
            }
        )
    return rows


@login_required
def import_detail(request, pk):
    _require_importer(request.user)
    run = get_object_or_404(import_runs_visible_to(user=request.user), pk=pk)
    confirmation = getattr(run, "confirmation", None) if run.dry_run else None
    return render(
        request,
        "plans/import_detail.html",
        {
            "run": run,
            "report": run.summary,
            "rows": _display_rows(run.summary),
            "confirmation": confirmation,
        },
    )


@require_POST
@login_required
def import_confirm_view(request, pk):
    _require_importer(request.user)
    preview = get_object_or_404(
        import_runs_visible_to(user=request.user), pk=pk, dry_run=True, succeeded=True
    )
    existing = getattr(preview, "confirmation", None)
    if existing is not None:
        messages.info(request, "Bản xem trước này đã được xác nhận nhập.")
        return redirect("plans:import_detail", pk=existing.pk)
    report = import_confirm(preview=preview, user=request.user)
    if not report.ok:
        for error in report.errors:
            messages.error(request, error)
        return redirect("plans:import_detail", pk=preview.pk)
    tasks = report.tasks
    messages.success(
        request,
        f"Đã nhập: {tasks['created']} nhiệm vụ mới, {tasks['updated']} cập nhật, "
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
    response["Content-Disposition"] = (
        f'attachment; filename="ke-hoach-{safe_number}-{plan.year}.xlsx"'
    )
    return response
