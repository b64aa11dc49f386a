"""Reporting periods: a reviewer opens one, sees who has not reported, and reminds them."""

import pytest
from django.core import mail
from django.urls import reverse

from plans.models import ReportingPeriod

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


def test_the_button_emails_the_agencies_that_have_not_reported(
    client, reviewer, bac_kan, province, staff_tuphap, staff_taichinh
):
    staff_tuphap.email, staff_taichinh.email = "tuphap@example.vn", "taichinh@example.vn"
    staff_tuphap.save()
    staff_taichinh.save()
    client.force_login(reviewer)
    open_period(client, bac_kan)
    period = ReportingPeriod.objects.get()
    assert client.get(reverse("plans:period_remind", args=[period.pk])).status_code == 405
    response = client.post(reverse("plans:period_remind", args=[period.pk]), follow=True)
    assert response.status_code == 200
    assert sorted(tuple(m.to) for m in mail.outbox) == [
        ("taichinh@example.vn",),
        ("tuphap@example.vn",),
    ]
    assert "Đã gửi 2 thư nhắc việc tới 2 người" in response.text


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
