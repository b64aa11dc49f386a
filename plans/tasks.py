"""Background tasks of the plans app that are not files (django-tasks, run by `manage.py
db_worker`): the period reminder, which emails every agency that has not reported, one
SMTP conversation for a province's agencies, too slow to hold a web request."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from plans.dashboard import DashboardScope
from plans.models import ReportingPeriod
from plans.periods import period_bounds
from plans.reminders import period_reminder_send


@task()
def period_reminder_send_task(period_id: int) -> dict:
    """Send the period reminder of `period_id`; the counts the period's page shows."""
    period = ReportingPeriod.objects.get(pk=period_id)
    scope = DashboardScope(
        province_id=period.province_id,
        year=period.year,
        period=period.code,
        today=timezone.localdate(),
    )
    result = period_reminder_send(
        assignments=scope.assignments(),
        period=period.code,
        start=scope.period_start,
        cutoff=period_bounds(period.code)[1],
    )
    return {
        "emails": result.emails,
        "recipients": result.recipients,
        "unreached": len(result.unreached_agency_ids),
        "failed": len(result.failed),
    }


def period_reminder_outcome(result_id: str) -> dict | None:
    """What became of a period reminder sent from the period's page: {"pending": True} while
    the worker has not sent it, its counts once sent, {"failed": None} if the task failed;
    None for an unknown id (pruned, or not a reminder)."""
    try:
        result = period_reminder_send_task.get_result(result_id)
    except (TaskResultDoesNotExist, TaskResultMismatch, ValueError):
        return None
    if result.status == TaskResultStatus.SUCCESSFUL:
        return {"pending": False, **result.return_value}
    # A worker killed while sending leaves the result RUNNING for good (no heartbeat): after
    # PARINDEX_JOBS_STALE_MINUTES it is told as a failure rather than sent again, since some
    # emails may have gone out; the reviewer decides to press the button again.
    stale_before = timezone.now() - datetime.timedelta(minutes=settings.PARINDEX_JOBS_STALE_MINUTES)
    lost = result.status == TaskResultStatus.RUNNING and result.started_at < stale_before
    if result.status == TaskResultStatus.FAILED or lost:
        return {"pending": False, "error": True}
    return {"pending": True}
