"""One truth on counts: the home page and the dashboard agree for the same scope, each says
which scope and day its numbers are read at, the dashboard starts at the current plan year as
of today, and "Đến hạn trong 30 ngày" lists a task once. Also "lâu chưa cập nhật": open work
without a due date nobody has reported on for PARINDEX_STALE_DAYS days.

"Today" is fixed by the tests (1 December 2026, the day the issue was seen)."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from plans.models import Assignment, ProgressUpdate
from plans.reminders import reminders_collect
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
GROUPS = ["done_on_time", "done_late", "on_track", "due_soon", "overdue", "no_deadline"]


@pytest.fixture
def today(monkeypatch):
    """The app's "today" (timezone.localdate, which every view reads) set to TODAY."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def demo(settings):
    """The real seed plans of Bắc Kạn (2018 PAPI, 2022 PAR INDEX/SIPAS) and the demo users,
    as `make run` loads them."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False


def user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def list_count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["table"].paginator.count


# One truth: home and dashboard --------------------------------------------------------------


@pytest.mark.parametrize("username", ["noivu", "admin"])
def test_home_and_dashboard_agree_on_the_real_plans(client, today, demo, username):
    """Home used to say "Quá hạn 1329" while the dashboard said "Quá hạn 0" (plan year 2022
    read as of 14/12/2022). Home links to the dashboard of its own scope (every plan year, as
    of today): the same six numbers, and each number opens a list of exactly that many rows."""
    client.force_login(user(username))
    home = client.get("/")
    assert "Số liệu tính đến 01/12/2026" in home.text
    counts = home.context["overview"]["counts"]
    assert counts["overdue"] > 0 and sum(counts.values()) > 100
    dashboard_url = home.context["dashboard_url"]
    assert f'href="{dashboard_url.replace("&", "&amp;")}"' in home.text
    dashboard = client.get(dashboard_url)
    assert dashboard.status_code == 200
    totals = dashboard.context["totals"]
    assert {group: totals[group] for group in GROUPS} == counts
    assert dashboard.context["scope"].as_of == TODAY
    assert "Số liệu tính đến 01/12/2026" in dashboard.text
    for _code, _label, count, href in home.context["groups"]:
        assert list_count(client, href) == count, href


def test_the_dashboard_starts_at_the_current_plan_year_as_of_today(client, today, demo):
    client.force_login(user("noivu"))
    response = client.get(reverse("plans:dashboard"))
    scope = response.context["scope"]
    # The latest plan year not after this one (the seeds' 2022), read as of today, not as of
    # the 2022 year-end cut-off.
    assert (scope.year, scope.period, scope.as_of) == (2022, "2026-Y", TODAY)
    assert response.context["totals"]["overdue"] > 0
    text = response.text
    assert "<strong>Số liệu tính đến 01/12/2026</strong>" in text
    assert "kế hoạch năm 2022 · kỳ Năm 2026" in text
    # The figures come before the form that changes them (the phone reads them first).
    form = text.index('class="card filter-form"')
    assert text.index("Số liệu tính đến") < text.index('class="groups"') < form


def test_a_plan_of_a_coming_year_is_not_the_default(client, today, bac_kan, reviewer):
    make_plan(bac_kan, number="1/KH-UBND", year=2025)
    make_plan(bac_kan, number="2/KH-UBND", year=2027)  # issued early for next year
    client.force_login(reviewer)
    assert client.get(reverse("plans:dashboard")).context["scope"].year == 2025


@pytest.mark.parametrize(
    ("on", "period", "as_of"),
    [
        (datetime.date(2026, 12, 1), "2026-Y", datetime.date(2026, 12, 1)),
        (datetime.date(2026, 3, 14), "2026-Q1", datetime.date(2026, 3, 14)),
        # After the year's cut-off (14/12) today belongs to next year's first period.
        (datetime.date(2026, 12, 20), "2027-Q1", datetime.date(2026, 12, 20)),
        (datetime.date(2026, 6, 15), "2026-9M", datetime.date(2026, 6, 15)),
    ],
)
def test_the_default_period_is_read_as_of_today(
    client, monkeypatch, bac_kan, reviewer, on, period, as_of
):
    monkeypatch.setattr(timezone, "localdate", lambda *args: on)
    client.force_login(reviewer)
    scope = client.get(reverse("plans:dashboard")).context["scope"]
    assert (scope.period, scope.as_of) == (period, as_of)


def test_a_closed_period_chosen_is_still_read_at_its_cut_off(client, today, bac_kan, reviewer):
    client.force_login(reviewer)
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "2024-H1"}
    )
    assert response.context["scope"].as_of == datetime.date(2024, 6, 14)
    assert "Số liệu tính đến 14/06/2024" in response.text


@pytest.mark.parametrize("period", ["2024-Q5", "Q5", "x" * 30, "1999-Y"])
def test_a_wrong_period_is_refused_with_a_message(client, today, bac_kan, reviewer, period):
    client.force_login(reviewer)
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": period}
    )
    assert response.status_code == 400
    assert "không hợp lệ" in response.text
    assert "scope" not in response.context


def test_home_says_whose_work_it_counts(client, today, demo):
    client.force_login(user("tuphap"))
    home = client.get("/")
    assert "các nhiệm vụ giao cho Sở Tư pháp" in home.text
    assert home.context["dashboard_url"] is None  # staff have no dashboard
    client.force_login(user("noivu"))
    assert "các nhiệm vụ của mọi cơ quan thuộc" in client.get("/").text


# The 30-day list: a task once ---------------------------------------------------------------


def test_the_30_day_list_shows_a_task_once_however_many_agencies(client, today, bac_kan, reviewer):
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2026)
    shared = make_task(plan, number="1", due_on=day("15/12/2026"))
    agencies = list(
        Agency.objects.filter(province=bac_kan, verified=True).exclude(
            name__in=["Sở Tư pháp", "Sở Xây dựng"]
        )[:12]
    )
    for other in agencies:
        make_assignment(shared, other)
    make_assignment(shared, agency(bac_kan, "Sở Xây dựng"), completed_on=day("30/11/2026"))
    single = make_task(plan, number="2", due_on=day("20/12/2026"))
    make_assignment(single, agency(bac_kan, "Sở Tư pháp"))
    client.force_login(reviewer)
    for url in ["/", reverse("plans:dashboard")]:
        response = client.get(url)
        rows = (
            response.context["overview"]["due_soon"]
            if url == "/"
            else response.context["deadlines"]["upcoming"]
        )
        assert [(r["task__number"], r["open_agencies"]) for r in rows] == [
            ("1", len(agencies)),
            ("2", 1),
        ], url
        assert f"{len(agencies)} cơ quan chưa hoàn thành" in response.text
        assert response.text.count(f'href="/tasks/{shared.pk}/"') == 1


# Lâu chưa cập nhật --------------------------------------------------------------------------


@pytest.fixture
def ongoing(bac_kan):
    """Open tasks with no due date in a plan issued on 10/01/2026, as of TODAY (01/12/2026)."""
    tp = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="3/KH-UBND", year=2026, issued_on=day("10/01/2026"))
    recent = make_plan(bac_kan, number="4/KH-UBND", year=2026, issued_on=day("15/10/2026"))

    def assignment(number, *, plan=plan, reported_days_ago=None, kind="report", **extra):
        made = make_assignment(make_task(plan, number=number, **extra), tp)
        if reported_days_ago is not None:
            update = ProgressUpdate.objects.create(
                assignment=made, status=made.status, note="Đã làm", kind=kind
            )
            at = timezone.make_aware(
                datetime.datetime.combine(
                    TODAY - datetime.timedelta(days=reported_days_ago), datetime.time(9)
                )
            )
            ProgressUpdate.objects.filter(pk=update.pk).update(created_at=at)
        return made

    return {
        "never": assignment("never"),  # stale
        "90 days": assignment("90 days", reported_days_ago=90),  # stale: exactly 90 days old
        "89 days": assignment("89 days", reported_days_ago=89),  # fresh
        "imported": assignment("imported", reported_days_ago=1, kind="import"),  # stale
        "dated": assignment("dated", due_on=day("31/12/2026")),  # has a due date: not flagged
        "done": make_assignment(make_task(plan, number="done"), tp, completed_on=day("01/03/2026")),
        "new plan": assignment("new plan", plan=recent),  # plan running 47 days: not yet
    }


def stale_numbers(client, bac_kan, **params):
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2026, **params}
    )
    totals = response.context["totals"]
    rows = client.get(totals["links"]["stale"]).context["table"].data.data
    return totals["stale"], sorted(row.task.number for row in rows), response


def test_stale_flag_thresholds(client, today, bac_kan, reviewer, ongoing):
    client.force_login(reviewer)
    count, listed, response = stale_numbers(client, bac_kan)
    assert listed == ["90 days", "imported", "never"]
    assert count == 3
    assert "Lâu chưa cập nhật (quá 90 ngày)" in response.text
    # The list link keeps the dashboard's scope and day.
    query = parse_qs(urlsplit(response.context["totals"]["links"]["stale"]).query)
    assert query["stale"] == ["1"] and query["as_of"] == ["2026-12-01"]


def test_stale_days_come_from_the_setting(client, today, bac_kan, reviewer, ongoing, settings):
    client.force_login(reviewer)
    settings.PARINDEX_STALE_DAYS = 30
    count, listed, _ = stale_numbers(client, bac_kan)
    # 89 days is now too old, and the plan issued 47 days ago has been running long enough.
    assert listed == ["89 days", "90 days", "imported", "never", "new plan"] and count == 5
    settings.PARINDEX_STALE_DAYS = 400  # longer than any plan has run: nothing is stale
    assert stale_numbers(client, bac_kan)[:2] == (0, [])


def test_a_report_written_after_a_closed_period_does_not_refresh_it(
    client, today, bac_kan, reviewer, ongoing
):
    """Read as of the 9-month cut-off (14/09/2026), the 89- and 90-day-old reports (early
    September) were written within the window, and the one made yesterday did not exist yet."""
    client.force_login(reviewer)
    count, listed, _ = stale_numbers(client, bac_kan, period="2026-9M")
    assert listed == ["imported", "never"] and count == 2


def test_the_list_refuses_nothing_and_ignores_an_unticked_stale(client, today, reviewer, ongoing):
    client.force_login(reviewer)
    every = list_count(client, reverse("plans:task_list"))
    assert list_count(client, reverse("plans:task_list") + "?stale=") == every
    assert list_count(client, reverse("plans:task_list") + "?stale=1") == 3


def test_the_reminder_email_lists_forgotten_ongoing_work(today, bac_kan, ongoing, staff_tuphap):
    staff_tuphap.email = "tuphap@example.vn"
    staff_tuphap.save()
    (reminder,) = [r for r in reminders_collect(TODAY, 7) if r.agency.name == "Sở Tư pháp"]
    assert sorted(item.number for item in reminder.stale) == ["90 days", "imported", "never"]
    assert [item.number for item in reminder.overdue + reminder.due_soon] == []
    assert "3 nhiệm vụ lâu chưa cập nhật" in reminder.subject
    body = reminder.body
    assert (
        "Lâu chưa cập nhật: nhiệm vụ không có thời hạn chưa báo cáo tiến độ trong 90 ngày (3)"
        in body
    )
    assert "báo cáo gần nhất 02/09/2026" in body  # the 90-day-old report
    assert "chưa báo cáo lần nào" in body
    call_command("send_reminders", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["tuphap@example.vn"]]


def test_an_agency_with_nothing_stale_or_due_gets_no_reminder(today, bac_kan, staff_tuphap):
    staff_tuphap.email = "tuphap@example.vn"
    staff_tuphap.save()
    plan = make_plan(bac_kan, number="5/KH-UBND", year=2026, issued_on=day("10/01/2026"))
    fresh = make_assignment(make_task(plan, number="x"), agency(bac_kan, "Sở Tư pháp"))
    update = ProgressUpdate.objects.create(assignment=fresh, status=Assignment.Status.IN_PROGRESS)
    # Reported on TODAY, not on the machine's real day: a report stamped after the reading day
    # does not exist yet as of that day (it failed when CI ran past midnight in Vietnam).
    at = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9)))
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=at)
    assert [r for r in reminders_collect(TODAY, 7) if r.agency.name == "Sở Tư pháp"] == []


def test_the_province_report_is_offered_for_its_own_plan_year_only(client, today, demo):
    """The province's report covers the plans of its period's year: on the default view (plan
    year 2022, period of 2026) it would be another year's, so the page says how to get it."""
    client.force_login(user("noivu"))
    default = client.get(reverse("plans:dashboard"))
    assert default.context["report_subject"] == ""
    assert "Báo cáo của tỉnh tính theo các kế hoạch năm của kỳ báo cáo" in default.text
    same_year = client.get(reverse("plans:dashboard"), {"year": 2022, "period": "2022-Y"})
    assert same_year.context["report_subject"].startswith("province-")


def test_home_and_dashboard_queries_do_not_grow_with_the_data(client, today, bac_kan, reviewer):
    """The stale flag and the once-per-task 30-day list are inside the existing queries: the
    same number for a handful of rows and for many (stale ones, shared deadlines)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = make_plan(bac_kan, number="7/KH-UBND", year=2026, issued_on=day("10/01/2026"))
    others = list(
        Agency.objects.filter(province=bac_kan, verified=True).exclude(name="Sở Tư pháp")[:10]
    )
    client.force_login(reviewer)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(n):
        for i in range(n):
            task = make_task(plan, number=f"n{n}-{i}", due_on=day("20/12/2026") if i % 2 else None)
            for other in others[: 1 + i % len(others)]:
                make_assignment(task, other)

    add(2)
    few = {url: queries(url) for url in ("/", reverse("plans:dashboard"))}
    add(40)
    many = {url: queries(url) for url in ("/", reverse("plans:dashboard"))}
    assert many == few
    assert client.get(reverse("plans:dashboard")).context["totals"]["stale"] > 100
