"""The task list's plan filter where the user sees too many plans for a dropdown (an
administrator: every plan of the country): a type-ahead of the plans matching what is typed,
the page the same size and the same queries however many plans there are; a province's
reviewer keeps the dropdown of its few plans."""

import re

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Province
from plans.models import Plan
from plans.selectors import PLAN_CHOICES_SHOWN, PLAN_SELECT_LIMIT
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def many_plans(province, count, *, year=YEAR - 1):
    """`count` plans in one insert (a save each would take minutes at country scale)."""
    Plan.objects.bulk_create(
        Plan(province=province, number=f"{i}/KH-UBND", year=year, search_text=f"{i}/kh-ubnd")
        for i in range(1000, 1000 + count)
    )


def lookup(client, typed) -> list[str]:
    response = client.get(reverse("plans:plan_lookup"), {"q": typed})
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


@pytest.fixture
def as_admin(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def lao_cai():
    return Province.objects.filter(name="Lào Cai").order_by("valid_to").first()


def _list_page(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("plans:task_list"), params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_an_administrator_types_a_plan_rather_than_scrolling_thousands(as_admin, cao_bang):
    many_plans(cao_bang, PLAN_SELECT_LIMIT + 1)
    page, queries = _list_page(as_admin)
    many_plans(cao_bang, 5000, year=YEAR - 2)  # ten times the national plans
    bigger, more_queries = _list_page(as_admin)
    assert '<select name="plan"' not in bigger
    assert bigger.count("<option") < 50  # the other filters' few options only
    assert '<label for="plan-picker">Kế hoạch</label>' in bigger
    assert '<input type="hidden" name="plan" id="id_plan">' in bigger
    # Neither the page nor its queries grow with the plans.
    assert more_queries == queries
    assert len(bigger) == len(page)


def test_a_reviewer_keeps_the_dropdown_of_its_province_plans(client, reviewer, bac_kan, cao_bang):
    many_plans(cao_bang, PLAN_SELECT_LIMIT + 1)  # another province's: not the reviewer's
    ours = make_plan(bac_kan, number="9/KH-UBND", year=YEAR)
    client.force_login(reviewer)
    page, _ = _list_page(client)
    select = re.search(r'<select name="plan" id="id_plan">(.*?)</select>', page, re.S)
    assert select and 'id="plan-picker"' not in page
    assert re.findall(r'<option value="(\d*)"', select[1]) == ["", str(ours.pk)]


def test_a_plan_picked_filters_the_list_and_is_shown_back(as_admin, bac_kan, cao_bang):
    many_plans(cao_bang, PLAN_SELECT_LIMIT + 1)
    chosen = make_plan(bac_kan, number="12/KH-UBND", year=YEAR)
    other = make_plan(cao_bang, number="12/KH-UBND", year=YEAR)
    for plan in (chosen, other):
        make_assignment(make_task(plan, number="1"), agency(plan.province, "Sở Tư pháp"))
    label = f"12/KH-UBND ({YEAR}) – Bắc Kạn"
    assert lookup(as_admin, "12/kh-ubnd bac kan") == [label]
    response = as_admin.get(reverse("plans:task_list"), {"plan": chosen.pk})
    page = response.content.decode()
    assert {row.record.task.plan_id for row in response.context["table"].paginated_rows} == {
        chosen.pk
    }
    assert 'id="plan-picker" list="plan-options" autocomplete="off"' in page
    assert f'value="{label}"' in page
    assert f'<input type="hidden" name="plan" value="{chosen.pk}" id="id_plan">' in page
    assert f"Kế hoạch: <strong>{label}</strong>" in page


def test_the_lookup_finds_number_title_year_and_province_without_diacritics(
    as_admin, bac_kan, lao_cai
):
    make_plan(lao_cai, number="45/KH-UBND", year=YEAR, title="Nâng cao Chỉ số cải cách hành chính")
    make_plan(bac_kan, number="7/KH-UBND", year=YEAR - 1, title="Khắc phục hạn chế PAPI")
    label = f"45/KH-UBND ({YEAR}) – Lào Cai"
    assert lookup(as_admin, "45/KH") == [label]
    assert lookup(as_admin, "cai cach hanh chinh") == [label]
    assert lookup(as_admin, "LÀO CAI") == [label]
    assert lookup(as_admin, f"kh-ubnd {YEAR}") == [label]
    assert lookup(as_admin, "khac phuc papi") == [f"7/KH-UBND ({YEAR - 1}) – Bắc Kạn"]
    assert lookup(as_admin, "cai cach bac kan") == []  # every word must match


def test_the_lookup_offers_only_plans_the_user_may_see(client, reviewer, bac_kan, cao_bang):
    make_plan(bac_kan, number="3/KH-UBND", year=YEAR)
    make_plan(cao_bang, number="3/KH-UBND", year=YEAR)
    client.force_login(reviewer)
    assert lookup(client, "3/kh") == [f"3/KH-UBND ({YEAR}) – Bắc Kạn"]
    assert lookup(client, "cao bang") == []


def test_the_lookup_is_limited_newest_first(as_admin, cao_bang):
    many_plans(cao_bang, 50)
    make_plan(cao_bang, number="1/KH-UBND", year=YEAR)
    found = lookup(as_admin, "kh-ubnd")
    assert len(found) == PLAN_CHOICES_SHOWN
    assert found[0] == f"1/KH-UBND ({YEAR}) – Cao Bằng"


def test_a_renamed_plan_is_found_by_its_new_title(as_admin, bac_kan):
    """A re-import saves only the fields that changed: the folded text follows."""
    plan = make_plan(bac_kan, number="5/KH-UBND", year=YEAR, title="Tiêu đề cũ")
    plan.title = "Nâng cao chỉ số SIPAS"
    plan.save(update_fields=["title"])
    assert lookup(as_admin, "sipas") == [f"5/KH-UBND ({YEAR}) – Bắc Kạn"]
    assert lookup(as_admin, "tieu de cu") == []
    # The audit trail records the new title, not its folded copy.
    entry = LogEntry.objects.get_for_object(plan).order_by("-timestamp").first()
    assert entry.changes_dict == {"title": ["Tiêu đề cũ", "Nâng cao chỉ số SIPAS"]}


def test_the_lookup_refuses_a_nul(as_admin):
    response = as_admin.get(reverse("plans:plan_lookup"), {"q": "12\x00"})
    assert response.status_code == 400
    assert response.json()["results"] == []
