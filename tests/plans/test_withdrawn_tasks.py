"""A task a revised annex no longer contains: withdrawn, not gone. Its province's Sở Nội vụ and
administrators still read it (history and evidence) and may restore it; nobody reports on or
reviews it; staff and leaders no longer see it."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from plans.models import Assignment, ProgressUpdate, Task
from plans.services import assignment_record_progress
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WITHDRAWN_AT = timezone.make_aware(datetime.datetime(2026, 3, 5, 14, 30))
BANNER = (
    "Nhiệm vụ đã rút khỏi kế hoạch lúc 05/03/2026 14:30 (phụ lục sửa đổi không còn nhiệm vụ "
    "này). Tiến độ và tài liệu kiểm chứng đã báo cáo được giữ nguyên."
)


@pytest.fixture
def world(bac_kan, staff_tuphap):
    """A Bắc Kạn plan with a live task and a withdrawn one, both led by Sở Tư pháp; on the
    withdrawn one Sở Tư pháp had reported completion with evidence (waiting for review)."""
    tp = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="3/KH-UBND", year=TODAY.year)
    live = make_task(plan, number="1", due_on=TODAY + datetime.timedelta(days=3))
    make_assignment(live, tp)
    gone = make_task(plan, number="2", due_on=TODAY - datetime.timedelta(days=3))
    assignment = make_assignment(gone, tp)
    assignment_record_progress(
        assignment=assignment,
        author=staff_tuphap,
        status=Assignment.Status.DONE,
        completed_on=TODAY,
        note="Đã ban hành quyết định",
        files=[SimpleUploadedFile("quyet-dinh.pdf", PDF)],
    )
    gone.withdrawn_at = WITHDRAWN_AT
    gone.save(update_fields=["withdrawn_at"])
    assignment.refresh_from_db()
    return {"live": live, "gone": gone, "assignment": assignment, "plan": plan}


def task_url(task):
    return reverse("plans:task_detail", args=[task.pk])


def evidence_url(assignment):
    return reverse("plans:evidence_download", args=[assignment.updates.get().evidence.get().pk])


def list_rows(client, **params) -> set[tuple[str, str]]:
    response = client.get(reverse("plans:task_list"), {**params, "per_page": 500})
    assert response.status_code == 200
    table = response.context["table"]
    rows = table.paginated_rows if table.page else []
    return {(r.record.task.number, r.record.agency.name) for r in rows}


# Reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reviewer", "administrator"])
def test_reviewer_and_administrator_read_a_withdrawn_task_with_its_history_and_evidence(
    client, world, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(task_url(world["gone"]))
    assert page.status_code == 200
    assert BANNER in page.text
    assert "Đã ban hành quyết định" in page.text and "quyet-dinh.pdf" in page.text
    assert "Khôi phục nhiệm vụ" in page.text
    # Read-only: no progress form, no review of the completion waiting for it.
    assert "Lưu tiến độ" not in page.text and 'value="confirm"' not in page.text
    download = client.get(evidence_url(world["assignment"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize("persona", ["staff_tuphap", "leader", "other_reviewer"])
def test_staff_leaders_and_another_province_do_not_find_a_withdrawn_task(
    client, world, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(task_url(world["gone"])).status_code == 404
    assert client.get(evidence_url(world["assignment"])).status_code == 404


def test_a_live_task_has_no_banner(client, world, reviewer):
    client.force_login(reviewer)
    page = client.get(task_url(world["live"]))
    assert "rút khỏi kế hoạch" not in page.text and "Khôi phục nhiệm vụ" not in page.text


def test_progress_and_review_on_a_withdrawn_task_are_refused_and_change_nothing(
    client, world, staff_tuphap, reviewer, administrator
):
    assignment = world["assignment"]
    before = (assignment.status, assignment.review, assignment.version)
    client.force_login(staff_tuphap)  # the task is not theirs to see any more
    progress = client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {"status": "in_progress", "note": "x", "period": "", "version": assignment.version},
    )
    assert progress.status_code == 404
    for user in (reviewer, administrator):  # they see it, and are refused
        client.force_login(user)
        review = client.post(
            reverse("plans:assignment_review", args=[assignment.pk]),
            {"decision": "confirm", "note": "", "version": assignment.version},
        )
        assert review.status_code == 403
    assignment.refresh_from_db()
    assert (assignment.status, assignment.review, assignment.version) == before
    assert ProgressUpdate.objects.filter(assignment=assignment).count() == 1


# Restoring --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reviewer", "administrator"])
def test_restore_puts_the_task_back_in_lists_and_counts(
    client, world, persona, request, staff_tuphap
):
    gone = world["gone"]
    client.force_login(staff_tuphap)
    assert list_rows(client) == {("1", "Sở Tư pháp")}
    counts_before = client.get("/").context["overview"]["counts"]
    assert counts_before["done_late"] == 0
    actor = request.getfixturevalue(persona)
    client.force_login(actor)
    response = client.post(reverse("plans:task_restore", args=[gone.pk]), follow=True)
    assert response.redirect_chain == [(task_url(gone), 302)]
    assert "Đã khôi phục nhiệm vụ vào kế hoạch." in response.text
    assert "rút khỏi kế hoạch lúc" not in response.text
    gone.refresh_from_db()
    assert gone.withdrawn_at is None
    # The completion waiting for review can be reviewed again.
    assert 'value="confirm"' in response.text
    # The audit trail says who restored it.
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Task), object_pk=str(gone.pk)
    ).latest("pk")
    assert entry.actor == actor
    assert entry.changes_dict == {"withdrawn_at": ["2026-03-05 07:30:00", "None"]}  # UTC
    client.force_login(staff_tuphap)
    assert list_rows(client) == {("1", "Sở Tư pháp"), ("2", "Sở Tư pháp")}
    # Its completion, reported three days after its due date, counts again on the home page.
    assert client.get("/").context["overview"]["counts"] == {**counts_before, "done_late": 1}
    # Restoring again changes nothing and says so.
    client.force_login(actor)
    again = client.post(reverse("plans:task_restore", args=[gone.pk]), follow=True)
    assert "Nhiệm vụ không ở trạng thái đã rút khỏi kế hoạch." in again.text


@pytest.mark.parametrize(
    "persona, status", [("staff_tuphap", 403), ("leader", 403), ("other_reviewer", 404)]
)
def test_restore_is_refused_to_staff_leaders_and_another_province(
    client, world, persona, status, request
):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("plans:task_restore", args=[world["gone"].pk])).status_code == status
    world["gone"].refresh_from_db()
    assert world["gone"].withdrawn_at == WITHDRAWN_AT


def test_restore_is_post_only(client, world, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("plans:task_restore", args=[world["gone"].pk])).status_code == 405
    world["gone"].refresh_from_db()
    assert world["gone"].withdrawn_at == WITHDRAWN_AT


# The list's filter --------------------------------------------------------------------------


def test_the_withdrawn_filter_lists_the_withdrawn_tasks_for_reviewers(client, world, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("plans:task_list"))
    assert 'name="withdrawn"' in page.text and "Đã rút khỏi kế hoạch" in page.text
    assert list_rows(client) == {("1", "Sở Tư pháp")}
    # The checkbox as a browser sends it.
    assert list_rows(client, withdrawn="on") == {("2", "Sở Tư pháp")}
    shown = client.get(reverse("plans:task_list"), {"withdrawn": "on"})
    assert "Đang xem nhiệm vụ đã rút khỏi kế hoạch" in shown.text
    assert f'href="{task_url(world["gone"])}"' in shown.text


@pytest.mark.parametrize("persona", ["staff_tuphap", "leader"])
def test_staff_and_leaders_are_not_offered_the_withdrawn_filter(client, world, persona, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("plans:task_list"))
    assert 'name="withdrawn"' not in page.text
    assert ("2", "Sở Tư pháp") not in list_rows(client, withdrawn="on")


# Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("more", [0, 30])
def test_the_withdrawn_list_and_page_make_a_fixed_number_of_queries(
    client, world, reviewer, bac_kan, more, django_assert_num_queries
):
    tp = agency(bac_kan, "Sở Tư pháp")
    others = bac_kan.agencies.exclude(name="Sở Tư pháp")[:more]
    for i in range(more):
        task = make_task(world["plan"], number=f"x{i}", withdrawn_at=WITHDRAWN_AT)
        make_assignment(task, tp)
        make_assignment(world["gone"], others[i], role=Assignment.Role.SUPPORT)
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, plans for the filter form, count,
    # page of rows: as many as the live list, for 1 row or 61.
    with django_assert_num_queries(8):
        response = client.get(reverse("plans:task_list"), {"withdrawn": "on"})
    assert response.context["table"].paginator.count == 1 + 2 * more
    # session, user, membership, agency, merged provinces, task, assignments, updates,
    # evidence, criteria (no criteria to link on a withdrawn task): for 1 assignment or 31.
    with django_assert_num_queries(10):
        response = client.get(task_url(world["gone"]))
    assert response.text.count('<tr id="assignment-') == 1 + more  # the agencies' table
