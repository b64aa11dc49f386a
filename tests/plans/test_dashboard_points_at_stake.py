"""Points at stake on the dashboard of a province and a plan year: per criterion and per lead
agency, the points lost in the latest result before the plan year and the share of the plan
year's linked work done and confirmed; the year after, once its result is imported; every
number a link to exactly its rows."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionScore, Result
from plans.models import Assignment
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bac_kan):
    """PAPI 2016 (reference data: dimension 1 lost 4,65, dimension 4 lost 4,1), answered by
    the 2017 plan. Dimension 1 is addressed by two tasks: Sở Tư pháp's, done and confirmed;
    Sở Nội vụ's, done, waiting. Sở Tư pháp also leads a task on dimension 4, not started. A
    task of the 2018 plan on dimension 1, done and confirmed, is another plan year's."""
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    edition = result.scores.first().criterion.edition
    one = Criterion.objects.get(edition=edition, code="1")
    four = Criterion.objects.get(edition=edition, code="4")
    tuphap, noivu = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Nội vụ")
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2017)
    done_on = datetime.date(2017, 6, 1)
    first = make_task(plan, number="1.1")
    first.criteria.add(one)
    make_assignment(first, tuphap, completed_on=done_on)
    make_assignment(first, noivu, role=Assignment.Role.SUPPORT)  # support: not counted
    Assignment.objects.filter(task=first, role="lead").update(review=Assignment.Review.CONFIRMED)
    second = make_task(plan, number="1.2")
    second.criteria.add(one)
    make_assignment(second, noivu, completed_on=done_on)
    Assignment.objects.filter(task=second).update(review=Assignment.Review.PENDING)
    third = make_task(plan, number="4.1")
    third.criteria.add(four)
    make_assignment(third, tuphap)
    later = make_task(make_plan(bac_kan, number="5/KH-UBND", year=2018), number="9")
    later.criteria.add(one)
    make_assignment(later, tuphap, completed_on=datetime.date(2018, 6, 1))
    Assignment.objects.filter(task=later).update(review=Assignment.Review.CONFIRMED)
    return {"result": result, "one": one, "four": four, "plan": plan}


def dashboard(client, bac_kan, year=2017, **params):
    response = client.get(
        reverse("plans:dashboard"),
        {"province": bac_kan.pk, "year": year, "period": f"{year}-Y", **params},
    )
    assert response.status_code == 200
    return response


def section(response) -> str:
    return response.text.split('id="points-at-stake"')[1].split("</section>")[0]


def row(html: str, table: str, code: str) -> str:
    cells = html.split(f'id="{table}"')[1].split(f'data-code="{code}"')[1].split("</tr>")[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", cells)).split())


def test_each_criterion_shows_lost_points_work_done_confirmed_and_gain(
    client, reviewer, bac_kan, world
):
    client.force_login(reviewer)
    response = dashboard(client, bac_kan, index="PAPI")
    (papi,) = response.context["at_stake"]
    assert papi.result.year == 2016 and papi.following is None
    by_code = {node.criterion.code: node for node in papi.rows}
    assert sorted(by_code) == ["1", "2", "3", "4", "5", "6"]  # every dimension lost points
    one = by_code["1"]
    # The 2018 plan's task is not the 2017 plan year's work.
    assert (one.lead_count, one.done_count, one.confirmed_count) == (2, 2, 1)
    assert one.expected_gain == Decimal("2.325")
    html = section(response)
    assert row(html, "stake-criteria-PAPI", "1").endswith("4,65 2 2 (100 %) 1 (50 %) 2,325")
    assert row(html, "stake-criteria-PAPI", "4").endswith("4,1 1 0 (0 %) 0 (0 %) 0")
    assert "Chưa có nhiệm vụ năm 2017 gắn với tiêu chí này" in row(html, "stake-criteria-PAPI", "2")


def test_each_lead_agency_is_shown_the_full_loss_and_the_total_counts_a_criterion_once(
    client, leader, bac_kan, world
):
    client.force_login(leader)
    response = dashboard(client, bac_kan)
    (papi,) = response.context["at_stake"]  # PAR and SIPAS have no result before 2017
    assert [(s.name, s.lost, s.criteria, s.expected_gain) for s in papi.agencies] == [
        ("Sở Tư pháp", Decimal("8.75"), 2, Decimal("4.650")),
        ("Sở Nội vụ", Decimal("4.65"), 1, Decimal("0.000")),
    ]
    total = papi.total
    assert (total.lost, total.criteria, total.expected_gain) == (
        Decimal("8.75"),  # 4,65 + 4,1: dimension 1 once, though two agencies address it
        2,
        Decimal("2.325"),
    )
    html = section(response)
    assert "Toàn tỉnh (mỗi tiêu chí tính một lần)" in html
    assert "không bằng tổng các dòng trên" in html
    assert "8,75" in html and "4,65" in html and "2,325" in html


def test_every_number_links_to_a_task_list_of_exactly_that_many_rows(
    client, reviewer, bac_kan, world
):
    following = Result.objects.create(
        province=bac_kan, index=world["result"].index, year=2017, total="37", maximum="60"
    )
    CriterionScore.objects.create(
        result=following, criterion=world["one"], achieved="6.9", maximum="10"
    )
    client.force_login(reviewer)
    html = section(dashboard(client, bac_kan))
    links = re.findall(r'<a href="([^"]*)">(\d+)</a>', html)
    assert len(links) == 2 * 3 + 2 * 2  # 2 criteria × 3 numbers; the year after, 2 × 2
    for url, shown in links:
        listed = client.get(unescape(url))
        assert listed.context["table"].paginator.count == int(shown), url


def test_the_year_after_shows_last_years_loss_this_years_work_and_the_new_result(
    client, reviewer, bac_kan, world
):
    client.force_login(reviewer)
    assert "Năm sau" not in section(dashboard(client, bac_kan))
    following = Result.objects.create(
        province=bac_kan, index=world["result"].index, year=2017, total="37", maximum="60"
    )
    CriterionScore.objects.create(
        result=following, criterion=world["one"], achieved="6.9", maximum="10"
    )
    response = dashboard(client, bac_kan)
    (papi,) = response.context["at_stake"]
    assert papi.following == following
    assert [node.criterion.code for node in papi.addressed] == ["1", "4"]
    html = section(response)
    assert "Năm sau: kết quả năm 2017" in html
    # Lost 4,65 in 2016 → 2 tasks, 2 of 2 leads done, 1 confirmed → 6,9/10 in 2017, +1,55.
    assert row(html, "stake-after-PAPI", "1").endswith("4,65 2 2 /2 1 /2 6,9/10 +1,55")
    assert row(html, "stake-after-PAPI", "4").endswith("4,1 1 0 /1 0 /1 — —")


def test_empty_states_without_a_result_or_without_links(client, reviewer, bac_kan):
    client.force_login(reviewer)
    make_plan(bac_kan, number="1/KH-UBND", year=2016)
    empty = dashboard(client, bac_kan, year=2016)  # no result of any index before 2016
    assert empty.context["at_stake"] == []
    assert "Chưa nhập kết quả của năm nào trước năm 2016" in section(empty)
    unlinked = dashboard(client, bac_kan, index="PAPI")
    (papi,) = unlinked.context["at_stake"]
    assert papi.agencies == [] and papi.total is None and papi.addressed == []
    html = section(unlinked)
    assert "Chưa có nhiệm vụ nào của kế hoạch năm 2017 gắn với tiêu chí bị mất điểm" in html
    assert html.count("Chưa có nhiệm vụ năm 2017 gắn với tiêu chí này") == 6


def test_who_sees_the_points_at_stake(
    client, bac_kan, world, reviewer, leader, staff_tuphap, administrator
):
    for user in (reviewer, leader):
        client.force_login(user)
        assert "Điểm cần lấy lại: kế hoạch năm 2017" in dashboard(client, bac_kan).text
    client.force_login(staff_tuphap)
    assert client.get(reverse("plans:dashboard")).status_code == 403
    client.force_login(administrator)
    assert 'id="points-at-stake"' in dashboard(client, bac_kan).text
    national = client.get(
        reverse("plans:dashboard"), {"province": "", "year": 2017, "period": "2017-Y"}
    )
    assert national.status_code == 200 and national.context["at_stake"] is None
    assert 'id="points-at-stake"' not in national.text
