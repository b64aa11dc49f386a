"""Work that is no longer work: a task withdrawn from its plan, or an agency a revised annex no
longer names (`Assignment.unassigned_at`). Both are left out of every list, count, dashboard,
report and reminder; the agency's card stays on the task page, marked, with its history and no
form."""

import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plans.models import Assignment, ProgressUpdate, ReportingPeriod
from plans.reminders import reminders_collect
from plans.tallies import tallies_refresh
from tests.downloads import fetch_file, run_worker_once
from tests.factories import day

pytestmark = pytest.mark.django_db

UNASSIGNED_AT = timezone.make_aware(timezone.datetime(2024, 5, 20, 9, 0))


@pytest.fixture
def people(staff_tuphap, staff_taichinh, reviewer, settings):
    settings.PARINDEX_BASE_URL = "https://parindex.example.vn"
    for user, email in (
        (staff_tuphap, "tuphap@example.vn"),
        (staff_taichinh, "taichinh@example.vn"),
    ):
        user.email = email
        user.save()
    return {"staff": staff_taichinh, "reviewer": reviewer}


def what_users_see(client, people, bac_kan, plan) -> dict:
    """What Sở Tài chính's staff and Sở Nội vụ see of the 2024 plan, as of its 6-month report."""
    seen = {}
    client.force_login(people["staff"])
    listed = client.get(reverse("plans:task_list"), {"per_page": 500}).context["table"]
    seen["staff list"] = {
        (r.record.task.number, r.record.agency.name) for r in listed.page.object_list
    }
    seen["staff home"] = client.get("/").context["overview"]["counts"]
    client.force_login(people["reviewer"])
    dashboard = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    )
    seen["dashboard"] = {k: dashboard.context["totals"][k] for k in ("total", "overdue")}
    period, _ = ReportingPeriod.objects.get_or_create(
        province=bac_kan, code="2024-H1", defaults={"opened_by": people["reviewer"]}
    )
    page = client.get(reverse("plans:period_detail", args=[period.pk]))
    seen["not reported"] = {r["agency__name"]: r["not_reported"] for r in page.context["agencies"]}
    mail.outbox = []
    client.post(reverse("plans:period_remind", args=[period.pk]), {"confirm": "1"})
    run_worker_once()
    seen["period reminder"] = sorted(m.subject for m in mail.outbox)
    seen["due reminders"] = {
        r.agency.name: sorted(i.number for i in r.overdue + r.due_soon)
        for r in reminders_collect(day("01/06/2024"))
    }
    report = fetch_file(
        client, reverse("plans:report_download", args=[f"plan-{plan.pk}", "2024-H1", "xlsx"])
    )
    sheet = openpyxl.load_workbook(io.BytesIO(report.body)).active
    seen["report"] = {
        row[0]: row[2:4] for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]
    }
    return seen


def withdraw_task(province):
    task = province["plan"].tasks.get(number="D")
    task.withdrawn_at = timezone.now()
    task.save(update_fields=["withdrawn_at"])
    tallies_refresh(section_ids=[task.section_id])  # as the admin and the import do


def unassign_agency(province):
    Assignment.objects.filter(task__number="D", agency=province["tc"]).update(
        unassigned_at=UNASSIGNED_AT
    )
    tallies_refresh(section_ids=province["plan"].sections.values_list("pk", flat=True))


@pytest.mark.parametrize("leave", [withdraw_task, unassign_agency], ids=["withdrawn", "unassigned"])
def test_work_no_longer_in_force_leaves_lists_counts_dashboard_reports_and_reminders(
    client, bac_kan, province, people, leave
):
    """Task D is Sở Tài chính's alone (lead, open, due 31/03/2024: overdue, not reported)."""
    before = what_users_see(client, people, bac_kan, province["plan"])
    assert ("D", "Sở Tài chính") in before["staff list"]
    assert "D" in before["report"]
    leave(province)
    after = what_users_see(client, people, bac_kan, province["plan"])
    assert after["staff list"] == before["staff list"] - {("D", "Sở Tài chính")}
    overdue = before["staff home"]["overdue"]
    assert after["staff home"] == {**before["staff home"], "overdue": overdue - 1}
    assert after["dashboard"] == {
        "total": before["dashboard"]["total"] - 1,
        "overdue": before["dashboard"]["overdue"] - 1,
    }
    assert before["not reported"]["Sở Tài chính"] == 3
    assert after["not reported"] == {**before["not reported"], "Sở Tài chính": 2}
    assert before["period reminder"][0].endswith("3 nhiệm vụ chưa báo cáo – Sở Tài chính")
    assert after["period reminder"][0].endswith("2 nhiệm vụ chưa báo cáo – Sở Tài chính")
    # D was Sở Tài chính's only open work due by 01/06/2024: no reminder for it any more.
    assert before["due reminders"]["Sở Tài chính"] == ["D"]
    assert after["due reminders"] == {
        k: v for k, v in before["due reminders"].items() if k != "Sở Tài chính"
    }
    assert after["report"] == {k: v for k, v in before["report"].items() if k != "D"}


def test_an_agency_no_longer_named_on_a_shared_task_leaves_its_report_row(
    client, bac_kan, province, people
):
    """Task A stays (Sở Tư pháp leads it); Sở Tài chính, which supported it, is not named."""
    before = what_users_see(client, people, bac_kan, province["plan"])
    assert before["report"]["A"] == ("Sở Tư pháp", "Sở Tài chính")
    Assignment.objects.filter(task__number="A", agency=province["tc"]).update(
        unassigned_at=UNASSIGNED_AT
    )
    tallies_refresh(section_ids=province["plan"].sections.values_list("pk", flat=True))
    after = what_users_see(client, people, bac_kan, province["plan"])
    assert after["report"]["A"] == ("Sở Tư pháp", None)
    assert after["staff list"] == before["staff list"] - {("A", "Sở Tài chính")}
    assert after["dashboard"]["total"] == before["dashboard"]["total"] - 1


# The task page ------------------------------------------------------------------------------


@pytest.fixture
def no_longer_named(province):
    """Sở Tài chính's completion of task A (reported, waiting for review), no longer named."""
    assignment = Assignment.objects.get(task__number="A", agency=province["tc"])
    assignment.review = Assignment.Review.PENDING
    assignment.unassigned_at = UNASSIGNED_AT
    assignment.save()
    assignment.updates.update(note="Đã gửi dự toán bổ sung")
    return assignment


def test_the_card_of_an_agency_no_longer_named_is_marked_with_its_history_and_no_form(
    client, no_longer_named, staff_taichinh, reviewer
):
    url = reverse("plans:task_detail", args=[no_longer_named.task_id])
    client.force_login(staff_taichinh)  # its staff still read what they reported
    page = client.get(url)
    assert page.status_code == 200
    assert "Không còn được giao (từ 20/05/2024)" in page.text
    assert "Đã gửi dự toán bổ sung" in page.text  # its history
    assert "Lưu tiến độ" not in page.text
    client.force_login(reviewer)  # nor is its completion reviewed any more
    page = client.get(url)
    assert "Không còn được giao (từ 20/05/2024)" in page.text
    assert 'value="confirm"' not in page.text


def test_staff_cannot_report_on_an_assignment_no_longer_theirs(
    client, no_longer_named, staff_taichinh, reviewer
):
    client.force_login(staff_taichinh)
    response = client.post(
        reverse("plans:assignment_progress", args=[no_longer_named.pk]),
        {"status": "in_progress", "note": "x", "period": "", "version": no_longer_named.version},
    )
    assert response.status_code == 403
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:assignment_review", args=[no_longer_named.pk]),
        {"decision": "confirm", "note": "", "version": no_longer_named.version},
    )
    assert response.status_code == 403
    version = no_longer_named.version
    no_longer_named.refresh_from_db()
    assert (no_longer_named.status, no_longer_named.version) == ("done", version)
    assert ProgressUpdate.objects.filter(assignment=no_longer_named).count() == 1


def test_the_plan_export_names_only_the_agencies_the_annex_names(client, province, reviewer):
    Assignment.objects.filter(task__number="A", agency=province["tc"]).update(
        unassigned_at=UNASSIGNED_AT
    )
    client.force_login(reviewer)
    response = fetch_file(client, reverse("plans:plan_export", args=[province["plan"].pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    [row] = [r for r in sheet.iter_rows(values_only=True) if r[0] == "A"]
    assert row[3:5] == ("Sở Tư pháp", None)  # lead, support
