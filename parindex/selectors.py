"""Reads for the index pages: a province's results over the years and where points were lost."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Prefetch

from parindex.models import CriterionScore, Result
from plans.models import Assignment, Task


def results_over_years(*, province_ids, index):
    return (
        Result.objects.filter(province_id__in=province_ids, index=index)
        .select_related("province")
        .order_by("year")
    )


def lost_points(*, result: Result) -> list[CriterionScore]:
    """The result's criterion scores, most points lost first, each with the tasks of the
    province's plans that address it and their lead assignments."""
    leads = Assignment.objects.filter(role=Assignment.Role.LEAD).select_related("agency")
    tasks = (
        Task.objects.filter(plan__province_id=result.province_id, withdrawn_at__isnull=True)
        .select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="leads"))
    )
    scores = (
        CriterionScore.objects.filter(result=result)
        .select_related("criterion")
        .annotate(lost_points=F("maximum") - F("achieved"))
        .prefetch_related(Prefetch("criterion__tasks", queryset=tasks, to_attr="remedies"))
        .order_by(F("lost_points").desc(nulls_last=True), "criterion__position")
    )
    return list(scores)


def points_at_stake_by_agency(scores: list[CriterionScore]) -> list[tuple[str, Decimal, int]]:
    """Per lead agency: the points lost on the criteria its tasks address (each criterion once)
    and how many such criteria, largest first."""
    criteria_by_agency: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for score in scores:
        if not score.lost_points:
            continue
        for task in score.criterion.remedies:
            for assignment in task.leads:
                criteria_by_agency[assignment.agency.name][score.criterion_id] = score.lost_points
    rows = [(name, sum(lost.values()), len(lost)) for name, lost in criteria_by_agency.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))
