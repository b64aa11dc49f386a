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

    @property
    def lost(self) -> Decimal | None:
        return points_lost(self.achieved, self.maximum)


def _sort_key(node: CriterionNode):
    # Most points lost first; a missing score after every known one; then the edition's order.
    lost = node.lost
    return (lost is None, -(lost or 0), node.criterion.position, node.criterion.code)


def criteria_tree(*, edition: Edition, result: Result | None, province_id: int) -> list:
    """The edition's criteria as a flat list in tree order (area → criterion → sub-criterion),
    siblings sorted by points lost, each node with the tasks of the province's plans that
    address it and their lead assignments.

    Four queries whatever the size of the tree: the criteria, the tasks linked to them, the
    tasks' lead assignments with their agencies, and the result's scores.
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
    nodes = {c.pk: CriterionNode(criterion=c, tasks=c.remedies) for c in criteria}
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


def points_at_stake_by_agency(tree: list[CriterionNode]) -> list[tuple[str, Decimal, int]]:
    """Per lead agency: the points lost on the criteria its tasks address and how many such
    criteria, largest first. A criterion counts once per agency, and not at all when the agency
    also addresses one of its ancestors (the ancestor's lost points already include it)."""
    by_id = {node.criterion.pk: node for node in tree}
    criteria_by_agency: dict[str, set[int]] = defaultdict(set)
    for node in tree:
        if not node.lost:
            continue
        for task in node.tasks:
            for assignment in task.leads:
                criteria_by_agency[assignment.agency.name].add(node.criterion.pk)
    rows = []
    for name, ids in criteria_by_agency.items():
        kept = [pk for pk in ids if not _has_ancestor_in(by_id, pk, ids)]
        rows.append((name, sum((by_id[pk].lost for pk in kept), Decimal(0)), len(kept)))
    return sorted(rows, key=lambda row: (-row[1], row[0]))


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
