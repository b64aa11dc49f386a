"""Email reminders: who is emailed, about which tasks, and what the email says."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Membership
from agencies.services import user_with_membership_upsert
from plans.models import Assignment
from plans.reminders import reminders_collect, reminders_send
from tests.conftest import PASSWORD, agency
from tests.factories import make_assignment, make_plan, make_task

BASE_URL = "https://parindex.example.gov.vn"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("mail server unreachable")


def days_from_today(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def dmy(date: datetime.date) -> str:
    return f"{date:%d/%m/%Y}"


def give_email(user, email):
    user.email = email
    user.save()
    return user


def staff(username, agency_obj, *, email, active=True):
    user = user_with_membership_upsert(
        username=username,
        password=PASSWORD,
        full_name=username,
        role=Membership.Role.STAFF,
        agency=agency_obj,
    )
    user.email, user.is_active = email, active
    user.save()
    return user


@pytest.fixture
def world(bac_kan, staff_tuphap, staff_taichinh, settings):
    """Tasks of every kind for Sở Tư pháp, Sở Tài chính (and its predecessor Sở Kế hoạch và Đầu
    tư) and Sở Y tế, which has no staff who can receive email."""
    settings.PARINDEX_BASE_URL = BASE_URL + "/"  # a trailing slash must not double up
    tuphap = agency(bac_kan, "Sở Tư pháp")
    taichinh = agency(bac_kan, "Sở Tài chính")
    khdt = agency(bac_kan, "Sở Kế hoạch và Đầu tư")
    yte = agency(bac_kan, "Sở Y tế")
    assert khdt.successor_id == taichinh.pk

    give_email(staff_tuphap, "tuphap@backan.gov.vn")
    give_email(staff_taichinh, "taichinh@backan.gov.vn")
    staff("tuphap2", tuphap, email="Pho.Phong@backan.gov.vn")
    staff("tuphap_noemail", tuphap, email="")
    staff("tuphap_gone", tuphap, email="gone@backan.gov.vn", active=False)
    staff("yte_gone", yte, email="yte@backan.gov.vn", active=False)
    # A reviewer of Sở Tư pháp's province is not staff: never a recipient.
    reviewer = user_with_membership_upsert(
        username="noivu",
        password=PASSWORD,
        full_name="noivu",
        role=Membership.Role.REVIEWER,
        agency=agency(bac_kan, "Sở Nội vụ"),
    )
    give_email(reviewer, "noivu@backan.gov.vn")

    plan = make_plan(bac_kan, number="22/KH-UBND", year=2022)
    old_plan = make_plan(bac_kan, number="15/KH-UBND", year=2021)
    tasks = {}

    def task(number, due, agency_obj, *, plan=plan, role=Assignment.Role.LEAD, **extra):
        status = extra.pop("status", None)
        completed_on = extra.pop("completed_on", None)
        tasks[number] = make_task(
            plan,
            number=number,
            due_on=due,
            description=f"Nhiệm vụ số {number} của kế hoạch " + "rất dài " * 30,
            **extra,
        )
        make_assignment(
            tasks[number], agency_obj, role=role, status=status, completed_on=completed_on
        )
        return tasks[number]

    task("1", days_from_today(-5), tuphap)  # overdue
    task("2", days_from_today(3), tuphap, role=Assignment.Role.SUPPORT)  # due soon
    task("3", days_from_today(20), tuphap)  # only with --days 30
    task(
        "4",
        days_from_today(-2),
        tuphap,
        status=Assignment.Status.DONE,
        completed_on=days_from_today(-3),
    )  # done: never
    task("5", days_from_today(-1), tuphap, withdrawn_at=timezone.now())  # withdrawn: never
    task("6", None, tuphap)  # ongoing, no due date: never
    task("7", days_from_today(0), taichinh)  # due today
    task("8", days_from_today(-40), khdt, plan=old_plan)  # predecessor's overdue work
    task("9", days_from_today(-10), yte)  # agency without staff: nobody to email
    # Sở Tài chính also supports task 1 (Sở Tư pháp leads): both are reminded of it.
    make_assignment(tasks["1"], taichinh, role=Assignment.Role.SUPPORT)
    return {"tuphap": tuphap, "taichinh": taichinh, "khdt": khdt, "yte": yte, "tasks": tasks}


def sent_by_agency():
    return {message.subject.rsplit(" – ", 1)[1]: message for message in mail.outbox}


def listed(body: str) -> tuple[list[str], list[str]]:
    """Task numbers under "Quá hạn" and under "Đến hạn trong N ngày"."""
    overdue, _, due_soon = re.split(r"^(Đến hạn trong \d+ ngày)", body, flags=re.M)
    number = re.compile(r"^- Nhiệm vụ (\S+) – ", re.M)
    return number.findall(overdue), number.findall(due_soon)


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_default_run_emails_each_agency_with_staff_its_overdue_and_due_soon_work(world):
    output = run()

    messages = sent_by_agency()
    assert set(messages) == {"Sở Tư pháp", "Sở Tài chính"}  # not Sở Y tế: no one to email

    tuphap = messages["Sở Tư pháp"]
    assert tuphap.to == ["Pho.Phong@backan.gov.vn", "tuphap@backan.gov.vn"]
    assert tuphap.subject == (
        "[parindex] 1 nhiệm vụ quá hạn, 1 nhiệm vụ đến hạn trong 7 ngày – Sở Tư pháp"
    )
    assert listed(tuphap.body) == (["1"], ["2"])
    assert "đã chuyển giao" not in tuphap.body  # Sở Tư pháp took over no one's work
    tasks = world["tasks"]
    assert f"hạn {dmy(days_from_today(-5))} (quá hạn 5 ngày)" in tuphap.body
    assert f"hạn {dmy(days_from_today(3))} (còn 3 ngày)" in tuphap.body
    assert f"  {BASE_URL}/tasks/{tasks['1'].pk}/\n" in tuphap.body
    assert f"  {BASE_URL}/tasks/{tasks['2'].pk}/\n" in tuphap.body
    line = next(row for row in tuphap.body.splitlines() if row.startswith("- Nhiệm vụ 2 "))
    assert " – Kế hoạch 22/KH-UBND (2022) – Phối hợp – " in line
    assert "…" in line and len(line) < 250  # the long description is shortened
    for never in ("3", "4", "5", "6", "9"):
        assert f"/tasks/{tasks[never].pk}/" not in tuphap.body

    taichinh = messages["Sở Tài chính"]
    assert taichinh.to == ["taichinh@backan.gov.vn"]
    assert taichinh.subject == (
        "[parindex] 2 nhiệm vụ quá hạn, 1 nhiệm vụ đến hạn trong 7 ngày – Sở Tài chính"
    )
    # Oldest first: the predecessor's task 8 (40 days late), then task 1; task 7 is due today.
    assert listed(taichinh.body) == (["8", "1"], ["7"])
    line = next(row for row in taichinh.body.splitlines() if row.startswith("- Nhiệm vụ 8 "))
    assert (
        f" – Kế hoạch 15/KH-UBND (2021) – Chủ trì (giao cho Sở Kế hoạch và Đầu tư)"
        f" – hạn {dmy(days_from_today(-40))} (quá hạn 40 ngày)"
    ) in line
    assert f"{BASE_URL}/tasks/{tasks['8'].pk}/" in taichinh.body
    assert f"hạn {dmy(days_from_today(0))} (hôm nay)" in taichinh.body

    assert "Sở Tư pháp (Bắc Kạn): 1 quá hạn, 1 đến hạn trong 7 ngày" in output
    assert "Sở Tài chính (Bắc Kạn): 2 quá hạn, 1 đến hạn trong 7 ngày" in output
    assert "Đã gửi 2 thư cho 3 người nhận (3 nhiệm vụ quá hạn, 2 nhiệm vụ đến hạn" in output


@pytest.mark.django_db
def test_longer_window_adds_later_tasks(world):
    run("--days", "30")

    messages = sent_by_agency()
    assert set(messages) == {"Sở Tư pháp", "Sở Tài chính"}
    tuphap = messages["Sở Tư pháp"]
    assert tuphap.subject == (
        "[parindex] 1 nhiệm vụ quá hạn, 2 nhiệm vụ đến hạn trong 30 ngày – Sở Tư pháp"
    )
    assert listed(tuphap.body) == (["1"], ["2", "3"])
    assert f"hạn {dmy(days_from_today(20))} (còn 20 ngày)" in tuphap.body


@pytest.mark.django_db
def test_dry_run_sends_nothing(world):
    output = run("--dry-run")

    assert mail.outbox == []
    assert "[chạy thử] Sở Tư pháp (Bắc Kạn): 1 quá hạn, 1 đến hạn trong 7 ngày" in output
    assert "[chạy thử] Sẽ gửi 2 thư cho 3 người nhận" in output


@pytest.mark.django_db
def test_dry_run_verbose_prints_the_emails(world):
    output = run("--dry-run", "-v", "2")

    assert mail.outbox == []
    assert "Tiêu đề: [parindex] 2 nhiệm vụ quá hạn" in output
    assert "Quá hạn (2):" in output


@pytest.mark.django_db
def test_only_due_soon_subject_has_no_overdue_part(world):
    Assignment.objects.filter(task__number__in=["1", "8"]).update(
        status=Assignment.Status.DONE, completed_on=timezone.localdate()
    )
    run()

    messages = sent_by_agency()
    assert messages["Sở Tài chính"].subject == (
        "[parindex] 1 nhiệm vụ đến hạn trong 7 ngày – Sở Tài chính"
    )
    assert "Quá hạn (0):\n  (không có)\n" in messages["Sở Tài chính"].body


@pytest.mark.django_db
def test_nothing_due_means_no_email(world):
    Assignment.objects.exclude(task__number="9").update(
        status=Assignment.Status.DONE, completed_on=timezone.localdate()
    )
    output = run()

    assert mail.outbox == []
    assert "Đã gửi 0 thư cho 0 người nhận" in output


@pytest.mark.django_db
def test_collect_boundaries(world):
    today = timezone.localdate()
    by_agency = {r.agency.name: r for r in reminders_collect(today, 20)}
    # Due exactly on the last day of the window is included, the day after is not.
    assert [i.number for i in by_agency["Sở Tư pháp"].due_soon] == ["2", "3"]
    shorter = {r.agency.name: r for r in reminders_collect(today, 19)}
    assert [i.number for i in shorter["Sở Tư pháp"].due_soon] == ["2"]
    # --days 0: only what is due today.
    zero = {r.agency.name: r for r in reminders_collect(today, 0)}
    assert [i.number for i in zero["Sở Tài chính"].due_soon] == ["7"]
    assert zero["Sở Tư pháp"].due_soon == []


@pytest.mark.django_db
def test_collect_queries_do_not_grow_with_tasks(world, bac_kan, django_assert_max_num_queries):
    plan = make_plan(bac_kan, number="99/KH-UBND", year=2024)
    for n in range(30):
        make_assignment(
            make_task(plan, number=f"x{n}", due_on=days_from_today(n % 10 - 5)), world["khdt"]
        )
    today = timezone.localdate()
    with django_assert_max_num_queries(4):
        reminders = reminders_collect(today, 7)
        for reminder in reminders:
            assert reminder.body and reminder.subject
    taichinh = next(r for r in reminders if r.agency.name == "Sở Tài chính")
    assert len(taichinh.overdue) + len(taichinh.due_soon) == 3 + 30


@pytest.mark.django_db
def test_successor_staff_of_merged_province_also_see_predecessor_work(world):
    """Sở Tài chính of Bắc Kạn passed to Sở Tài chính of Thái Nguyên (2025): its staff are
    reminded of the Bắc Kạn work too, including Sở Kế hoạch và Đầu tư's."""
    successor = world["taichinh"].successor
    assert successor is not None and successor.name == "Sở Tài chính"
    staff("taichinh_tn", successor, email="stc@thainguyen.gov.vn")

    by_email = {tuple(r.recipients): r for r in reminders_collect(timezone.localdate(), 7)}
    reminder = by_email[("stc@thainguyen.gov.vn",)]
    assert [i.number for i in reminder.overdue] == ["8", "1"]
    assert reminder.overdue[0].roles == "Chủ trì (giao cho Sở Kế hoạch và Đầu tư, Bắc Kạn)"
    assert reminder.overdue[1].roles == "Phối hợp (giao cho Sở Tài chính, Bắc Kạn)"
    assert "(kể cả nhiệm vụ của các cơ quan đã chuyển giao cho Sở Tài chính)" in reminder.body


@pytest.mark.django_db
def test_failure_is_reported_and_others_still_counted(world, settings):
    settings.EMAIL_BACKEND = "tests.plans.test_reminders.FailingBackend"

    result = reminders_send(timezone.localdate(), 7)
    assert result.sent == [] and len(result.failed) == 2
    assert "mail server unreachable" in result.failed[0][1]

    with pytest.raises(CommandError, match="2 thư không gửi được"):
        run()


@pytest.mark.django_db
def test_negative_days_refused():
    with pytest.raises(CommandError):
        run("--days", "-1")
