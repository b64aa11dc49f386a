"""Reads for the index pages: a province's results over the years, the criteria tree of a year
with the points lost at each node, and the score statements waiting for a reviewer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from parindex.indices.models import (
    Criterion,
    CriterionScore,
    Edition,
    Index,
    Result,
    StatementDecision,
    points_lost,
)
from plans.criteria.linking import criteria_for_plan
from plans.models import Assignment, Plan, Task

GAIN_PLACES = Decimal("0.001")


def results_over_years(*, province_ids, index):
    return (
        Result.objects.filter(province_id__in=province_ids, index=index)
        .select_related("province")
        .order_by("year")
    )


@dataclass
class CriterionNode:
    """A criterion of the tree with its points for one result and the tasks addressing it."""

    criterion: Criterion
    depth: int = 0
    achieved: Decimal | None = None
    maximum: Decimal | None = None
    # True when the node has no score of its own and shows the sum of its children's.
    rolled_up: bool = False
    tasks: list[Task] = field(default_factory=list)
    children: list[CriterionNode] = field(default_factory=list)
    # The next year's score of the same criterion, once that result is imported: what the
    # work of the plans answering this year's result gave.
    next_achieved: Decimal | None = None
    next_maximum: Decimal | None = None

    @property
    def lost(self) -> Decimal | None:
        return points_lost(self.achieved, self.maximum)

    @property
    def next_lost(self) -> Decimal | None:
        return points_lost(self.next_achieved, self.next_maximum)

    def _leads(self) -> list[Assignment]:
        return [lead for task in self.tasks for lead in task.leads]

    @property
    def done_share(self) -> Decimal | None:
        """The share of the lead assignments of the linked tasks reported done (None: no task)."""
        leads = self._leads()
        if not leads:
            return None
        done = sum(1 for lead in leads if lead.status == Assignment.Status.DONE)
        return Decimal(done) / len(leads)

    @property
    def confirmed_share(self) -> Decimal | None:
        """The share of those Sở Nội vụ confirmed."""
        leads = self._leads()
        if not leads:
            return None
        confirmed = sum(1 for lead in leads if lead.review == Assignment.Review.CONFIRMED)
        return Decimal(confirmed) / len(leads)

    @property
    def expected_gain(self) -> Decimal | None:
        """The points lost times the share of the linked work confirmed: what the province may
        expect to win back if the confirmed work earns the criterion's points."""
        if not self.lost or self.confirmed_share is None:
            return None
        return (self.lost * self.confirmed_share).quantize(GAIN_PLACES)


def _sort_key(node: CriterionNode):
    # Most points lost first; a missing score after every known one; then the edition's order.
    lost = node.lost
    return (lost is None, -(lost or 0), node.criterion.position, node.criterion.code)


def criteria_tree(
    *, edition: Edition, result: Result | None, province_id: int, next_result: Result | None = None
) -> list:
    """The edition's criteria as a flat list in tree order (area → criterion → sub-criterion),
    siblings sorted by points lost, each node with the tasks of the province's plans that
    address it and their lead assignments.

    Four queries whatever the size of the tree: the criteria, the tasks linked to them, the
    tasks' lead assignments with their agencies, and the result's scores; a fifth for the next
    year's scores when `next_result` (the following year's result, same edition) is given.
    """
    leads = (
        Assignment.objects.filter(role=Assignment.Role.LEAD, unassigned_at__isnull=True)
        .select_related("agency")
        .order_by("agency__name")
    )
    tasks = (
        Task.objects.filter(plan__province_id=province_id, withdrawn_at__isnull=True)
        .select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="leads"))
        .order_by("plan__year", "plan_id", "position")
    )
    criteria = list(
        Criterion.objects.filter(edition=edition).prefetch_related(
            Prefetch("tasks", queryset=tasks, to_attr="remedies")
        )
    )
    scores = {}
    if result is not None:
        scores = {
            criterion_id: (achieved, maximum)
            for criterion_id, achieved, maximum in CriterionScore.objects.filter(
                result=result
            ).values_list("criterion_id", "achieved", "maximum")
        }
    following = {}
    if next_result is not None:
        following = {
            criterion_id: (achieved, maximum)
            for criterion_id, achieved, maximum in CriterionScore.objects.filter(
                result=next_result
            ).values_list("criterion_id", "achieved", "maximum")
        }
    nodes = {c.pk: CriterionNode(criterion=c, tasks=c.remedies) for c in criteria}
    for pk, (achieved, maximum) in following.items():
        if pk in nodes:
            nodes[pk].next_achieved, nodes[pk].next_maximum = achieved, maximum
    roots = []
    for criterion in criteria:
        node = nodes[criterion.pk]
        node.achieved, node.maximum = scores.get(criterion.pk, (None, None))
        parent = nodes.get(criterion.parent_id)
        (parent.children if parent else roots).append(node)
    for root in roots:
        _roll_up(root)
    flat: list[CriterionNode] = []
    _flatten(sorted(roots, key=_sort_key), 0, flat)
    return flat


def _roll_up(node: CriterionNode) -> None:
    """A node without a score of its own shows the sum of its scored children (an import may
    give only sub-criteria)."""
    for child in node.children:
        _roll_up(child)
    if node.achieved is not None or node.maximum is not None:
        return
    scored = [c for c in node.children if c.achieved is not None and c.maximum is not None]
    if scored:
        node.achieved = sum((c.achieved for c in scored), Decimal(0))
        node.maximum = sum((c.maximum for c in scored), Decimal(0))
        node.rolled_up = True


def _flatten(nodes: list[CriterionNode], depth: int, out: list[CriterionNode]) -> None:
    for node in nodes:
        node.depth = depth
        out.append(node)
        _flatten(sorted(node.children, key=_sort_key), depth + 1, out)


@dataclass(frozen=True)
class AgencyStake:
    """A lead agency's points at stake: lost on the criteria its tasks address, and the part
    of them its confirmed work may win back."""

    name: str
    lost: Decimal
    criteria: int
    expected_gain: Decimal


def points_at_stake_by_agency(tree: list[CriterionNode]) -> list[AgencyStake]:
    """Per lead agency: the points lost on the criteria its tasks address, how many such
    criteria, and the expected gain (each criterion's lost points times the share of the
    agency's lead assignments on its tasks that Sở Nội vụ confirmed); largest loss first. A
    criterion counts once per agency, and not at all when the agency also addresses one of its
    ancestors (the ancestor's lost points already include it)."""
    by_id = {node.criterion.pk: node for node in tree}
    leads_by_agency: dict[str, dict[int, list[Assignment]]] = defaultdict(lambda: defaultdict(list))
    for node in tree:
        if not node.lost:
            continue
        for task in node.tasks:
            for assignment in task.leads:
                leads_by_agency[assignment.agency.name][node.criterion.pk].append(assignment)
    rows = []
    for name, by_criterion in leads_by_agency.items():
        ids = set(by_criterion)
        kept = [pk for pk in ids if not _has_ancestor_in(by_id, pk, ids)]
        gain = Decimal(0)
        for pk in kept:
            leads = by_criterion[pk]
            confirmed = sum(1 for a in leads if a.review == Assignment.Review.CONFIRMED)
            gain += by_id[pk].lost * confirmed / len(leads)
        lost = sum((by_id[pk].lost for pk in kept), Decimal(0))
        rows.append(
            AgencyStake(
                name=name, lost=lost, criteria=len(kept), expected_gain=gain.quantize(GAIN_PLACES)
            )
        )
    return sorted(rows, key=lambda row: (-row.lost, row.name))


def _has_ancestor_in(by_id: dict, pk: int, ids: set[int]) -> bool:
    parent_id = by_id[pk].criterion.parent_id
    while parent_id is not None:
        if parent_id in ids:
            return True
        parent_id = by_id[parent_id].criterion.parent_id if parent_id in by_id else None
    return False


def linkable_criteria(*, task: Task) -> list[Criterion]:
    """The criteria a task may be linked to (plans.criteria.linking.criteria_for_plan)."""
    return criteria_for_plan(task.plan)


def pending_statements(*, province_id: int, index: Index, year: int, tree: list) -> list[dict]:
    """Score statements the annex import found in the province's tasks for `year` that no
    reviewer has accepted or dismissed yet. Tasks of plans that name the index, or name no
    index at all, are read. Each statement comes with the criterion to suggest: the one node of
    `tree` (the year's criteria tree) its task addresses, if there is exactly one.
    Two queries: the tasks with statements, and the decisions already taken on them."""
    plans_naming_an_index = Plan.objects.filter(indices__isnull=False)
    tasks = (
        Task.objects.filter(plan__province_id=province_id, withdrawn_at__isnull=True)
        .filter(Q(plan__indices=index) | ~Q(plan__in=plans_naming_an_index))
        .exclude(score_statements=[])
    )
    decided = set(StatementDecision.objects.filter(task__in=tasks).values_list("task_id", "text"))
    addressed: dict[int, list[int]] = defaultdict(list)
    for node in tree:
        for task in node.tasks:
            addressed[task.pk].append(node.criterion.pk)
    rows = []
    for task in tasks.select_related("plan").order_by("plan__year", "plan_id", "position"):
        own = addressed.get(task.pk, [])
        for statement in task.score_statements:
            if statement.get("year") != year or (task.pk, statement.get("text")) in decided:
                continue
            maximum = statement.get("maximum")
            rows.append(
                {
                    "task": task,
                    "suggested": own[0] if len(own) == 1 else None,
                    "achieved": Decimal(str(statement["achieved"])),
                    "maximum": None if maximum is None else Decimal(str(maximum)),
                    "text": statement.get("text", ""),
                    "group": statement.get("group") or "",
                }
            )
    return rows
