"""GET parameters no page can be made from: a NUL byte (which PostgreSQL refuses in any text),
a year no calendar has, a number no column holds. Each gets a 400 with a short Vietnamese
line, or the task list's own message under its filters, and nothing changes; never a 500.

Run on both databases: the NUL bytes fail only on PostgreSQL, the long numbers only on SQLite.
"""

import datetime
import re

import pytest
from django.urls import reverse

from plans.models import FileJob
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

NUL = "Có ký tự không hợp lệ (NUL)."
HUGE = "9" * 30


@pytest.fixture
def plan(bac_kan):
    plan = make_plan(bac_kan, number="4/KH-UBND", year=2024)
    task = make_task(plan, number="1", due_on=datetime.date(2024, 11, 30))
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    return plan


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


# --- the agency picker -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["\x00", "Sở\x00Tư pháp", "x" * 201])
def test_agency_lookup_refuses_what_no_name_holds(as_reviewer, typed):
    response = as_reviewer.get(reverse("plans:agency_lookup"), {"q": typed})
    assert response.status_code == 400
    body = response.json()
    assert body["results"] == []  # the picker's script reads the list even then
    expected = NUL if "\x00" in typed else "tối đa 200"
    assert expected in body["error"]


def test_agency_lookup_still_finds_agencies(as_reviewer):
    response = as_reviewer.get(reverse("plans:agency_lookup"), {"q": "tu phap"})
    assert response.status_code == 200
    assert "Sở Tư pháp" in [row["name"] for row in response.json()["results"]]


# --- report URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period",
    [
        "99999-Y",
        "0-Y",
        "0000-Y",
        "1999-Y",
        "2101-H1",
        "2024-Q9",
        "١٢٣٤-Y",
        "2024-Y\x00",
        "9" * 5000,
    ],
)
def test_a_report_for_an_absurd_period_is_a_400_and_queues_nothing(
    as_reviewer, plan, bac_kan, period
):
    for subject in (f"plan-{plan.pk}", f"province-{bac_kan.pk}"):
        url = reverse("plans:report_download", args=[subject, period, "xlsx"])
        for response in (as_reviewer.get(url), as_reviewer.post(url)):
            assert response.status_code == 400
            # The 400 page says the message in its own paragraph.
            message = re.search(r'<p class="error-message">(.*?)</p>', response.text).group(1)
            assert message.startswith("Kỳ báo cáo “") and "không hợp lệ" in message
            assert len(message) < 200  # the period is quoted, not all 5 000 characters of it
    assert not FileJob.objects.exists()


@pytest.mark.parametrize("subject", ["plan-²", "plan-١", f"plan-{HUGE}", f"province-{HUGE}"])
def test_a_report_of_no_plan_is_a_404(as_reviewer, plan, subject):
    url = reverse("plans:report_download", args=[subject, "2024-Y", "xlsx"])
    assert as_reviewer.get(url).status_code == 404
    assert as_reviewer.post(url).status_code == 404
    assert not FileJob.objects.exists()


def test_a_report_for_a_real_period_is_still_queued(as_reviewer, plan):
    url = reverse("plans:report_download", args=[f"plan-{plan.pk}", "2024-H1", "xlsx"])
    assert as_reviewer.get(url).status_code == 200
    assert as_reviewer.post(url).status_code == 303
    assert FileJob.objects.count() == 1


# --- the task list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"page": HUGE}, {"page": "0"}, {"page": "abc"}, {"per_page": "-1"}, {"per_page": HUGE}],
)
def test_a_page_no_database_can_give_is_a_400(as_reviewer, plan, params):
    response = as_reviewer.get(reverse("plans:task_list"), params)
    assert response.status_code == 400
    assert "Trang không hợp lệ: số trang từ 1 đến 100.000" in response.text
    assert "Yêu cầu không hợp lệ" in response.text  # the 400 page, in the layout


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"q": "Sở\x00"}, "q", NUL),
        ({"not_reported": "\x00"}, "not_reported", NUL),
        ({"quarter": "0000-Q1"}, "quarter", "Quý phải có dạng Quý III/2023"),
        ({"quarter": "9999-Q4"}, "quarter", "năm từ 2000 đến 2100"),
        ({"as_of": "31/12/9999"}, "as_of", "Ngày phải thuộc các năm 2000–2100."),
        ({"as_of": "01/01/0001"}, "as_of", "Ngày phải thuộc các năm 2000–2100."),
        ({"agency": HUGE}, "agency", "Mã không hợp lệ."),
        ({"section": HUGE}, "section", "Mã không hợp lệ."),
        ({"province": "-1"}, "province", "Mã không hợp lệ."),
        ({"criterion": "1\x00"}, "criterion", "Mã không hợp lệ."),
    ],
)
def test_a_filter_no_list_can_match_is_the_forms_message(as_reviewer, plan, params, field, message):
    response = as_reviewer.get(reverse("plans:task_list"), params)
    assert response.status_code == 200
    errors = response.context["filter"].form.errors
    assert any(message in error for error in errors[field]), errors
    assert response.context["table"].paginator.count == 0  # not a silently wider list


def test_the_task_list_still_pages_and_filters(as_reviewer, plan):
    response = as_reviewer.get(
        reverse("plans:task_list"),
        {"quarter": "2024-Q4", "as_of": "01/12/2024", "per_page": "500", "page": "1"},
    )
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 1
