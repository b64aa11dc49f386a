"""Review as a flow: Sở Nội vụ's "Chờ xác nhận" counter, a return that says so and emails the
agency its reason, a one-click resubmission, a confirmed completion changed afterwards going
back to review; and the task page that puts each user's work first."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from agencies.services import user_with_membership_upsert
from plans.models import Assignment, ProgressUpdate
from tests.conftest import PASSWORD, agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DONE_ON = datetime.date(2024, 11, 20)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def task(bac_kan):
    plan = make_plan(bac_kan, number="3/KH-UBND", year=2024)
    return make_task(plan, number="2.1", due_on=datetime.date(2024, 12, 31))


@pytest.fixture
def reported(client, task, bac_kan, staff_tuphap):
    """Sở Tư pháp reported its part done on 20/11/2024, with a note and a PDF; Sở Tài chính
    supports the task and has not reported."""
    staff_tuphap.email = "tuphap@backan.gov.vn"
    staff_tuphap.save()
    mine = make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    make_assignment(task, agency(bac_kan, "Sở Tài chính"), role=Assignment.Role.SUPPORT)
    client.force_login(staff_tuphap)
    response = progress(
        client,
        mine,
        status="done",
        completed_on="20/11/2024",
        note="Đã ban hành quy chế phối hợp",
        files=[SimpleUploadedFile("quy-che.pdf", PDF)],
    )
    assert response.status_code == 302
    client.logout()
    mine.refresh_from_db()
    return mine


def progress(client, assignment, **data):
    payload = {"status": "in_progress", "note": "", "period": "", "completed_on": ""}
    payload.update(version=assignment.version, **data)
    return client.post(reverse("plans:assignment_progress", args=[assignment.pk]), payload)


def review(client, assignment, decision, note=""):
    return client.post(
        reverse("plans:assignment_review", args=[assignment.pk]),
        {"decision": decision, "note": note, "version": assignment.version},
        follow=True,
    )


def waiting(client) -> int:
    return client.get("/").context["review_queue"]["count"]


def page_of(client, assignment, **params):
    return client.get(reverse("plans:task_detail", args=[assignment.task_id]), params)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# The queue -------------------------------------------------------------------------------------


def test_home_counts_completions_awaiting_review_for_the_reviewer(
    client, reported, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, counts, due soon, overdue (the
    # plans' earliest due dates, then two halves: the tasks' dates, the extensions), returned,
    # plans, the agency's province in the heading, the review queue's count and its oldest 10.
    with django_assert_max_num_queries(16):
        response = client.get("/")
    assert response.context["review_queue"]["count"] == 1
    assert [a.pk for a in response.context["review_queue"]["oldest"]] == [reported.pk]
    queue = response.text[response.text.index('id="review-queue"') :]
    assert f'href="/tasks/{reported.task_id}/"' in queue.split("</section>")[0]
    assert '<a class="group t-due_soon" href="/tasks/?review=pending"><strong>1</strong>' in (
        response.text
    )
    assert "Chờ xác nhận" in response.text
    review(client, reported, "confirm")
    assert waiting(client) == 0


def test_agency_staff_have_no_review_counter(client, reported, staff_tuphap, staff_taichinh):
    for user in (staff_tuphap, staff_taichinh):
        client.force_login(user)
        response = client.get("/")
        assert response.context["review_queue"] is None
        assert "Chờ Sở Nội vụ xác nhận" not in response.text
        assert "review=pending" not in response.text


def test_the_counter_is_of_the_reviewers_province_only(client, reported, other_reviewer):
    client.force_login(other_reviewer)
    assert waiting(client) == 0


# Confirm and return ------------------------------------------------------------------------------


def test_confirm_says_so(client, reported, reviewer):
    client.force_login(reviewer)
    response = review(client, reported, "confirm", note="Đầy đủ")
    assert messages_of(response) == ["Đã xác nhận hoàn thành của Sở Tư pháp."]
    assert len(mail.outbox) == 0


def test_return_says_so_and_emails_the_agency_its_reason(
    client, reported, reviewer, staff_taichinh, bac_kan
):
    colleague = user_with_membership_upsert(
        username="tuphap2",
        password=PASSWORD,
        full_name="Đồng nghiệp",
        role=Membership.Role.STAFF,
        agency=agency(bac_kan, "Sở Tư pháp"),
    )
    colleague.email = "dongnghiep@backan.gov.vn"
    colleague.save()
    staff_taichinh.email = "taichinh@backan.gov.vn"  # another agency: not told
    staff_taichinh.save()
    reviewer.email = "noivu@backan.gov.vn"
    reviewer.save()
    client.force_login(reviewer)
    response = review(client, reported, "return", note="Thiếu quyết định ban hành quy chế.")
    assert messages_of(response) == [
        "Đã trả lại cho Sở Tư pháp để bổ sung. Đã gửi thư báo lý do cho 2 cán bộ của cơ quan."
    ]
    assert "Đã ghi ý kiến xác nhận" not in response.text
    [email] = mail.outbox
    assert email.to == ["dongnghiep@backan.gov.vn", "tuphap@backan.gov.vn"]
    assert email.subject == "[parindex] Sở Nội vụ trả lại nhiệm vụ 2.1 – Sở Tư pháp"
    assert "Thiếu quyết định ban hành quy chế." in email.body
    assert f"/tasks/{reported.task_id}/" in email.body
    reported.refresh_from_db()
    assert (reported.status, reported.review) == ("in_progress", "returned")


def test_a_return_without_a_reason_changes_nothing_and_emails_nobody(client, reported, reviewer):
    client.force_login(reviewer)
    response = review(client, reported, "return", note=" ")
    assert messages_of(response) == ["Hãy ghi lý do trả lại."]
    assert len(mail.outbox) == 0
    reported.refresh_from_db()
    assert (reported.status, reported.review) == ("done", "pending")


def test_a_return_to_an_agency_without_email_is_still_saved_and_says_so(
    client, reported, reviewer, staff_tuphap
):
    staff_tuphap.email = ""
    staff_tuphap.save()
    client.force_login(reviewer)
    response = review(client, reported, "return", note="Thiếu tài liệu")
    assert "Đã trả lại cho Sở Tư pháp để bổ sung. Chưa gửi được thư báo" in messages_of(response)[0]
    reported.refresh_from_db()
    assert reported.review == "returned"


def test_staff_see_the_reason_and_resubmit_in_one_click(client, reported, reviewer, staff_tuphap):
    client.force_login(reviewer)
    review(client, reported, "return", note="Thiếu quyết định ban hành quy chế.")
    reported.refresh_from_db()
    client.force_login(staff_tuphap)
    response = page_of(client, reported)
    [row] = response.context["mine"]
    assert "Sở Nội vụ trả lại" in response.text
    assert "Thiếu quyết định ban hành quy chế." in response.text
    assert "Gửi lại để xác nhận" in response.text
    # The form offers the completion reported before: submitting it as it is resubmits.
    form = row["form"]
    assert form["status"].value() == "done"
    assert form["completed_on"].value() == DONE_ON
    assert 'value="20/11/2024"' in response.text
    resent = progress(client, reported, status="done", completed_on="20/11/2024")
    assert resent.status_code == 302
    reported.refresh_from_db()
    assert (reported.status, reported.completed_on, reported.review) == (
        "done",
        DONE_ON,
        "pending",
    )
    client.force_login(reviewer)
    assert waiting(client) == 1


# A confirmed completion changed afterwards ------------------------------------------------------


@pytest.fixture
def confirmed(client, reported, reviewer):
    client.force_login(reviewer)
    review(client, reported, "confirm")
    reported.refresh_from_db()
    assert reported.review == "confirmed"
    client.logout()
    return reported


def test_a_confirmed_completion_set_back_is_no_longer_shown_confirmed(
    client, confirmed, staff_tuphap, reviewer
):
    client.force_login(staff_tuphap)
    response = progress(client, confirmed, status="in_progress", note="Phải làm lại một phần")
    assert response.status_code == 302
    shown = messages_of(client.get(response.url))
    assert any("xác nhận không còn hiệu lực" in m for m in shown)
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.review) == ("in_progress", "")
    update = confirmed.updates.filter(kind=ProgressUpdate.Kind.REPORT).first()
    assert update.changes["review"] == ["confirmed", ""]
    client.force_login(reviewer)
    page = page_of(client, confirmed).text
    assert "Đã xác nhận" not in page.split('id="history"')[0]  # not on the agency's row
    assert "Xác nhận: Đã xác nhận → —" in page  # the history tells the reviewer


def test_a_confirmed_completion_with_a_new_date_goes_back_to_review(
    client, confirmed, staff_tuphap, reviewer
):
    client.force_login(staff_tuphap)
    response = progress(client, confirmed, status="done", completed_on="25/11/2024")
    assert response.status_code == 302
    assert any("chờ Sở Nội vụ xác nhận lại" in m for m in messages_of(client.get(response.url)))
    confirmed.refresh_from_db()
    assert confirmed.review == "pending"
    client.force_login(reviewer)
    response = page_of(client, confirmed)
    [row] = response.context["to_review"]
    assert row["reconfirm"]
    assert "Cần xác nhận lại" in response.text
    assert "Xác nhận: Đã xác nhận → Chờ xác nhận" in response.text
    assert waiting(client) == 1


def test_a_note_added_to_a_confirmed_completion_keeps_it_confirmed(client, confirmed, staff_tuphap):
    client.force_login(staff_tuphap)
    response = progress(
        client, confirmed, status="done", completed_on="20/11/2024", note="Bổ sung ảnh"
    )
    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.review == "confirmed"


# The task page: one's own work first -----------------------------------------------------------


@pytest.fixture
def forty(task, bac_kan):
    """A task of 40 agencies: Sở Tư pháp's, 10 completions awaiting review (each with a note and
    a report), the rest open."""
    author = get_user_model().objects.create(username="author")
    others = list(bac_kan.agencies.exclude(name="Sở Tư pháp").order_by("name")[:39])
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    for n, other in enumerate(others):
        if n < 10:
            done = make_assignment(task, other, completed_on=DONE_ON)
            done.review = Assignment.Review.PENDING
            done.save()
            ProgressUpdate.objects.create(
                assignment=done,
                status="done",
                completed_on=DONE_ON,
                note=f"Kết quả {n}",
                author=author,
            )
        else:
            make_assignment(task, other, role=Assignment.Role.SUPPORT)
    return task


def test_staff_find_their_assignment_with_its_form_first(client, forty, staff_tuphap):
    client.force_login(staff_tuphap)
    response = client.get(reverse("plans:task_detail", args=[forty.pk]))
    text = response.text
    assert [row["assignment"].agency.name for row in response.context["mine"]] == ["Sở Tư pháp"]
    assert response.context["to_review"] == []  # staff review nothing
    assert len(response.context["others"]) == 39
    assert text.index('class="progress-form"') < text.index('id="others"')
    assert text.count('class="card assignment') == 1  # every other agency is a table row
    assert 'details class="others">' in text  # 39 rows: folded, with its summary
    assert "10 đã hoàn thành · 29 chưa hoàn thành (29 quá hạn)" in text


def test_the_reviewer_finds_the_completions_to_review_first_with_note_and_evidence(
    client, reported, reviewer
):
    client.force_login(reviewer)
    response = page_of(client, reported)
    text = response.text
    [row] = response.context["to_review"]
    assert row["assignment"] == reported
    queue = text[text.index('id="review-queue"') : text.index('id="others"')]
    assert "Đã ban hành quy chế phối hợp" in queue
    assert "quy-che.pdf" in queue
    assert 'value="confirm"' in queue and 'value="return"' in queue
    others = response.context["others"]
    assert [row["assignment"].agency.name for row in others] == ["Sở Tài chính"]


@pytest.mark.parametrize("agencies", [1, 39])
def test_the_task_page_queries_do_not_grow_with_agencies(
    client, task, bac_kan, reviewer, agencies, django_assert_max_num_queries
):
    author = get_user_model().objects.create(username="author")
    for other in bac_kan.agencies.order_by("name")[:agencies]:
        done = make_assignment(task, other, completed_on=DONE_ON)
        done.review = Assignment.Review.PENDING
        done.save()
        for n in range(3):  # history grows too
            ProgressUpdate.objects.create(
                assignment=done, status="done", completed_on=DONE_ON, note=f"x{n}", author=author
            )
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, task, assignments (with the latest
    # report id and update time), criteria, updates, evidence, the history's count (over 30
    # entries), the plan's indices, linkable criteria; plus, when a report to review is older
    # than the history shown (39 agencies), that report and its evidence: 15 at most, for 1
    # agency or 39.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("plans:task_detail", args=[task.pk]))
    assert len(response.context["to_review"]) == agencies
