"""Small builders for plans, tasks and assignments used across tests."""

import datetime

from plans.models import Assignment, Plan, Section, Task
from plans.tallies import tallies_refresh


def make_plan(province, *, number="22/KH-UBND", year=2022, **extra) -> Plan:
    return Plan.objects.create(province=province, number=number, year=year, **extra)


def make_task(plan, *, due_on=None, kind=None, number="1", position=None, section=None, **extra):
    if section is None:
        section, _ = Section.objects.get_or_create(plan=plan, position=0, defaults={"title": "Mục"})
    if kind is None:
        kind = Task.DeadlineKind.FIXED if due_on else Task.DeadlineKind.ONGOING
    if position is None:
        position = Task.objects.filter(plan=plan).count()
    return Task.objects.create(
        plan=plan,
        section=section,
        number=number,
        position=position,
        description=extra.pop("description", f"Nhiệm vụ {number}"),
        deadline_kind=kind,
        due_on=due_on,
        **extra,
    )


def make_assignment(task, agency, *, role=Assignment.Role.LEAD, status=None, completed_on=None):
    status = status or (Assignment.Status.DONE if completed_on else Assignment.Status.NOT_STARTED)
    made = Assignment.objects.create(
        task=task, agency=agency, role=role, status=status, completed_on=completed_on
    )
    # What the services do after a write: the dashboard's counters follow the new row.
    tallies_refresh(section_ids=[task.section_id])
    return made


def day(text: str) -> datetime.date:
    """dd/mm/yyyy, the way the users write dates."""
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()
