"""Deadline extensions (gia hạn): an agency asks for a later due date on its assignment, Sở
Nội vụ grants or refuses. Both actions are POST-only; the task page shows the form and history
through `plans.views.tasks.extension_row` and `templates/plans/_extension.html`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from plans import selectors, services
from plans.forms import ExtensionDecisionForm, ExtensionRequestForm
from plans.models import DeadlineExtension
from plans.selectors import can_decide_extension, can_request_extension
from plans.views.tasks import _assignment_to_act_on, _task_page


@require_POST
@login_required
def extension_request(request, pk):
    assignment = _assignment_to_act_on(request, pk, can_request_extension)
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.deadline_extension_request(
                assignment=assignment,
                author=request.user,
                requested_due=form.cleaned_data["requested_due"],
                reason=form.cleaned_data["reason"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, "Đã gửi đề nghị gia hạn tới Sở Nội vụ.")
            return redirect("plans:task_detail", pk=assignment.task_id)
    task = selectors.task_detail(user=request.user, pk=assignment.task_id)
    return _task_page(request, task, extension_forms={assignment.pk: form}, status=400)


@require_POST
@login_required
def extension_decide(request, pk):
    extension = get_object_or_404(
        DeadlineExtension.objects.filter(
            assignment__task__in=selectors.tasks_visible_to(user=request.user)
        ).select_related("assignment__task__plan"),
        pk=pk,
    )
    if not can_decide_extension(user=request.user, assignment=extension.assignment):
        raise PermissionDenied
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Yêu cầu không hợp lệ.")
        return redirect("plans:task_detail", pk=extension.assignment.task_id)
    grant = form.cleaned_data["decision"] == "grant"
    try:
        services.deadline_extension_decide(
            extension=extension, reviewer=request.user, grant=grant, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Đã gia hạn." if grant else "Đã ghi ý kiến không gia hạn.")
    return redirect("plans:task_detail", pk=extension.assignment.task_id)
