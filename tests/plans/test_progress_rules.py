"""What a progress report must be to be recorded: a completion date neither in the future nor
before the plan, something that changes, one record for one report posted twice, one clear
message per wrong field, and dates typed the ways people type them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.models import Assignment, Evidence, ProgressUpdate
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def assignment(bac_kan):
    """Sở Tư pháp's open assignment on a 2024 plan issued on 15/03/2024."""
    plan = make_plan(bac_kan, number="7/KH-UBND", year=2024, issued_on=datetime.date(2024, 3, 15))
    task = make_task(plan, number="1", due_on=datetime.date(2024, 12, 31))
    return make_assignment(task, agency(bac_kan, "Sở Tư pháp"))


def post(client, assignment, **data):
    payload = {
        "status": "in_progress",
        "note": "",
        "period": "",
        "completed_on": "",
        "version": assignment.version,
        **data,
    }
    return client.post(reverse("plans:assignment_progress", args=[assignment.pk]), payload)


def error_of(response, field: str) -> list[str]:
    forms = [row["form"] for row in response.context["mine"]]
    return [str(message) for form in forms for message in form.errors.get(field, [])]


# The completion date ---------------------------------------------------------------------------


def test_a_completion_date_in_the_future_is_refused(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = post(client, assignment, status="done", completed_on=f"{tomorrow:%d/%m/%Y}")
    assert response.status_code == 400
    assert error_of(response, "completed_on") == [
        f"Ngày hoàn thành không được sau hôm nay ({TODAY:%d/%m/%Y}): hãy nhập ngày đã hoàn "
        "thành thực tế."
    ]
    assignment.refresh_from_db()
    assert (assignment.status, assignment.completed_on) == ("not_started", None)
    assert not assignment.updates.exists()


def test_a_completion_date_before_the_plan_was_issued_is_refused(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    response = post(client, assignment, status="done", completed_on="14/03/2024", note="Xong")
    assert response.status_code == 400
    assert error_of(response, "completed_on") == [
        "Ngày hoàn thành không được trước ngày ban hành kế hoạch 7/KH-UBND (15/03/2024)."
    ]
    assert not assignment.updates.exists()
    # The day it was issued and today are both fine.
    assert post(client, assignment, status="done", completed_on="15/03/2024").status_code == 302
    assignment.refresh_from_db()
    assert assignment.completed_on == datetime.date(2024, 3, 15)
    response = post(client, assignment, status="done", completed_on=f"{TODAY:%d/%m/%Y}")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.completed_on == TODAY


def test_without_an_issue_date_the_plan_year_is_the_limit(client, bac_kan, staff_tuphap):
    plan = make_plan(bac_kan, number="8/KH-UBND", year=2023)  # issued_on unknown
    task = make_task(plan, number="1", due_on=datetime.date(2023, 6, 30))
    assignment = make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    client.force_login(staff_tuphap)
    response = post(client, assignment, status="done", completed_on="01/01/2015")
    assert response.status_code == 400
    assert error_of(response, "completed_on") == [
        "Ngày hoàn thành không được trước ngày đầu năm ban hành kế hoạch 8/KH-UBND (01/01/2023)."
    ]
    assert post(client, assignment, status="done", completed_on="02/01/2023").status_code == 302


# One error per field, dates as typed -----------------------------------------------------------


@pytest.mark.parametrize("typed", ["05/01/2025", "5/1/2025", "05-01-2025", "05.01.2025"])
def test_dates_are_read_as_people_type_them(client, assignment, staff_tuphap, typed):
    client.force_login(staff_tuphap)
    assert post(client, assignment, status="done", completed_on=typed).status_code == 302
    assignment.refresh_from_db()
    assert assignment.completed_on == datetime.date(2025, 1, 5)


@pytest.mark.parametrize("typed", ["31/02/2025", "2025/01/05", "5 tháng 1", "05/01/25"])
def test_a_wrong_date_gets_one_message_naming_the_format(client, assignment, staff_tuphap, typed):
    client.force_login(staff_tuphap)
    response = post(client, assignment, status="done", completed_on=typed)
    assert response.status_code == 400
    assert error_of(response, "completed_on") == [
        "Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy, ví dụ 20/12/2024."
    ]
    assert response.text.count('<ul class="errorlist">') == 1
    assert not assignment.updates.exists()


def test_done_without_a_date_gets_one_message(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    response = post(client, assignment, status="done", completed_on="")
    assert error_of(response, "completed_on") == ["Hãy nhập ngày hoàn thành (dd/mm/yyyy)."]


def test_the_date_field_opens_a_keyboard_with_a_slash_and_offers_a_calendar(
    client, assignment, staff_tuphap
):
    client.force_login(staff_tuphap)
    page = client.get(reverse("plans:task_detail", args=[assignment.task_id])).text
    field = page[page.index('name="completed_on"') - 200 : page.index('name="completed_on"') + 200]
    assert "data-date-picker" in field and 'placeholder="dd/mm/yyyy"' in field
    assert "inputmode" not in field  # the numeric keypad has no "/"
    assert "js/date-picker.js" in page


# Nothing to record ---------------------------------------------------------------------------


def test_a_report_that_changes_nothing_is_refused(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    response = post(client, assignment, status="not_started", note="  ", period="2024-Y")
    assert response.status_code == 400
    assert "Không có gì thay đổi" in response.text
    assert not assignment.updates.exists()
    assignment.refresh_from_db()
    assert assignment.version == 1


@pytest.mark.parametrize(
    "change",
    [
        {"note": "Đã họp triển khai"},
        {"status": "in_progress"},
        {"files": [SimpleUploadedFile("bien-ban.pdf", PDF)]},
    ],
    ids=["a note", "a status", "a file"],
)
def test_a_note_a_status_or_a_file_is_something_to_record(client, assignment, staff_tuphap, change):
    client.force_login(staff_tuphap)
    data = {"status": "not_started", **change}
    assert post(client, assignment, **data).status_code == 302
    assert assignment.updates.count() == 1


# Posted twice --------------------------------------------------------------------------------


def test_the_same_form_posted_twice_is_recorded_once_and_answered_as_saved(
    client, assignment, staff_tuphap
):
    client.force_login(staff_tuphap)
    data = {
        "status": "done",
        "completed_on": "20/12/2024",
        "note": "Đã hoàn thành",
        "period": "2024-Y",
    }
    first = post(client, assignment, files=[SimpleUploadedFile("kq.pdf", PDF)], **data)
    assert first.status_code == 302
    second = post(client, assignment, files=[SimpleUploadedFile("kq.pdf", PDF)], **data)
    assert second.status_code == 302  # not a 409 about one's own save
    page = client.get(second.url)
    assert "Đã lưu tiến độ." in page.text and "Chưa lưu" not in page.text
    assert assignment.updates.count() == 1 and Evidence.objects.count() == 1
    assignment.refresh_from_db()
    assert assignment.version == 2


def test_a_different_report_on_the_same_version_is_still_a_conflict(
    client, assignment, staff_tuphap
):
    client.force_login(staff_tuphap)
    assert post(client, assignment, note="Bản thứ nhất").status_code == 302
    response = post(client, assignment, note="Bản thứ hai")
    assert response.status_code == 409 and "Chưa lưu" in response.text
    assert list(assignment.updates.values_list("note", flat=True)) == ["Bản thứ nhất"]


def test_two_posts_under_way_at_once_record_once(assignment, staff_tuphap):
    """The second post loaded the assignment before the first was saved: its compare-and-swap
    fails, and finds its own report there."""
    stale = Assignment.objects.select_related("task__plan").get(pk=assignment.pk)
    report = {
        "author": staff_tuphap,
        "status": "in_progress",
        "note": "Đang làm",
        "period": "2024-Y",
        "expected_version": 1,
    }
    first = services.assignment_record_progress(assignment=assignment, **report)
    second = services.assignment_record_progress(assignment=stale, **report)
    assert second.pk == first.pk and second.repeated
    assert ProgressUpdate.objects.count() == 1
