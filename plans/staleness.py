"""Ongoing work not forgotten: "lâu chưa cập nhật".

A task with no due date ("Thường xuyên", recurring, an event) is never overdue, so nothing in
the official groups ever points at one nobody works on. An open assignment of such a task is
flagged when its agency has not reported on it for `PARINDEX_STALE_DAYS` days (90 by default):

- it is open as of the reading day (the "không có thời hạn" group: not completed by then);
- no progress report (an agency's own entry, not an import, confirmation or return) was written
  in the `days` days up to and including the reading day;
- its plan has been running that long (issued, or imported when the issue date is unknown, at
  least `days` days before): a plan issued last month has nothing stale yet.

One condition (`stale_q`) serves the dashboard's count, the task list's `stale=1` filter and the
reminders, so the three always agree.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from plans.models import ProgressUpdate
from plans.timeliness import Timeliness, timeliness_q


def stale_days() -> int:
    return settings.PARINDEX_STALE_DAYS


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def stale_window(
    as_of: datetime.date, days: int | None = None
) -> tuple[datetime.date, datetime.date]:
    """(first day a report keeps the work fresh, the reading day): a report on `as_of - days`
    is `days` days old, too old; one on the day after is not."""
    days = stale_days() if days is None else days
    return as_of - datetime.timedelta(days=days - 1), as_of


def _running_q(first: datetime.date, plan: str) -> Q:
    """The plan (reached by the path `plan`) has been running since before `first`."""
    return Q(**{f"{plan}__issued_on__lt": first}) | Q(
        **{f"{plan}__issued_on__isnull": True, f"{plan}__created_at__lt": _start_of(first)}
    )


def stale_q(as_of: datetime.date, *, days: int | None = None) -> Q:
    """Assignments flagged "lâu chưa cập nhật" as of `as_of` (a filter on Assignment)."""
    first, last = stale_window(as_of, days)
    recent = ProgressUpdate.objects.filter(
        assignment_id=OuterRef("pk"),
        kind=ProgressUpdate.Kind.REPORT,
        created_at__gte=_start_of(first),
        created_at__lt=_start_of(last + datetime.timedelta(days=1)),
    )
    running = _running_q(first, "task__plan")
    return timeliness_q(Timeliness.NO_DEADLINE, as_of) & running & ~Exists(recent)


def stale_tally_q(
    as_of: datetime.date,
    *,
    days: int | None = None,
    done: Q | None = None,
    not_since: Q | None = None,
) -> Q:
    """The same flag on the dashboard's counters (plans.tallies), which keep the day of each
    no-deadline assignment's last report. Exact only when no report can be newer than
    `as_of`, i.e. when reading as of today; a past day needs `stale_q`. The coarse counters
    (days as intervals, `plans.buckets`) pass `done` (done by `as_of`) and `not_since` (no
    report since the window's first day), decided on their intervals."""
    first, _last = stale_window(as_of, days)
    if not_since is None:
        not_since = Q(last_report_on__isnull=True) | Q(last_report_on__lt=first)
        open_work = timeliness_q(Timeliness.NO_DEADLINE, as_of, due="due_on", done_on="done_on")
    else:
        open_work = timeliness_q(
            Timeliness.NO_DEADLINE, as_of, due="due_on", done=done, late=Q(late=True)
        )
    return open_work & _running_q(first, "plan") & not_since
