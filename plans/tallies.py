"""The dashboard's counters: in-force assignments counted per section, agency, role, due date
and completion date (`AssignmentTally`), and per period reported in (`PeriodReportTally`).

They are kept by recounting, not by adding deltas: every service that changes what is counted
calls `tallies_refresh(section_ids=...)` in its own transaction, which locks those sections,
deletes their rows and inserts fresh ones from their assignments with one grouped
`INSERT ... SELECT` per table. A section holds tens to a few hundred assignments, so this is a
few milliseconds, and a counter cannot drift from a missed or doubled delta. The grouped
queries below are also the recount (`tallies_differences`, `manage.py recount_tallies`): the
one source of truth the stored rows are checked against.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, OuterRef, Subquery, When
from django.db.models.functions import TruncDate
from django.db.models.lookups import IsNull

from plans.models import (
    Assignment,
    AssignmentTally,
    PeriodReportTally,
    ProgressUpdate,
    Section,
    SectionTally,
)
from plans.timeliness import due_expression

# Refreshing a whole plan or the whole country: sections per statement pair.
CHUNK = 2000
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
PERIOD_COLUMNS = [
    "section_id",
    "plan_id",
    "province_id",
    "year",
    "agency_id",
    "role",
    "period",
]


def _keys() -> dict:
    return {
        "t_section_id": F("task__section_id"),
        "t_plan_id": F("task__plan_id"),
        "t_province_id": F("task__plan__province_id"),
        "t_year": F("task__plan__year"),
        "t_agency_id": F("agency_id"),
        "t_role": F("role"),
    }


def _counted(section_ids: list[int] | None):
    rows = Assignment.objects.in_force()
    if section_ids is not None:
        rows = rows.filter(task__section_id__in=section_ids)
    return rows.order_by()


def tally_rows(section_ids: list[int] | None = None, *, agencies: bool = True):
    """The recount of `AssignmentTally` (without `agencies`: of `SectionTally`): one row per
    key with its assignments (`t_n`)."""
    keys = {
        **_keys(),
        "t_due_on": due_expression(),
        "t_done_on": Case(When(status=Assignment.Status.DONE, then=F("completed_on"))),
        # Only where staleness can apply (no due date): elsewhere it would split the counters.
        "t_last_report_on": Case(
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
        ),
    }
    if not agencies:
        del keys["t_agency_id"], keys["t_role"]
    return (
        _counted(section_ids)
        .annotate(**keys)
        .values(*keys)
        .annotate(t_n=Count("pk"))
        .values(*keys, "t_n")
        .order_by()
    )


def period_rows(section_ids: list[int] | None = None):
    """The recount of `PeriodReportTally`: assignments with at least one update of a period."""
    keys = {**_keys(), "t_period": F("updates__period")}
    return (
        _counted(section_ids)
        .filter(updates__period__gt="")
        .annotate(**keys)
        .values(*keys)
        .annotate(t_n=Count("pk", distinct=True))
        .values(*keys, "t_n")
        .order_by()
    )


def _insert_select(model, columns: list[str], queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    aliases = ", ".join(f"s.t_{column}" for column in [*columns, "n"])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in [*columns, "n"])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {aliases} FROM ({sql}) s", params)


def _chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _insert_all(section_ids: list[int]) -> None:
    _insert_select(AssignmentTally, TALLY_COLUMNS, tally_rows(section_ids))
    _insert_select(SectionTally, SECTION_COLUMNS, tally_rows(section_ids, agencies=False))
    _insert_select(PeriodReportTally, PERIOD_COLUMNS, period_rows(section_ids))


def tallies_refresh(*, section_ids: Iterable[int]) -> None:
    """Recount the tallies of these sections, in the caller's transaction.

    The sections are locked first (ordered by pk, so two writers never wait on each other in
    a cycle): a second writer to the same section waits for the first to commit, then
    recounts from what it committed.
    """
    ids = sorted({pk for pk in section_ids if pk is not None})
    if not ids:
        return
    # No savepoint inside the caller's transaction: two statements less per progress report.
    with transaction.atomic(savepoint=False):
        for chunk in _chunks(ids):
            list(
                Section.objects.filter(pk__in=chunk)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )
            for model in (AssignmentTally, SectionTally, PeriodReportTally):
                model.objects.filter(section_id__in=chunk).delete()
            _insert_all(chunk)


def tallies_refresh_all() -> int:
    """Recount every section's tallies (after a bulk load); returns the sections counted."""
    ids = list(Section.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for model in (AssignmentTally, SectionTally, PeriodReportTally):
            model.objects.all().delete()
        for chunk in _chunks(ids):
            _insert_all(chunk)
    return len(ids)


def section_ids_of_tasks(task_ids: Iterable[int]) -> list[int]:
    from plans.models import Task

    return list(
        Task.objects.filter(pk__in=list(task_ids)).values_list("section_id", flat=True).distinct()
    )


def _per_section(rows: Iterable[tuple]) -> dict[int, Counter]:
    """{section: Counter({key without the section: n})}, merging duplicate keys."""
    sections: dict[int, Counter] = {}
    for section_id, *key, n in rows:
        sections.setdefault(section_id, Counter())[tuple(key)] += n
    return sections


def tallies_differences() -> list[int]:
    """The sections whose stored tallies differ from a recount of their assignments, compared
    a few hundred sections at a time (the whole country at once held ~1.9 GB)."""

    def keys(columns):
        return [f"t_{c}" for c in columns]

    ids = list(Section.objects.order_by("pk").values_list("pk", flat=True))
    differing = set()
    for chunk in _chunks(ids, COMPARED):
        expected = (
            _per_section(tally_rows(chunk).values_list(*keys(TALLY_COLUMNS), "t_n")),
            _per_section(
                tally_rows(chunk, agencies=False).values_list(*keys(SECTION_COLUMNS), "t_n")
            ),
            _per_section(period_rows(chunk).values_list(*keys(PERIOD_COLUMNS), "t_n")),
        )
        stored = tuple(
            _per_section(
                model.objects.filter(section_id__in=chunk).values_list(*columns, "n").order_by()
            )
            for model, columns in (
                (AssignmentTally, TALLY_COLUMNS),
                (SectionTally, SECTION_COLUMNS),
                (PeriodReportTally, PERIOD_COLUMNS),
            )
        )
        for want, have in zip(expected, stored, strict=True):
            for section_id in want.keys() | have.keys():
                if want.get(section_id, Counter()) != have.get(section_id, Counter()):
                    differing.add(section_id)
    # Rows of a section deleted meanwhile are gone with it (CASCADE): nothing else to compare.
    return sorted(differing)
