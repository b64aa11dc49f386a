"""The admin never deletes reported progress or evidence: not from a delete page, not with the
"delete selected" action, not through an inline's delete box, not by cascading from a plan,
section, task or assignment. Each attempt is refused with a page that says why (never a 500),
and the records and the file on disk stay. Rows without history can still be deleted."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import Assignment, Evidence, Plan, ProgressUpdate, Section, Task
from plans.services import assignment_record_progress
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task
from tests.test_audit import admin_form

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The title of Django's refusal page (delete page and "delete selected" alike).
CANNOT_DELETE = "Không thể xóa"


@pytest.fixture
def history(bac_kan, staff_tuphap):
    """A plan with two sections: in the first, a task whose lead assignment has reported twice
    (once with an evidence file); in the second, a task whose assignment never reported."""
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026)
    first = Section.objects.create(plan=plan, position=0, number="I", title="Thể chế")
    second = Section.objects.create(plan=plan, position=1, number="II", title="Tổ chức")
    task = make_task(plan, number="1", section=first, due_on=datetime.date(2026, 12, 31))
    reported = make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    quiet = make_assignment(task, agency(bac_kan, "Sở Tài chính"), role=Assignment.Role.SUPPORT)
    other = make_task(plan, number="2", section=second)
    untouched = make_assignment(other, agency(bac_kan, "Sở Nội vụ"))
    assignment_record_progress(
        assignment=reported, author=staff_tuphap, status="in_progress", note="Đang soạn"
    )
    reported.refresh_from_db()
    update = assignment_record_progress(
        assignment=reported,
        author=staff_tuphap,
        status="done",
        completed_on=datetime.date(2026, 11, 15),
        note="Đã ban hành",
        files=[SimpleUploadedFile("Quyết định.pdf", PDF)],
    )
    return {
        "plan": plan,
        "section": first,
        "task": task,
        "assignment": reported,
        "update": update,
        "evidence": update.evidence.get(),
        "quiet": quiet,
        "untouched_task": other,
        "untouched": untouched,
        "untouched_section": second,
    }


@pytest.fixture
def admin(client, administrator):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    return client


def state(history) -> tuple:
    evidence = Evidence.objects.get(pk=history["evidence"].pk)
    return (
        ProgressUpdate.objects.count(),
        Evidence.objects.count(),
        Path(evidence.file.path).read_bytes(),
    )


def admin_url(obj, view: str, *args) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


HISTORY_CARRIERS = ["plan", "section", "task", "assignment", "update", "evidence"]


@pytest.mark.parametrize("name", HISTORY_CARRIERS)
def test_delete_page_refuses_what_would_remove_history(admin, history, name):
    obj = history[name]
    before = state(history)
    url = admin_url(obj, "delete", obj.pk)
    page = admin.get(url)
    posted = admin.post(url, {"post": "yes"})
    if name in ("update", "evidence"):
        # History itself has no delete page at all.
        assert (page.status_code, posted.status_code) == (403, 403)
    else:
        assert (page.status_code, posted.status_code) == (200, 200)
        assert CANNOT_DELETE in page.text and CANNOT_DELETE in posted.text
        assert "cập nhật tiến độ" in page.text  # what stands in the way
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert state(history) == before


@pytest.mark.parametrize("name", HISTORY_CARRIERS)
def test_delete_selected_refuses_what_would_remove_history(admin, history, name):
    obj = history[name]
    before = state(history)
    url = admin_url(obj, "changelist")
    selected = {"action": "delete_selected", "_selected_action": [obj.pk]}
    confirm = admin.post(url, selected)
    posted = admin.post(url, {**selected, "post": "yes"})
    if name in ("update", "evidence"):
        # The action is not offered, and a forged one only shows the list again.
        assert "delete_selected" not in admin.get(url).text
        assert (confirm.status_code, posted.status_code) == (200, 200)
    else:
        assert (confirm.status_code, posted.status_code) == (200, 200)
        assert CANNOT_DELETE in confirm.text and CANNOT_DELETE in posted.text
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert state(history) == before


def inline_delete(admin, parent, form_id: str, prefix: str, child) -> tuple[dict, object]:
    """Post the parent's change form as a browser would, with the child's delete box ticked."""
    url = admin_url(parent, "change", parent.pk)
    data = admin_form(admin, url, form_id)
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    [index] = [i for i in range(total) if data.get(f"{prefix}-{i}-id") == [str(child.pk)]]
    data[f"{prefix}-{index}-DELETE"] = ["on"]
    return data, admin.post(url, data)


@pytest.mark.parametrize(
    "parent, form_id, prefix, child",
    [
        ("task", "task_form", "assignments", "assignment"),
        ("plan", "plan_form", "tasks", "task"),
        ("plan", "plan_form", "sections", "section"),
    ],
)
def test_inline_delete_box_refuses_rows_with_history(
    admin, history, parent, form_id, prefix, child
):
    before = state(history)
    _, response = inline_delete(admin, history[parent], form_id, prefix, history[child])
    assert response.status_code == 200  # the form again, with the reason
    errors = response.context["inline_admin_formsets"]
    [message] = [str(e) for f in errors for e in f.formset.non_form_errors()]
    assert message.startswith(f"Không xóa được {history[child]._meta.verbose_name} “")
    assert "đã có 2 lần cập nhật tiến độ" in message
    # Not Django's own message, whose Vietnamese says the rows "will be deleted".
    assert "sẽ tự động xóa" not in response.text
    child_obj = history[child]
    assert type(child_obj).objects.filter(pk=child_obj.pk).exists()
    assert state(history) == before


def test_assignment_without_history_is_deleted_inline(admin, history):
    before = state(history)
    _, response = inline_delete(
        admin, history["task"], "task_form", "assignments", history["quiet"]
    )
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=history["quiet"].pk).exists()
    assert state(history) == before


def test_task_and_section_without_history_are_deleted_inline(admin, history):
    before = state(history)
    _, response = inline_delete(
        admin, history["plan"], "plan_form", "tasks", history["untouched_task"]
    )
    assert response.status_code == 302
    assert not Task.objects.filter(pk=history["untouched_task"].pk).exists()
    _, response = inline_delete(
        admin, history["plan"], "plan_form", "sections", history["untouched_section"]
    )
    assert response.status_code == 302
    assert not Section.objects.filter(pk=history["untouched_section"].pk).exists()
    assert state(history) == before


def test_assignment_task_and_plan_without_history_are_deleted_from_their_delete_pages(
    admin, history, bac_kan
):
    before = state(history)
    for obj in (history["untouched"], history["untouched_task"]):
        assert admin.post(admin_url(obj, "delete", obj.pk), {"post": "yes"}).status_code == 302
        assert not type(obj).objects.filter(pk=obj.pk).exists()
    empty = make_plan(bac_kan, number="10/KH-UBND", year=2026)
    make_assignment(make_task(empty, number="1"), agency(bac_kan, "Sở Tư pháp"))
    url = admin_url(empty, "changelist")
    response = admin.post(
        url, {"action": "delete_selected", "_selected_action": [empty.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Plan.objects.filter(pk=empty.pk).exists()
    assert state(history) == before
