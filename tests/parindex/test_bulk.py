"""insert_rows: the import's assignments, inserted without a model per row, are the rows
bulk_create would have made (the model's defaults, the text exactly as written)."""

import datetime

import pytest
from django.utils import timezone

from parindex.core.bulk import insert_rows
from plans.models import Assignment
from tests.conftest import agency
from tests.factories import make_plan, make_task


@pytest.mark.django_db
def test_inserted_assignments_get_the_models_defaults_and_keep_their_text(bac_kan):
    task = make_task(make_plan(bac_kan))
    noi_vu, tu_phap = agency(bac_kan, "Sở Nội vụ"), agency(bac_kan, "Sở Tư pháp")
    written = "Các sở, ban, ngành;\n\t'Sở Tư pháp' \\ “phối hợp”"
    before = timezone.now()

    insert_rows(
        Assignment,
        ("task_id", "agency_id", "role", "source_text"),
        [(task.pk, noi_vu.pk, "lead", "Sở Nội vụ"), (task.pk, tu_phap.pk, "support", written)],
    )

    lead, support = Assignment.objects.filter(task=task).order_by("role")
    assert (lead.agency, lead.role, lead.source_text) == (noi_vu, "lead", "Sở Nội vụ")
    assert (support.agency, support.source_text) == (tu_phap, written)
    for assignment in (lead, support):
        assert assignment.status == Assignment.Status.NOT_STARTED
        assert assignment.get_status_display() == "Chưa thực hiện"
        assert (assignment.version, assignment.review, assignment.review_note) == (1, "", "")
        assert assignment.extension_status == ""
        assert assignment.completed_on is assignment.extended_to is assignment.unassigned_at
        assert assignment.completed_on is None
        assert before - datetime.timedelta(seconds=1) <= assignment.updated_at <= timezone.now()


@pytest.mark.django_db
def test_insert_rows_refuses_a_column_it_would_not_prepare(bac_kan):
    task = make_task(make_plan(bac_kan))
    with pytest.raises(ValueError):
        insert_rows(Assignment, ("task_id", "completed_on"), [(task.pk, datetime.date.today())])
    with pytest.raises(ValueError):
        insert_rows(Assignment, ("task", "agency_id"), [(task.pk, 1)])
    assert not Assignment.objects.filter(task=task).exists()
