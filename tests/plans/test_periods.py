"""Reporting periods: a reviewer opens one, sees who has not reported, and reminds them."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from plans.dashboard import DashboardScope
from plans.models import ReportingPeriod
from plans.reminders import period_reminders_collect
from tests.downloads import run_worker_once
from tests.factories import make_assignment, make_task

pytestmark = pytest.mark.django_db


def open_period(client, bac_kan, year=2024, period="H1"):
    return client.post(
        reverse("plans:period_list"), {"province": bac_kan.pk, "year": year, "period": period}
    )


def test_reviewer_opens_a_period_once(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    response = open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    assert (period.code, period.province, period.opened_by) == ("2024-H1", bac_kan, reviewer)
    assert response.url == reverse("plans:period_detail", args=[period.pk])
    open_period(client, bac_kan)
    assert ReportingPeriod.objects.count() == 1


def test_the_period_lists_agencies_that_have_not_reported(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    open_period(client, bac_kan)
    page = client.get(reverse("plans:period_detail", args=[ReportingPeriod.objects.get().pk]))
    rows = [(r["agency__name"], r["not_reported"]) for r in page.context["agencies"]]
    assert rows == [("Sở Tư pháp", 4), ("Sở Tài chính", 3)]
    assert "7</a> trên 9 phân công chưa có báo cáo" in page.text


def test_the_button_asks_each_agency_for_the_report_of_the_period(
    client, reviewer, bac_kan, province, staff_tuphap, staff_taichinh, settings
):
    settings.PARINDEX_BASE_URL = "https://parindex.example.vn"
    staff_tuphap.email, staff_taichinh.email = "tuphap@example.vn", "taichinh@example.vn"
    staff_tuphap.save()
    staff_taichinh.save()
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    # First the confirmation step: how many agencies and addresses, and nothing sent.
    confirm = client.get(reverse("plans:period_remind", args=[period.pk]))
    assert "Sẽ gửi <strong>2 thư</strong> tới <strong>2 cơ quan</strong>" in confirm.text
    assert "<strong>2 địa chỉ thư điện tử</strong>" in confirm.text
    assert not DBTaskResult.objects.exists()
    response = client.post(
        reverse("plans:period_remind", args=[period.pk]), {"confirm": "1"}, follow=True
    )
    assert response.status_code == 200
    # Sent by the worker: the page says so and reloads itself until it is done.
    assert "Đang gửi thư đề nghị báo cáo kỳ 6 tháng 2024; kết quả hiện ở đây." in response.text
    assert "Đang gửi thư đề nghị báo cáo kỳ này…" in response.text
    assert '<meta http-equiv="refresh" content="5">' in response.text
    assert not mail.outbox
    assert run_worker_once() == 1
    response = client.get(reverse("plans:period_detail", args=[period.pk]))
    assert "Đã gửi 2 thư đề nghị báo cáo kỳ 6 tháng 2024 tới 2 người" in response.text
    assert 'http-equiv="refresh"' not in response.text
    emails = {m.to[0]: m for m in mail.outbox}
    assert sorted(emails) == ["taichinh@example.vn", "tuphap@example.vn"]
    tuphap = emails["tuphap@example.vn"]
    assert tuphap.subject == (
        "[parindex] Đề nghị báo cáo kỳ 6 tháng 2024: 4 nhiệm vụ chưa báo cáo – Sở Tư pháp"
    )
    body = tuphap.body
    assert (
        "báo cáo kết quả thực hiện kỳ 6 tháng 2024 (số liệu từ 15/12/2023 đến 14/06/2024)" in body
    )
    # Sở Tư pháp reported on C for 2024-H1: A, B, E and G are asked for, in plan order.
    tasks = {task.number: task for task in province["plan"].tasks.all()}
    listed = [line.split(" – ")[0] for line in body.splitlines() if line.startswith("- Nhiệm vụ")]
    assert listed == ["- Nhiệm vụ A", "- Nhiệm vụ B", "- Nhiệm vụ E", "- Nhiệm vụ G"]
    for number in "ABEG":
        assert f"https://parindex.example.vn/tasks/{tasks[number].pk}/" in body
    assert f"https://parindex.example.vn/tasks/{tasks['C'].pk}/" not in body
    assert "Chủ trì – hạn 14/06/2024" in body and "Phối hợp – hạn 20/06/2024" in body
    assert "Chủ trì – không có thời hạn" in body  # E, ongoing: reported every period too
    assert "/tasks/?not_reported=2024-H1&year=2024" in body
    assert "Quá hạn (" not in body  # not the due/overdue reminder
    taichinh = emails["taichinh@example.vn"]
    assert "3 nhiệm vụ chưa báo cáo – Sở Tài chính" in taichinh.subject
    assert f"/tasks/{tasks['A'].pk}/" not in taichinh.body  # Sở Tài chính reported on A


def test_agencies_nobody_can_be_emailed_for_are_counted(
    client, reviewer, bac_kan, province, staff_tuphap
):
    staff_tuphap.email = "tuphap@example.vn"
    staff_tuphap.save()
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    client.post(reverse("plans:period_remind", args=[period.pk]), {"confirm": "1"})
    run_worker_once()
    response = client.get(reverse("plans:period_detail", args=[period.pk]))
    assert [m.to for m in mail.outbox] == [["tuphap@example.vn"]]
    assert "1 cơ quan chưa báo cáo chưa có cán bộ nhận thư" in response.text


def test_leaders_read_periods_but_cannot_open_or_remind(
    client, reviewer, leader, staff_tuphap, bac_kan, province
):
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    client.force_login(leader)
    assert client.get(reverse("plans:period_detail", args=[period.pk])).status_code == 200
    assert open_period(client, bac_kan, period="Y").status_code == 403
    assert client.post(reverse("plans:period_remind", args=[period.pk])).status_code == 403
    client.force_login(staff_tuphap)
    assert client.get(reverse("plans:period_list")).status_code == 403
    assert ReportingPeriod.objects.count() == 1
    assert not mail.outbox


def test_another_province_period_is_not_found(client, reviewer, other_reviewer, bac_kan, province):
    client.force_login(reviewer)
    open_period(client, bac_kan)
    client.force_login(other_reviewer)
    assert (
        client.get(
            reverse("plans:period_detail", args=[ReportingPeriod.objects.get().pk])
        ).status_code
        == 404
    )


def test_the_period_reminder_is_collected_in_four_queries_whatever_the_data(
    bac_kan, province, staff_tuphap, staff_taichinh, django_assert_num_queries
):
    staff_tuphap.email, staff_taichinh.email = "tuphap@example.vn", "taichinh@example.vn"
    staff_tuphap.save()
    staff_taichinh.save()
    scope = DashboardScope(
        province_id=bac_kan.pk, year=2024, period="2024-H1", today=datetime.date(2024, 6, 20)
    )

    def collect():
        # staff emails, successor links, unreported assignments (with task, plan, agency),
        # recipient agencies
        with django_assert_num_queries(4):
            reminders, _ = period_reminders_collect(
                assignments=scope.assignments(),
                period=scope.period,
                start=scope.period_start,
                cutoff=scope.as_of,
            )
        return {r.agency.name: len(r.items) for r in reminders}

    assert collect() == {"Sở Tài chính": 3, "Sở Tư pháp": 4}
    for number in range(20):
        make_assignment(make_task(province["plan"], number=f"X{number}"), province["tp"])
    assert collect() == {"Sở Tài chính": 3, "Sở Tư pháp": 24}


def test_a_reminder_whose_worker_was_killed_is_told_as_failed_not_sent_twice(
    client, reviewer, bac_kan, province, staff_tuphap
):
    staff_tuphap.email = "tuphap@example.vn"
    staff_tuphap.save()
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    client.post(reverse("plans:period_remind", args=[period.pk]), {"confirm": "1"})
    # What a worker killed while sending leaves: the result RUNNING for good.
    DBTaskResult.objects.update(
        status="RUNNING", started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    page = client.get(reverse("plans:period_detail", args=[period.pk]))
    assert "Đang gửi thư đề nghị báo cáo kỳ này…" in page.text
    DBTaskResult.objects.update(started_at=timezone.now() - datetime.timedelta(minutes=31))
    page = client.get(reverse("plans:period_detail", args=[period.pk]))
    assert "Không gửi được thư đề nghị báo cáo; hãy thử lại" in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert run_worker_once() == 0 and not mail.outbox  # never sent again by itself


def test_the_mass_email_is_sent_only_once_confirmed(
    client, reviewer, leader, bac_kan, province, staff_tuphap, staff_taichinh
):
    """The button opens a confirmation page with the number of agencies and addresses; a GET,
    or a POST without confirm=1 (a replayed or forged form), sends nothing."""
    staff_tuphap.email = "tuphap@example.vn"
    staff_tuphap.save()
    staff_taichinh.email = ""  # Sở Tài chính has unreported work and nobody to write to
    staff_taichinh.save()
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    url = reverse("plans:period_remind", args=[period.pk])
    detail = client.get(reverse("plans:period_detail", args=[period.pk]))
    assert f'href="{url}"' in detail.text  # the period's button leads to the confirmation
    for response in (client.get(url), client.post(url), client.post(url, {"confirm": "yes"})):
        assert response.status_code == 200
        assert response.context["outline"].agencies == 1
        assert response.context["outline"].recipients == 1
        assert response.context["outline"].unreached == 1
        assert "1 cơ quan chưa báo cáo không có cán bộ nào có địa chỉ thư" in response.text
        assert 'name="confirm" value="1"' in response.text
    assert not DBTaskResult.objects.exists()
    run_worker_once()
    assert not mail.outbox
    client.force_login(leader)  # leaders read periods; they neither see nor send the reminder
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "1"}).status_code == 403
    client.force_login(reviewer)
    assert client.post(url, {"confirm": "1"}).status_code == 302
    run_worker_once()
    assert [m.to for m in mail.outbox] == [["tuphap@example.vn"]]


def test_nothing_to_send_says_so_without_a_send_button(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    response = client.get(reverse("plans:period_remind", args=[period.pk]))
    assert "Không có thư nào để gửi" in response.text
    assert 'name="confirm"' not in response.text


def test_the_periods_page_offers_the_current_period(client, reviewer, bac_kan, monkeypatch):
    """In December 2026 the form proposes "Năm 2026", not the first period of some year."""
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2026, 12, 1))
    client.force_login(reviewer)
    form = client.get(reverse("plans:period_list")).context["form"]
    assert (form["year"].value(), form["period"].value()) == (2026, "Y")
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2027, 5, 3))
    form = client.get(reverse("plans:period_list")).context["form"]
    assert (form["year"].value(), form["period"].value()) == (2027, "H1")
