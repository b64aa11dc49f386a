"""Unknown agency names: the screens where Sở Nội vụ settles each as an alias, an outside body or a collective."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.models import Agency
from agencies.roles import can_settle_names, settle_provinces
from agencies.selectors import unknown_name_counts
from plans.forms import SettleAliasForm, SettleCollectiveForm
from plans.selectors import (
    agency_uses,
    settle_choices,
    unknown_agencies,
    unknown_agency_to_settle,
)
from plans.services import (
    agency_settle_as_alias,
    agency_settle_as_collective,
    agency_settle_as_external,
)
from plans.views.common import require


@login_required
def unknown_agency_provinces(request):
    """The provinces whose unknown names the user may settle, with how many each has."""
    require(can_settle_names(request.user))
    provinces = unknown_name_counts(user=request.user)
    return render(request, "plans/unknown_agency_provinces.html", {"provinces": provinces})


@login_required
def unknown_agency_list(request, province_pk):
    """Every name of the province an import could not place, with the tasks that use it."""
    require(can_settle_names(request.user))
    province = get_object_or_404(settle_provinces(request.user), pk=province_pk)
    return render(
        request,
        "plans/unknown_agency_list.html",
        {"province": province, "agencies": unknown_agencies(province=province)},
    )


def _to_settle(request, pk) -> Agency:
    require(can_settle_names(request.user))
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


def _chosen(request, agency, form_class, refusal: str) -> dict | None:
    """What the settle form posted, choosing among the name's province's agencies; None, with
    `refusal` shown, when nothing valid was chosen."""
    form = form_class(request.POST, agencies=settle_choices(agency=agency))
    if form.is_valid():
        return form.cleaned_data
    messages.error(request, refusal)
    return None


@require_POST
@login_required
def agency_settle_alias(request, pk):
    agency = _to_settle(request, pk)
    data = _chosen(request, agency, SettleAliasForm, "Hãy chọn cơ quan mà tên này chỉ đến.")
    if data is None:
        return redirect("plans:agency_settle", pk=agency.pk)
    target = data["target"]

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
    data = _chosen(
        request, agency, SettleCollectiveForm, "Hãy chọn ít nhất một cơ quan thành viên."
    )
    if data is None:
        return redirect("plans:agency_settle", pk=agency.pk)
    members = list(data["members"])

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
