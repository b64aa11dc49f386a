"""The index pages: a province's results over the years, and where it lost points."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from agencies.roles import can_see_dashboard, dashboard_provinces
from parindex.forms import IndicesForm
from parindex.selectors import lost_points, points_at_stake_by_agency, results_over_years


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
