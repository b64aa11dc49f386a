"""Upgrading to `LastUpdateTally`: migration 0017 fills it from the assignments and their
updates with the rows the services' refresh writes, so each agency's "cập nhật gần nhất" is
right the moment the upgrade ends (not after the next daily recount)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from plans.models import Assignment, LastUpdateTally, ProgressUpdate, Section, Task
from plans.tallies import tallies_differences, tallies_refresh
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

fill = importlib.import_module("plans.migrations.0017_last_update_tally").fill


def _rows() -> list[tuple]:
    fields = [f.attname for f in LastUpdateTally._meta.concrete_fields if f.name != "id"]
    return sorted(LastUpdateTally.objects.values_list(*fields), key=repr)


def test_the_upgrade_fills_the_last_updates_as_the_refresh_would(bac_kan):
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026, issued_on=day("10/01/2026"))
    other = Section.objects.create(plan=plan, position=1, title="Mục 2")
    assignments = []
    for i in range(4):
        task = make_task(
            plan, number=str(i), due_on=day("30/06/2026"), section=other if i % 2 else None
        )
        assignments += [make_assignment(task, tp), make_assignment(task, tc, role="support")]
    for n, assignment in enumerate(assignments):
        for _ in range(n % 3):  # none, one or two updates
            ProgressUpdate.objects.create(
                assignment=assignment, status=assignment.status, note="Đang làm"
            )
    # No longer work: a withdrawn task's and an unassigned agency's updates are not counted.
    Task.objects.filter(pk=assignments[2].task_id).update(withdrawn_at=timezone.now())
    Assignment.objects.filter(pk=assignments[5].pk).update(unassigned_at=timezone.now())
    tallies_refresh(section_ids=list(plan.sections.values_list("pk", flat=True)))
    refreshed = _rows()
    # Per section, agency and role with an update in force: the first section's two agencies
    # (task 0's support, task 2's lead) and the second's support (task 3; task 1 withdrawn).
    assert len(refreshed) == 3
    assert tallies_differences() == []

    LastUpdateTally.objects.all().delete()  # what an upgraded database has before 0017 runs
    fill(None, SimpleNamespace(connection=connection))  # all it uses of the schema editor

    assert _rows() == refreshed
