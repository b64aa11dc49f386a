"""Reads for plans: each returns data scoped to what the user may see."""

import datetime
import json
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Province
from agencies.roles import (
    acting_agency_ids,
    can_import,
    can_review_province,
    is_administrator,
    is_leader,
    is_reviewer,
    is_staff_member,
    province_id_of,
    province_ids_of,
    settle_provinces,
)
from parindex.core.search import MAX_WORDS, words
from parindex.core.text import fold
from plans.models import (
    Assignment,
    DeadlineExtension,
    Evidence,
    FileJob,
    ImportRun,
    Plan,
    ProgressUpdate,
    ReportingPeriod,
    Task,
)
from plans.periods import period_label
from plans.timeliness import Timeliness, due_expression, timeliness_case, timeliness_q


def plans_visible_to(*, user):
    """Administrators see every plan; everyone else, their own province's plans."""
    plans = Plan.objects.select_related("province")
    if is_administrator(user):
        return plans
    return plans.filter(province_id__in=province_ids_of(user))


# Up to this many plans the task list's plan filter is a dropdown of them all (a province's plans:
# a few dozen a year); beyond (an administrator's country: ~500 plans, ~5,000 at ten times the
# data) it is a type-ahead (`plan_choices`), so the page and its query keep their size however
# many plans the country has.
PLAN_SELECT_LIMIT = 200
PLAN_CHOICES_SHOWN = 20


def plans_offered(*, user) -> list[tuple[int, str]] | None:
    """The plans the task list's filter offers as a dropdown, as (id, label), newest first; None
    when the user sees more than PLAN_SELECT_LIMIT. One query of at most PLAN_SELECT_LIMIT + 1
    rows of (id, number, year): never every plan of the country."""
    rows = list(
        plans_visible_to(user=user).values_list("pk", "number", "year")[: PLAN_SELECT_LIMIT + 1]
    )
    if len(rows) > PLAN_SELECT_LIMIT:
        return None
    return [(pk, Plan.label(number, year)) for pk, number, year in rows]


def plan_choices(*, user, text: str, limit: int = PLAN_CHOICES_SHOWN) -> list[dict]:
    """Plans the user may see whose number, title, year or province hold every typed word (no
    case, no diacritics), newest first, at most `limit`: {"id", "label"} for the task list's
    plan picker. The provinces (about a hundred, old and new) are matched here, the plans in
    the database on their folded text."""
    plans = plans_visible_to(user=user).order_by("-year", "province__code", "number")
    typed = words(text)[:MAX_WORDS]
    if typed:
        provinces = {p.pk: fold(p.short_label()) for p in Province.objects.all()}
        for word in typed:
            found = Q(search_text__contains=word) | Q(
                province_id__in=[pk for pk, name in provinces.items() if word in name]
            )
            if len(word) == 4 and word.isdigit():
                found |= Q(year=int(word))
            plans = plans.filter(found)
    return [{"id": plan.pk, "label": plan.picker_label()} for plan in plans[:limit]]


def import_runs_visible_to(*, user):
    """Administrators see every import; Sở Nội vụ reviewers, their province's; nobody else
    any (the import pages also refuse them: two locks, so one forgotten check opens nothing)."""
    runs = ImportRun.objects.select_related("province", "plan", "created_by")
    if is_administrator(user):
        return runs
    if not can_import(user):
        return runs.none()
    province_id = province_id_of(user)
    return runs.filter(province_id=province_id) if province_id else runs.none()


def plan_overview(*, user):
    """Plans with their task counts, newest first (one query)."""
    return plans_visible_to(user=user).annotate(
        task_count=Count("tasks", filter=Q(tasks__withdrawn_at__isnull=True))
    )


def _scoped(rows, *, user, province: str, of_agencies: Callable[[frozenset[int]], Q]):
    """The one ladder of who sees what: administrators, every row; Sở Nội vụ reviewers and
    leaders, their province's (and merged provinces'), `province` naming the rows' province id;
    staff, their agency's (and its predecessors'), the rows `of_agencies(ids)` selects;
    anyone else, none."""
    if is_administrator(user):
        return rows
    if is_reviewer(user) or is_leader(user):
        return rows.filter(**{f"{province}__in": province_ids_of(user)})
    if is_staff_member(user):
        return rows.filter(of_agencies(acting_agency_ids(user)))
    return rows.none()


def assignments_visible_to(*, user, withdrawn: bool = False):
    """Assignments a user may see: staff, their agency's (and its predecessors'); reviewers and
    leaders, their province's (and merged provinces'); administrators, all.

    Only assignments in force are work: those of tasks withdrawn from their plan and of
    agencies a revised annex no longer names are left out. With `withdrawn`, the withdrawn
    tasks' assignments instead (those the annex named when the task was withdrawn), for the
    reviewers and administrators who may still open those tasks; nobody else gets any."""
    if withdrawn:
        if not can_review_province(user):
            return Assignment.objects.none()
        assignments = Assignment.objects.filter(
            task__withdrawn_at__isnull=False, unassigned_at__isnull=True
        )
    else:
        assignments = Assignment.objects.in_force()
    return _scoped(
        assignments,
        user=user,
        province="task__plan__province_id",
        of_agencies=lambda ids: Q(agency_id__in=ids),
    )


def tasks_visible_to(*, user, include_withdrawn: bool = False):
    """Tasks a user may open: those with an assignment of their agency, in force or not
    (staff: they still read the history of work no longer theirs), or of their province
    (reviewers, leaders).

    A task withdrawn from its plan is not work any more: nobody sees it, except, with
    `include_withdrawn` (the task page and its evidence), the Sở Nội vụ reviewers of its
    province and administrators, who keep reading its history and may restore it."""
    tasks = Task.objects.all()
    if not (include_withdrawn and can_review_province(user)):
        tasks = tasks.filter(withdrawn_at__isnull=True)
    return _scoped(
        tasks,
        user=user,
        province="plan__province_id",
        of_agencies=lambda ids: Q(
            pk__in=Assignment.objects.filter(agency_id__in=ids).values("task_id")
        ),
    )


def assignment_to_act_on(*, user, pk, may) -> Assignment:
    """The assignment if its task is visible to the user (else 404) and `may(user=...,
    assignment=...)` allows the user to act on it (else 403): another agency's assignment on a
    task one sees is forbidden, another province's is not found, and so is a withdrawn task's,
    to those who may not read it; those who may read it are refused (it is read-only)."""
    visible = Assignment.objects.filter(
        task__in=tasks_visible_to(user=user, include_withdrawn=True)
    )
    assignment = get_object_or_404(visible.select_related("task", "task__plan", "agency"), pk=pk)
    if not may(user=user, assignment=assignment):
        raise PermissionDenied
    return assignment


def progress_updates_visible_to(*, user):
    """History entries of the tasks the user may open (the task page's history)."""
    return ProgressUpdate.objects.filter(
        assignment__task__in=tasks_visible_to(user=user, include_withdrawn=True)
    )


def evidence_visible_to(*, user):
    """Evidence files of the tasks the user may open: what the task page lists and its
    download link (and the API's) serve."""
    return Evidence.objects.filter(
        update__assignment__task__in=tasks_visible_to(user=user, include_withdrawn=True)
    )


# The list's default order within open work, and within done work: by due date, so open work
# reads overdue, due soon, on track, and then the tasks with no due date ("Thường xuyên", never
# overdue) last, on SQLite as on PostgreSQL; then in annex order. The due date first lets
# PostgreSQL walk `task_due_order_idx` in this order and stop after a page.
DUE_ORDER = (F("task__due_on").asc(nulls_last=True), "task__plan_id", "task__position", "pk")


def due_within_q(
    rows, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> Q:
    """The assignments among `rows` whose own due date is from `start` to `end` (either may
    be open): the date Sở Nội vụ granted (gia hạn) where there is one, else the task's
    (`due_expression`), as timeliness and the dashboard count them.

    Written as a plain range on the task's date, which the due-date indexes read in the
    list's order (`task_due_order_idx`, `task_plan_due_on_idx`) and PostgreSQL estimates from
    its statistics, plus a test of the extended rows' own date that keeps almost every row
    (few are extended). Testing the coalesced date instead (two tables' columns, no index,
    no statistics) left PostgreSQL guessing a handful of rows and sorting a province's whole
    window where it had walked the index for one page (0,3 → 3,4 ms at one province).

    The range loses no row because an extension is later than the date it moved and a task
    without a date has none (the services and the import keep both so): an own date up to
    `end` has a task date up to `end`; an own date from `start` has a task date from `start`
    or, for an extended row, from the earliest task date of the rows of `rows` extended to
    `start` or later (one query over the few extended rows, only with a `start`)."""
    found = Q()
    if start is not None:
        earliest = (
            rows.filter(extended_to__gte=start).order_by().aggregate(day=Min("task__due_on"))
        )["day"]
        low = min(start, earliest or start)
        found &= Q(task__due_on__gte=low)
        if low < start:
            # An extension reaches into the window from an earlier task date: the rows from
            # `low` are tested one by one. As a CASE, which PostgreSQL estimates to keep half
            # of them: the same test as an OR it estimated from the task's date again, counting
            # the bound twice (a tenth of the rows, and the whole window sorted for a page).
            found &= Q(
                Case(
                    When(
                        extended_to__isnull=True,
                        then=GreaterThanOrEqual(F("task__due_on"), start),
                    ),
                    default=GreaterThanOrEqual(F("extended_to"), start),
                    output_field=BooleanField(),
                )
            )
        else:
            found &= Q(extended_to__isnull=True) | Q(extended_to__gte=start)
    if end is not None:
        found &= Q(task__due_on__lte=end) & (Q(extended_to__isnull=True) | Q(extended_to__lte=end))
    return found


def work_done_q(today) -> Q:
    """Assignments done by `today` (the timeliness groups' "done": completed on or before it)."""
    return Q(status=Assignment.Status.DONE, completed_on__lte=today)


def assignment_list(*, user, today, withdrawn: bool = False):
    """The task list: one row per visible assignment (with `withdrawn`, of the withdrawn
    tasks), with what the table shows, in a fixed number of queries whatever the number of
    rows; open work first, by due date (`DUE_ORDER`), then done work. The list pages through
    the two parts separately (`plans.tables.OpenWorkFirst`): sorting every row by a computed
    "done" key would cost PostgreSQL a sort of the whole country (~0,7 s instead of ~20 ms)."""
    done_last = Case(
        When(work_done_q(today), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return (
        assignments_visible_to(user=user, withdrawn=withdrawn)
        .select_related("task", "task__plan__province", "task__section", "agency")
        .annotate(timeliness=timeliness_case(today))
        .order_by(done_last, *DUE_ORDER)
    )


def list_shows_agency(*, user) -> bool:
    """Whether the task list needs its agency column and filter: not for staff acting for one
    agency only, whose rows are all that agency's."""
    return not (is_staff_member(user) and len(acting_agency_ids(user)) == 1)


def list_shows_province(*, user) -> bool:
    """Whether the task list names each row's province beside its plan: plan numbers restart
    in every province ("22/KH-UBND" is a plan of many), so anyone whose rows come from more
    than one province needs it to tell them apart. Administrators see every province; a
    reviewer or leader of a merged province, the provinces merged into it too; staff of an
    agency that took over another province's agency (the 2025 merger), both. Staff acting for
    several agencies cost one small query; everyone else's answer is already known."""
    if is_administrator(user):
        return True
    if is_reviewer(user) or is_leader(user):
        return len(province_ids_of(user)) > 1
    if is_staff_member(user):
        ids = acting_agency_ids(user)
        return (
            len(ids) > 1
            and Agency.objects.filter(pk__in=ids).values("province_id").distinct().count() > 1
        )
    return False


def assignment_count_estimate(rows) -> int | None:
    """PostgreSQL's estimate of how many rows `rows` has (an assignment queryset), for the
    unfiltered list of the whole country, where an exact COUNT costs ~200–500 ms: the
    planner's row estimate for the query, from the statistics ANALYZE and autovacuum keep
    (the table's size, and how many rows are unassigned or of withdrawn tasks), so it
    estimates the rows the list shows, not every row of the table. Planned, not run: about
    a millisecond. None on SQLite, or when the planner expects no row."""
    if connection.vendor != "postgresql":
        return None
    plan = json.loads(rows.order_by().values("pk").explain(format="json"))
    if isinstance(plan, list):
        plan = plan[0]
    estimate = round(plan["Plan"]["Plan Rows"])
    return estimate if estimate > 0 else None


def assignment_in_force(assignment) -> bool:
    """Whether the assignment is still work (`Assignment.objects.in_force()`, for one row
    already loaded with its task): a withdrawn task, or an agency no longer named, is read-only."""
    return assignment.unassigned_at is None and assignment.task.withdrawn_at is None


def can_change_assignment(*, user, assignment) -> bool:
    """Only staff of the assignment's agency (or its successor) report on it, while it is in
    force."""
    return (
        is_staff_member(user)
        and assignment.agency_id in acting_agency_ids(user)
        and assignment_in_force(assignment)
    )


def can_review(*, user, assignment) -> bool:
    """Sở Nội vụ of the task's province, and administrators, review work in force."""
    allowed = (
        is_reviewer(user) and assignment.task.plan.province_id in province_ids_of(user)
    ) or is_administrator(user)
    return allowed and assignment_in_force(assignment)


def assignment_awaits_review(assignment) -> bool:
    """A completion reported and not yet confirmed: what may be confirmed or returned. The task
    page offers the review form on it, and `assignment_review` refuses anything else."""
    return (
        assignment.status == Assignment.Status.DONE
        and assignment.review != Assignment.Review.CONFIRMED
    )


def extension_histories(assignments) -> dict[int, list[DeadlineExtension]]:
    """Each assignment's deadline extension requests and decisions, newest first: one query,
    and none when no assignment ever had a request (`Assignment.extension_status`)."""
    asked = [a.pk for a in assignments if a.extension_status]
    histories: dict[int, list[DeadlineExtension]] = {pk: [] for pk in asked}
    if asked:
        for extension in (
            DeadlineExtension.objects.filter(assignment_id__in=asked)
            .select_related("requested_by", "decided_by")
            .order_by("-requested_at", "-pk")
        ):
            histories[extension.assignment_id].append(extension)
    return histories


def can_request_extension(*, user, assignment) -> bool:
    """Staff of the assignment's agency ask for more time on work in force that is not done
    and has a due date to move (an ongoing task has none)."""
    return (
        can_change_assignment(user=user, assignment=assignment)
        and assignment.status != Assignment.Status.DONE
        and assignment.task.due_on is not None
    )


def can_decide_extension(*, user, assignment) -> bool:
    """Sở Nội vụ of the task's province (who assigned the work), and administrators, grant or
    refuse a request on work in force."""
    return can_review(user=user, assignment=assignment)


def can_restore_task(*, user, task) -> bool:
    """Sở Nội vụ of the task's province, and administrators, put a withdrawn task back."""
    return is_administrator(user) or (
        is_reviewer(user) and task.plan.province_id in province_ids_of(user)
    )


def timeliness_counts(assignments, *, today) -> dict[str, int]:
    """Assignments per official group, counted by the database in one query."""
    return assignments.aggregate(
        **{group.value: Count("pk", filter=timeliness_q(group, today)) for group in Timeliness}
    )


def tasks_due_within(
    assignments,
    *,
    start: datetime.date,
    end: datetime.date,
    open_work,
    limit: int,
    plans: list[int] | None = None,
):
    """The tasks among `assignments` with open work due from `start` to `end`, soonest first,
    each ONCE however many agencies share it: a task of 29 agencies is one line, with how many
    of them have not finished (`open_agencies`) and, when only one has, its name. A dict per
    task, in three queries whatever the number of tasks.

    Each agency's own due date is the extension granted it (gia hạn) where there is one, else
    the task's; the line shows the earliest of its agencies' dates, marked when that one was
    extended. That coalesced date has no index, so the window is read as its two halves, each
    from its own index: the tasks due in it (`task_due_order_idx`) for the agencies without an
    extension, and the extensions in it (`assignment_extended_to_idx`). Each half gives its
    `limit` soonest tasks (a task among the soonest overall is among the soonest of the half
    its earliest date comes from), then the lines are counted over those tasks only. `plans`,
    the ids of the plans the assignments belong to, lets PostgreSQL read the window's tasks
    of a few plans by plan instead of every province's (national
    plan year: ~230 ms → ~20 ms). Exact whatever the dates: it does not rely on an extension
    being later than its task's date (the services keep it so, but no database check can
    compare two tables' columns)."""
    open_rows = assignments.filter(open_work)
    order = ("due", "task__plan_id", "task__position", "task_id")
    # The tasks due in the window in the index's order, each kept if one of its agencies
    # without an extension has open work: the walk stops at the `limit`-th.
    tasks = Task.objects.filter(due_on__range=(start, end))
    if plans is not None:
        tasks = tasks.filter(plan_id__in=plans)
    by_task = (
        tasks.filter(Exists(open_rows.filter(task_id=OuterRef("pk"), extended_to__isnull=True)))
        .order_by("due_on", "plan_id", "position", "pk")
        .values_list("due_on", "plan_id", "position", "pk")[:limit]
    )
    by_extension = (
        open_rows.filter(extended_to__range=(start, end))
        .values("task_id", "task__plan_id", "task__position")
        .annotate(due=Min("extended_to"))
        .order_by(*order)
        .values_list(*order)[:limit]
    )
    candidates = {*by_task, *by_extension}
    # A task in both halves comes twice: its earliest date places it.
    soonest = list(dict.fromkeys(task_id for *_, task_id in sorted(candidates)))[:limit]
    # Counted per task (a probe of its assignments each), not by joining the candidates to
    # the scope: that join hashed every task of the plan year.
    window = (
        open_rows.alias(own_due=due_expression())
        .filter(task_id=OuterRef("pk"), own_due__gte=start, own_due__lte=end)
        .order_by()
        .values("task_id")
    )
    fields = {
        "task_id": "pk",
        "task__number": "number",
        "task__description": "description",
        "task__due_on": "due_on",
        "task__section__number": "section__number",
        "task__plan__number": "plan__number",
        "task__plan__year": "plan__year",
        "open_agencies": "open_agencies",
        "agency_name": "agency_name",
        "due": "due",
    }
    lines = [
        dict(zip(fields, row, strict=True))
        for row in Task.objects.filter(pk__in=soonest)
        .annotate(
            open_agencies=Subquery(window.annotate(n=Count("pk")).values("n")),
            agency_name=Subquery(window.annotate(name=Min("agency__name")).values("name")),
            due=Subquery(window.annotate(first=Min("own_due")).values("first")),
        )
        .order_by()
        .values_list(*fields.values())
    ]
    position = {task_id: i for i, task_id in enumerate(soonest)}
    return sorted(lines, key=lambda line: position[line["task_id"]])


def plans_earliest_due(plans) -> dict[int, datetime.date | None]:
    """Each plan's earliest task due date (None: no dated task), one probe per plan in
    `task_plan_due_on_idx`: where the overdue list starts (`assignments_overdue`)."""
    first_due = (
        Task.objects.filter(plan=OuterRef("pk"), due_on__isnull=False)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return dict(
        plans.annotate(first_due=Subquery(first_due)).order_by().values_list("pk", "first_due")
    )


def assignments_overdue(
    assignments,
    *,
    today: datetime.date,
    limit: int,
    plans: dict[int, datetime.date | None] | None = None,
) -> list[Assignment]:
    """The `limit` assignments among `assignments` overdue as of `today` (one line per agency,
    as counted), the oldest due dates first, with their tasks and agencies, in two queries.

    As in `tasks_due_within`, the agency's own due date (its extension, else the task's) is
    read as two halves, each walked from its own index in date order and cut at `limit`
    (`task_due_order_idx`, `assignment_extended_to_idx`), then merged: the oldest `limit` overall
    are among the oldest of their halves. `plans`, the plans the assignments belong to with
    their earliest due dates (`plans_earliest_due`), start the walk of the tasks' dates at the
    earliest, not at the oldest task of every year, and let PostgreSQL read a few plans' tasks
    by plan instead (both as plain values, which it can estimate)."""
    rows = assignments.select_related("task", "agency")
    by_task = rows.filter(extended_to__isnull=True)
    if plans is not None:
        earliest = min(filter(None, plans.values()), default=None)
        if earliest is None:
            by_task = by_task.none()
        else:
            by_task = by_task.filter(task__plan_id__in=list(plans), task__due_on__gte=earliest)
    # Ties in the index's order (then the agencies of a task by id): the walk stops early.
    halves = (
        by_task.filter(timeliness_q(Timeliness.OVERDUE, today, due=F("task__due_on"))).order_by(
            "task__due_on", "task__plan_id", "task__position", "task_id", "pk"
        ),
        rows.filter(extended_to__isnull=False)
        .filter(timeliness_q(Timeliness.OVERDUE, today, due=F("extended_to")))
        .order_by("extended_to", "task__plan_id", "task__position", "task_id", "pk"),
    )
    overdue = [assignment for half in halves for assignment in half[:limit]]
    overdue.sort(key=lambda a: (a.due_on, a.task.plan_id, a.task.position, a.task_id, a.pk))
    return overdue[:limit]


def home_overview(*, user, today, limit: int = 10) -> dict:
    """What the home page shows: counts by group, due in 30 days, overdue, returned."""
    visible = assignments_visible_to(user=user)
    rows = visible.select_related("task", "task__plan", "agency").annotate(
        timeliness=timeliness_case(today)
    )
    soon = today + datetime.timedelta(days=30)
    open_work = ~Q(status=Assignment.Status.DONE)
    return {
        "counts": timeliness_counts(visible, today=today),
        "due_soon": tasks_due_within(
            visible, start=today, end=soon, open_work=open_work, limit=limit
        ),
        # The oldest first, read from the due-date indexes (as the dashboard's list), not by
        # sorting every overdue assignment the user sees (an administrator's: 4,8 s at ten
        # times the national dataset).
        "overdue": assignments_overdue(
            visible,
            today=today,
            limit=limit,
            plans=plans_earliest_due(plans_visible_to(user=user).order_by()),
        ),
        "returned": list(
            rows.filter(review=Assignment.Review.RETURNED).order_by("-reviewed_at")[:limit]
        ),
        "due_soon_end": soon,
    }


def task_detail(*, user, pk):
    """A task the user may see (a withdrawn one too, for those who still may), with all its
    assignments, in force or not (their history: `task_history`)."""
    tasks = (
        tasks_visible_to(user=user, include_withdrawn=True)
        .select_related("plan", "plan__province", "section")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("agency", "reviewed_by").annotate(
                    last_update_at=last_report_times(), latest_report_id=latest_report_ids()
                ),
            ),
            "criteria",
        )
    )
    return get_object_or_404(tasks, pk=pk)


# The task page shows the latest updates; `?history=all` shows every one.
HISTORY_SHOWN = 30

CHANGE_LABELS = {"status": "Tiến độ", "completed_on": "Ngày hoàn thành", "review": "Xác nhận"}
CHANGE_VALUES = {
    "status": dict(Assignment.Status.choices),
    "review": dict(Assignment.Review.choices),
}


def task_history(*, task, show_all: bool = False) -> tuple[list, int]:
    """The task's progress updates, newest first, with authors, evidence and the labels the
    page prints: the latest `HISTORY_SHOWN` (all with `show_all`) and how many there are in
    all. A task of 40 agencies reporting for years has hundreds; the page shows the latest and
    links to the rest."""
    updates = (
        ProgressUpdate.objects.filter(assignment__task=task)
        .select_related("author", "assignment__agency")
        .prefetch_related("evidence")
        .order_by("-created_at", "-pk")
    )
    limit = None if show_all else HISTORY_SHOWN
    shown = list(updates[:limit] if limit else updates)
    total = updates.count() if limit and len(shown) == limit else len(shown)
    # Labels looked up once: get_FOO_display rebuilds the field's choices on every call, and a
    # task's history runs to dozens of entries (it was a third of the page's time).
    kinds = {value: str(label) for value, label in ProgressUpdate.Kind.choices}
    statuses = {value: str(label) for value, label in Assignment.Status.choices}
    for update in shown:
        update.change_lines = change_lines(update.changes)
        update.period_label = period_label(update.period) if update.period else ""
        update.kind_label = kinds.get(update.kind, update.kind)
        update.status_label = statuses.get(update.status, update.status)
        update.files = list(update.evidence.all())
    return shown, total


def change_lines(changes: dict) -> list[tuple[str, str, str]]:
    """{"status": ["not_started", "done"]} → [("Tiến độ", "Chưa thực hiện", "Đã hoàn thành")]."""

    def shown(field, value):
        if value in (None, ""):
            return "—"
        if field == "completed_on":
            year, month, day = str(value).split("-")
            return f"{day}/{month}/{year}"
        return str(CHANGE_VALUES.get(field, {}).get(value, value))

    return [
        (CHANGE_LABELS.get(field, field), shown(field, old), shown(field, new))
        for field, (old, new) in changes.items()
    ]


def reporting_period_list(*, provinces):
    """The reporting periods opened for these provinces, newest first, with who opened them."""
    return ReportingPeriod.objects.filter(province__in=provinces).select_related(
        "province", "opened_by"
    )


def file_jobs_visible_to(*, user):
    """The files a user asked for. Only theirs, administrators included: a file holds what its
    requester may see, and nobody else needs someone's copy (administrators list the jobs,
    without the files, in the admin)."""
    return FileJob.objects.filter(requested_by=user)


# Unknown agency names ---------------------------------------------------------------------


def with_work_flag(assignments):
    """Assignments annotated `has_work`: whether a person recorded anything on it, a history
    entry, a status or a review (the import's own rule, plans.importing.sync)."""
    worked = (
        Q(Exists(ProgressUpdate.objects.filter(assignment=OuterRef("pk"))))
        | ~Q(status=Assignment.Status.NOT_STARTED)
        | ~Q(review=Assignment.Review.NONE)
    )
    return assignments.annotate(has_work=ExpressionWrapper(worked, output_field=BooleanField()))


def unknown_agencies(*, province):
    """The names an import could not place in the province (agencies not verified), by name,
    each with `uses`: its assignments with their task and plan, newest plan first, and whether
    someone recorded work on them. Two queries, however many names and tasks."""
    uses = with_work_flag(
        Assignment.objects.select_related("task", "task__plan").order_by(
            "-task__plan__year", "task__plan__number", "task__position", "pk"
        )
    )
    return (
        Agency.objects.filter(province=province, verified=False)
        .prefetch_related(Prefetch("assignments", queryset=uses, to_attr="uses"))
        .order_by("name", "pk")
    )


def unknown_agency_to_settle(*, user, pk) -> Agency:
    """An agency of a province the user may settle names of (404 otherwise), settled or not:
    the views say when someone settled it meanwhile."""
    agencies = Agency.objects.filter(province__in=settle_provinces(user)).select_related("province")
    return get_object_or_404(agencies, pk=pk)


def agency_uses(*, agency) -> list[Assignment]:
    """The agency's assignments with their task and plan, newest plan first, flagged with
    whether someone recorded work on them."""
    return list(
        with_work_flag(
            agency.assignments.select_related("task", "task__plan").order_by(
                "-task__plan__year", "task__plan__number", "task__position", "pk"
            )
        )
    )


def settle_choices(*, agency):
    """The agencies an unknown name may become or stand for: the verified agencies of its
    province (an alias is looked up within the province), old ones too (an old plan names
    the departments of its year)."""
    return (
        Agency.objects.filter(province_id=agency.province_id, verified=True)
        .exclude(pk=agency.pk)
        .order_by("kind", "name")
    )


# The review flow ------------------------------------------------------------------------


def review_pending(*, user):
    """Completions awaiting Sở Nội vụ's review (reported done, "Chờ xác nhận") among the work in
    force the user sees: the home page's "Chờ xác nhận" counter, the list's `?review=pending`."""
    return assignments_visible_to(user=user).filter(
        status=Assignment.Status.DONE, review=Assignment.Review.PENDING
    )


def review_queue(*, user, limit: int = 10) -> dict | None:
    """Sở Nội vụ's queue on the home page: how many completions await the user's review, and
    the `limit` waiting longest, with their task and agency (two queries). None for those who
    do not review."""
    if not can_review_province(user):
        return None
    pending = review_pending(user=user)
    return {
        "count": pending.count(),
        "oldest": list(
            pending.select_related("task", "task__plan", "agency").order_by("updated_at", "pk")[
                :limit
            ]
        ),
    }


def latest_report_ids():
    """A Subquery for an Assignment queryset: the id of its latest progress report (not a
    review): what a reviewer reads before confirming, the date a returned completion resubmits."""
    return Subquery(
        ProgressUpdate.objects.filter(assignment=OuterRef("pk"), kind=ProgressUpdate.Kind.REPORT)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def progress_updates_by_id(*, ids) -> dict[int, ProgressUpdate]:
    """History entries by id, with author and evidence (two queries; none for no ids)."""
    if not ids:
        return {}
    updates = (
        ProgressUpdate.objects.filter(pk__in=ids)
        .select_related("author")
        .prefetch_related("evidence")
    )
    return {update.pk: update for update in updates}


def last_report_times():
    """A Subquery for an Assignment queryset: when its latest history entry was written (the
    task page's "last update" column), answered from `update_assignment_time_idx`."""
    return Subquery(
        ProgressUpdate.objects.filter(assignment=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
