"""Sở Nội vụ's dashboard: a province's assignments for a plan year counted in the official
groups, as of a reporting period's cut-off, overall and per agency, index, plan and section.

Every count is computed by the database (aggregation over the timeliness conditions), in a
fixed number of queries, and every count has the task-list parameters that show exactly its
rows (`DashboardScope.link`).

The totals and the tables per plan, section, province and index (and, for a province, per
agency) come from ONE grouped pass over the scope's assignments (`dashboard_tables`): counts
per (section[, agency, role], group, reported or not), rolled up in Python. A national plan
year is ~176,000 assignments; three separate conditional aggregations took ~480 ms each, the
single pass ~250 ms (see README, Performance).
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Case, F, IntegerField, Max, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from plans.models import Assignment, Plan, ProgressUpdate, Section
from plans.periods import period_bounds
from plans.selectors import tasks_due_within
from plans.staleness import stale_q
from plans.timeliness import Timeliness, timeliness_case, timeliness_q

GROUPS = [group.value for group in Timeliness]


@dataclass
class DashboardScope:
    province_id: int | None  # None: every province (administrators' national view)
    year: int | None  # the plans' year; None: every year (what the home page counts)
    period: str  # "2024-H1"
    today: datetime.date
    plan_id: int | None = None
    index: str | None = None
    as_of: datetime.date = field(init=False)

    def __post_init__(self):
        start, cutoff = period_bounds(self.period)
        self.period_start = start
        # A period still running is read as of today; a closed one, as of its cut-off.
        self.as_of = min(cutoff, self.today)

    def assignments(self):
        # In force only: withdrawn tasks and agencies no longer named are not counted.
        rows = Assignment.objects.in_force()
        if self.year:
            rows = rows.filter(task__plan__year=self.year)
        if self.province_id:
            rows = rows.filter(task__plan__province_id=self.province_id)
        if self.plan_id:
            rows = rows.filter(task__plan_id=self.plan_id)
        if self.index:
            rows = rows.filter(task__plan__indices__code=self.index)
        return rows

    def link(self, **params) -> str:
        """The task list showing exactly the rows of a count."""
        params = {k: v for k, v in params.items() if v not in (None, "")}
        if not params:
            return self._base_link
        if params.keys() & self._base.keys():  # a row's own key overrides the scope's, in place
            return f"{self._list_url}?{urlencode({**self._base, **params})}"
        # Same string as encoding base + params together: the scope's part is encoded once.
        return f"{self._base_link}&{urlencode(params)}"

    @cached_property
    def _base(self) -> dict:
        base = {"year": self.year} if self.year else {}
        base["as_of"] = self.as_of.isoformat()
        if self.province_id:
            base["province"] = self.province_id
        if self.plan_id:
            base["plan"] = self.plan_id
        if self.index:
            base["index"] = self.index
        return base

    @cached_property
    def _base_link(self) -> str:
        # A dashboard links ~1,000 numbers: resolve the list's address and encode the scope's
        # parameters once, not per link.
        return f"{reverse('plans:task_list')}?{urlencode(self._base)}"

    @cached_property
    def _list_url(self) -> str:
        return reverse("plans:task_list")


def _with_links(scope: DashboardScope, row: dict, **params) -> dict:
    row["links"] = {g: scope.link(timeliness=g, **params) for g in GROUPS}
    row["links"]["total"] = scope.link(**params)
    row["links"]["not_reported"] = scope.link(not_reported=scope.period, **params)
    row["links"]["stale"] = scope.link(stale=1, **params)
    # (link, count) per group in the columns' order: the table renders ~700 of them, and a
    # plain pair is far cheaper for the template engine than `row.links|get:code` per cell.
    row["cells"] = [(row["links"][g], row[g]) for g in GROUPS]
    done = row[Timeliness.DONE_ON_TIME] + row[Timeliness.DONE_LATE]
    row["completion_rate"] = round(100 * done / row["total"], 1) if row["total"] else None
    return row


def _grouped_counts(scope: DashboardScope, *keys: str) -> list[tuple]:
    """(each key's value, group, month completed within the period's window as yyyymm or None,
    assignments, of which reported in the period, of which "lâu chưa cập nhật"), grouped by
    all of them, in one query.

    The period's reports are a hash-joined set of assignment ids rather than an EXISTS per row:
    on a national plan year that is 176,514 index probes (~600 ms) against one scan of the
    period's entries in `update_period_idx` (~150 ms), measured with EXPLAIN ANALYZE. The groups
    still come from `timeliness_case`, the one definition of the rules; the SQL around it only
    joins and counts. The stale flag (`plans.staleness.stale_q`) is summed, not grouped by, so
    it adds no rows; its EXISTS probe runs only for the open rows without a due date (the
    CASE's earlier conditions fail first for the others).
    """
    names = [f"row_key{n}" for n in range(len(keys))]
    rows = (
        scope.assignments()
        .annotate(
            row_id=F("pk"),
            **{name: F(key) for name, key in zip(names, keys, strict=True)},
            row_group=timeliness_case(scope.as_of),
            row_month=Case(
                When(
                    status=Assignment.Status.DONE,
                    completed_on__gte=scope.period_start,
                    completed_on__lte=scope.as_of,
                    then=ExtractYear("completed_on") * 100 + ExtractMonth("completed_on"),
                ),
                output_field=IntegerField(),
            ),
            row_stale=Case(
                When(stale_q(scope.as_of), then=1), default=0, output_field=IntegerField()
            ),
        )
        .values("row_id", *names, "row_group", "row_month", "row_stale")
        .order_by()
    )
    reported = ProgressUpdate.objects.filter(period=scope.period)
    if scope.province_id:
        # A province's reports are a few percent of the period's: reach them from its own
        # assignments (~300 → ~90 ms); the whole country reads the period's entries at once.
        reported = reported.filter(assignment_id__in=scope.assignments().values("pk"))
    reported = (
        reported.annotate(reported_id=F("assignment_id"))
        .values("reported_id")
        .distinct()
        .order_by()
    )
    rows_sql, rows_params = rows.query.sql_with_params()
    reported_sql, reported_params = reported.query.sql_with_params()
    columns = ", ".join(f"a.{name}" for name in [*names, "row_group", "row_month"])
    sql = (
        f"SELECT {columns}, COUNT(*), COUNT(r.reported_id), SUM(a.row_stale) "
        f"FROM ({rows_sql}) a LEFT JOIN ({reported_sql}) r ON r.reported_id = a.row_id "
        f"GROUP BY {columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*rows_params, *reported_params))
        return cursor.fetchall()


def _empty_row(**fields) -> dict:
    return {**fields, **dict.fromkeys(GROUPS, 0), "total": 0, "not_reported": 0, "stale": 0}


def _add(row: dict, group: str, count: int, reported: int, stale: int = 0) -> None:
    row[group] += count
    row["total"] += count
    row["not_reported"] += count - reported
    row["stale"] += stale


def _accumulate(into: dict, key: tuple, count: int, reported: int, stale: int) -> None:
    """Add a grouped row's assignments, reported and stale ones to `into[key]` ([count,
    reported, stale]): several database rows (one per month, per plan...) fall under one key
    of a table."""
    total = into.setdefault(key, [0, 0, 0])
    total[0] += count
    total[1] += reported
    total[2] += stale or 0


def dashboard_totals(scope: DashboardScope) -> dict:
    totals = _empty_row()
    for _section, group, _month, count, reported, stale in _grouped_counts(
        scope, "task__section_id"
    ):
        _add(totals, group, count, reported, stale or 0)
    return _with_links(scope, totals)


@dataclass
class DashboardTables:
    totals: dict
    by_plan: list[dict]
    by_section: list[dict]
    by_province: list[dict]
    by_index: list[dict]
    completions: list[dict]  # per month within the period's window, for the chart
    by_agency: list[dict]  # only when asked for (a province's view): see `dashboard_by_agency`


AGENCY_KEYS = ("agency_id", "agency__name", "role")


def dashboard_tables(scope: DashboardScope, *, agencies: bool = False) -> DashboardTables:
    """The totals, the rows per plan, section, province and index, the completions per month
    and, with `agencies`, the rows per agency, in three queries whatever the size (four with
    the agencies' last updates): the grouped pass, the sections' plans and provinces, the
    plans' indices.

    With `agencies` the one grouped pass is keyed by section AND agency and role (~5,600 rows
    for a province-year of 8,761 assignments on the national dataset) and folded both ways
    here in Python (15 ms under cProfile), instead of a second pass over the same assignments
    (~45 ms). The national view never asks for it: every agency times every section would not
    fold cheaply.
    """
    counts: dict[tuple, list[int]] = {}  # (section, group, month) → [assignments, reported]
    agency_counts: dict[tuple, list[int]] = {}  # (agency, name, role, group) → the same
    keys = ("task__section_id", *AGENCY_KEYS) if agencies else ("task__section_id",)
    for section_id, *agency, group, month, count, reported, stale in _grouped_counts(scope, *keys):
        _accumulate(counts, (section_id, group, month), count, reported, stale)
        if agencies:
            _accumulate(agency_counts, (*agency, group), count, reported, stale)
    sections = {
        row["pk"]: row
        for row in Section.objects.filter(pk__in={key[0] for key in counts}).values(
            "pk", "title", "plan_id", "plan__number", "plan__province_id", "plan__province__name"
        )
    }
    indices: dict[int, list[str]] = {}
    for plan_id, code in Plan.indices.through.objects.filter(
        plan_id__in={s["plan_id"] for s in sections.values()}
    ).values_list("plan_id", "index__code"):
        if scope.index in (None, code):
            indices.setdefault(plan_id, []).append(code)
    totals = _empty_row()
    by = {"plan": {}, "section": {}, "province": {}, "index": {}}
    months: dict[int, int] = {}
    for (section_id, group, month), (count, reported, stale) in counts.items():
        if month is not None:
            months[int(month)] = months.get(int(month), 0) + count
        section = sections[section_id]
        keys = {
            "plan": [(section["plan_id"], section["plan__number"])],
            "section": [(section_id, section["title"])],
            "province": [(section["plan__province_id"], section["plan__province__name"])],
            # A plan counts under each of its indices; a plan without one, under "—".
            "index": [(code, code) for code in indices.get(section["plan_id"], [None])],
        }
        _add(totals, group, count, reported, stale)
        for param, pairs in keys.items():
            for key, label in pairs:
                row = by[param].get(key)
                if row is None:  # not setdefault: it would build an empty row for every count
                    row = by[param][key] = _empty_row(key=key, label=label)
                _add(row, group, count, reported, stale)

    def table(param: str) -> list[dict]:
        rows = sorted(by[param].values(), key=lambda r: (r["label"] is None, r["label"] or ""))
        return [_with_links(scope, row, **{param: row["key"]}) for row in rows]

    return DashboardTables(
        totals=_with_links(scope, totals),
        by_plan=table("plan"),
        by_section=table("section"),
        by_province=table("province"),
        by_index=table("index"),
        completions=[
            {"month": f"{month % 100:02d}/{month // 100}", "count": months[month]}
            for month in sorted(months)
        ],
        by_agency=_agency_rows(scope, agency_counts) if agencies else [],
    )


def dashboard_by_agency(scope: DashboardScope) -> list[dict]:
    """One row per agency: led, supported, each group, not reported in the period, last
    update; laggards (most overdue, then most unreported) first. (The dashboard page gets the
    same rows from `dashboard_tables(scope, agencies=True)`.)"""
    agency_counts: dict[tuple, list[int]] = {}
    for agency_id, name, role, group, _month, count, reported, stale in _grouped_counts(
        scope, *AGENCY_KEYS
    ):
        _accumulate(agency_counts, (agency_id, name, role, group), count, reported, stale)
    return _agency_rows(scope, agency_counts)


def _agency_rows(scope: DashboardScope, agency_counts: dict[tuple, list[int]]) -> list[dict]:
    """Rows from counts per (agency, name, role, group), plus each agency's last update."""
    by_agency: dict[int, dict] = {}
    for (agency_id, name, role, group), (count, reported, stale) in agency_counts.items():
        row = by_agency.setdefault(
            agency_id, _empty_row(agency_id=agency_id, agency__name=name, led=0, supported=0)
        )
        row["led" if role == Assignment.Role.LEAD else "supported"] += count
        _add(row, group, count, reported, stale)
    rows = list(by_agency.values())
    # Driven from the scope's assignments (thousands) into the updates index, not from the
    # whole updates table (millions): 750 ms → 15 ms on the national dataset.
    last = dict(
        scope.assignments()
        .values("agency_id")
        .annotate(last=Max("updates__created_at"))
        .values_list("agency_id", "last")
        .order_by()  # the default ordering's joins (agency, its province) would stay in the plan
    )
    for row in rows:
        row["last_update"] = last.get(row["agency_id"])
        _with_links(scope, row, agency=row["agency_id"])
        row["links"]["led"] = scope.link(agency=row["agency_id"], role=Assignment.Role.LEAD)
        row["links"]["supported"] = scope.link(
            agency=row["agency_id"], role=Assignment.Role.SUPPORT
        )
    rows.sort(key=lambda r: (-r[Timeliness.OVERDUE], -r["not_reported"], r["agency__name"]))
    return rows


def dashboard_deadlines(scope: DashboardScope, *, days: int = 30, limit: int = 50) -> dict:
    """Open work due in the next `days` after the reading day (one line per task), and overdue
    work (one line per assignment, as counted), soonest first."""
    open_work = ~timeliness_q(Timeliness.DONE_ON_TIME, scope.as_of) & ~timeliness_q(
        Timeliness.DONE_LATE, scope.as_of
    )
    return {
        "upcoming": tasks_due_within(
            scope.assignments(),
            start=scope.as_of,
            end=scope.as_of + datetime.timedelta(days=days),
            open_work=open_work,
            limit=limit,
        ),
        "overdue": list(
            scope.assignments()
            .select_related("task", "agency")
            .filter(timeliness_q(Timeliness.OVERDUE, scope.as_of))
            .order_by("task__due_on")[:limit]
        ),
    }


def dashboard_chart_data(tables: DashboardTables, agencies: list[dict]) -> dict:
    """What the three charts draw, as plain JSON (labels in Vietnamese)."""
    labels = dict(Timeliness.choices)
    return {
        "groups": [{"code": g, "label": str(labels[g]), "count": tables.totals[g]} for g in GROUPS],
        "agencies": [
            {"name": row["agency__name"], **{g: row[g] for g in GROUPS}} for row in agencies[:15]
        ],
        "completions": tables.completions,
    }
