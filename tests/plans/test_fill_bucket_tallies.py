"""Upgrading to the coarse counters: migration 0014 fills them from the exact ones already
stored, with the same rows the services' refresh writes, so the dashboards are right the moment
the upgrade ends (not after the next daily recount)."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from plans.models import (
    Assignment,
    AssignmentBucketTally,
    PlanBucketTally,
    PlanPeriodTally,
    ProgressUpdate,
    Section,
)
from plans.tallies import tallies_refresh
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

fill = importlib.import_module("plans.migrations.0014_fill_bucket_tallies").fill


def _rows(model) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return sorted(model.objects.values_list(*fields), key=repr)


def test_the_upgrade_fills_the_coarse_counters_as_the_refresh_would(bac_kan):
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026, issued_on=day("10/01/2026"))
    other = Section.objects.create(plan=plan, position=1, title="Mục 2")
    for i, due in enumerate([day("31/03/2026"), day("20/06/2026"), None, day("14/09/2026")]):
        task = make_task(plan, number=str(i), due_on=due, section=other if i % 2 else None)
        make_assignment(task, tp, completed_on=day("20/06/2026") if i < 2 else None)
        supported = make_assignment(task, tc, role=Assignment.Role.SUPPORT)
        ProgressUpdate.objects.create(
            assignment=supported, status=supported.status, note="Đã làm", period="2026-H1"
        )
    # A report changes the support rows' last report day: recount as the services do.
    tallies_refresh(section_ids=list(plan.sections.values_list("pk", flat=True)))
    models = [AssignmentBucketTally, PlanBucketTally, PlanPeriodTally]
    refreshed = {model: _rows(model) for model in models}
    assert all(refreshed.values())  # something to compare: done, late, open, reported rows
    # Done after its due date (task 0) and on it (task 1): late and on time.
    assert {row.late for row in AssignmentBucketTally.objects.exclude(done_in=None)} == {
        True,
        False,
    }

    for model in models:  # what an upgraded database has before the migration runs
        model.objects.all().delete()
    fill(None, SimpleNamespace(connection=connection))  # all it uses of the schema editor

    assert {model: _rows(model) for model in models} == refreshed
    # Completed on 20/06/2026: the interval 15–30/06, coded 2026061.
    assert PlanBucketTally.objects.filter(done_in=2026061).exists()
