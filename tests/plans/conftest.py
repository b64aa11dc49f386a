"""Fixtures shared by the plans tests."""

import pytest

from plans.models import Assignment, ProgressUpdate
from plans.tallies import tallies_refresh
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

DONE, OPEN = Assignment.Status.DONE, Assignment.Status.IN_PROGRESS


@pytest.fixture
def province(bac_kan):
    """A small province for the 2024 plan year with every group boundary as of the 6-month
    cut-off (14/06/2024): due on the cut-off day, the day after, the last "due soon" day, done
    on the due date, a day late, completed after the cut-off, no deadline."""
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    plan = make_plan(bac_kan, number="5/KH-UBND", year=2024)
    tasks = {
        "A": make_task(plan, number="A", due_on=day("14/06/2024")),  # due on the cut-off day
        "B": make_task(plan, number="B", due_on=day("15/06/2024")),  # due the day after
        "C": make_task(plan, number="C", due_on=day("31/05/2024")),
        "D": make_task(plan, number="D", due_on=day("31/03/2024")),
        "E": make_task(plan, number="E", kind="ongoing"),
        "F": make_task(plan, number="F", due_on=day("30/09/2024")),
        "G": make_task(plan, number="G", due_on=day("20/06/2024")),  # last "due soon" day
    }
    rows = [
        ("A", tp, "lead", OPEN, None),
        ("A", tc, "support", DONE, "10/06/2024"),
        ("B", tp, "lead", OPEN, None),
        ("C", tp, "lead", DONE, "31/05/2024"),  # done on the due date
        ("C", tc, "lead", DONE, "01/06/2024"),  # a day late
        ("D", tc, "lead", OPEN, None),
        ("E", tp, "lead", OPEN, None),
        ("F", tc, "lead", DONE, "01/07/2024"),  # completed after the cut-off: still open then
        ("G", tp, "support", OPEN, None),
    ]
    made = {}
    for key, who, role, status, completed in rows:
        made[(key, who.name)] = make_assignment(
            tasks[key],
            who,
            role=role,
            status=status,
            completed_on=day(completed) if completed else None,
        )
    for key in (("A", "Sở Tài chính"), ("C", "Sở Tư pháp")):
        ProgressUpdate.objects.create(
            assignment=made[key], status=DONE, period="2024-H1", note="Báo cáo"
        )
    tallies_refresh(section_ids=[tasks["A"].section_id])  # as the progress service would
    return {"plan": plan, "tp": tp, "tc": tc}
