"""Check constraints several models declare alike. Ground floor: imports only Django."""

from django.db import models
from django.db.models import Q


def not_after(low: str, high: str, *, name: str) -> models.CheckConstraint:
    """`low` ≤ `high` wherever both are set (an empty bound is open): a validity or deadline
    range, a rank within the number ranked, points within their maximum."""
    return models.CheckConstraint(
        name=name,
        condition=Q(**{f"{low}__isnull": True})
        | Q(**{f"{high}__isnull": True})
        | Q(**{f"{low}__lte": models.F(high)}),
    )
