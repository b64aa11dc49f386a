"""The dashboard's counters (plans.tallies) stay equal to a recount of the assignments through
random sequences of imports, progress reports, reviews, extensions, withdrawals and
reinstatements, all made through the real services; the dashboard read from them gives the
numbers an assignment-by-assignment count gives, for several reading days; the daily recount
finds and fixes a corrupted counter; and the time-dependent groups move as days pass with no
write at all."""

import datetime
import io
import random
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from agencies.models import Agency
from plans.dashboard import GROUPS, DashboardScope, dashboard_tables
from plans.files.export import HEADER
from plans.importing.pipeline import annex_import
from plans.models import (
    Assignment,
    AssignmentBucketTally,
    AssignmentTally,
    DeadlineExtension,
    LastUpdateTally,
    PeriodReportTally,
    Plan,
    PlanBucketTally,
    PlanPeriodTally,
    ProgressUpdate,
    Section,
    SectionTally,
    Task,
)
from plans.periods import current_period, period_of_day
from plans.selectors import assignment_awaits_review
from plans.services import (
    assignment_record_progress,
    assignment_review,
    deadline_extension_decide,
    deadline_extension_request,
    task_restore,
)
from plans.staleness import stale_q
from plans.tallies import (
    TALLY_MODELS,
    tallies_differences,
    tallies_orphans,
    tallies_refresh,
    tallies_refresh_all,
)
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db(transaction=False)

TODAY = datetime.date(2026, 6, 1)
ISSUED = datetime.date(2026, 1, 15)
AGENCIES = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Xây dựng",
    "Sở Giáo dục và Đào tạo",
]
WORDS = [
    "rà",
    "soát",
    "công",
    "khai",
    "thủ",
    "tục",
    "đôn",
    "đốc",
    "kiểm",
    "tra",
    "số",
    "hóa",
    "hồ",
    "sơ",
    "cải",
    "cách",
    "tuyên",
    "truyền",
]
# (reading day, period): the current period as of today, a closed one read at its cut-off,
# and the same plan year 40 days later (due soon becomes overdue with no write).
READINGS = [
    (TODAY, "2026-H1"),
    (TODAY, "2026-Q1"),
    (TODAY + datetime.timedelta(days=40), "2026-9M"),
    # The coarse counters keep intervals of days (1st–14th, 15th–end: plans.buckets). Reading
    # days on their bounds, among the completion days (15/01–01/06): the day after a cut-off
    # (its interval undecided: read from the exact counters), inside an interval, a month's
    # last day and an interval's last day (decided by the intervals alone).
    (datetime.date(2026, 3, 15), "2026-H1"),
    (datetime.date(2026, 5, 20), "2026-H1"),
    (datetime.date(2026, 4, 30), "2026-H1"),
    (datetime.date(2026, 5, 14), "2026-H1"),
]


def _readings(stale_days: int) -> list[tuple[datetime.date, str]]:
    # And the real today and later days, the only reading days whose stale flags come from
    # the counters' last report days (a report can be newer than any earlier day). The
    # reports are written today: read when today is the stale window's first day (fresh),
    # then the day after (stale), and on this month's last day.
    now = timezone.localtime().date()
    fresh = now + datetime.timedelta(days=stale_days - 1)
    stale = now + datetime.timedelta(days=stale_days)
    month_end = (now.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    month_end -= datetime.timedelta(days=1)
    later = [(d, period_of_day(d)) for d in (fresh, stale, month_end)]
    return [*READINGS, (now, current_period(now)), *later]


# The annex, as the test keeps it --------------------------------------------------------------


def _deadline(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return "Thường xuyên"
    due = TODAY + datetime.timedelta(days=rng.randint(-120, 90))
    return f"trước ngày {due.day}/{due.month}/{due.year}"


def _new_task(rng: random.Random, serial: int) -> dict:
    supports = rng.sample(AGENCIES, rng.randint(0, 2))
    lead = rng.choice([a for a in AGENCIES if a not in supports])
    return {
        # Unique words: the import matches a revised row to its task with certainty.
        "description": f"Nhiệm vụ {serial} {' '.join(rng.sample(WORDS, 4))} số {serial * 7919}",
        "lead": lead,
        "supports": supports,
        "deadline": _deadline(rng),
    }


def _workbook(sections: list[list[dict]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục"
    sheet.append(["PHỤ LỤC"])
    sheet.append(
        ["(Kèm theo Kế hoạch số 77/KH-UBND ngày 15 tháng 01 năm 2026 của UBND tỉnh Bắc Kạn)"]
    )
    sheet.append([])
    sheet.append(HEADER)
    row = 4
    for number, tasks in enumerate(sections, start=1):
        row += 1
        sheet.append([str(number), f"Nhóm giải pháp {number}"])
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        for index, task in enumerate(tasks, start=1):
            row += 1
            sheet.append(
                [
                    f"{number}.{index}",
                    task["description"],
                    "Báo cáo",
                    task["lead"],
                    "; ".join(task["supports"]),
                    task["deadline"],
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(province, sections) -> Plan:
    report = annex_import(
        data=_workbook(sections),
        file_name="phu-luc.xlsx",
        province=province,
        plan_number="77/KH-UBND",
        year=2026,
        acknowledge=True,
    )
    assert not report.errors, report.errors
    return Plan.objects.get(pk=report.plan_id)


def _revise(rng: random.Random, sections: list[list[dict]], serial: int) -> int:
    """Edit the kept annex in place as a revision does; returns the next serial."""
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(["withdraw", "add", "move", "agencies", "deadline"])
        section = rng.choice(sections)
        if edit == "add" or not section:
            section.insert(rng.randint(0, len(section)), _new_task(rng, serial))
            serial += 1
        elif edit == "withdraw":
            section.pop(rng.randrange(len(section)))
        elif edit == "move":
            task = section.pop(rng.randrange(len(section)))
            target = rng.choice(sections)
            target.insert(rng.randint(0, len(target)), task)
        elif edit == "agencies":
            task = rng.choice(section)
            others = [a for a in AGENCIES if a != task["lead"]]
            task["supports"] = rng.sample(others, rng.randint(0, 2))  # drops and adds
        else:
            rng.choice(section)["deadline"] = _deadline(rng)
    return serial


# Steps through the services -------------------------------------------------------------------


def _in_force(plan) -> list[Assignment]:
    return list(
        Assignment.objects.in_force().filter(task__plan=plan).select_related("task").order_by("pk")
    )


def _report(rng, plan, users) -> None:
    assignment = rng.choice(_in_force(plan))
    status = rng.choice(Assignment.Status.values)
    completed = None
    if status == Assignment.Status.DONE:
        completed = ISSUED + datetime.timedelta(days=rng.randint(0, (TODAY - ISSUED).days))
    assignment_record_progress(
        assignment=assignment,
        author=users["staff"],
        status=status,
        completed_on=completed,
        note=f"Báo cáo {rng.random():.6f}",  # never "nothing changed"
        period=rng.choice(["2026-Q1", "2026-H1", ""]),
        today=TODAY,
    )


def _review(rng, plan, users) -> None:
    waiting = [a for a in _in_force(plan) if assignment_awaits_review(a)]
    if not waiting:
        return _report(rng, plan, users)
    confirm = rng.random() < 0.5
    assignment_review(
        assignment=rng.choice(waiting),
        reviewer=users["reviewer"],
        confirm=confirm,
        note="" if confirm else "Chưa đủ tài liệu kiểm chứng",
    )


def _extension(rng, plan, users) -> None:
    open_with_due = [
        a
        for a in _in_force(plan)
        if a.status != Assignment.Status.DONE
        and a.due_on is not None
        and a.extension_status != "pending"
    ]
    if not open_with_due:
        return _report(rng, plan, users)
    assignment = rng.choice(open_with_due)
    requested = max(assignment.due_on, TODAY) + datetime.timedelta(days=rng.randint(1, 60))
    extension = deadline_extension_request(
        assignment=assignment,
        author=users["staff"],
        requested_due=requested,
        reason="Chờ hướng dẫn",
        today=TODAY,
    )
    grant = rng.random() < 0.6
    deadline_extension_decide(
        extension=extension, reviewer=users["reviewer"], grant=grant, note="" if grant else "Không"
    )


def _restore(rng, plan, users) -> None:
    withdrawn = list(plan.tasks.filter(withdrawn_at__isnull=False).order_by("pk"))
    if not withdrawn:
        return _report(rng, plan, users)
    task_restore(task=rng.choice(withdrawn), actor=users["reviewer"])


# What the dashboard must say: counted assignment by assignment ---------------------------------


def _expected(scope: DashboardScope) -> dict:
    """{"totals" | ("section", id) | ("agency", id): {group: n, total, not_reported, stale}},
    from each in-force assignment's own `timeliness` (the Python rule), its updates and
    `stale_q`: no counters involved."""
    rows = list(scope.assignments().select_related("task"))
    reported = set(
        ProgressUpdate.objects.filter(period=scope.period).values_list("assignment_id", flat=True)
    )
    stale = set(scope.assignments().filter(stale_q(scope.as_of)).values_list("pk", flat=True))
    expected: dict = {}
    completions: dict[str, int] = {}
    for assignment in rows:
        completed = assignment.completed_on
        if (
            assignment.status == Assignment.Status.DONE
            and completed is not None
            and scope.period_start <= completed <= scope.as_of
        ):
            month = f"{completed.month:02d}/{completed.year}"
            completions[month] = completions.get(month, 0) + 1
        for key in (
            "totals",
            ("section", assignment.task.section_id),
            ("plan", assignment.task.plan_id),
            ("agency", assignment.agency_id),
        ):
            row = expected.setdefault(
                key, dict.fromkeys([*GROUPS, "total", "not_reported", "stale"], 0)
            )
            row[assignment.timeliness(scope.as_of)] += 1
            row["total"] += 1
            row["not_reported"] += assignment.pk not in reported
            row["stale"] += assignment.pk in stale
    # Each agency's newest update of any kind on its in-force assignments (none: no update).
    for agency_id, created_at in ProgressUpdate.objects.filter(
        assignment__in=scope.assignments()
    ).values_list("assignment__agency_id", "created_at"):
        row = expected[("agency", agency_id)]
        row["last_update"] = max(row.get("last_update") or created_at, created_at)
    for key, row in expected.items():
        if key != "totals" and key[0] == "agency":
            row.setdefault("last_update", None)
    if completions:
        expected["completions"] = completions
    return expected


KEYS = [*GROUPS, "total", "not_reported", "stale"]


def _shown(scope: DashboardScope) -> dict:
    """A province's view: from the counters per section and agency."""
    tables = dashboard_tables(scope, agencies=True)
    shown = {"totals": {k: tables.totals[k] for k in KEYS}} if tables.totals["total"] else {}
    for row in tables.by_section:
        shown[("section", row["key"])] = {k: row[k] for k in KEYS}
    for row in tables.by_plan:
        shown[("plan", row["key"])] = {k: row[k] for k in KEYS}
    for row in tables.by_agency:
        shown[("agency", row["agency_id"])] = {
            **{k: row[k] for k in KEYS},
            "last_update": row["last_update"],
        }
    if tables.completions:
        shown["completions"] = {row["month"]: row["count"] for row in tables.completions}
    return shown


def _shown_national(scope: DashboardScope) -> dict:
    """The national view: from the counters per plan."""
    tables = dashboard_tables(scope, sections=False)
    shown = {"totals": {k: tables.totals[k] for k in KEYS}} if tables.totals["total"] else {}
    for row in tables.by_plan:
        shown[("plan", row["key"])] = {k: row[k] for k in KEYS}
    if tables.completions:
        shown["completions"] = {row["month"]: row["count"] for row in tables.completions}
    return shown


def _check(province, stale_days: int) -> None:
    assert tallies_differences() == []
    for today, period in _readings(stale_days):
        scope = DashboardScope(province_id=province.pk, year=2026, period=period, today=today)
        expected = _expected(scope)
        assert _shown(scope) == expected, (today, period)
        # The whole country holds this one province's plans: the same numbers per plan.
        national = DashboardScope(province_id=None, year=2026, period=period, today=today)
        assert _shown_national(national) == {
            key: value
            for key, value in expected.items()
            if key in ("totals", "completions") or key[0] == "plan"
        }, (today, period)


STEPS = [_report, _report, _review, _extension, _restore, "import"]


@pytest.mark.parametrize("seed", range(12))
def test_random_sequences_keep_the_counters_equal_to_a_recount(
    seed, bac_kan, reviewer, staff_tuphap, settings
):
    settings.PARINDEX_STALE_DAYS = 30  # long enough since the plan's issue for some to be stale
    rng = random.Random(seed)
    users = {"staff": staff_tuphap, "reviewer": reviewer}
    serial = 1
    sections = []
    for _ in range(rng.randint(2, 3)):
        sections.append([_new_task(rng, serial + i) for i in range(rng.randint(2, 4))])
        serial += 4
    plan = _import(bac_kan, sections)
    _check(bac_kan, settings.PARINDEX_STALE_DAYS)
    for _step in range(25):
        step = rng.choice(STEPS)
        if step == "import":
            serial = _revise(rng, sections, serial)
            plan = _import(bac_kan, sections)
        else:
            step(rng, plan, users)
        _check(bac_kan, settings.PARINDEX_STALE_DAYS)
    # The sequence did what it is meant to exercise.
    assert ProgressUpdate.objects.filter(assignment__task__plan=plan).exists()


def test_the_random_sequences_cover_every_kind_of_change(bac_kan, reviewer, staff_tuphap):
    """Not a fixed walk that never withdraws or moves: across the seeds above, tasks are
    withdrawn, moved and reinstated, extensions granted and completions returned."""
    users = {"staff": staff_tuphap, "reviewer": reviewer}
    rng = random.Random(99)
    sections = [[_new_task(rng, i) for i in range(1, 5)], [_new_task(rng, i) for i in range(5, 9)]]
    plan = _import(bac_kan, sections)
    moved = sections[0].pop(0)
    sections[1].append(moved)
    withdrawn = sections[1].pop(0)
    plan = _import(bac_kan, sections)
    task = plan.tasks.get(description=moved["description"])
    assert task.section.title.endswith("2")
    gone = plan.tasks.filter(description=withdrawn["description"], withdrawn_at__isnull=False)
    if not gone.exists():  # a task with no work is deleted, not withdrawn: give it work first
        sections[1].insert(0, withdrawn)
        plan = _import(bac_kan, sections)
        lead = Assignment.objects.get(task__description=withdrawn["description"], role="lead")
        assignment_record_progress(
            assignment=lead, author=staff_tuphap, status="in_progress", note="x", today=TODAY
        )
        sections[1].pop(0)
        plan = _import(bac_kan, sections)
    assert tallies_differences() == []
    task_restore(task=gone.get(), actor=reviewer)
    assert tallies_differences() == []
    for step in (_extension, _report, _review):
        step(rng, plan, users)
        assert tallies_differences() == []
    assert DeadlineExtension.objects.exists()


# The recount command -------------------------------------------------------------------------


def test_recount_reports_and_fixes_a_corrupted_counter(bac_kan):
    plan = make_plan(bac_kan, number="8/KH-UBND", year=2026)
    task = make_task(plan, number="1", due_on=day("30/06/2026"))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    make_assignment(task, agency(bac_kan, "Sở Tài chính"), completed_on=day("02/05/2026"))
    out = io.StringIO()
    call_command("recount_tallies", stdout=out)
    assert "0 sections differ" in out.getvalue()
    # A drift of the counters the province's view reads (days as intervals).
    AssignmentBucketTally.objects.filter(done_in__isnull=True).update(n=5)
    PeriodReportTally.objects.create(
        section=task.section,
        plan=plan,
        province=bac_kan,
        year=2026,
        agency=agency(bac_kan, "Sở Tư pháp"),
        role="lead",
        period="2026-H1",
        n=1,
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("recount_tallies", stdout=out)
    assert refused.value.returncode == 1
    assert f"1 sections differ from the recount: {task.section_id}" in out.getvalue()
    scope = DashboardScope(province_id=bac_kan.pk, year=2026, period="2026-H1", today=TODAY)
    assert dashboard_tables(scope).totals["total"] == 6  # what a drift would show
    out = io.StringIO()
    call_command("recount_tallies", "--fix", stdout=out)
    assert "1 sections rewritten" in out.getvalue()
    assert tallies_differences() == []
    totals = dashboard_tables(scope).totals
    assert (totals["total"], totals["not_reported"], totals["done_on_time"]) == (2, 2, 1)


def test_recount_finds_a_drift_of_a_plans_counters_and_fixes_it(bac_kan):
    """The national view's counters per plan are checked too: a drift is reported as the
    plan's sections, and rewriting them sums the plan's rows again."""
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026)
    task = make_task(plan, number="1", due_on=day("30/06/2026"))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    make_assignment(task, agency(bac_kan, "Sở Tài chính"), completed_on=day("02/05/2026"))
    assert tallies_differences() == []
    PlanBucketTally.objects.filter(plan=plan, done_in__isnull=True).update(n=7)
    PlanPeriodTally.objects.create(plan=plan, province=bac_kan, year=2026, period="2026-H1", n=1)
    national = DashboardScope(province_id=None, year=2026, period="2026-H1", today=TODAY)
    assert dashboard_tables(national, sections=False).totals["total"] == 8  # the drift shows
    assert tallies_differences() == [task.section_id]
    call_command("recount_tallies", "--fix", stdout=io.StringIO())
    assert tallies_differences() == []
    totals = dashboard_tables(national, sections=False).totals
    assert (totals["total"], totals["not_reported"], totals["done_on_time"]) == (2, 2, 1)


def test_recount_finds_a_wrong_last_update_and_fixes_it(bac_kan):
    """The agencies' "cập nhật gần nhất" comes from the counters too: a row that says an older
    update than the newest one is reported, and rewriting its section shows the right day."""
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026)
    task = make_task(plan, number="1", due_on=day("30/06/2026"))
    tuphap = agency(bac_kan, "Sở Tư pháp")
    assignment = make_assignment(task, tuphap)
    update = ProgressUpdate.objects.create(
        assignment=assignment, status=assignment.status, note="Đang làm"
    )
    tallies_refresh(section_ids=[task.section_id])
    scope = DashboardScope(province_id=bac_kan.pk, year=2026, period="2026-H1", today=TODAY)

    def shown():
        return {
            row["agency_id"]: row["last_update"]
            for row in dashboard_tables(scope, agencies=True).by_agency
        }

    assert shown() == {tuphap.pk: update.created_at}
    LastUpdateTally.objects.update(last_update_at=update.created_at - datetime.timedelta(days=30))
    assert tallies_differences() == [task.section_id]
    call_command("recount_tallies", "--fix", stdout=io.StringIO())
    assert tallies_differences() == []
    assert shown() == {tuphap.pk: update.created_at}


def test_recount_finds_and_deletes_rows_whose_section_is_gone(bac_kan):
    """Without foreign-key constraints on the counters, a section deleted behind Django's back
    (raw SQL) leaves its counter rows, which the dashboard would go on summing: the daily
    recount reports them and --fix deletes them."""
    plan = make_plan(bac_kan, number="10/KH-UBND", year=2026)
    kept = make_task(plan, number="1", due_on=day("30/06/2026"))
    make_assignment(kept, agency(bac_kan, "Sở Tư pháp"))
    gone_section = Section.objects.create(plan=plan, number="II", title="Phần bị xóa", position=2)
    gone = make_task(plan, number="2", due_on=day("30/06/2026"), section=gone_section)
    make_assignment(gone, agency(bac_kan, "Sở Tài chính"))
    scope = DashboardScope(province_id=bac_kan.pk, year=2026, period="2026-H1", today=TODAY)
    assert dashboard_tables(scope).totals["total"] == 2
    with connection.cursor() as cursor:  # what a careless script would do
        for table in ("plans_assignment", "plans_task"):
            column = "task_id" if table == "plans_assignment" else "id"
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [gone.pk])
        cursor.execute("DELETE FROM plans_section WHERE id = %s", [gone_section.pk])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("recount_tallies", stdout=out)
    assert "rows of deleted sections, plans or agencies in AssignmentTally" in out.getvalue()
    out = io.StringIO()
    call_command("recount_tallies", "--fix", stdout=out)
    assert "rows of AssignmentBucketTally deleted" in out.getvalue()
    assert all(not rows.exists() for rows in tallies_orphans().values())
    call_command("recount_tallies", stdout=io.StringIO())  # clean now: no error
    # The plan's own rows were recounted too: the dashboard counts the one task left.
    assert dashboard_tables(scope).totals["total"] == 1


def _stored_counters() -> dict[str, list[tuple]]:
    return {
        model.__name__: sorted(
            model.objects.values_list(
                *(f.attname for f in model._meta.concrete_fields if not f.primary_key)
            ),
            key=repr,
        )
        for model in TALLY_MODELS
    }


def test_refreshing_every_counter_at_once_rewrites_drifted_and_orphaned_rows(bac_kan):
    """What a bulk load (the dataset generator's COPY) calls: every table refilled from the
    assignments, whatever the stored rows said."""
    plan = make_plan(bac_kan, number="11/KH-UBND", year=2026)
    task = make_task(plan, number="1", due_on=day("30/06/2026"))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    done = make_assignment(task, agency(bac_kan, "Sở Tài chính"), completed_on=day("02/05/2026"))
    other = make_task(make_plan(bac_kan, number="12/KH-UBND", year=2025), number="1")
    make_assignment(other, agency(bac_kan, "Sở Tư pháp"))
    ProgressUpdate.objects.create(assignment=done, status=done.status, note="Xong")
    tallies_refresh(section_ids=[task.section_id])
    stored = _stored_counters()
    assert stored["LastUpdateTally"]  # something to rewrite
    AssignmentBucketTally.objects.update(n=9)
    LastUpdateTally.objects.update(last_update_at=timezone.now() - datetime.timedelta(days=9))
    PlanBucketTally.objects.filter(plan=plan).delete()
    PlanPeriodTally.objects.create(plan=plan, province=bac_kan, year=2026, period="2026-H1", n=4)
    with connection.cursor() as cursor:  # rows no section holds any more
        cursor.execute("UPDATE plans_sectiontally SET section_id = section_id + 1000")
    assert tallies_differences() != []
    assert tallies_refresh_all() == 2
    assert tallies_differences() == []
    assert all(not rows.exists() for rows in tallies_orphans().values())
    assert _stored_counters() == stored
    scope = DashboardScope(province_id=bac_kan.pk, year=2026, period="2026-H1", today=TODAY)
    totals = dashboard_tables(scope).totals
    assert (totals["total"], totals["done_on_time"]) == (2, 1)


# Days pass --------------------------------------------------------------------------------------


def test_the_groups_move_as_days_pass_with_no_write(bac_kan):
    plan = make_plan(bac_kan, number="8/KH-UBND", year=2026)
    make_assignment(
        make_task(plan, number="1", due_on=day("10/06/2026")), agency(bac_kan, "Sở Tư pháp")
    )
    stored = list(AssignmentTally.objects.values_list("due_on", "done_on", "n"))

    def groups(today):
        scope = DashboardScope(province_id=bac_kan.pk, year=2026, period="2026-Y", today=today)
        totals = dashboard_tables(scope).totals
        return {g: totals[g] for g in GROUPS if totals[g]}

    assert groups(day("01/05/2026")) == {"on_track": 1}
    assert groups(day("09/06/2026")) == {"due_soon": 1}
    assert groups(day("11/06/2026")) == {"overdue": 1}
    # Nothing was written: the counter is the same row, read on another day.
    assert list(AssignmentTally.objects.values_list("due_on", "done_on", "n")) == stored


def test_an_import_counts_its_plan_in_its_own_transaction(bac_kan):
    """A dry run counts nothing; the committed import counts exactly its in-force work."""
    rng = random.Random(5)
    sections = [[_new_task(rng, i) for i in range(1, 6)]]
    annex_import(
        data=_workbook(sections),
        file_name="phu-luc.xlsx",
        province=bac_kan,
        plan_number="77/KH-UBND",
        year=2026,
        dry_run=True,
    )
    assert not AssignmentTally.objects.exists()
    started = time.perf_counter()
    plan = _import(bac_kan, sections)
    assert time.perf_counter() - started < 10
    assert (
        sum(AssignmentTally.objects.values_list("n", flat=True))
        == Assignment.objects.filter(task__plan=plan).count()
        > 5
    )
    assert Agency.objects.filter(pk__in=AssignmentTally.objects.values("agency_id")).count() > 1
    assert Task.objects.filter(plan=plan).count() == 5


def test_deleting_a_plan_deletes_its_counters(bac_kan):
    """The counters hold no foreign-key constraint in the database (plans.models,
    TALLY_REFERENCE): deleting a plan, as the admin does, must still take its counter rows
    with it, or the dashboard would go on counting work that no longer exists."""
    rng = random.Random(11)
    plan = _import(bac_kan, [[_new_task(rng, i) for i in range(1, 6)]])
    section_ids = list(plan.sections.values_list("pk", flat=True))
    tables = (
        AssignmentTally,
        SectionTally,
        AssignmentBucketTally,
        PlanBucketTally,
        PeriodReportTally,
        PlanPeriodTally,
    )
    assert AssignmentTally.objects.filter(plan=plan).exists()
    plan.delete()
    for model in tables:
        assert not model.objects.filter(plan_id=plan.pk).exists(), model.__name__
    assert not AssignmentTally.objects.filter(section_id__in=section_ids).exists()
    assert tallies_differences() == []


# What a write recounts ---------------------------------------------------------------------------


def _rows_of(section_ids) -> set[tuple]:
    """The stored counters' rows (by primary key) of these sections: a section recounted gets
    new rows, one left alone keeps the same."""
    return {
        (model.__name__, pk)
        for model in (
            AssignmentTally,
            SectionTally,
            PeriodReportTally,
            AssignmentBucketTally,
            LastUpdateTally,
        )
        for pk in model.objects.filter(section_id__in=section_ids).values_list("pk", flat=True)
    }


def test_a_progress_report_recounts_only_its_section_in_few_statements(
    bac_kan, staff_tuphap, django_assert_num_queries
):
    rng = random.Random(3)
    sections = [[_new_task(rng, i) for i in range(1, 4)], [_new_task(rng, i) for i in range(4, 7)]]
    plan = _import(bac_kan, sections)
    first, second = plan.sections.order_by("position").values_list("pk", flat=True)
    untouched = _rows_of([second])
    assignment = Assignment.objects.filter(task__section_id=first).first()
    assignment_record_progress(
        assignment=assignment,
        author=staff_tuphap,
        status="in_progress",
        note="Đang làm",
        period="2026-H1",
        today=TODAY,
    )
    assert tallies_differences() == []
    assert _rows_of([second]) == untouched
    # PostgreSQL: the plans' lock, then one statement deleting and inserting the seven
    # tables' rows; SQLite (no row locks, no data-modifying CTEs): a DELETE and an INSERT each.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 14):
        tallies_refresh(section_ids=[first])
    # The report's own refresh rewrote only its agency's rows of the agency-level tables.
    others = AssignmentTally.objects.filter(section_id=first).exclude(agency=assignment.agency)
    kept = set(others.values_list("pk", flat=True))
    assignment_record_progress(
        assignment=assignment,
        author=staff_tuphap,
        status="done",
        completed_on=TODAY,
        note="Xong",
        period="2026-H1",
        today=TODAY,
    )
    assert tallies_differences() == []
    assert set(others.values_list("pk", flat=True)) == kept


def test_an_unchanged_reimport_recounts_nothing_and_a_revision_only_what_it_changed(bac_kan):
    rng = random.Random(4)
    sections = [[_new_task(rng, i) for i in range(1, 4)] for _ in range(3)]
    for i, section in enumerate(sections):
        for j, task in enumerate(section):
            task["description"] += f" mục {i} dòng {j}"
    plan = _import(bac_kan, sections)
    ids = list(plan.sections.order_by("position").values_list("pk", flat=True))
    before, third = _rows_of(ids), _rows_of([ids[2]])
    _import(bac_kan, sections)
    assert _rows_of(ids) == before  # not one row rewritten
    # A task moves from the first section to the second; the third is not touched.
    sections[1].append(sections[0].pop(0))
    _import(bac_kan, sections)
    assert tallies_differences() == []
    assert _rows_of([ids[2]]) == third
    assert _rows_of(ids[:2]).isdisjoint(before)


def test_a_section_of_new_tasks_and_one_a_worked_task_moves_into_are_both_counted(
    bac_kan, staff_tuphap
):
    """An import recounts the sections holding only tasks it created without looking for
    progress updates (none can exist yet); a section the revised file adds is not one of them
    when a task with reported work moves into it: its last report and period still count."""
    rng = random.Random(6)
    sections = [[_new_task(rng, i) for i in range(1, 4)], [_new_task(rng, i) for i in range(4, 7)]]
    for task in sections[0]:
        task["deadline"] = "Thường xuyên"  # no due date: counted by its last report
    plan = _import(bac_kan, sections)
    old = set(plan.sections.values_list("pk", flat=True))
    moving = sections[0][0]
    assignment_record_progress(
        assignment=Assignment.objects.get(task__description=moving["description"], role="lead"),
        author=staff_tuphap,
        status="in_progress",
        note="Đang làm",
        period="2026-H1",
        today=TODAY,
    )
    sections.append([sections[0].pop(0), _new_task(rng, 7)])
    sections.append([_new_task(rng, 8), _new_task(rng, 9)])
    plan = _import(bac_kan, sections)

    section_id = plan.tasks.get(description=moving["description"]).section_id
    assert section_id not in old and plan.sections.exclude(pk__in=old).count() == 2
    assert tallies_differences() == []
    assert PeriodReportTally.objects.filter(section_id=section_id, period="2026-H1").exists()
    assert LastUpdateTally.objects.filter(section_id=section_id).exists()
    assert AssignmentTally.objects.filter(
        section_id=section_id, last_report_on__isnull=False
    ).exists()
