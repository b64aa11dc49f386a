"""Reads for plans: each returns data scoped to what the user may see."""

from django.db.models import Count, Q

from agencies.roles import is_administrator, province_id_of
from plans.models import ImportRun, Plan


def plans_visible_to(*, user):
    """Administrators see every plan; everyone else, their own province's plans."""
    plans = Plan.objects.select_related("province")
    if is_administrator(user):
        return plans
    province_id = province_id_of(user)
    return plans.filter(province_id=province_id) if province_id else plans.none()


def import_runs_visible_to(*, user):
    runs = ImportRun.objects.select_related("province", "plan", "created_by")
    if is_administrator(user):
        return runs
    province_id = province_id_of(user)
    return runs.filter(province_id=province_id) if province_id else runs.none()


def plan_overview(*, user):
    """Plans with their task counts, newest first (one query)."""
    return plans_visible_to(user=user).annotate(
        task_count=Count("tasks", filter=Q(tasks__withdrawn_at__isnull=True))
    )
