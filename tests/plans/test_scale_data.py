"""The synthetic dataset generator, at province scale (shape only, no timing)."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from parindex.indices.models import CriterionScore, Result
from plans.models import Assignment, Plan, ProgressUpdate, Task

pytestmark = pytest.mark.django_db


def test_province_scale_dataset_has_the_shape_of_real_plans():
    out = io.StringIO()
    call_command("generate_scale_data", "--scale", "province", "--seed", "3", stdout=out)
    plans = Plan.objects.all()
    assert plans.values("province").distinct().count() == 1
    per_year = plans.values("year").annotate(n=Count("pk"))
    this_year = timezone.localdate().year
    # The last five plan years up to this one, so "this year's" pages have data.
    assert {row["year"] for row in per_year} == set(range(this_year - 4, this_year + 1))
    assert all(2 <= row["n"] <= 4 for row in per_year)
    per_plan = (
        Task.objects.values("plan").annotate(n=Count("pk")).aggregate(lo=Min("n"), hi=Max("n"))
    )
    assert per_plan["lo"] >= 50 and per_plan["hi"] <= 150
    per_task = (
        Assignment.objects.values("task")
        .annotate(n=Count("pk"))
        .aggregate(lo=Min("n"), hi=Max("n"))
    )
    assert per_task["lo"] >= 1 and per_task["hi"] <= 40
    assert not Assignment.objects.filter(status="done", completed_on__isnull=True).exists()
    assert ProgressUpdate.objects.exists()
    assert set(Task.objects.values_list("deadline_kind", flat=True)) == {
        "ongoing",
        "range",
        "fixed",
        "recurring",
        "event",
    }
    # Leads named "Các sở, ban, ngành" are expanded, each department remembering the name.
    assert Assignment.objects.filter(role="lead", source_text="Các sở, ban, ngành").exists()
    assert not Plan.objects.filter(indices__isnull=True).exists()
    # A result for each index and base year, with criterion scores (some not surveyed).
    assert Result.objects.filter(year=this_year - 1).count() == 3
    assert CriterionScore.objects.filter(result__year=this_year - 1).exists()
    summary = out.getvalue()
    assert f"{Task.objects.count()} nhiệm vụ" in summary
    assert f"{Assignment.objects.count()} phân công" in summary
    made = Result.objects.filter(source__startswith="Dữ liệu tổng hợp").count()
    assert made == 15 and f"{made} kết quả chỉ số" in summary


def test_tiny_scale_is_one_small_plan_a_year():
    call_command("generate_scale_data", "--scale", "tiny", stdout=io.StringIO())
    assert Plan.objects.count() == 5
    assert all(
        5 <= n <= 10 for n in Plan.objects.annotate(n=Count("tasks")).values_list("n", flat=True)
    )


def test_same_seed_gives_the_same_dataset():
    call_command(
        "generate_scale_data",
        "--scale",
        "province",
        "--seed",
        "7",
        "--no-updates",
        stdout=io.StringIO(),
    )
    first = list(Task.objects.order_by("pk").values_list("number", "description", "due_on")[:200])
    Plan.objects.all().delete()
    call_command(
        "generate_scale_data",
        "--scale",
        "province",
        "--seed",
        "7",
        "--no-updates",
        stdout=io.StringIO(),
    )
    second = list(Task.objects.order_by("pk").values_list("number", "description", "due_on")[:200])
    assert first == second
