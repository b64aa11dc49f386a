"""Timeliness: the one place that decides which official group an assignment counts in.

Vietnamese task reports count work in exactly six groups. The group is never typed; it follows
from the assignment's status and completion date, its task's due date, and today. The same
rules are written once, as mutually exclusive conditions, and used three ways:

- `timeliness_q(group, today)`: a filter (plain comparisons, no CASE);
- `timeliness_case(today)`: an annotation, for counting by group in the database;
- `timeliness_of(...)`: the same decision in Python, for one object in hand.

A task with no due date (ongoing "Thường xuyên", recurring, event) is never overdue.

The due date is the assignment's own: the one Sở Nội vụ granted the agency (gia hạn,
`Assignment.extended_to`) where there is one, else the task's (`due_expression`). Both are
columns of the rows already joined, so counting stays one query with no subquery per row.

`today` may be a past day (a reporting period's cut-off): work counts as done only if it was
completed by then, so a report for "6 tháng" reads the same whenever it is produced.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext_lazy as _

DONE = "done"  # Assignment.Status.DONE; repeated here to keep this module import-light.


class Timeliness(models.TextChoices):
    DONE_ON_TIME = "done_on_time", _("Hoàn thành đúng hạn")
    DONE_LATE = "done_late", _("Hoàn thành quá hạn")
    ON_TRACK = "on_track", _("Đang thực hiện trong hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    NO_DEADLINE = "no_deadline", _("Không có thời hạn")


TIMELINESS_LABELS = dict(Timeliness.choices)
# The groups' codes in the order every table shows them.
GROUPS = [group.value for group in Timeliness]


def _soon_days() -> int:
    return settings.PARINDEX_DUE_SOON_DAYS


def timeliness_of(
    *,
    status: str,
    completed_on: datetime.date | None,
    due_on: datetime.date | None,
    today: datetime.date,
    soon_days: int | None = None,
) -> str:
    soon_days = _soon_days() if soon_days is None else soon_days
    if status == DONE and completed_on is not None and completed_on <= today:
        if due_on is not None and completed_on > due_on:
            return Timeliness.DONE_LATE
        return Timeliness.DONE_ON_TIME
    if due_on is None:
        return Timeliness.NO_DEADLINE
    if due_on < today:
        return Timeliness.OVERDUE
    if due_on <= today + datetime.timedelta(days=soon_days):
        return Timeliness.DUE_SOON
    return Timeliness.ON_TRACK


def due_expression(prefix: str = ""):
    """An assignment's due date in the database: the granted extension, else its task's.
    `prefix` reaches assignments from another model ("assignments__")."""
    return Coalesce(F(f"{prefix}extended_to"), F(f"{prefix}task__due_on"))


def timeliness_q(
    group: str,
    today: datetime.date,
    *,
    due=None,
    done_on: str | None = None,
    done: Q | None = None,
    late: Q | None = None,
    soon_days: int | None = None,
) -> Q:
    """Rows of `group`, for a queryset of assignments (`due`: the due date, a path or an
    expression; by default the assignment's own, `due_expression()`). `done_on`: for rows
    that keep the completion date only when the work is done (`plans.tallies`), that column's
    name instead of the assignment's status and `completed_on`. `done` and `late`: for rows
    that keep no completion date (the coarse counters, `plans.buckets`), whether the work was
    done by `today` and whether it was done after its due date."""
    soon_days = _soon_days() if soon_days is None else soon_days
    soon = today + datetime.timedelta(days=soon_days)
    due = due_expression() if due is None else due
    due = F(due) if isinstance(due, str) else due
    no_due = Q(IsNull(due, True))
    if done is not None:
        on_time = ~late
    else:
        if done_on is None:
            done = Q(status=DONE, completed_on__lte=today)
            completed = F("completed_on")
        else:
            done = Q(**{f"{done_on}__lte": today})
            completed = F(done_on)
        on_time = no_due | Q(LessThanOrEqual(completed, due))
        late = Q(GreaterThan(completed, due))
    conditions = {
        Timeliness.DONE_ON_TIME: done & on_time,
        Timeliness.DONE_LATE: done & late,
        Timeliness.NO_DEADLINE: ~done & no_due,
        Timeliness.OVERDUE: ~done & Q(LessThan(due, today)),
        Timeliness.DUE_SOON: ~done
        & Q(GreaterThanOrEqual(due, today))
        & Q(LessThanOrEqual(due, soon)),
        Timeliness.ON_TRACK: ~done & Q(GreaterThan(due, soon)),
    }
    return conditions[Timeliness(group)]


def timeliness_case(
    today: datetime.date,
    *,
    due=None,
    done_on: str | None = None,
    done: Q | None = None,
    late: Q | None = None,
    soon_days: int | None = None,
) -> Case:
    """Each row's group as an expression: `.annotate(timeliness=timeliness_case(today))`."""
    return Case(
        *(
            When(
                timeliness_q(
                    group,
                    today,
                    due=due,
                    done_on=done_on,
                    done=done,
                    late=late,
                    soon_days=soon_days,
                ),
                then=Value(group.value),
            )
            for group in Timeliness
        ),
        output_field=models.CharField(),
    )
