"""Timeliness: the six official groups, decided the same way in Python and in the database."""

import datetime

import pytest

from plans.models import Assignment, Task
from plans.timeliness import Timeliness, timeliness_case, timeliness_of, timeliness_q
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

TODAY = day("15/07/2022")
SOON = 7  # days; the default setting PARINDEX_DUE_SOON_DAYS

DONE, OPEN = Assignment.Status.DONE, Assignment.Status.IN_PROGRESS
CASES = [
    # (what, status, completed_on, due_on, deadline kind, expected)
    ("done before due", DONE, "10/07/2022", "31/07/2022", "fixed", Timeliness.DONE_ON_TIME),
    ("done on the due date", DONE, "14/07/2022", "14/07/2022", "fixed", Timeliness.DONE_ON_TIME),
    ("done a day late", DONE, "01/07/2022", "30/06/2022", "fixed", Timeliness.DONE_LATE),
    (
        "done after the day asked about",
        DONE,
        "20/07/2022",
        "31/07/2022",
        "fixed",
        Timeliness.ON_TRACK,
    ),
    ("done, ongoing task", DONE, "01/07/2022", None, "ongoing", Timeliness.DONE_ON_TIME),
    ("open, due yesterday", OPEN, None, "14/07/2022", "fixed", Timeliness.OVERDUE),
    ("open, due today", OPEN, None, "15/07/2022", "fixed", Timeliness.DUE_SOON),
    ("open, due tomorrow", OPEN, None, "16/07/2022", "fixed", Timeliness.DUE_SOON),
    ("open, due on the last soon day", OPEN, None, "22/07/2022", "range", Timeliness.DUE_SOON),
    ("open, due the day after", OPEN, None, "23/07/2022", "range", Timeliness.ON_TRACK),
    (
        "not started, far away",
        Assignment.Status.NOT_STARTED,
        None,
        "31/12/2022",
        "range",
        Timeliness.ON_TRACK,
    ),
    ("open, ongoing (Thường xuyên)", OPEN, None, None, "ongoing", Timeliness.NO_DEADLINE),
    ("open, event (Khi ...)", OPEN, None, None, "event", Timeliness.NO_DEADLINE),
    ("open, recurring", OPEN, None, None, "recurring", Timeliness.NO_DEADLINE),
]


def _date(text):
    return day(text) if text else None


@pytest.mark.parametrize(("what", "status", "completed", "due", "kind", "expected"), CASES)
def test_timeliness_in_python(what, status, completed, due, kind, expected):
    got = timeliness_of(
        status=status, completed_on=_date(completed), due_on=_date(due), today=TODAY, soon_days=SOON
    )
    assert got == expected, what


@pytest.mark.django_db
def test_database_annotation_and_filters_agree_with_python(bac_kan):
    plan = make_plan(bac_kan)
    agencies = list(bac_kan.agencies.order_by("pk")[: len(CASES)])
    expected = {}
    for i, (_what, status, completed, due, kind, group) in enumerate(CASES):
        task = make_task(plan, due_on=_date(due), kind=kind, number=str(i))
        assignment = make_assignment(
            task, agencies[i], status=status, completed_on=_date(completed)
        )
        expected[assignment.pk] = group

    annotated = dict(
        Assignment.objects.annotate(group=timeliness_case(TODAY, soon_days=SOON)).values_list(
            "pk", "group"
        )
    )
    assert annotated == expected

    for group in Timeliness:
        filtered = set(
            Assignment.objects.filter(timeliness_q(group, TODAY, soon_days=SOON)).values_list(
                "pk", flat=True
            )
        )
        assert filtered == {pk for pk, g in expected.items() if g == group}, group


@pytest.mark.django_db
def test_model_method_uses_the_due_soon_setting(bac_kan, settings):
    plan = make_plan(bac_kan)
    task = make_task(plan, due_on=TODAY + datetime.timedelta(days=10), kind=Task.DeadlineKind.FIXED)
    assignment = make_assignment(task, agency(bac_kan, "Sở Nội vụ"), status=OPEN)
    settings.PARINDEX_DUE_SOON_DAYS = 7
    assert assignment.timeliness(TODAY) == Timeliness.ON_TRACK
    settings.PARINDEX_DUE_SOON_DAYS = 14
    assert assignment.timeliness(TODAY) == Timeliness.DUE_SOON
