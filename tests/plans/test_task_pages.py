"""The task pages: who sees and changes what, the list's filters and search, progress with
evidence, review, concurrent saves, and fixed query counts."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from agencies.services import user_with_membership_upsert
from parindex.indices.models import Criterion, Index
from plans.models import Assignment, Evidence, ProgressUpdate, Section
from tests.conftest import PASSWORD, agency
from tests.downloads import fetch_file
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(bac_kan, cao_bang):
    """Two Bắc Kạn plans and one Cao Bằng plan with assignments in every group."""
    tp, tc, nv = (agency(bac_kan, n) for n in ("Sở Tư pháp", "Sở Tài chính", "Sở Nội vụ"))
    plan = make_plan(bac_kan, number="1/KH-UBND", year=TODAY.year)
    plan.indices.set(Index.objects.filter(code="PAR"))
    papi = make_plan(bac_kan, number="2/KH-UBND", year=2023)
    papi.indices.set(Index.objects.filter(code="PAPI"))
    t1 = make_task(
        plan, number="1", due_on=TODAY + 3 * DAY, description="Đẩy mạnh cải cách hành chính"
    )
    t2 = make_task(plan, number="2", due_on=TODAY - 5 * DAY, description="Rà soát văn bản")
    t3 = make_task(plan, number="3", kind="ongoing", description="Theo dõi thi hành pháp luật")
    t4 = make_task(plan, number="4", due_on=TODAY - 10 * DAY, description="Tổ chức hội nghị")
    t5 = make_task(plan, number="5", due_on=TODAY + 40 * DAY, description="Nhiệm vụ đã rút")
    t5.withdrawn_at = timezone.now()
    t5.save()
    t7 = make_task(
        papi, number="1.1", due_on=datetime.date(2023, 8, 15), description="Công khai ngân sách"
    )
    criterion = Criterion.objects.filter(edition__index__code="PAPI").first()
    t7.criteria.add(criterion)
    other_plan = make_plan(cao_bang, number="9/KH-UBND", year=TODAY.year)
    t6 = make_task(other_plan, number="1", due_on=TODAY + 3 * DAY)
    a = {
        "t1_tp": make_assignment(t1, tp),
        "t1_tc": make_assignment(t1, tc, role=Assignment.Role.SUPPORT),
        "t2_tc": make_assignment(t2, tc, status=Assignment.Status.IN_PROGRESS),
        "t3_nv": make_assignment(t3, nv),
        "t3_tp": make_assignment(t3, tp, role=Assignment.Role.SUPPORT),
        "t4_tp": make_assignment(t4, tp, completed_on=TODAY - 12 * DAY),
        "t5_tp": make_assignment(t5, tp),
        "t7_tp": make_assignment(t7, tp),
        "t6_nv": make_assignment(t6, agency(cao_bang, "Sở Nội vụ")),
    }
    a["t4_tp"].review = Assignment.Review.PENDING
    a["t4_tp"].save()
    return {
        "tasks": {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7},
        "a": a,
        "plan": plan,
        "papi": papi,
        "criterion": criterion,
        "tc": tc,
        "tp": tp,
    }


def rows_of(client, **params) -> set[str]:
    """The (task number, agency) rows the list shows, across pages."""
    response = client.get(reverse("plans:task_list"), {**params, "per_page": 500})
    assert response.status_code == 200
    table = response.context["table"]
    return (
        {(r.record.task.number, r.record.agency.name) for r in table.paginated_rows}
        if table.page
        else set()
    )


# Who sees what --------------------------------------------------------------------------


def test_staff_see_their_agency_assignments_only(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    assert rows_of(client) == {
        ("1", "Sở Tư pháp"),
        ("3", "Sở Tư pháp"),
        ("4", "Sở Tư pháp"),
        ("1.1", "Sở Tư pháp"),
    }


def test_reviewers_and_leaders_see_their_province(client, world, reviewer, leader):
    for user in (reviewer, leader):
        client.force_login(user)
        rows = rows_of(client)
        assert len(rows) == 7  # every Bắc Kạn assignment but the withdrawn task's
        assert ("5", "Sở Tư pháp") not in rows


def test_administrators_see_every_province(client, world, administrator):
    client.force_login(administrator)
    assert len(rows_of(client)) == 8


def test_whole_country_unfiltered_pages_without_counting(client, world, administrator):
    """Counting ~1,000,000 assignments costs more than the page: the administrator's
    unfiltered list pages lazily, and any filter brings the exact count back."""
    client.force_login(administrator)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("plans:task_list"), {"per_page": 3})
    assert response.status_code == 200
    assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)
    assert "Trang 1" in response.text and "8 phân công" not in response.text
    filtered = client.get(reverse("plans:task_list"), {"status": "in_progress"})
    assert f"{filtered.context['table'].paginator.count} phân công" in filtered.text


def _progress(client, assignment, **data):
    payload = {
        "status": "in_progress",
        "note": "Đang làm",
        "period": "",
        "completed_on": "",
        "version": assignment.version,
        **data,
    }
    return client.post(reverse("plans:assignment_progress", args=[assignment.pk]), payload)


def _review(client, assignment, decision="confirm", note=""):
    return client.post(
        reverse("plans:assignment_review", args=[assignment.pk]),
        {"decision": decision, "note": note, "version": assignment.version},
    )


PERSONAS = [
    "anonymous",
    "staff_tuphap",
    "staff_taichinh",
    "reviewer",
    "leader",
    "administrator",
    "other_reviewer",
]
# persona: (t1 page, t2 page, t6 page, progress on t1_tp, review of t4_tp)
MATRIX = {
    "anonymous": (302, 302, 302, 302, 302),
    "staff_tuphap": (200, 404, 404, 302, 403),
    "staff_taichinh": (200, 200, 404, 403, 404),
    "reviewer": (200, 200, 404, 403, 302),
    "leader": (200, 200, 404, 403, 403),
    "administrator": (200, 200, 200, 403, 302),
    "other_reviewer": (404, 404, 200, 404, 404),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix(client, world, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    tasks, a = world["tasks"], world["a"]
    got = (
        client.get(reverse("plans:task_detail", args=[tasks["t1"].pk])).status_code,
        client.get(reverse("plans:task_detail", args=[tasks["t2"].pk])).status_code,
        client.get(reverse("plans:task_detail", args=[tasks["t6"].pk])).status_code,
        _progress(client, a["t1_tp"]).status_code,
        _review(client, a["t4_tp"]).status_code,
    )
    assert got == MATRIX[persona]
    if MATRIX[persona][3] != 302:
        assert not a["t1_tp"].updates.exists()  # a refused POST changes nothing


def test_state_changes_are_post_only(client, world, staff_tuphap, reviewer):
    client.force_login(staff_tuphap)
    a = world["a"]
    assert client.get(reverse("plans:assignment_progress", args=[a["t1_tp"].pk])).status_code == 405
    client.force_login(reviewer)
    assert client.get(reverse("plans:assignment_review", args=[a["t4_tp"].pk])).status_code == 405


def test_withdrawn_task_is_not_found(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    assert (
        client.get(reverse("plans:task_detail", args=[world["tasks"]["t5"].pk])).status_code == 404
    )


def test_staff_of_a_successor_agency_see_the_predecessors_work(client, bac_kan, staff_taichinh):
    planning = agency(bac_kan, "Sở Kế hoạch và Đầu tư")  # merged into Sở Tài chính on 01/03/2025
    task = make_task(make_plan(bac_kan), due_on=TODAY - DAY)
    assignment = make_assignment(task, planning)
    client.force_login(staff_taichinh)
    assert ("1", "Sở Kế hoạch và Đầu tư") in rows_of(client)
    assert _progress(client, assignment).status_code == 302


# Filters ----------------------------------------------------------------------------------


@pytest.fixture
def as_reviewer(client, world, reviewer):
    client.force_login(reviewer)
    return client


def test_each_filter_keeps_its_rows(as_reviewer, world):
    c = as_reviewer
    tp, tc = world["tp"], world["tc"]
    assert rows_of(c, plan=world["papi"].pk) == {("1.1", "Sở Tư pháp")}
    assert rows_of(c, index="PAPI") == {("1.1", "Sở Tư pháp")}
    assert len(rows_of(c, index="PAR")) == 6
    assert rows_of(c, section=world["tasks"]["t7"].section_id) == {("1.1", "Sở Tư pháp")}
    assert rows_of(c, agency=tc.pk) == {("1", "Sở Tài chính"), ("2", "Sở Tài chính")}
    assert rows_of(c, role="support") == {("1", "Sở Tài chính"), ("3", "Sở Tư pháp")}
    assert rows_of(c, status="done") == {("4", "Sở Tư pháp")}
    assert rows_of(c, timeliness="overdue") == {("2", "Sở Tài chính"), ("1.1", "Sở Tư pháp")}
    assert rows_of(c, timeliness="due_soon") == {("1", "Sở Tư pháp"), ("1", "Sở Tài chính")}
    assert rows_of(c, timeliness="no_deadline") == {("3", "Sở Nội vụ"), ("3", "Sở Tư pháp")}
    assert rows_of(c, timeliness="done_on_time") == {("4", "Sở Tư pháp")}
    assert rows_of(c, quarter="2023-Q3") == {("1.1", "Sở Tư pháp")}
    assert rows_of(c, criterion=world["criterion"].pk) == {("1.1", "Sở Tư pháp")}
    assert rows_of(c, agency=tp.pk, role="lead", status="not_started") == {
        ("1", "Sở Tư pháp"),
        ("1.1", "Sở Tư pháp"),
    }


def test_due_dates_accept_both_formats(as_reviewer, world):
    start, end = TODAY - 6 * DAY, TODAY + 4 * DAY
    expected = {("1", "Sở Tư pháp"), ("1", "Sở Tài chính"), ("2", "Sở Tài chính")}
    assert (
        rows_of(
            as_reviewer, due_after=start.strftime("%d/%m/%Y"), due_before=end.strftime("%d/%m/%Y")
        )
        == expected
    )
    assert rows_of(as_reviewer, due_after=start.isoformat(), due_before=end.isoformat()) == expected


def test_search_ignores_case_and_diacritics(as_reviewer, world):
    assert rows_of(as_reviewer, q="so noi vu") == {("3", "Sở Nội vụ")}
    assert rows_of(as_reviewer, q="cai cach") == {("1", "Sở Tư pháp"), ("1", "Sở Tài chính")}
    assert rows_of(as_reviewer, q="CÔNG KHAI") == {("1.1", "Sở Tư pháp")}
    assert rows_of(as_reviewer, q="1.1") == {("1.1", "Sở Tư pháp")}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"quarter": "2023-Q5"}, "Quý phải có dạng"),
        ({"due_after": "32/13/2022"}, "dd/mm/yyyy"),
        ({"timeliness": "sometime"}, "Hãy chọn"),
    ],
)
def test_a_wrong_parameter_gets_a_message_and_no_rows(as_reviewer, world, params, message):
    response = as_reviewer.get(reverse("plans:task_list"), params)
    assert response.status_code == 200
    assert message in response.text
    assert response.context["table"].paginator.count == 0


def test_agency_lookup_is_a_searchable_list_limited_to_the_province(client, world, reviewer):
    client.force_login(reviewer)
    results = client.get(reverse("plans:agency_lookup"), {"q": "tu phap"}).json()["results"]
    assert [r["name"] for r in results] == ["Sở Tư pháp"]
    assert len(client.get(reverse("plans:agency_lookup"), {"q": ""}).json()["results"]) == 20


def test_export_has_the_same_rows_as_the_list(as_reviewer, world):
    response = fetch_file(as_reviewer, reverse("plans:task_export"), {"timeliness": "overdue"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted((r[2], r[4]) for r in rows) == [("1.1", "Sở Tư pháp"), ("2", "Sở Tài chính")]
    assert {r[10] for r in rows} == {"Quá hạn"}


def test_export_writes_formula_like_text_as_text(as_reviewer, world):
    task = world["tasks"]["t2"]
    task.description = '=HYPERLINK("http://x")'
    task.save()
    response = fetch_file(as_reviewer, reverse("plans:task_export"), {"q": "hyperlink"})
    cell = openpyxl.load_workbook(io.BytesIO(response.body)).active["D2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


# Progress, evidence, review ------------------------------------------------------------------


def test_staff_reports_done_with_evidence_and_reviewer_confirms(
    client, world, staff_tuphap, reviewer
):
    assignment = world["a"]["t1_tp"]
    client.force_login(staff_tuphap)
    response = _progress(
        client,
        assignment,
        status="done",
        completed_on=TODAY.strftime("%d/%m/%Y"),
        note="Đã ban hành kế hoạch",
        period=f"{TODAY.year}-Y",
        files=[
            SimpleUploadedFile("ke-hoach.pdf", PDF),
            SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        ],
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.completed_on, assignment.review) == (
        "done",
        TODAY,
        "pending",
    )
    update = assignment.updates.get()
    assert update.changes == {
        "status": ["not_started", "done"],
        "completed_on": [None, TODAY.isoformat()],
    }
    assert sorted(e.content_type for e in update.evidence.all()) == ["application/pdf", "image/png"]
    page = client.get(reverse("plans:task_detail", args=[assignment.task_id])).text
    assert "Đã ban hành kế hoạch" in page and "ke-hoach.pdf" in page

    client.force_login(reviewer)
    assert _review(client, assignment, "confirm").status_code == 302
    assignment.refresh_from_db()
    assert assignment.review == "confirmed" and assignment.reviewed_by == reviewer
    assert assignment.updates.count() == 2


def test_reviewer_returns_with_a_reason(client, world, reviewer):
    assignment = world["a"]["t4_tp"]
    client.force_login(reviewer)
    _review(client, assignment, "return", note="")
    assignment.refresh_from_db()
    assert assignment.status == "done"  # a return needs a reason: nothing changed
    _review(client, assignment, "return", note="Thiếu tài liệu kiểm chứng")
    assignment.refresh_from_db()
    assert (assignment.status, assignment.review, assignment.completed_on) == (
        "in_progress",
        "returned",
        None,
    )
    assert assignment.updates.get().kind == ProgressUpdate.Kind.RETURN


def test_evidence_is_checked_by_content_not_name(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    assignment = world["a"]["t1_tp"]
    response = _progress(
        client, assignment, files=[SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf")]
    )
    assert response.status_code == 400
    assert "Loại tệp không được chấp nhận" in response.text
    assert not assignment.updates.exists() and not Evidence.objects.exists()


def test_evidence_over_the_size_limit_is_refused(client, world, staff_tuphap, settings):
    settings.PARINDEX_UPLOAD_MAX_BYTES = 100
    client.force_login(staff_tuphap)
    response = _progress(
        client, world["a"]["t1_tp"], files=[SimpleUploadedFile("a.pdf", PDF + b"0" * 200)]
    )
    assert response.status_code == 400 and "lớn hơn giới hạn" in response.text
    assert not Evidence.objects.exists()


def test_evidence_is_served_only_to_those_who_see_the_task(
    client, world, staff_tuphap, other_reviewer, leader
):
    client.force_login(staff_tuphap)
    _progress(client, world["a"]["t1_tp"], files=[SimpleUploadedFile("ke hoach.pdf", PDF)])
    evidence = Evidence.objects.get()
    url = reverse("plans:evidence_download", args=[evidence.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    client.force_login(leader)
    assert client.get(url).status_code == 200
    client.force_login(other_reviewer)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_second_concurrent_save_is_refused_and_nothing_is_lost(
    client, world, staff_tuphap, bac_kan
):
    colleague = user_with_membership_upsert(
        username="tuphap2",
        password=PASSWORD,
        full_name="Đồng nghiệp",
        role=Membership.Role.STAFF,
        agency=agency(bac_kan, "Sở Tư pháp"),
    )
    assignment = world["a"]["t1_tp"]
    loaded_version = assignment.version  # both open the page now
    client.force_login(staff_tuphap)
    assert (
        _progress(
            client, assignment, note="Bản của người thứ nhất", version=loaded_version
        ).status_code
        == 302
    )
    client.force_login(colleague)
    response = _progress(client, assignment, note="Bản của người thứ hai", version=loaded_version)
    assert response.status_code == 409
    assert "Chưa lưu" in response.text
    assert "Bản của người thứ nhất" in response.text  # what changed meanwhile
    assert "Bản của người thứ hai" in response.text  # what they typed, still in the form
    assert list(assignment.updates.values_list("note", flat=True)) == ["Bản của người thứ nhất"]
    # Saving again on the current version works.
    assignment.refresh_from_db()
    assert _progress(client, assignment, note="Bản của người thứ hai").status_code == 302
    assert assignment.updates.count() == 2


def test_done_needs_a_completion_date(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    response = _progress(client, world["a"]["t1_tp"], status="done", completed_on="")
    assert response.status_code == 400 and "Hãy nhập ngày hoàn thành" in response.text


# Fixed query counts ----------------------------------------------------------------------------


def _grow(world, n):
    plan, tp = world["plan"], world["tp"]
    section = Section.objects.filter(plan=plan).first()
    for i in range(n):
        task = make_task(plan, number=f"x{i}", due_on=TODAY + (i % 20) * DAY, section=section)
        make_assignment(task, tp)


@pytest.mark.parametrize("extra", [0, 60])
def test_task_list_makes_a_fixed_number_of_queries(
    client, world, reviewer, extra, django_assert_max_num_queries
):
    _grow(world, extra)
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, plans for the filter form, count,
    # page of rows: the same for 10 rows or 10,000.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("plans:task_list"), {"status": "not_started"})
    assert response.status_code == 200


@pytest.mark.parametrize("more", [0, 25])
def test_task_page_makes_a_fixed_number_of_queries(
    client, world, reviewer, bac_kan, more, django_assert_max_num_queries
):
    assignment = world["a"]["t1_tp"]
    task = assignment.task
    author = get_user_model().objects.get(username="noivu")
    for other in bac_kan.agencies.exclude(name__in=["Sở Tư pháp", "Sở Tài chính"])[:more]:
        extra = make_assignment(task, other, completed_on=TODAY)  # done: a review form each
        ProgressUpdate.objects.create(assignment=extra, status="done", note="x", author=author)
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, task, assignments, updates,
    # evidence, criteria; for a reviewer, the plan's indices, the criteria it may link and,
    # when any criterion is suggested, those rejected for the task: the same for 2
    # assignments or 27.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("plans:task_detail", args=[task.pk]))
    assert response.status_code == 200
    assert response.text.count("Xác nhận hoàn thành") == more


def test_home_counts_by_group(client, world, staff_tuphap, django_assert_max_num_queries):
    client.force_login(staff_tuphap)
    # session, user, membership, agency, merged provinces, counts (one aggregate), due soon
    # (the soonest tasks due in 30 days, those with an extension in them, their lines),
    # overdue (the plans' earliest due dates, then two halves: the tasks' dates, the
    # extensions), returned, plans, the agency's province in the heading.
    with django_assert_max_num_queries(16):
        response = client.get("/")
    counts = response.context["overview"]["counts"]
    assert counts == {
        "done_on_time": 1,
        "done_late": 0,
        "on_track": 0,
        "due_soon": 1,
        "overdue": 1,
        "no_deadline": 1,
    }
    assert [t["task__number"] for t in response.context["overview"]["due_soon"]] == ["1"]
    assert [a.task.number for a in response.context["overview"]["overdue"]] == ["1.1"]


def test_a_confirmed_completion_cannot_be_confirmed_again(client, world, reviewer):
    assignment = world["a"]["t4_tp"]
    client.force_login(reviewer)
    _review(client, assignment, "confirm")
    assignment.refresh_from_db()
    page = client.get(reverse("plans:task_detail", args=[assignment.task_id])).text
    assert 'value="confirm"' not in page  # no review form any more
    _review(client, assignment, "confirm")
    _review(client, assignment, "return", note="muộn")
    assignment.refresh_from_db()
    assert (assignment.review, assignment.status) == ("confirmed", "done")
    assert assignment.updates.count() == 1


def test_history_reads_in_vietnamese(client, world, staff_tuphap):
    client.force_login(staff_tuphap)
    assignment = world["a"]["t7_tp"]  # of the 2023 plan: done in 2023
    response = _progress(
        client, assignment, status="done", completed_on="20/12/2023", period=f"{TODAY.year}-H1"
    )
    assert response.status_code == 302
    page = client.get(reverse("plans:task_detail", args=[assignment.task_id])).text
    assert "Tiến độ: Chưa thực hiện → Đã hoàn thành" in page
    assert "Ngày hoàn thành: — → 20/12/2023" in page
    assert f"kỳ 6 tháng {TODAY.year}" in page


def test_list_rows_show_every_column_as_text(as_reviewer, world):
    """The rows are built outside django-tables2's cell loop: each column still reads as before."""
    t2 = world["tasks"]["t2"]
    page = as_reviewer.get(reverse("plans:task_list"), {"status": "in_progress"}).text
    assert (
        f'<tr class="even"><td>2</td><td><a href="/tasks/{t2.pk}/">Rà soát văn bản</a></td>'
        "<td>Sở Tài chính</td><td>Chủ trì</td><td>Đang thực hiện</td>"
        f'<td>{t2.due_on:%d/%m/%Y}</td><td><span class="t t-overdue">Quá hạn</span></td>'
        f"<td>1/KH-UBND ({TODAY.year})</td></tr>"
    ) in page
    long = make_task(
        world["plan"], number="", deadline_text="Hằng quý", description="Rất dài " * 30
    )
    make_assignment(long, world["tp"], status=Assignment.Status.IN_PROGRESS)
    page = as_reviewer.get(reverse("plans:task_list"), {"status": "in_progress"}).text
    shown = ("Rất dài " * 30)[:157] + "…"
    assert f'<td>—</td><td><a href="/tasks/{long.pk}/">{shown}</a></td>' in page
    assert "<td>Hằng quý</td>" in page
    assert page.count('<tr class="odd">') == 1


def test_pagination_is_vietnamese(as_reviewer, world):
    _grow(world, 30)
    page = as_reviewer.get(reverse("plans:task_list")).text
    assert "Trang sau" in page and ">next<" not in page


@pytest.mark.parametrize("sort", ["due", "-due", "plan", "-plan", "status", "role", "agency"])
def test_paging_through_a_sorted_list_shows_every_row_once(client, bac_kan, reviewer, sort):
    # 60 assignments sharing one plan, one due date, one status and one role: only a unique
    # last key keeps their order the same from one page's query to the next.
    plan = make_plan(bac_kan, number="5/KH-UBND", year=TODAY.year)
    departments = [agency(bac_kan, n) for n in ("Sở Tư pháp", "Sở Tài chính", "Sở Nội vụ")]
    expected = set()
    for n in range(20):
        task = make_task(plan, number=str(n + 1), due_on=TODAY + 3 * DAY)
        for department in departments:
            expected.add(make_assignment(task, department).pk)
    client.force_login(reviewer)
    seen = []
    for page in (1, 2, 3, 4, 5, 6):
        response = client.get(
            reverse("plans:task_list"),
            {"plan": plan.pk, "sort": sort, "per_page": 10, "page": page},
        )
        assert response.status_code == 200
        seen += [row.record.pk for row in response.context["table"].paginated_rows]
    assert len(seen) == 60
    assert set(seen) == expected


def test_a_long_history_shows_the_latest_and_links_to_all(
    client, world, staff_tuphap, django_assert_max_num_queries
):
    assignment = world["a"]["t1_tp"]
    start = timezone.now() - datetime.timedelta(days=100)
    updates = ProgressUpdate.objects.bulk_create(
        ProgressUpdate(assignment=assignment, status="in_progress", note=f"Báo cáo lần {n}")
        for n in range(1, 36)
    )
    for n, update in enumerate(updates, start=1):  # auto_now_add: dated afterwards
        update.created_at = start + datetime.timedelta(days=n)
    ProgressUpdate.objects.bulk_update(updates, ["created_at"])
    client.force_login(staff_tuphap)
    url = reverse("plans:task_detail", args=[assignment.task_id])
    with django_assert_max_num_queries(12):
        page = client.get(url).text
    assert "(35 mục)" in page
    # Entries whose author's account was deleted (author set to NULL) still read.
    assert "tài khoản đã xoá" in page
    assert "Báo cáo lần 35" in page and "Báo cáo lần 6<" in page
    assert "Báo cáo lần 5<" not in page
    assert page.index("Báo cáo lần 35") < page.index("Báo cáo lần 34")  # newest first
    assert 'href="?history=all#history">Xem toàn bộ 35 mục (đang hiện 30 mục mới nhất)' in page
    everything = client.get(url, {"history": "all"}).text
    assert "Báo cáo lần 1<" in everything and "Xem toàn bộ" not in everything


def test_home_lists_overdue_work_oldest_first_by_each_agencys_own_date(
    client, bac_kan, staff_tuphap
):
    """The home page's "Quá hạn": the oldest due dates first, read through a granted
    extension (an extension past today is not overdue; one already past is, by its own date),
    and done work never."""
    tuphap = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="30/KH-UBND", year=TODAY.year)
    days = {
        name: TODAY - datetime.timedelta(days=n)
        for name, n in (("A", 40), ("B", 20), ("C", 60), ("D", 90), ("E", 10))
    }
    made = {
        name: make_assignment(make_task(plan, number=name, due_on=due), tuphap)
        for name, due in days.items()
    }
    # D: extended to 5 days ago (overdue since then); C: extended past today (not overdue).
    Assignment.objects.filter(pk=made["D"].pk).update(
        extended_to=TODAY - datetime.timedelta(days=5)
    )
    Assignment.objects.filter(pk=made["C"].pk).update(
        extended_to=TODAY + datetime.timedelta(days=30)
    )
    Assignment.objects.filter(pk=made["E"].pk).update(
        status=Assignment.Status.DONE, completed_on=TODAY - datetime.timedelta(days=1)
    )
    client.force_login(staff_tuphap)
    overdue = client.get("/").context["overview"]["overdue"]
    assert [a.task.number for a in overdue] == ["A", "B", "D"]
