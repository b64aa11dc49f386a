"""Who a user is in the product: their membership, role and province, in one place.

Views and selectors ask these questions; templates only show what the answers allowed.
"""

from collections import defaultdict
from collections.abc import Iterable

from agencies.models import Agency, Membership, Province


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


def is_reviewer(user) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Membership.Role.REVIEWER


def is_leader(user) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Membership.Role.LEADER


def is_staff_member(user) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Membership.Role.STAFF


def _per_user(function):
    """Remember a role answer on the user object: it is asked for every row of a page, and the
    user object lives for one request."""

    def cached(user):
        key = f"_parindex_{function.__name__}"
        if key not in user.__dict__:
            user.__dict__[key] = function(user)
        return user.__dict__[key]

    cached.__name__ = function.__name__
    cached.__doc__ = function.__doc__
    return cached


@_per_user
def acting_agency_ids(user) -> frozenset[int]:
    """The agency a staff member works for, plus every agency whose work passed to it
    (department mergers and the 2025 province merger): open work reaches who exists now."""
    membership = membership_of(user)
    if membership is None or not membership.agency_id:
        return frozenset()
    return frozenset({membership.agency_id} | predecessor_ids(Agency, membership.agency_id))


@_per_user
def province_ids_of(user) -> frozenset[int]:
    """The user's province and every province merged into it."""
    province_id = province_id_of(user)
    if province_id is None:
        return frozenset()
    return frozenset({province_id} | predecessor_ids(Province, province_id, link="merged_into"))


def predecessor_ids(model, pk: int, *, link: str = "successor") -> set[int]:
    """Every row that leads to `pk` through `link`, transitively (a few queries, small sets)."""
    found: set[int] = set()
    frontier = {pk}
    while frontier:
        step = set(model.objects.filter(**{f"{link}__in": frontier}).values_list("pk", flat=True))
        frontier = step - found - {pk}
        found |= frontier
    return found


def acting_ids_by_agency(agency_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """`acting_agency_ids` for many agencies at once (the reminders' recipients): each agency
    with every agency whose work passed to it, transitively. One query for all the successor
    links, where `predecessor_ids` asks once per step for one agency."""
    predecessors: dict[int, set[int]] = defaultdict(set)
    for pk, successor_id in Agency.objects.filter(successor__isnull=False).values_list(
        "pk", "successor_id"
    ):
        predecessors[successor_id].add(pk)
    acting = {}
    for agency_id in agency_ids:
        found = {agency_id}
        frontier = [agency_id]
        while frontier:
            step = predecessors.get(frontier.pop(), set()) - found
            found |= step
            frontier.extend(step)
        acting[agency_id] = frozenset(found)
    return acting


def can_see_dashboard(user) -> bool:
    """Sở Nội vụ, leaders and administrators; agency staff have their home page instead."""
    return is_administrator(user) or is_reviewer(user) or is_leader(user)


def dashboard_provinces(user):
    if is_administrator(user):
        return (
            Province.objects.filter(plans__isnull=False).distinct().order_by("code", "valid_from")
        )
    if can_see_dashboard(user):
        return Province.objects.filter(pk__in=province_ids_of(user)).order_by("code", "valid_from")
    return Province.objects.none()


def can_review_province(user) -> bool:
    """Sở Nội vụ reviewers and administrators act for a province (open periods, send reminders);
    leaders only read."""
    return is_administrator(user) or is_reviewer(user)


def can_manage_results(user, province_id: int) -> bool:
    """Sở Nội vụ reviewers of the province (or of the province it merged into) and
    administrators record index results, import them, accept score statements and link tasks
    to criteria; leaders and staff only read."""
    return is_administrator(user) or (is_reviewer(user) and province_id in province_ids_of(user))


def _reviewed_provinces(user):
    """Every province for administrators; a Sở Nội vụ reviewer's own (and those merged into
    it); none for anyone else."""
    if is_administrator(user):
        return Province.objects.order_by("code", "valid_from")
    if is_reviewer(user):
        return Province.objects.filter(pk__in=province_ids_of(user)).order_by("code", "valid_from")
    return Province.objects.none()


def results_provinces(user):
    """The provinces a user may record index results for."""
    return _reviewed_provinces(user)


def can_settle_names(user, province_id: int | None = None) -> bool:
    """Sở Nội vụ reviewers and administrators settle the agency names an import could not place
    (map to an agency, declare external, make collective): reviewers for their province (and
    the provinces merged into it) only. Without `province_id`: whether they may for any."""
    if is_administrator(user):
        return True
    if not is_reviewer(user):
        return False
    return province_id is None or province_id in province_ids_of(user)


def settle_provinces(user):
    """The provinces whose unknown agency names a user may settle."""
    return _reviewed_provinces(user)
