"""Sở Nội vụ's dashboard: a province's assignments for a plan year counted in the official
groups, as of a reporting period's cut-off, overall and per agency, index, plan and section.

Every count is computed by the database (aggregation over the timeliness conditions), in a
fixed number of queries, and every count has the task-list parameters that show exactly its
rows (`DashboardScope.link`).

The totals and the tables per plan, section, province and index (and, for a province, per
agency) come from the counters kept by `plans.tallies` (`dashboard_tables`): counts per
(section[, agency, role], group, month), the period's reported ones and the stale ones, rolled
up in Python. The counters replace a grouped pass over every assignment of the scope on every
request (~880 ms for a national plan year of ~176,000 assignments; see README, Performance);
that pass is still the recount they are checked against (`plans.tallies.tally_rows`).
"""

import datetime
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, reduce
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from plans.buckets import before, bucket_bounds
from plans.models import (
    Assignment,
    AssignmentBucketTally,
    AssignmentTally,
    LastUpdateTally,
    PeriodReportTally,
    Plan,
    PlanBucketTally,
    PlanPeriodTally,
    Section,
    SectionTally,
)
from plans.periods import period_bounds
from plans.selectors import assignments_overdue, plans_earliest_due, tasks_due_within
from plans.staleness import stale_q, stale_tally_q, stale_window
from plans.timeliness import GROUPS, Timeliness, timeliness_case, timeliness_q

_GROUP_PARAMS = [(g, urlencode({"timeliness": g})) for g in GROUPS]
# The group under which the reported and stale rows of `_grouped_counts` add no assignments.
NO_GROUP = Timeliness.NO_DEADLINE.value


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

    def plans(self):
        """The plans whose assignments `assignments` reads."""
        rows = Plan.objects.all()
        if self.year:
            rows = rows.filter(year=self.year)
        if self.province_id:
            rows = rows.filter(province_id=self.province_id)
        if self.plan_id:
            rows = rows.filter(pk=self.plan_id)
        if self.index:
            rows = rows.filter(indices__code=self.index)
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

    def row_links(self, **params) -> dict[str, str]:
        """A table row's links, `link` for each of its numbers: the total, each group, not
        reported in the period, stale. A dashboard has ~1,000: the row's own parameters are
        encoded once for all of them, each after its number's own (the same strings)."""
        params = {k: v for k, v in params.items() if v not in (None, "")}
        if params.keys() & self._base.keys():  # a row's key replacing the scope's: the slow way
            links = {g: self.link(timeliness=g, **params) for g in GROUPS}
            links["total"] = self.link(**params)
            links["not_reported"] = self.link(not_reported=self.period, **params)
            links["stale"] = self.link(stale=1, **params)
            return links
        base, tail = self._base_link, f"&{urlencode(params)}" if params else ""
        links = {g: f"{base}&{pair}{tail}" for g, pair in _GROUP_PARAMS}
        links["total"] = base + tail
        links["not_reported"] = f"{base}&{urlencode({'not_reported': self.period})}{tail}"
        links["stale"] = f"{base}&stale=1{tail}"
        return links

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
    row["links"] = scope.row_links(**params)
    done = row[Timeliness.DONE_ON_TIME] + row[Timeliness.DONE_LATE]
    row["completion_rate"] = round(100 * done / row["total"], 1) if row["total"] else None
    return row


def _tallies(scope: DashboardScope, model):
    """The scope's rows of a tally table (`plans.tallies`)."""
    rows = model.objects.all()
    if scope.year:
        rows = rows.filter(year=scope.year)
    if scope.province_id:
        rows = rows.filter(province_id=scope.province_id)
    if scope.plan_id:
        rows = rows.filter(plan_id=scope.plan_id)
    if scope.index:
        rows = rows.filter(plan__indices__code=scope.index)
    return rows.order_by()


# A key of the assignments' rows and the same key in the tallies.
_TALLY_KEY = {"task__section_id": "section_id", "task__plan_id": "plan_id"}


@dataclass
class _Intervals:
    """What the coarse counters' intervals (`plans.buckets`) decide for a scope's reading day:
    the interval codes below which work counts as done by then (`done`), from which it was
    completed within the period's window (`start`), and below which a last report is older
    than the stale window (`report`); and the intervals none of these decide, whose rows are
    read from the exact counters instead (`undecided_done`, `undecided_report`)."""

    done: int
    start: int
    report: int
    undecided_done: list[int]
    undecided_report: list[int]

    @classmethod
    def of(cls, scope: DashboardScope, *, stale: bool) -> "_Intervals":
        done, done_open = before(scope.as_of + datetime.timedelta(days=1))
        start, start_open = before(scope.period_start)
        report, report_open = before(stale_window(scope.as_of)[0])
        return cls(
            done=done,
            start=start,
            report=report,
            undecided_done=[c for c, o in ((done, done_open), (start, start_open)) if o],
            # Only the stale rows read from the counters (as of today) look at the reports.
            undecided_report=[report] if stale and report_open else [],
        )

    def decided(self) -> Q:
        """Coarse rows decided by their intervals."""
        return ~Q(done_in__in=self.undecided_done) & ~Q(last_report_in__in=self.undecided_report)

    def undecided(self) -> Q | None:
        """Exact rows of the intervals left undecided (none: every row is decided)."""
        ranges = [Q(done_on__range=bucket_bounds(c)) for c in self.undecided_done] + [
            Q(last_report_on__range=bucket_bounds(c)) for c in self.undecided_report
        ]
        return reduce(operator.or_, ranges) if ranges else None


def _summed(
    rows, columns: list[str], sets: list[tuple[str, ...]] | None, *, sums: int = 1
) -> list[tuple]:
    """The rows of `rows` (a grouped `values_list` of `columns`, then `sums` counts), or, with
    `sets`, those rows summed again in the database per each set of its columns, the others
    None, each row led by its set's position: a province's counts come keyed by section,
    agency AND role (~5,000 rows for the national dataset's busiest province), and reading
    them once per table the page shows (~500 + ~600 rows) spares Python most of the fold.
    One query either way (a WITH over the same SQL), on PostgreSQL and SQLite."""
    if sets is None:
        return list(rows)
    sql, params = rows.query.sql_with_params()
    names = [f"c{i}" for i in range(len(columns))]
    counts = [f"n{i}" for i in range(sums)]
    # SUM of a PostgreSQL bigint is numeric: cast back so the counts stay int.
    summed = ", ".join(f"CAST(SUM({n}) AS BIGINT)" for n in counts)
    # No rows, but the columns' types: PostgreSQL types a UNION's columns part by part, and a
    # column left NULL by the first two parts would be taken for text.
    parts = [f"SELECT -1, {', '.join(names)}, {', '.join(['0'] * sums)} FROM counts WHERE 1 = 0"]
    for position, kept in enumerate(sets):
        shown = [
            name if column in kept else "NULL" for name, column in zip(names, columns, strict=True)
        ]
        grouped = [name for name, column in zip(names, columns, strict=True) if column in kept]
        if not grouped:  # a set of columns these rows lack (the month of the reported rows)
            continue
        parts.append(
            f"SELECT {position}, {', '.join(shown)}, {summed} FROM counts"
            f" GROUP BY {', '.join(grouped)}"
        )
    sql = f"WITH counts({', '.join(names + counts)}) AS ({sql}) {' UNION ALL '.join(parts)}"
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _grouped_counts(
    scope: DashboardScope, *keys: str, sets: list[tuple[str, ...]] | None = None
) -> list[tuple]:
    """Rows of (each key's value, group, month completed within the period's window as yyyymm
    or None, assignments, of which reported in the period, of which "lâu chưa cập nhật"),
    in two or three queries whatever the size of the scope.

    The assignments per group and month come from the coarse counters kept by
    `plans.tallies` (per plan for the national view, else per section, agency and role),
    which keep intervals of days rather than days (`plans.buckets`), so their rows do not
    grow with the days: `timeliness_case` applied to each counter's due date and intervals,
    the one definition of the rules. The one or two intervals the reading day leaves
    undecided are read, in the same query (UNION ALL), from the exact counters' rows of those
    days. As of today the stale ones ("lâu chưa cập nhật": open work without a due date, no
    report within the window, `plans.staleness.stale_tally_q`) are counted in the same pass
    over the same counters (a sum restricted to them): they are all "không có hạn" and not
    completed, so they fall under the row of their key, that group and no month. Being
    reported in the period is not per group ("chưa báo cáo" is a row's assignments minus its
    reported ones), so the reported ones come as rows of their own with no assignments, under
    a group they add nothing to, from `PlanPeriodTally` or `PeriodReportTally`. For a past
    day the stale ones come the same way from the scope's assignments (`stale_q`: only the
    reports written by then count, which the counters do not keep).

    With `sets` (tuples of `keys`, and "month" where a set keeps the month), the rows are
    summed per each set instead (`_summed`): each row starts with its set's position, and the
    keys and month its set does not keep are None.
    """
    tally_keys = [_TALLY_KEY.get(key, key) for key in keys]
    plans_only = tally_keys == ["plan_id"]
    coarse = PlanBucketTally if plans_only else AssignmentBucketTally
    # Per section or plan only: the smaller exact counters without the agencies.
    exact = SectionTally if tally_keys in (["section_id"], ["plan_id"]) else AssignmentTally
    # As of today no report is newer than the reading day: the counters' last reports say it.
    stale_from_tallies = scope.as_of >= timezone.localtime().date()
    intervals = _Intervals.of(scope, stale=stale_from_tallies)
    undecided = intervals.undecided()
    done = Q(done_in__lt=intervals.done)

    def counted(rows, stale: Q):
        rows = rows.values_list(*tally_keys, "row_group", "row_month").annotate(row_n=Sum("n"))
        if stale_from_tallies:
            rows = rows.annotate(row_stale=Sum("n", filter=stale))
        return rows

    coarse_rows = counted(
        _tallies(scope, coarse)
        .filter(intervals.decided())
        .annotate(
            row_group=timeliness_case(scope.as_of, due=F("due_on"), done=done, late=Q(late=True)),
            row_month=Case(
                When(done & Q(done_in__gte=intervals.start), then=F("done_in") / 10),
                output_field=IntegerField(),
            ),
        ),
        stale_tally_q(
            scope.as_of,
            done=done,
            not_since=Q(last_report_in__isnull=True) | Q(last_report_in__lt=intervals.report),
        ),
    )
    if undecided is None:
        counts = coarse_rows
    else:
        exact_rows = counted(
            _tallies(scope, exact)
            .filter(undecided)
            .annotate(
                row_group=timeliness_case(scope.as_of, due=F("due_on"), done_on="done_on"),
                row_month=Case(
                    When(
                        done_on__gte=scope.period_start,
                        done_on__lte=scope.as_of,
                        then=ExtractYear("done_on") * 100 + ExtractMonth("done_on"),
                    ),
                    output_field=IntegerField(),
                ),
            ),
            stale_tally_q(scope.as_of),
        )
        counts = coarse_rows.union(exact_rows, all=True)
    group_sets = sets and [(*kept, "row_group") for kept in sets]
    columns = [*keys, "row_group", "month"]
    if stale_from_tallies:
        rows = [
            (*key, count, 0, stale or 0)
            for *key, count, stale in _summed(counts, columns, group_sets, sums=2)
        ]
    else:
        rows = [(*row, 0, 0) for row in _summed(counts, columns, group_sets)]
    reported = (
        _tallies(scope, PlanPeriodTally if plans_only else PeriodReportTally)
        .filter(period=scope.period)
        .values_list(*tally_keys)
        .annotate(row_n=Sum("n"))
    )
    rows.extend((*key, NO_GROUP, None, 0, n, 0) for *key, n in _summed(reported, list(keys), sets))
    if not stale_from_tallies:  # a past day: only the reports written by then count
        stale = (
            scope.assignments()
            .filter(stale_q(scope.as_of))
            .values_list(*keys)
            .annotate(row_n=Count("pk"))
            .order_by()
        )
        rows.extend((*key, NO_GROUP, None, 0, 0, n) for *key, n in _summed(stale, list(keys), sets))
    return rows


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
    for _plan, group, _month, count, reported, stale in _grouped_counts(scope, "task__plan_id"):
        _add(totals, group, count, reported, stale or 0)
    return _with_links(scope, totals)


@dataclass
class DashboardTables:
    totals: dict
    by_province: list[dict]
    by_index: list[dict]
    completions: list[dict]  # per month within the period's window, for the chart
    by_agency: list[dict]  # only when asked for (a province's view): see `dashboard_by_agency`
    # Builds the rows per plan and per section when they are read: the national view shows
    # neither, and their ~700 rows of links were a third of its time.
    _table: Callable[[str], list[dict]] = field(repr=False)

    @cached_property
    def by_plan(self) -> list[dict]:
        return self._table("plan")

    @cached_property
    def by_section(self) -> list[dict]:
        return self._table("section")


# Not the agency's name: joining the counters to every agency of the country (~16,700) to
# carry a name through the grouping cost more than the count; `_agency_rows` reads the names
# of the few agencies counted.
AGENCY_KEYS = ("agency_id", "role")
_ROLE_PARAMS = {role: urlencode({"role": role}) for role in Assignment.Role}


def dashboard_tables(
    scope: DashboardScope, *, agencies: bool = False, sections: bool = True
) -> DashboardTables:
    """The totals, the rows per plan, section, province and index, the completions per month
    and, with `agencies`, the rows per agency, in four queries whatever the size (six with
    the agencies' names and last updates): the two of `_grouped_counts` (three for a past
    reading day), the sections' plans and provinces, the plans' indices.

    With `agencies` the counts are keyed by section AND agency and role and summed both ways
    by the database in the same query (`_summed`), instead of a second read of the same
    counters or a fold in Python of every (section, agency, role) row. The national view never
    asks for it: every agency times every section would not fold cheaply. Without `sections`
    (the national view) the counts are keyed by plan and there are no rows per section:
    ~100 plans of a plan year fold in a tenth of the time of their ~3,000 sections.
    """
    counts: dict[tuple, list[int]] = {}  # (section, group) → [assignments, reported, stale]
    agency_counts: dict[tuple, list[int]] = {}  # (agency, role, group) → the same
    months: dict[int, int] = {}  # yyyymm → completed within the period's window
    unit = "task__section_id" if sections else "task__plan_id"
    keys = (unit, *AGENCY_KEYS) if agencies else (unit,)
    # Summed by the database per unit, per month and per agency: without the month the
    # units' rows are a few times fewer (a plan year of the ten times dataset: 26,000 → 6,000
    # rows to fold nationally).
    sets = [(unit,), ("month",), *([AGENCY_KEYS] if agencies else [])]
    for position, unit_id, *agency, group, month, count, reported, stale in _grouped_counts(
        scope, *keys, sets=sets
    ):
        if position == 0:
            _accumulate(counts, (unit_id, group), count, reported, stale)
        elif position == 2:
            _accumulate(agency_counts, (*agency, group), count, reported, stale)
        elif month is not None:  # the month set: completions per month
            months[int(month)] = months.get(int(month), 0) + count
    units = {key[0] for key in counts}
    if sections:
        rows = Section.objects.filter(pk__in=units).values(
            "pk", "title", "plan_id", "plan__number", "plan__province_id", "plan__province__name"
        )
    else:  # the same shape, from the plans
        rows = Plan.objects.filter(pk__in=units).values(
            "pk",
            plan_id=F("pk"),
            plan__number=F("number"),
            plan__province_id=F("province_id"),
            plan__province__name=F("province__name"),
        )
    about = {row["pk"]: row for row in rows}
    indices: dict[int, list[str]] = {}
    for plan_id, code in Plan.indices.through.objects.filter(
        plan_id__in={s["plan_id"] for s in about.values()}
    ).values_list("plan_id", "index__code"):
        if scope.index in (None, code):
            indices.setdefault(plan_id, []).append(code)
    totals = _empty_row()
    by = {"plan": {}, "section": {}, "province": {}, "index": {}}
    for (unit_id, group), (count, reported, stale) in counts.items():
        section = about[unit_id]
        keys = {
            "plan": [(section["plan_id"], section["plan__number"])],
            "section": [(unit_id, section["title"])] if "title" in section else [],
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
        by_province=table("province"),
        by_index=table("index"),
        completions=[
            {"month": f"{month % 100:02d}/{month // 100}", "count": months[month]}
            for month in sorted(months)
        ],
        by_agency=_agency_rows(scope, agency_counts) if agencies else [],
        _table=table,
    )


def dashboard_by_agency(scope: DashboardScope) -> list[dict]:
    """One row per agency: led, supported, each group, not reported in the period, last
    update; laggards (most overdue, then most unreported) first. (The dashboard page gets the
    same rows from `dashboard_tables(scope, agencies=True)`.)"""
    agency_counts: dict[tuple, list[int]] = {}
    for agency_id, role, group, _month, count, reported, stale in _grouped_counts(
        scope, *AGENCY_KEYS
    ):
        _accumulate(agency_counts, (agency_id, role, group), count, reported, stale)
    return _agency_rows(scope, agency_counts)


def _agency_rows(scope: DashboardScope, agency_counts: dict[tuple, list[int]]) -> list[dict]:
    """Rows from counts per (agency, role, group), plus each agency's name and last update."""
    names = dict(
        Agency.objects.filter(pk__in={key[0] for key in agency_counts})
        .values_list("pk", "name")
        .order_by()
    )
    by_agency: dict[int, dict] = {}
    for (agency_id, role, group), (count, reported, stale) in agency_counts.items():
        row = by_agency.get(agency_id)
        if row is None:
            row = by_agency[agency_id] = _empty_row(
                agency_id=agency_id, agency__name=names.get(agency_id, ""), led=0, supported=0
            )
        row["led" if role == Assignment.Role.LEAD else "supported"] += count
        _add(row, group, count, reported, stale)
    rows = list(by_agency.values())
    # From the counters' newest update per section, agency and role (`LastUpdateTally`: ~2,000
    # rows for the national dataset's busiest province), not from every assignment of the
    # scope and each one's updates (~6,700 and ~21,000 index entries: 15 ms of the page's 32
    # ms of SQL, growing with the data).
    last = dict(
        _tallies(scope, LastUpdateTally)
        .values("agency_id")
        .annotate(last=Max("last_update_at"))
        .values_list("agency_id", "last")
    )
    for row in rows:
        row["last_update"] = last.get(row["agency_id"])
        links = _with_links(scope, row, agency=row["agency_id"])["links"]
        # `scope.link(agency=…, role=…)`: the agency's total, then its role.
        links["led"] = f"{links['total']}&{_ROLE_PARAMS[Assignment.Role.LEAD]}"
        links["supported"] = f"{links['total']}&{_ROLE_PARAMS[Assignment.Role.SUPPORT]}"
    rows.sort(key=lambda r: (-r[Timeliness.OVERDUE], -r["not_reported"], r["agency__name"]))
    return rows


def dashboard_deadlines(scope: DashboardScope, *, days: int = 30, limit: int = 50) -> dict:
    """Open work due in the next `days` after the reading day (one line per task), and overdue
    work (one line per assignment, as counted), soonest first: each reads only the `limit`
    soonest from the due-date indexes, not every assignment of the scope."""
    plans = plans_earliest_due(scope.plans())
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
            plans=list(plans),
        ),
        "overdue": assignments_overdue(
            scope.assignments(), today=scope.as_of, limit=limit, plans=plans
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
