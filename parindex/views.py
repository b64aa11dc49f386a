"""The index pages: a province's results over the years, and where it lost points; and the
health check the load balancer and the operator's monitoring call."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agencies.roles import can_see_dashboard, dashboard_provinces
from parindex.forms import IndicesForm
from parindex.selectors import lost_points, points_at_stake_by_agency, results_over_years

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 "ok" when the database answers a query, 503 otherwise. No login, and nothing about
    the data or the error in the body: the reason goes to the log."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        logger.error("healthz: database unavailable: %s", first_line)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


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
    scores = lost_points(result=result) if result else []
    chart = [
        {"year": r.year, "total": float(r.total) if r.total is not None else None, "rank": r.rank}
        for r in results
    ]
    context = {
        "form": form,
        "province": province,
        "index": index,
        "results": results,
        "result": result,
        "scores": scores,
        "at_stake": points_at_stake_by_agency(scores),
        "chart": chart,
    }
    return render(request, "parindex/indices.html", context)
