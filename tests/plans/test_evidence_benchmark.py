"""The evidence package benchmark: links the province-year's tasks, attaches files to the
completed work, builds the real package, prints what it measured, and leaves nothing behind."""

import datetime
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from plans.models import Assignment, Evidence, ProgressUpdate, Task
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


def test_the_benchmark_builds_a_real_package_and_rolls_everything_back(bac_kan):
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2017)
    tuphap, noivu = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Nội vụ")
    for number in range(6):
        task = make_task(plan, number=f"{number + 1}")
        make_assignment(task, tuphap, completed_on=datetime.date(2017, 5, 1))
        make_assignment(task, noivu, role=Assignment.Role.SUPPORT)  # not done: no file
    before = (Task.criteria.through.objects.count(), ProgressUpdate.objects.count())
    temporary = set(Path(tempfile.gettempdir()).glob("evidence-benchmark-*"))
    out = io.StringIO()
    call_command(
        "benchmark_evidence_package", "--province", bac_kan.slug, "--year", "2017",
        "--index", "PAPI", "--repeat", "2", "--files-each", "2", "--file-kb", "5", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "6 nhiệm vụ" in text and "12 tệp" in text
    # A task linked to two criteria has its files in both folders.
    links = int(re.search(r"(\d+) liên kết", text)[1])
    assert 6 <= links <= 12 and text.count(f", {2 * links} tệp, zip") == 2
    assert "trung vị" in text
    assert (Task.criteria.through.objects.count(), ProgressUpdate.objects.count()) == before
    assert not Evidence.objects.exists()
    assert set(Path(tempfile.gettempdir()).glob("evidence-benchmark-*")) == temporary
