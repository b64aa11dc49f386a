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
    def lead_count(self) -> int:
        """The lead assignments of the linked tasks: the work the shares are counted on."""
        return len(self._leads())

    @property
    def done_count(self) -> int:
        return sum(1 for lead in self._leads() if lead.status == Assignment.Status.DONE)

    @property
    def confirmed_count(self) -> int:
        """Completions Sở Nội vụ confirmed (the task list's "Đã xác nhận": done and confirmed)."""
        return sum(1 for lead in self._leads() if _confirmed(lead))

    @property
    def done_share(self) -> Decimal | None:
        """The share of the lead assignments of the linked tasks reported done (None: no task)."""
        leads = self.lead_count
        return Decimal(self.done_count) / leads if leads else None

    @property
    def confirmed_share(self) -> Decimal | None:
        """The share of those Sở Nội vụ confirmed."""
        leads = self.lead_count
        return Decimal(self.confirmed_count) / leads if leads else None

    @property
    def expected_gain(self) -> Decimal | None:
        """The points lost times the share of the linked work confirmed: what the province may
        expect to win back if the confirmed work earns the criterion's points."""
        if not self.lost or self.confirmed_share is None:
            return None
        return (self.lost * self.confirmed_share).quantize(GAIN_PLACES)

    @property
    def next_change(self) -> Decimal | None:
        """Points achieved in the next year's result minus this year's (None: either missing)."""
        if self.achieved is None or self.next_achieved is None:
            return None
        return self.next_achieved - self.achieved


def _confirmed(lead: Assignment) -> bool:
    return lead.status == Assignment.Status.DONE and lead.review == Assignment.Review.CONFIRMED


def _sort_key(node: CriterionNode):
    # Most points lost first; a missing score after every known one; then the edition's order.
    lost = node.lost
    return (lost is None, -(lost or 0), node.criterion.position, node.criterion.code)


def _remedies(*, province_id: int, plan_year: int | None = None) -> Prefetch:
    """The province's tasks in force (of one plan year, if given) with their lead assignments,
    to prefetch on criteria as `remedies`: two queries."""
    leads = (
        Assignment.objects.filter(role=Assignment.Role.LEAD, unassigned_at__isnull=True)
        .select_related("agency")
        .order_by("agency__name")
    )
    tasks = Task.objects.filter(plan__province_id=province_id, withdrawn_at__isnull=True)
    if plan_year is not None:
        tasks = tasks.filter(plan__year=plan_year)
    tasks = (
        tasks.select_related("plan")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="leads"))
        .order_by("plan__year", "plan_id", "position")
    )
    return Prefetch("tasks", queryset=tasks, to_attr="remedies")


def _scores(result_ids) -> dict[int, dict[int, tuple]]:
    """result id → criterion id → (achieved, maximum): one query for any number of results."""
    out: dict[int, dict[int, tuple]] = defaultdict(dict)
    if result_ids:
        for result_id, criterion_id, achieved, maximum in CriterionScore.objects.filter(
            result_id__in=result_ids
        ).values_list("result_id", "criterion_id", "achieved", "maximum"):
            out[result_id][criterion_id] = (achieved, maximum)
    return out


def criteria_tree(
    *, edition: Edition, result: Result | None, province_id: int, next_result: Result | None = None
) -> list:
    """The edition's criteria as a flat list in tree order (area → criterion → sub-criterion),
    siblings sorted by points lost, each node with the tasks of the province's plans that
    address it and their lead assignments.

    Four queries whatever the size of the tree: the criteria, the tasks linked to them, the
    tasks' lead assignments with their agencies, and the scores of the result (and of the next
    year's, when `next_result`, the following year's result on the same edition, is given).
    """
    criteria = list(
        Criterion.objects.filter(edition=edition).prefetch_related(
            _remedies(province_id=province_id)
        )
    )
    results = [r.pk for r in (result, next_result) if r is not None]
    scores = _scores(results)
    return _tree(
        criteria,
        scores=scores.get(result.pk, {}) if result else {},
        following=scores.get(next_result.pk, {}) if next_result else {},
    )


def _tree(criteria: list[Criterion], *, scores: dict, following: dict) -> list[CriterionNode]:
    """Criteria (with their prefetched `remedies`) and their scores as the flat, sorted tree."""
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
    agency_id: int | None = None


def points_at_stake_by_agency(tree: list[CriterionNode]) -> list[AgencyStake]:
    """Per lead agency: the points lost on the criteria its tasks address, how many such
    criteria, and the expected gain (each criterion's lost points times the share of the
    agency's lead assignments on its tasks that Sở Nội vụ confirmed); largest loss first. A
    criterion counts once per agency, and not at all when the agency also addresses one of its
    ancestors (the ancestor's lost points already include it). A criterion several agencies
    address is counted in full for each of them."""
    rows = _stakes(tree, lambda lead: (lead.agency_id, lead.agency.name))
    return sorted(rows, key=lambda row: (-row.lost, row.name))


def points_at_stake_total(tree: list[CriterionNode]) -> AgencyStake | None:
    """The same over all lead agencies together: each criterion once, however many agencies
    address it (so not the sum of the agencies' rows); None when no task addresses a lost
    point."""
    rows = _stakes(tree, lambda lead: (None, ""))
    return rows[0] if rows else None


def _stakes(tree: list[CriterionNode], group) -> list[AgencyStake]:
    by_id = {node.criterion.pk: node for node in tree}
    leads_by_group: dict[tuple, dict[int, list[Assignment]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for node in tree:
        if not node.lost:
            continue
        for task in node.tasks:
            for assignment in task.leads:
                leads_by_group[group(assignment)][node.criterion.pk].append(assignment)
    rows = []
    for (agency_id, name), by_criterion in leads_by_group.items():
        ids = set(by_criterion)
        kept = [pk for pk in ids if not _has_ancestor_in(by_id, pk, ids)]
        gain = Decimal(0)
        for pk in kept:
            leads = by_criterion[pk]
            confirmed = sum(1 for a in leads if _confirmed(a))
            gain += by_id[pk].lost * confirmed / len(leads)
        lost = sum((by_id[pk].lost for pk in kept), Decimal(0))
        rows.append(
            AgencyStake(
                name=name,
                lost=lost,
                criteria=len(kept),
                expected_gain=gain.quantize(GAIN_PLACES),
                agency_id=agency_id,
            )
        )
    return rows


@dataclass
class IndexStake:
    """One index on the dashboard of a plan year: the result the year's plans answer (the
    latest before the plan year), its criteria with the plan year's linked tasks, the points
    at stake per lead agency, and the next year's result once it is imported."""

    index: Index
    edition: Edition
    result: Result
    following: Result | None
    tree: list[CriterionNode]
    agencies: list[AgencyStake]
    total: AgencyStake | None

    @property
    def rows(self) -> list[CriterionNode]:
        """The criteria that lost points or that a task of the plan year addresses."""
        return [node for node in self.tree if node.lost or node.tasks]

    @property
    def addressed(self) -> list[CriterionNode]:
        """The criteria a task of the plan year addresses: the year after's rows."""
        return [node for node in self.tree if node.tasks]


def points_at_stake(
    *, province_id: int, plan_year: int, index_code: str | None = None
) -> list[IndexStake]:
    """For the dashboard of a province and a plan year, per index (or the one index asked for)
    with a result before the plan year: the nodes of `criteria_tree` restricted to the plan
    year's tasks, the agencies' stakes and the total (`points_at_stake_by_agency`,
    `points_at_stake_total`), and the following year's result on the same edition.

    Six queries whatever the number of indices, criteria and tasks: the results, the editions,
    the criteria, their tasks, the tasks' leads, the scores; one when no result is imported.
    """
    results = Result.objects.filter(province_id=province_id, year__lte=plan_year)
    if index_code:
        results = results.filter(index__code=index_code)
    results = list(results.select_related("index").order_by("index_id", "year"))
    if not results:
        return []
    editions = list(Edition.objects.filter(index_id__in={r.index_id for r in results}))
    by_index: dict[int, list[Result]] = defaultdict(list)
    for result in results:
        by_index[result.index_id].append(result)
    chosen = []
    for index_id, own in by_index.items():
        before = [r for r in own if r.year < plan_year]
        edition = _edition_for(editions, index_id, before[-1].year) if before else None
        if edition is None:
            continue
        result = before[-1]
        following = next((r for r in own if r.year == result.year + 1), None)
        if following and _edition_for(editions, index_id, following.year) != edition:
            following = None
        chosen.append((result, edition, following))
    if not chosen:
        return []
    criteria = Criterion.objects.filter(edition__in=[e for _, e, _ in chosen]).prefetch_related(
        _remedies(province_id=province_id, plan_year=plan_year)
    )
    of_edition: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        of_edition[criterion.edition_id].append(criterion)
    scores = _scores([r.pk for result, _, following in chosen for r in (result, following) if r])
    stakes = []
    for result, edition, following in chosen:
        tree = _tree(
            of_edition[edition.pk],
            scores=scores.get(result.pk, {}),
            following=scores.get(following.pk, {}) if following else {},
        )
        stakes.append(
            IndexStake(
                index=result.index,
                edition=edition,
                result=result,
                following=following,
                tree=tree,
                agencies=points_at_stake_by_agency(tree),
                total=points_at_stake_total(tree),
            )
        )
    return stakes


def _edition_for(editions: list[Edition], index_id: int, year: int) -> Edition | None:
    """`Index.edition_for` over editions already read."""
    valid = [
        e
        for e in editions
        if e.index_id == index_id
        and e.first_year <= year
        and (e.last_year is None or e.last_year >= year)
    ]
    return max(valid, key=lambda e: e.first_year, default=None)


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
