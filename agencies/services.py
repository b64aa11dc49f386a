"""Writes for agencies and memberships."""

from django.contrib.auth import get_user_model
from django.db import transaction

from agencies.models import Agency, Membership
from parindex.core.names import split_full_name


@transaction.atomic
def user_with_membership_upsert(
    *, username: str, password: str, full_name: str, role: str, agency: Agency | None
):
    """Create or refresh a user and their membership (used by seed_demo; safe to re-run)."""
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=username)
    user.first_name, user.last_name = split_full_name(full_name)
    user.is_staff = role == Membership.Role.ADMIN
    user.is_superuser = role == Membership.Role.ADMIN
    user.set_password(password)
    user.full_clean()
    user.save()
    membership = Membership.objects.filter(user=user).first() or Membership(user=user)
    membership.role, membership.agency = role, agency
    membership.full_clean()
    membership.save()
    return user
