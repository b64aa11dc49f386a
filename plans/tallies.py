"""The dashboard's counters: in-force assignments counted per section, agency, role, due date
and completion date (`AssignmentTally`), and per period reported in (`PeriodReportTally`);
the same with the completion and last report days as intervals (`AssignmentBucketTally`,
`plans.buckets`) and per plan (`PlanBucketTally`, `PlanPeriodTally`), which is what the
dashboard reads: their rows do not grow with the number of days. The exact tables are read
only for the interval holding the reading day, and are what the others are summed from.
`LastUpdateTally` keeps, in the same slices as `AssignmentTally`, the newest update per
section, agency and role: each agency's "cập nhật gần nhất" on the dashboard.

They are kept by recounting, not by adding deltas: every service that changes what is counted
calls `tallies_refresh(section_ids=...)` in its own transaction, which locks those sections,
deletes their rows and inserts fresh ones from their assignments with one grouped
`INSERT ... SELECT` per table (on PostgreSQL all of it in one statement after the lock; an
import passes only the sections it changed). A section holds tens to a few hundred
assignments, so this is a few milliseconds, and a counter cannot drift from a missed or
doubled delta. The rows deleted leave dead tuples: the dashboard's reads need autovacuum
(or a VACUUM ANALYZE after a bulk load) to keep the tables' statistics and size honest. The grouped
queries below are also the recount (`tallies_differences`, `manage.py recount_tallies`): the
one source of truth the stored rows are checked against.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import Case, Count, DateField, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, TruncDate
from django.db.models.lookups import IsNull

from agencies.models import Agency
from plans.buckets import bucket_of, bucket_sql
from plans.models import (
    Assignment,
    AssignmentBucketTally,
    AssignmentTally,
    LastUpdateTally,
    PeriodReportTally,
    Plan,
    PlanBucketTally,
    PlanPeriodTally,
    ProgressUpdate,
    Section,
    SectionTally,
)
from plans.timeliness import due_expression

# Refreshing a whole plan or the whole country: sections per statement pair.
CHUNK = 2000
# Every counter table (what a bulk load refills, what the generator vacuums).
TALLY_MODELS = [
    AssignmentTally,
    SectionTally,
    PeriodReportTally,
    AssignmentBucketTally,
    PlanBucketTally,
    PlanPeriodTally,
    LastUpdateTally,
]
# Sections compared at a time by the recount (a national section: ~350 assignments).
COMPARED = 200

TALLY_COLUMNS = [
    "section_id",
    "plan_id",
    "province_id",
    "year",
    "agency_id",
    "role",
    "due_on",
    "done_on",
    "last_report_on",
]
SECTION_COLUMNS = [
    "section_id",
    "plan_id",
    "province_id",
    "year",
    "due_on",
    "done_on",
    "last_report_on",
]
BUCKET_COLUMNS = [*TALLY_COLUMNS[:7], "done_in", "late", "last_report_in"]
PLAN_BUCKET_COLUMNS = ["plan_id", "province_id", "year", *BUCKET_COLUMNS[6:]]
PLAN_PERIOD_COLUMNS = ["plan_id", "province_id", "year", "period"]
PERIOD_COLUMNS = [
    "section_id",
    "plan_id",
    "province_id",
    "year",
    "agency_id",
    "role",
    "period",
]
LAST_UPDATE_COLUMNS = [*TALLY_COLUMNS[:6], "last_update_at"]


def _keys() -> dict:
    return {
        "t_section_id": F("task__section_id"),
        "t_plan_id": F("task__plan_id"),
        "t_province_id": F("task__plan__province_id"),
        "t_year": F("task__plan__year"),
        "t_agency_id": F("agency_id"),
        "t_role": F("role"),
    }


def _counted(section_ids: list[int] | None, only: dict | None = None):
    rows = Assignment.objects.in_force()
    if section_ids is not None:
        rows = rows.filter(task__section_id__in=section_ids)
    return rows.filter(**(only or {})).order_by()


def tally_rows(
    section_ids: list[int] | None = None,
    *,
    agencies: bool = True,
    only: dict | None = None,
    updates: bool = True,
):
    """The recount of `AssignmentTally` (without `agencies`: of `SectionTally`): one row per
    key with its assignments (`t_n`). Without `updates` the assignments are known to have no
    progress update (`tallies_refresh`'s `new_section_ids`): no last report is looked up."""
    # Only where staleness can apply (no due date): elsewhere it would split the counters.
    last_report = Case(
        When(
            IsNull(due_expression(), True),
            then=TruncDate(
                Subquery(
                    ProgressUpdate.objects.filter(
                        assignment_id=OuterRef("pk"), kind=ProgressUpdate.Kind.REPORT
                    )
                    .order_by("-created_at")
                    .values("created_at")[:1]
                ),
            ),
        ),
        output_field=DateField(),
    )
    keys = {
        **_keys(),
        "t_due_on": due_expression(),
        "t_done_on": Case(When(status=Assignment.Status.DONE, then=F("completed_on"))),
        # Typed: PostgreSQL reads a bare NULL in the materialized CTE as text.
        "t_last_report_on": last_report if updates else Cast(Value(None), DateField()),
    }
    if not agencies:
        del keys["t_agency_id"], keys["t_role"]
    return (
        _counted(section_ids, only)
        .annotate(**keys)
        .values(*keys)
        .annotate(t_n=Count("pk"))
        .values(*keys, "t_n")
        .order_by()
    )


def period_rows(section_ids: list[int] | None = None, *, only: dict | None = None):
    """The recount of `PeriodReportTally`: assignments with at least one update of a period."""
    keys = {**_keys(), "t_period": F("updates__period")}
    return (
        _counted(section_ids, only)
        .filter(updates__period__gt="")
        .annotate(**keys)
        .values(*keys)
        .annotate(t_n=Count("pk", distinct=True))
        .values(*keys, "t_n")
        .order_by()
    )


def last_update_rows(section_ids: list[int] | None = None, *, only: dict | None = None):
    """The recount of `LastUpdateTally`: the newest update of each (section, agency, role)'s
    in-force assignments, for those with one."""
    return (
        _counted(section_ids, only)
        .filter(updates__isnull=False)
        .annotate(**_keys())
        .values(*_keys())
        .annotate(t_last_update_at=Max("updates__created_at"))
        .values(*_keys(), "t_last_update_at")
        .order_by()
    )


def _last_update_insert(select: str) -> str:
    columns = _quoted(LAST_UPDATE_COLUMNS)
    aliases = ", ".join(f"s.t_{column}" for column in LAST_UPDATE_COLUMNS)
    return f"INSERT INTO {_table(LastUpdateTally)} ({columns}) SELECT {aliases} FROM ({select}) s"


def _chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _names(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in [*columns, "n"])


def _aliases(columns: list[str]) -> str:
    return ", ".join(f"s.t_{column}" for column in [*columns, "n"])


def _in(column: str, ids: list[int]) -> tuple[str, list[int]]:
    return f"{connection.ops.quote_name(column)} IN ({', '.join(['%s'] * len(ids))})", ids


def _quoted(columns: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _section_from_counted(source: str) -> str:
    """`SectionTally`'s rows summed from `AssignmentTally`-shaped rows in `source`."""
    keys = _quoted(SECTION_COLUMNS)
    return f"SELECT {keys}, SUM(n) FROM {source} GROUP BY {keys}"


def _bucketed(keys: list[str], source: str) -> str:
    """`keys` and the days of exact rows in `source` as intervals (`plans.buckets`), summed:
    the rows of `AssignmentBucketTally` or `PlanBucketTally`."""
    late = "(done_on IS NOT NULL AND due_on IS NOT NULL AND done_on > due_on)"
    columns = f"{_quoted(keys)}, due_on, {bucket_sql('done_on')}, {late}, "
    columns += bucket_sql("last_report_on")
    groups = ", ".join(str(i) for i in range(1, len(keys) + 5))
    return f"SELECT {columns}, SUM(n) FROM {source} GROUP BY {groups}"


def _insert(model, columns: list[str], select: str) -> str:
    return f"INSERT INTO {_table(model)} ({_names(columns)}) {select}"


def _refresh_statements(
    ids: list[int], only: dict | None = None, *, updates: bool = True
) -> list[tuple[str, list]]:
    """What recounting these sections takes: on PostgreSQL one statement (the deletes and
    inserts as data-modifying CTEs, all reading one snapshot: the new rows are not seen by the
    deletes), elsewhere one DELETE and one INSERT per table. `SectionTally` is summed from the
    agency-level rows just counted, not recounted from the assignments: a second pass over
    them and their last report cost as much as the first. The coarse `AssignmentBucketTally`
    is summed from the same rows; the plan-level `PlanBucketTally` and `PlanPeriodTally` of
    the sections' plans from the plans' other sections' stored rows and the ones just counted.
    `LastUpdateTally` is recounted in the same slices as `AssignmentTally`.

    With `only` ({"agency_id": …, "role": …}, one section): the agency-level tables are
    recounted for that agency and role alone, and `SectionTally` summed from the section's
    other stored rows and the ones just counted.

    Without `updates` (sections whose assignments have no progress update yet), the
    `PeriodReportTally` and `LastUpdateTally` rows are none and the updates are not read: on
    a national dataset, looking for the updates of a new 10,000-task plan's 81,000
    assignments was a second pass over the assignments table, a third of the refresh."""
    where, where_params = _in("section_id", ids)
    slice_where, slice_params = where, where_params
    if only:
        slice_where = f"{where} AND agency_id = %s AND role = %s"
        slice_params = [*where_params, only["agency_id"], only["role"]]
    plans_sql, plans_params = _in("id", ids)
    plans = f"plan_id IN (SELECT plan_id FROM {_table(Section)} WHERE {plans_sql})"
    tally_sql, tally_params = tally_rows(ids, only=only, updates=updates).query.sql_with_params()
    if updates:
        period_sql, period_params = period_rows(ids, only=only).query.sql_with_params()
        period_select = f"SELECT {_aliases(PERIOD_COLUMNS)} FROM ({period_sql}) s"
        last_sql, last_params = last_update_rows(ids, only=only).query.sql_with_params()
    else:  # no rows, typed as the tables'
        period_select = (
            f"SELECT {_names(PERIOD_COLUMNS)} FROM {_table(PeriodReportTally)} WHERE 1 = 0"
        )
        period_params = []
        last_columns = ", ".join(
            f"{connection.ops.quote_name(c)} AS t_{c}" for c in LAST_UPDATE_COLUMNS
        )
        last_sql = f"SELECT {last_columns} FROM {_table(LastUpdateTally)} WHERE 1 = 0"
        last_params = []
    period_insert = _insert(PeriodReportTally, PERIOD_COLUMNS, period_select)
    deletes = [
        (f"DELETE FROM {_table(AssignmentTally)} WHERE {slice_where}", slice_params),
        (f"DELETE FROM {_table(SectionTally)} WHERE {where}", where_params),
        (f"DELETE FROM {_table(PeriodReportTally)} WHERE {slice_where}", slice_params),
        (f"DELETE FROM {_table(AssignmentBucketTally)} WHERE {slice_where}", slice_params),
        (f"DELETE FROM {_table(PlanBucketTally)} WHERE {plans}", plans_params),
        (f"DELETE FROM {_table(PlanPeriodTally)} WHERE {plans}", plans_params),
        (f"DELETE FROM {_table(LastUpdateTally)} WHERE {slice_where}", slice_params),
    ]
    plan_keys = ["plan_id", "province_id", "year"]
    bucket_keys = [*TALLY_COLUMNS[:6]]
    plan_period = f"SELECT {_quoted([*plan_keys, 'period'])}, SUM(n) FROM {{}} GROUP BY 1, 2, 3, 4"
    if connection.vendor != "postgresql":
        return [
            *deletes,
            (
                _insert(
                    AssignmentTally,
                    TALLY_COLUMNS,
                    f"SELECT {_aliases(TALLY_COLUMNS)} FROM ({tally_sql}) s",
                ),
                tally_params,
            ),
            (
                _insert(
                    SectionTally,
                    SECTION_COLUMNS,
                    _section_from_counted(f"{_table(AssignmentTally)} WHERE {where}"),
                ),
                where_params,
            ),
            (period_insert, period_params),
            (
                _insert(
                    AssignmentBucketTally,
                    BUCKET_COLUMNS,
                    _bucketed(bucket_keys, f"{_table(AssignmentTally)} WHERE {slice_where}"),
                ),
                slice_params,
            ),
            (
                _insert(
                    PlanBucketTally,
                    PLAN_BUCKET_COLUMNS,
                    _bucketed(plan_keys, f"{_table(SectionTally)} WHERE {plans}"),
                ),
                plans_params,
            ),
            (
                _insert(
                    PlanPeriodTally,
                    PLAN_PERIOD_COLUMNS,
                    plan_period.format(f"{_table(PeriodReportTally)} WHERE {plans}"),
                ),
                plans_params,
            ),
            (_last_update_insert(last_sql), last_params),
        ]
    names = _quoted([*TALLY_COLUMNS, "n"])
    section_names = _quoted([*SECTION_COLUMNS, "n"])
    period_names = _quoted([*PERIOD_COLUMNS, "n"])
    section_source, section_params = "counted", []
    if only:  # the section's other agencies' rows, as stored (this statement's snapshot)
        section_source = (
            f"(SELECT {names} FROM {_table(AssignmentTally)} WHERE {where} "
            f"AND NOT (agency_id = %s AND role = %s) UNION ALL SELECT {names} FROM counted) s"
        )
        section_params = slice_params
    # The plans' rows: their other sections' (agencies') rows as stored, and the new ones.
    plan_source = (
        f"(SELECT {section_names} FROM {_table(SectionTally)} WHERE {plans} AND NOT ({where}) "
        f"UNION ALL SELECT {section_names} FROM sectioned) s"
    )
    plan_period_source = (
        f"(SELECT {period_names} FROM {_table(PeriodReportTally)} WHERE {plans} "
        f"AND NOT ({slice_where}) UNION ALL SELECT {period_names} FROM reported) s"
    )
    parts = [f"d{i} AS ({sql})" for i, (sql, _) in enumerate(deletes)] + [
        f"counted ({names}) AS MATERIALIZED (SELECT {_aliases(TALLY_COLUMNS)} "
        f"FROM ({tally_sql}) s)",
        f"i0 AS (INSERT INTO {_table(AssignmentTally)} ({names}) SELECT {names} FROM counted)",
        f"sectioned ({section_names}) AS MATERIALIZED ({_section_from_counted(section_source)})",
        f"i1 AS (INSERT INTO {_table(SectionTally)} ({section_names}) "
        f"SELECT {section_names} FROM sectioned)",
        f"reported ({period_names}) AS MATERIALIZED ({period_select})",
        f"i2 AS (INSERT INTO {_table(PeriodReportTally)} ({period_names}) "
        f"SELECT {period_names} FROM reported)",
        f"i3 AS ({_insert(AssignmentBucketTally, BUCKET_COLUMNS, _bucketed(bucket_keys, 'counted'))})",
        f"i4 AS ({_insert(PlanBucketTally, PLAN_BUCKET_COLUMNS, _bucketed(plan_keys, plan_source))})",
        f"i5 AS ({_insert(PlanPeriodTally, PLAN_PERIOD_COLUMNS, plan_period.format(plan_period_source))})",
        f"i6 AS ({_last_update_insert(last_sql)})",
    ]
    params = [
        *(p for _, delete_params in deletes for p in delete_params),
        *tally_params,
        *section_params,
        *period_params,
        *plans_params,
        *where_params,
        *plans_params,
        *slice_params,
        *last_params,
    ]
    return [("WITH " + ", ".join(parts) + " SELECT 1", params)]


def _lock(ids: list[int]) -> None:
    """Lock the sections' plans (ordered by pk, so two writers never wait on each other in a
    cycle): a second writer to the same plan waits for the first to commit, then recounts from
    what it committed. The plan, not the section: the plan's rows (`PlanBucketTally`) are
    summed from all its sections', so two sections of one plan recounted at once would each
    sum the other's old rows. Its own statement: a statement that waited for a lock still
    reads the snapshot it started with. SQLite has one writer at a time and no row locks."""
    if connection.features.has_select_for_update:
        list(
            Plan.objects.filter(pk__in=Section.objects.filter(pk__in=ids).values("plan_id"))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )


def _recount(ids: list[int], only: dict | None = None, *, updates: bool = True) -> None:
    with connection.cursor() as cursor:
        for sql, params in _refresh_statements(ids, only, updates=updates):
            cursor.execute(sql, params)


def tallies_refresh(*, section_ids: Iterable[int], new_section_ids: Iterable[int] = ()) -> None:
    """Recount the tallies of these sections (and their plans'), in the caller's transaction:
    on PostgreSQL two statements per 2,000 sections (the lock, the recount), on SQLite
    twelve. `new_section_ids`, among them, are sections whose every assignment the caller
    has just created (an import's new sections): none can have a progress update yet, so
    their recount does not look for any."""
    ids = {pk for pk in section_ids if pk is not None}
    new = ids & set(new_section_ids)
    # No savepoint inside the caller's transaction: two statements less per progress report.
    with transaction.atomic(savepoint=False):
        for group, updates in ((sorted(ids - new), True), (sorted(new), False)):
            for chunk in _chunks(group):
                _lock(chunk)
                _recount(chunk, updates=updates)


def tallies_refresh_assignment(*, assignment) -> None:
    """Recount what a write to one assignment changed (its progress, review, extension; not
    its role): its agency and role's rows of its section, and the section's `SectionTally`.
    The same lock as `tallies_refresh`; a few rows rewritten instead of the whole section's."""
    ids = [assignment.task.section_id]
    with transaction.atomic(savepoint=False):
        _lock(ids)
        _recount(ids, {"agency_id": assignment.agency_id, "role": assignment.role})


def _refresh_all_statements() -> list[tuple[str, list]]:
    """Every counter table emptied and refilled by one grouped `INSERT ... SELECT` each, the
    finer tables first and the coarser ones summed from them (as `_refresh_statements` does
    for a few sections, without their filters)."""
    tally_sql, tally_params = tally_rows().query.sql_with_params()
    period_sql, period_params = period_rows().query.sql_with_params()
    last_sql, last_params = last_update_rows().query.sql_with_params()
    plan_keys = ["plan_id", "province_id", "year"]
    return [
        *((f"DELETE FROM {_table(model)}", []) for model in TALLY_MODELS),
        (
            _insert(
                AssignmentTally,
                TALLY_COLUMNS,
                f"SELECT {_aliases(TALLY_COLUMNS)} FROM ({tally_sql}) s",
            ),
            tally_params,
        ),
        (
            _insert(SectionTally, SECTION_COLUMNS, _section_from_counted(_table(AssignmentTally))),
            [],
        ),
        (
            _insert(
                PeriodReportTally,
                PERIOD_COLUMNS,
                f"SELECT {_aliases(PERIOD_COLUMNS)} FROM ({period_sql}) s",
            ),
            period_params,
        ),
        (
            _insert(
                AssignmentBucketTally,
                BUCKET_COLUMNS,
                _bucketed(TALLY_COLUMNS[:6], _table(AssignmentTally)),
            ),
            [],
        ),
        (
            _insert(
                PlanBucketTally, PLAN_BUCKET_COLUMNS, _bucketed(plan_keys, _table(SectionTally))
            ),
            [],
        ),
        (
            _insert(
                PlanPeriodTally,
                PLAN_PERIOD_COLUMNS,
                f"SELECT {_quoted([*plan_keys, 'period'])}, SUM(n) "
                f"FROM {_table(PeriodReportTally)} GROUP BY 1, 2, 3, 4",
            ),
            [],
        ),
        (_last_update_insert(last_sql), last_params),
    ]


def tallies_refresh_all() -> int:
    """Recount every counter from the assignments (after a bulk load that bypassed the
    services); returns the sections counted. One statement per table over the whole country,
    not the per-section refresh in chunks: on the ten times dataset the chunks took over 20
    minutes. It takes the tables' write locks until the caller's transaction ends."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in _refresh_all_statements():
            cursor.execute(sql, params)
    return Section.objects.count()


def section_ids_of_tasks(task_ids: Iterable[int]) -> list[int]:
    from plans.models import Task

    return list(
        Task.objects.filter(pk__in=list(task_ids)).values_list("section_id", flat=True).distinct()
    )


def _per_section(rows: Iterable[tuple]) -> dict[int, Counter]:
    """{first column (a section, a plan): Counter({the other columns: n})}, merging
    duplicate keys."""
    sections: dict[int, Counter] = {}
    for section_id, *key, n in rows:
        sections.setdefault(section_id, Counter())[tuple(key)] += n
    return sections


def _bucketed_rows(rows: Iterable[tuple], keys: int) -> list[tuple]:
    """Recounted rows (`keys` key columns, due, done and last report days, n) with their days
    as intervals, as the refresh stores them in the coarse tables (here in Python: the check
    of the SQL)."""

    def code(day):
        return None if day is None else bucket_of(day)

    return [
        (
            *row[:keys],
            due,
            code(done),
            done is not None and due is not None and done > due,
            code(last),
            n,
        )
        for *row, due, done, last, n in rows
    ]


def _batches() -> Iterable[tuple[list[int], list[int]]]:
    """(plans, their sections) of a few hundred sections at a time: a plan's rows are compared
    with all its sections'."""
    plans: list[int] = []
    sections: list[int] = []
    for plan_id, section_id in Section.objects.order_by("plan_id", "pk").values_list(
        "plan_id", "pk"
    ):
        if plans and plans[-1] != plan_id and len(sections) >= COMPARED:
            yield plans, sections
            plans, sections = [], []
        if not plans or plans[-1] != plan_id:
            plans.append(plan_id)
        sections.append(section_id)
    if plans:
        yield plans, sections


def _differing(expected: Iterable[dict], stored: Iterable[dict]) -> set[int]:
    differing = set()
    for want, have in zip(expected, stored, strict=True):
        for key in want.keys() | have.keys():
            if want.get(key, Counter()) != have.get(key, Counter()):
                differing.add(key)
    return differing


def tallies_differences() -> list[int]:
    """The sections whose stored tallies differ from a recount of their assignments (and all
    the sections of a plan whose plan-level tallies differ), compared a few hundred sections
    at a time (the whole country at once held ~1.9 GB)."""

    def keys(columns):
        return [f"t_{c}" for c in columns]

    differing = set()
    for plan_ids, chunk in _batches():
        tally = list(tally_rows(chunk).values_list(*keys(TALLY_COLUMNS), "t_n"))
        section = list(tally_rows(chunk, agencies=False).values_list(*keys(SECTION_COLUMNS), "t_n"))
        period = list(period_rows(chunk).values_list(*keys(PERIOD_COLUMNS), "t_n"))
        # A newest update is no count: each (key, newest update) once.
        last = (
            (*row, 1) for row in last_update_rows(chunk).values_list(*keys(LAST_UPDATE_COLUMNS))
        )
        expected = (
            _per_section(tally),
            _per_section(section),
            _per_section(period),
            _per_section(_bucketed_rows(tally, 6)),
            _per_section(last),
        )
        stored = tuple(
            _per_section(
                model.objects.filter(section_id__in=chunk).values_list(*columns, "n").order_by()
            )
            for model, columns in (
                (AssignmentTally, TALLY_COLUMNS),
                (SectionTally, SECTION_COLUMNS),
                (PeriodReportTally, PERIOD_COLUMNS),
                (AssignmentBucketTally, BUCKET_COLUMNS),
            )
        ) + (
            _per_section(
                (*row, 1)
                for row in LastUpdateTally.objects.filter(section_id__in=chunk)
                .values_list(*LAST_UPDATE_COLUMNS)
                .order_by()
            ),
        )
        differing |= _differing(expected, stored)
        plans_expected = (
            _per_section(_bucketed_rows((row[1:] for row in section), 3)),
            _per_section((*row[1:4], row[6], row[7]) for row in period),
        )
        plans_stored = tuple(
            _per_section(
                model.objects.filter(plan_id__in=plan_ids).values_list(*columns, "n").order_by()
            )
            for model, columns in (
                (PlanBucketTally, PLAN_BUCKET_COLUMNS),
                (PlanPeriodTally, PLAN_PERIOD_COLUMNS),
            )
        )
        plans_differing = _differing(plans_expected, plans_stored)
        if plans_differing:
            differing |= set(
                Section.objects.filter(plan_id__in=plans_differing).values_list("pk", flat=True)
            )
    # Rows of a section deleted meanwhile are gone with it (CASCADE); rows left behind by a
    # delete that bypassed it are `tallies_orphans`.
    return sorted(differing)


def tallies_orphans() -> dict[str, models.QuerySet]:
    """Counter rows whose section, plan or agency no longer exists, per table. The counters
    carry no foreign-key constraint in the database (`plans.models.TALLY_REFERENCE`), so only
    Django's CASCADE removes them: a delete that bypassed it (raw SQL, a restore of part of
    the data) would leave rows the dashboard still sums, which the comparison per section
    above cannot see. Each is one anti-join."""
    sections, plans = Section.objects.values("pk"), Plan.objects.values("pk")
    agencies = Agency.objects.values("pk")
    orphans = {}
    for model in (
        AssignmentTally,
        SectionTally,
        PeriodReportTally,
        AssignmentBucketTally,
        LastUpdateTally,
    ):
        gone = ~Q(section_id__in=sections) | ~Q(plan_id__in=plans)
        if any(f.name == "agency" for f in model._meta.fields):
            gone |= ~Q(agency_id__in=agencies)
        orphans[model.__name__] = model.objects.filter(gone)
    for model in (PlanBucketTally, PlanPeriodTally):
        orphans[model.__name__] = model.objects.exclude(plan_id__in=plans)
    return orphans
