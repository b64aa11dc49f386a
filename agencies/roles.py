"""Who a user is in the product: their membership, role and province, in one place.

Views and selectors ask these questions; templates only show what the answers allowed.
"""

from agencies.models import Membership, Province


def membership_of(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_administrator(user) -> bool:
    membership = membership_of(user)
    return user.is_authenticated and (
        user.is_superuser or (membership is not None and membership.role == Membership.Role.ADMIN)
    )


def province_id_of(user) -> int | None:
    membership = membership_of(user)
    return membership.agency.province_id if membership and membership.agency_id else None


def can_import(user) -> bool:
    """Sở Nội vụ reviewers (for their province) and administrators import annexes."""
    membership = membership_of(user)
    return is_administrator(user) or (
        membership is not None and membership.role == Membership.Role.REVIEWER
    )


def import_provinces(user):
    """The provinces a user may import plans into."""
    if is_administrator(user):
        return Province.objects.order_by("code", "valid_from")
    if can_import(user):
        return Province.objects.filter(pk=province_id_of(user))
    return Province.objects.none()
