"""Reads for plans: each returns data scoped to what the user may see."""

from django.db.models import Count, Q

from plans.models import Plan


def plans_visible_to(*, user):
    """Administrators see every plan; everyone else, their own province's plans."""
    plans = Plan.objects.select_related("province")
    if user.is_superuser:
        return plans
    membership = getattr(user, "membership", None)
    if membership is None:
        return plans.none()
    if membership.role == membership.Role.ADMIN:
        return plans
    return plans.filter(province_id=membership.agency.province_id)


def plan_overview(*, user):
    """Plans with their task counts, newest first (one query)."""
    return plans_visible_to(user=user).annotate(
        task_count=Count("tasks", filter=Q(tasks__withdrawn_at__isnull=True))
    )
