"""Sở Nội vụ's dashboard and the reporting periods (who has reported, reminders)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.roles import (
    can_review_province,
    can_see_dashboard,
    dashboard_provinces,
    is_administrator,
)
from plans.criteria.selectors import points_at_stake
from plans.dashboard import (
    DashboardScope,
    dashboard_by_agency,
    dashboard_chart_data,
    dashboard_deadlines,
    dashboard_tables,
    dashboard_totals,
)
from plans.forms import DashboardForm, OpenPeriodForm
from plans.periods import current_period, period_bounds, period_label
from plans.reminders import period_reminder_outline
from plans.selectors import reporting_period_list
from plans.services import reporting_period_open
from plans.tables import dashboard_table_rows
from plans.tasks import period_reminder_outcome, period_reminder_send_task
from plans.timeliness import Timeliness


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
        period=data["period"],
        today=today,
        plan_id=data["plan"].pk if data.get("plan") else None,
        index=data.get("index") or None,
    )
    counts = dashboard_tables(scope, agencies=bool(province), sections=bool(province))
    totals = counts.totals
    if province:
        agencies = counts.by_agency
        tables = {"by_plan": counts.by_plan, "by_section": counts.by_section}
    else:  # national: one row per province instead of thousands of agencies and sections
        agencies = []
        tables = {"by_province": counts.by_province}
    rows_html = {
        name: dashboard_table_rows(rows, name_key="label")
        for name, rows in {**tables, "by_index": counts.by_index}.items()
    }
    rows_html["agencies"] = dashboard_table_rows(agencies, name_key="agency__name", roles=True)
    context = {
        "form": form,
        "scope": scope,
        "province": province,
        "totals": totals,
        "agencies": agencies,
        "charts": dashboard_chart_data(counts, agencies),
        "by_index": counts.by_index,
        **tables,
        "rows_html": rows_html,
        "groups": Timeliness.choices,
        "deadlines": dashboard_deadlines(scope),
        "period_label": period_label(scope.period),
        "stale_days": settings.PARINDEX_STALE_DAYS,
        # A province's plan year: the points its plans may win back (none for the country).
        "at_stake": points_at_stake(
            province_id=province.pk, plan_year=scope.year, index_code=scope.index
        )
        if province and scope.year
        else None,
        # A province's report covers the plans of its period's year (plans.files.reports): it
        # is offered only when that is the plan year shown.
        "report_subject": f"plan-{scope.plan_id}"
        if scope.plan_id
        else (
            f"province-{scope.province_id}"
            if province and str(scope.year) == scope.period.partition("-")[0]
            else ""
        ),
    }
    return render(request, "plans/dashboard.html", context)


@login_required
def period_list(request):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    provinces = dashboard_provinces(request.user)
    today = timezone.localdate()
    # The period a report written today belongs to (December: the year's, not the first
    # period of the list).
    current = current_period(today)
    year, _, kind = current.partition("-")
    form = OpenPeriodForm(
        request.POST or None, provinces=provinces, initial={"year": int(year), "period": kind}
    )
    if request.method == "POST":
        if not can_review_province(request.user):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            period, created = reporting_period_open(
                province=data["province"],
                year=data["year"],
                period=data["period"],
                user=request.user,
            )
            messages.success(
                request,
                f"Đã mở kỳ báo cáo {period}." if created else f"Kỳ {period} đã mở trước đó.",
            )
            return redirect("plans:period_detail", pk=period.pk)
    periods = reporting_period_list(provinces=provinces)
    return render(
        request,
        "plans/period_list.html",
        {
            "form": form,
            "periods": periods,
            "can_open": can_review_province(request.user),
            "current": current,
        },
    )


def _period_and_scope(request, pk):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    period = get_object_or_404(
        reporting_period_list(provinces=dashboard_provinces(request.user)), pk=pk
    )
    scope = DashboardScope(
        province_id=period.province_id,
        year=period.year,
        period=period.code,
        today=timezone.localdate(),
    )
    return period, scope


def _reminder_key(period) -> str:
    return f"period_reminder_{period.pk}"


@login_required
def period_detail(request, pk):
    period, scope = _period_and_scope(request, pk)
    sent = request.session.get(_reminder_key(period))
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
            "reminder": period_reminder_outcome(sent) if sent else None,
            "period_label": period_label(period.code),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def period_remind(request, pk):
    """The mass email, in two steps: a GET (or a POST without `confirm=1`) shows how many
    agencies and addresses it would write to and sends nothing; the POST with `confirm=1` from
    that page sends it (by the worker)."""
    period, scope = _period_and_scope(request, pk)
    if not can_review_province(request.user):
        raise PermissionDenied
    if request.method != "POST" or request.POST.get("confirm") != "1":
        return render(
            request,
            "plans/period_remind.html",
            {
                "period": period,
                "period_label": period_label(period.code),
                "outline": period_reminder_outline(
                    assignments=scope.assignments(),
                    period=period.code,
                    start=scope.period_start,
                    cutoff=period_bounds(period.code)[1],
                ),
            },
        )
    # Sent by the worker; the period's page shows the counts once it has (this session).
    result = period_reminder_send_task.enqueue(period_id=period.pk)
    request.session[_reminder_key(period)] = str(result.id)
    messages.info(
        request, f"Đang gửi thư đề nghị báo cáo kỳ {period_label(period.code)}; kết quả hiện ở đây."
    )
    return redirect("plans:period_detail", pk=period.pk)
