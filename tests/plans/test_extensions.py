"""Deadline extensions (gia hạn): an agency's staff ask for a later due date with a reason,
Sở Nội vụ of the province grants or refuses it; the requests and decisions stay; timeliness,
lists, the dashboard, reports and exports count against the granted date and show the
original one."""

import datetime
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from plans.models import Assignment, DeadlineExtension, ImportRun, Plan, Task
from plans.reminders import reminders_collect
from plans.selectors import timeliness_counts
from plans.services import deadline_extension_decide, deadline_extension_request
from plans.tallies import tallies_refresh
from plans.timeliness import Timeliness, timeliness_case
from tests.conftest import agency
from tests.downloads import fetch_file
from tests.factories import day, make_assignment, make_plan, make_task
from tests.plans.test_import import PAPI_XLSX
from tests.plans.test_import_web import upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def work(bac_kan, cao_bang):
    """Task 1, due in 3 days: Sở Tư pháp leads, Sở Tài chính supports. Task 2 is ongoing.
    Cao Bằng has a task of its own."""
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    plan = make_plan(bac_kan, number="1/KH-UBND", year=TODAY.year)
    t1 = make_task(plan, number="1", due_on=TODAY + 3 * DAY, description="Rà soát thủ tục")
    t2 = make_task(plan, number="2", kind="ongoing", description="Theo dõi thường xuyên")
    other = make_task(make_plan(cao_bang, number="9/KH-UBND", year=TODAY.year), due_on=TODAY)
    return {
        "t1": t1,
        "lead": make_assignment(t1, tp),
        "support": make_assignment(t1, tc, role=Assignment.Role.SUPPORT),
        "ongoing": make_assignment(t2, tp),
        "other": make_assignment(other, agency(cao_bang, "Sở Tư pháp")),
    }


def ask(client, assignment, due, reason="Chờ ý kiến của Bộ Tư pháp"):
    return client.post(
        reverse("plans:extension_request", args=[assignment.pk]),
        {"requested_due": due.strftime("%d/%m/%Y") if due else "", "reason": reason},
    )


def decide(client, extension, decision, note=""):
    return client.post(
        reverse("plans:extension_decide", args=[extension.pk]),
        {"decision": decision, "note": note},
    )


def page_of(client, task):
    return client.get(reverse("plans:task_detail", args=[task.pk])).text


# --- The flow ---------------------------------------------------------------------------


def test_staff_request_and_reviewer_grant_move_only_that_agencys_due_date(
    client, work, staff_tuphap, reviewer
):
    lead, support, t1 = work["lead"], work["support"], work["t1"]
    new_due = TODAY + 30 * DAY
    client.force_login(staff_tuphap)
    assert "Đề nghị gia hạn" in page_of(client, t1)
    response = ask(client, lead, new_due)
    assert response.status_code == 302
    extension = DeadlineExtension.objects.get()
    assert (extension.status, extension.due_before, extension.requested_due) == (
        "pending",
        t1.due_on,
        new_due,
    )
    assert extension.requested_by == staff_tuphap
    page = page_of(client, t1)
    assert "Chờ quyết định" in page and "Chờ ý kiến của Bộ Tư pháp" in page
    assert "Gửi đề nghị gia hạn" not in page  # one open request at a time
    assert "Gia hạn đến" not in page  # staff do not decide

    client.force_login(reviewer)
    page = page_of(client, t1)
    assert f"Gia hạn đến {new_due:%d/%m/%Y}" in page
    assert decide(client, extension, "grant", "Đồng ý").status_code == 302

    extension.refresh_from_db()
    lead.refresh_from_db()
    support.refresh_from_db()
    assert (extension.status, extension.decided_by, extension.decision_note) == (
        "granted",
        reviewer,
        "Đồng ý",
    )
    assert lead.extended_to == new_due and lead.due_on == new_due
    # The task's date is shared: the support agency did not ask and keeps it.
    assert support.extended_to is None and support.due_on == t1.due_on
    assert lead.timeliness(TODAY) == Timeliness.ON_TRACK
    assert support.timeliness(TODAY) == Timeliness.DUE_SOON
    page = page_of(client, t1)
    assert "đã gia hạn" in page and f"hạn gốc {t1.due_on:%d/%m/%Y}" in page
    assert "Đã gia hạn" in page  # the decision in the history
    # Audited: the request, its decision and the assignment's new date.
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DeadlineExtension),
        object_pk=str(extension.pk),
    )
    assert {e.action for e in entries} == {LogEntry.Action.CREATE, LogEntry.Action.UPDATE}
    assignment_entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Assignment), object_pk=str(lead.pk)
    )
    moved = [e for e in assignment_entries if "extended_to" in e.changes_dict]
    assert [(e.changes_dict["extended_to"], e.actor) for e in moved] == [
        (["None", str(new_due)], reviewer)
    ]


def test_refusal_needs_a_reason_and_both_requests_stay_in_the_history(
    client, work, staff_tuphap, reviewer
):
    lead, t1 = work["lead"], work["t1"]
    client.force_login(staff_tuphap)
    ask(client, lead, TODAY + 10 * DAY)
    first = DeadlineExtension.objects.get()
    client.force_login(reviewer)
    response = decide(client, first, "refuse")
    assert response.status_code == 302
    assert "Hãy ghi lý do không gia hạn." in client.get(response.url).text
    first.refresh_from_db()
    assert first.status == "pending"

    decide(client, first, "refuse", "Nhiệm vụ cần xong trước kỳ báo cáo")
    first.refresh_from_db()
    lead.refresh_from_db()
    assert first.status == "refused" and lead.extended_to is None
    # Deciding again changes nothing.
    decide(client, first, "grant")
    first.refresh_from_db()
    assert first.status == "refused"

    client.force_login(staff_tuphap)
    assert ask(client, lead, TODAY + 5 * DAY, "Lý do mới").status_code == 302
    assert DeadlineExtension.objects.count() == 2
    page = page_of(client, t1)
    assert "Không gia hạn" in page and "Nhiệm vụ cần xong trước kỳ báo cáo" in page
    assert "Lý do mới" in page


def test_requests_and_decisions_are_never_deleted(work, staff_tuphap):
    extension = deadline_extension_request(
        assignment=work["lead"],
        author=staff_tuphap,
        requested_due=TODAY + 9 * DAY,
        reason="x",
        today=TODAY,
    )
    with pytest.raises(ValidationError):
        extension.delete()
    with pytest.raises(ProtectedError):
        Assignment.objects.filter(pk=work["lead"].pk).delete()
    assert DeadlineExtension.objects.filter(pk=extension.pk).exists()


# --- Refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, reason, message",
    [
        (TODAY - DAY, "Lý do", "Ngày đề nghị không được trước hôm nay."),
        (TODAY + 3 * DAY, "Lý do", "Ngày đề nghị phải sau hạn hiện tại"),
        (TODAY + 2 * DAY, "Lý do", "Ngày đề nghị phải sau hạn hiện tại"),
        (TODAY + 9 * DAY, "   ", "Hãy ghi lý do đề nghị gia hạn."),
        (None, "Lý do", "Hãy nhập ngày đề nghị gia hạn."),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_save_nothing(
    client, work, staff_tuphap, due, reason, message
):
    client.force_login(staff_tuphap)
    response = ask(client, work["lead"], due, reason)
    assert response.status_code == 400
    assert message in response.text
    assert reason.strip() in response.text  # what was typed is still there
    assert not DeadlineExtension.objects.exists()


def test_who_may_not_ask(client, work, staff_tuphap, staff_taichinh, reviewer, leader):
    lead = work["lead"]
    for user in (staff_taichinh, reviewer, leader):  # another agency, Sở Nội vụ, a leader
        client.force_login(user)
        assert ask(client, lead, TODAY + 9 * DAY).status_code == 403
    client.force_login(staff_tuphap)
    assert ask(client, work["other"], TODAY + 9 * DAY).status_code == 404  # Cao Bằng's
    assert ask(client, work["ongoing"], TODAY + 9 * DAY).status_code == 403  # no date to move
    Assignment.objects.filter(pk=lead.pk).update(status="done", completed_on=TODAY)
    assert ask(client, lead, TODAY + 9 * DAY).status_code == 403  # done
    response = client.get(reverse("plans:extension_request", args=[lead.pk]))
    assert response.status_code == 405
    assert not DeadlineExtension.objects.exists()


def test_a_second_open_request_is_refused(client, work, staff_tuphap):
    client.force_login(staff_tuphap)
    ask(client, work["lead"], TODAY + 9 * DAY)
    with pytest.raises(ValidationError, match="đang chờ Sở Nội vụ"):
        deadline_extension_request(
            assignment=work["lead"],
            author=staff_tuphap,
            requested_due=TODAY + 20 * DAY,
            reason="Lần hai",
            today=TODAY,
        )
    assert DeadlineExtension.objects.count() == 1


def test_who_may_not_decide(
    client, work, staff_tuphap, leader, other_reviewer, reviewer, administrator
):
    client.force_login(staff_tuphap)
    ask(client, work["lead"], TODAY + 9 * DAY)
    extension = DeadlineExtension.objects.get()
    for user, status in ((staff_tuphap, 403), (leader, 403), (other_reviewer, 404)):
        client.force_login(user)
        assert decide(client, extension, "grant").status_code == status
    client.force_login(reviewer)
    assert client.get(reverse("plans:extension_decide", args=[extension.pk])).status_code == 405
    extension.refresh_from_db()
    work["lead"].refresh_from_db()
    assert extension.status == "pending" and work["lead"].extended_to is None
    client.force_login(administrator)
    assert decide(client, extension, "grant").status_code == 302
    extension.refresh_from_db()
    assert extension.status == "granted"


def test_a_grant_no_longer_needed_is_refused(work, staff_tuphap, reviewer):
    extension = deadline_extension_request(
        assignment=work["lead"],
        author=staff_tuphap,
        requested_due=TODAY + 9 * DAY,
        reason="x",
        today=TODAY,
    )
    # Meanwhile a revised annex moved the task's date past the requested one.
    Task.objects.filter(pk=work["t1"].pk).update(due_on=TODAY + 20 * DAY)
    with pytest.raises(ValidationError, match="không sớm hơn ngày đề nghị"):
        deadline_extension_decide(extension=extension, reviewer=reviewer, grant=True)
    extension.refresh_from_db()
    assert extension.status == "pending"


# --- Timeliness against the granted date -------------------------------------------------

CASES = [
    # (status, completed_on, task due, granted, expected)
    ("in_progress", None, -5, 10, Timeliness.ON_TRACK),
    ("in_progress", None, -5, 3, Timeliness.DUE_SOON),
    ("in_progress", None, -5, -1, Timeliness.OVERDUE),
    ("in_progress", None, 2, None, Timeliness.DUE_SOON),
    ("done", -2, -5, 0, Timeliness.DONE_ON_TIME),  # late against the plan, on time as granted
    ("done", -2, -5, -3, Timeliness.DONE_LATE),
    ("done", -2, -5, None, Timeliness.DONE_LATE),
]


def test_python_and_database_agree_on_the_granted_date(bac_kan):
    tp = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="3/KH-UBND", year=TODAY.year)
    expected = {}
    for i, (status, completed, due, granted, group) in enumerate(CASES):
        task = make_task(plan, number=str(i), due_on=TODAY + due * DAY)
        assignment = make_assignment(
            task, tp, status=status, completed_on=TODAY + completed * DAY if completed else None
        )
        if granted is not None:
            Assignment.objects.filter(pk=assignment.pk).update(extended_to=TODAY + granted * DAY)
        expected[assignment.pk] = group
    rows = Assignment.objects.filter(task__plan=plan).select_related("task")
    annotated = {a.pk: a.timeliness for a in rows.annotate(timeliness=timeliness_case(TODAY))}
    in_python = {a.pk: a.timeliness(TODAY) for a in rows}
    assert annotated == in_python == expected
    counts = timeliness_counts(rows, today=TODAY)
    assert counts == {g.value: list(expected.values()).count(g) for g in Timeliness}


# --- Where it shows: list, home, dashboard, report, export --------------------------------


def test_task_list_marks_extended_rows_and_filters_pending_requests(
    client, work, staff_tuphap, reviewer
):
    client.force_login(staff_tuphap)
    ask(client, work["lead"], TODAY + 30 * DAY)
    client.force_login(reviewer)
    url = reverse("plans:task_list")
    pending = client.get(url, {"extension": "pending"})
    assert [(r.task.number, r.agency.name) for r in pending.context["table"].data] == [
        ("1", "Sở Tư pháp")
    ]
    assert pending.text.count("chờ duyệt gia hạn") == 1
    deadline_extension_decide(
        extension=DeadlineExtension.objects.get(), reviewer=reviewer, grant=True
    )
    assert not list(client.get(url, {"extension": "pending"}).context["table"].data)
    page = client.get(url, {"extension": "granted"})
    assert len(page.context["table"].data) == 1
    assert "đã gia hạn" in page.text
    assert f"(hạn gốc {work['t1'].due_on:%d/%m/%Y})" in page.text
    # Counted in its granted group: not due soon any more, but on track.
    rows = client.get(url, {"timeliness": "due_soon"}).context["table"].data
    assert [(r.task.number, r.agency.name) for r in rows] == [("1", "Sở Tài chính")]


def test_home_lists_the_granted_date(client, work, staff_tuphap, reviewer):
    Assignment.objects.filter(pk=work["lead"].pk).update(extended_to=TODAY + 20 * DAY)
    client.force_login(staff_tuphap)
    response = client.get("/")
    assert response.context["overview"]["counts"]["due_soon"] == 0
    assert [(t["task__number"], t["due"]) for t in response.context["overview"]["due_soon"]] == [
        ("1", TODAY + 20 * DAY)
    ]
    assert f"(hạn gốc {work['t1'].due_on:%d/%m/%Y})" in response.text
    assert f"hạn {TODAY + 20 * DAY:%d/%m/%Y}" in response.text and "đã gia hạn" in response.text


def extend(province, task, agency_name, date):
    Assignment.objects.filter(task__plan=province["plan"], task__number=task).filter(
        agency__name=agency_name
    ).update(extended_to=day(date))
    # Written past the services: recount the dashboard's counters as they would.
    tallies_refresh(section_ids=province["plan"].sections.values_list("pk", flat=True))


def test_dashboard_counts_and_lists_against_the_granted_date(client, reviewer, bac_kan, province):
    # D (due 31/03, Sở Tài chính, open) granted 19/06: due soon at the 14/06 cut-off, not
    # overdue. C (Sở Tài chính done 01/06, due 31/05) granted 05/06: on time.
    extend(province, "D", "Sở Tài chính", "19/06/2024")
    extend(province, "C", "Sở Tài chính", "05/06/2024")
    client.force_login(reviewer)
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    )
    totals = response.context["totals"]
    assert (totals["overdue"], totals["due_soon"], totals["done_late"], totals["done_on_time"]) == (
        0,
        4,
        0,
        3,
    )
    deadlines = response.context["deadlines"]
    assert [(t["task__number"], t["due"]) for t in deadlines["upcoming"]] == [
        ("A", day("14/06/2024")),
        ("B", day("15/06/2024")),
        ("D", day("19/06/2024")),
        ("G", day("20/06/2024")),
    ]
    assert deadlines["overdue"] == []
    assert "đã gia hạn" in response.text and "hạn gốc 31/03/2024" in response.text
    assert "?extension=pending" in response.text


def test_report_and_export_show_the_granted_and_original_dates(client, reviewer, bac_kan, province):
    extend(province, "D", "Sở Tài chính", "20/06/2024")
    client.force_login(reviewer)
    report = fetch_file(
        client,
        reverse("plans:report_download", args=[f"plan-{province['plan'].pk}", "2024-H1", "xlsx"]),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(report.body)).active
    rows = {r[0]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=6))}
    assert "Sở Tài chính đã gia hạn đến 20/06/2024" in rows["D"][4]
    assert rows["D"][5] == "Sắp đến hạn"

    # The Word draft's overdue list: D is no longer overdue; set it overdue against its grant.
    extend(province, "D", "Sở Tài chính", "01/06/2024")
    docx = fetch_file(
        client, reverse("plans:report_download", args=[f"province-{bac_kan.pk}", "2024-H1", "docx"])
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.body)).paragraphs)
    assert "D. Nhiệm vụ D (đã gia hạn đến 01/06/2024, hạn gốc 31/03/2024)" in text

    export = fetch_file(client, reverse("plans:task_export") + f"?province={bac_kan.pk}")
    sheet = openpyxl.load_workbook(io.BytesIO(export.body)).active
    header = [c.value for c in sheet[1]]
    assert (header[8], header[-1]) == ("Hạn hoàn thành", "Gia hạn đến")
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == "D")
    assert row[8].date() == day("31/03/2024") and row[-1].date() == day("01/06/2024")
    assert row[10] == "Quá hạn"  # against 01/06, as of today


# --- Query counts do not grow with extensions -----------------------------------------


@pytest.mark.parametrize("extended", [0, 30])
def test_pages_make_a_fixed_number_of_queries_with_extensions(
    client, work, bac_kan, reviewer, staff_tuphap, extended, django_assert_max_num_queries
):
    t1 = work["t1"]
    others = bac_kan.agencies.exclude(name__in=["Sở Tư pháp", "Sở Tài chính"])[:extended]
    for i, other in enumerate(others):
        task = make_task(t1.plan, number=f"x{i}", due_on=TODAY + DAY)
        assignment = make_assignment(task, other)
        make_assignment(t1, other, role=Assignment.Role.SUPPORT)
        DeadlineExtension.objects.create(
            assignment=assignment,
            requested_by=staff_tuphap,
            due_before=task.due_on,
            requested_due=TODAY + 40 * DAY,
            reason="x",
        )
        Assignment.objects.filter(pk=assignment.pk).update(
            extended_to=TODAY + 40 * DAY, extension_status="pending"
        )
    for extra in Assignment.objects.filter(task=t1).exclude(agency__name="Sở Tài chính"):
        DeadlineExtension.objects.create(
            assignment=extra,
            requested_by=staff_tuphap,
            due_before=t1.due_on,
            requested_due=TODAY + 40 * DAY,
            reason="x",
        )
        Assignment.objects.filter(pk=extra.pk).update(extension_status="pending")
    client.force_login(reviewer)
    # The same budgets as the pinned tests of each page (test_task_pages, test_dashboard).
    with django_assert_max_num_queries(8):
        assert client.get(reverse("plans:task_list")).status_code == 200
    with django_assert_max_num_queries(13):
        response = client.get(reverse("plans:task_detail", args=[t1.pk]))
    assert response.text.count("Gia hạn đến") == 1 + extended
    # 16 before the counters: the grouped pass became three (counters, reported, stale); the
    # deadline lists read the scope's plans, then their two halves, by the task's date and by
    # the extension's (+4);
    # and the points at stake's six (see test_dashboard's pin).
    with django_assert_max_num_queries(22 + 6):
        client.get(reverse("plans:dashboard"), {"province": bac_kan.pk, "year": TODAY.year})
    client.force_login(staff_tuphap)
    with django_assert_max_num_queries(16):  # test_task_pages's pin
        client.get("/")


# --- A revised annex that moves the task's date ---------------------------------------


@pytest.fixture
def papi_with_extension(client, reviewer, bac_kan, staff_tuphap):
    """The 2018 PAPI plan imported through the web; task 1.5 ("Quý II/2018", due 30/06/2018)
    has its lead's extension granted to today + 60 days."""
    client.force_login(reviewer)
    upload(client, PAPI_XLSX, province=bac_kan.pk)
    run = ImportRun.objects.get()
    assert client.post(reverse("plans:import_confirm", args=[run.pk])).status_code == 302
    task = Task.objects.get(plan=Plan.objects.get(), number="1.5")
    assert task.due_on == day("30/06/2018")
    lead = task.assignments.get(role="lead")
    granted = TODAY + 60 * DAY
    extension = deadline_extension_request(
        assignment=lead, author=staff_tuphap, requested_due=granted, reason="x", today=TODAY
    )
    deadline_extension_decide(extension=extension, reviewer=reviewer, grant=True)
    return {"task": task, "lead": lead, "granted": granted}


def reimport_with_deadline(client, bac_kan, tmp_path, deadline):
    """Preview and confirm the annex with task 1.5's deadline cell rewritten; the preview's
    page text."""

    workbook = openpyxl.load_workbook(PAPI_XLSX)
    sheet = workbook.active
    assert sheet["A10"].value == "1.5"
    sheet["E10"] = deadline
    path = tmp_path / "phu-luc-sua-doi.xlsx"
    workbook.save(path)
    response = upload(client, path, province=bac_kan.pk)
    preview_page = client.get(response.url).text
    preview = ImportRun.objects.filter(dry_run=True).latest("created_at")
    assert client.post(reverse("plans:import_confirm", args=[preview.pk])).status_code == 302
    return preview_page


def test_a_revised_earlier_date_keeps_the_later_granted_one(
    client, bac_kan, tmp_path, papi_with_extension
):
    task, lead, granted = (papi_with_extension[k] for k in ("task", "lead", "granted"))
    page = reimport_with_deadline(client, bac_kan, tmp_path, "trước ngày 31/12/2018")
    assert f"giữ hạn đã gia hạn {granted:%d/%m/%Y} (hạn mới theo phụ lục 31/12/2018" in page
    task.refresh_from_db()
    lead.refresh_from_db()
    assert task.due_on == day("31/12/2018")
    assert lead.extended_to == granted and lead.timeliness(TODAY) == Timeliness.ON_TRACK


def test_a_revised_date_later_than_the_grant_supersedes_it(
    client, bac_kan, tmp_path, papi_with_extension
):
    task, lead, granted = (papi_with_extension[k] for k in ("task", "lead", "granted"))
    later = TODAY + 400 * DAY
    page = reimport_with_deadline(client, bac_kan, tmp_path, f"trước ngày {later:%d/%m/%Y}")
    assert f"hạn mới {later:%d/%m/%Y} thay cho hạn đã gia hạn {granted:%d/%m/%Y}" in page
    lead.refresh_from_db()
    assert lead.extended_to is None and lead.due_on == later
    # The request and its grant stay in the history, on the task page too.
    assert DeadlineExtension.objects.get(assignment=lead).status == "granted"
    history = client.get(reverse("plans:task_detail", args=[lead.task_id])).text
    assert f"đến <strong>{granted:%d/%m/%Y}</strong>" in history and "Đã gia hạn" in history


def test_a_revised_ongoing_deadline_supersedes_the_grant_and_says_so(
    client, bac_kan, tmp_path, papi_with_extension
):
    lead, granted = papi_with_extension["lead"], papi_with_extension["granted"]
    page = reimport_with_deadline(client, bac_kan, tmp_path, "Thường xuyên")
    assert f"phụ lục không còn hạn cụ thể thay cho hạn đã gia hạn {granted:%d/%m/%Y}" in page
    lead.refresh_from_db()
    assert lead.extended_to is None and lead.timeliness(TODAY) == Timeliness.NO_DEADLINE


def test_an_extension_does_not_make_progress_being_typed_stale(client, work, staff_tuphap):
    """Progress loaded before a request or a grant is still saved: extensions leave the
    assignment's version alone."""
    lead = work["lead"]
    client.force_login(staff_tuphap)
    version = (
        client.get(reverse("plans:task_detail", args=[work["t1"].pk]))
        .context["mine"][0]["assignment"]
        .version
    )
    ask(client, lead, TODAY + 9 * DAY)
    response = client.post(
        reverse("plans:assignment_progress", args=[lead.pk]),
        {"status": "in_progress", "note": "Đang làm", "period": "", "version": version},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "in_progress" and lead.extension_status == "pending"


def test_reminders_use_the_granted_date(work, staff_tuphap, staff_taichinh):
    for user, email in ((staff_tuphap, "tuphap@backan.gov.vn"), (staff_taichinh, "tc@x.vn")):
        user.email = email
        user.save()
    # Task 1 is due in 3 days: both agencies would be reminded within 7 days.
    Assignment.objects.filter(pk=work["lead"].pk).update(extended_to=TODAY + 30 * DAY)
    items = {r.agency.name: r.due_soon for r in reminders_collect(TODAY, 7)}
    assert "Sở Tư pháp" not in items  # its date is 30 days away now
    assert [i.due_on for i in items["Sở Tài chính"]] == [work["t1"].due_on]
    Assignment.objects.filter(pk=work["lead"].pk).update(extended_to=TODAY + 5 * DAY)
    items = {r.agency.name: r.due_soon for r in reminders_collect(TODAY, 7)}
    assert [(i.due_on, i.days) for i in items["Sở Tư pháp"]] == [(TODAY + 5 * DAY, 5)]
