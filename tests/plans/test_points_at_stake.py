"""Points at stake and expected gain on /indices/: per criterion, the points lost, the share of
the linked work done and confirmed, the gain it may bring; per lead agency the same; and the
next year's result beside last year's loss once it is imported."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionScore, Result
from plans.models import Assignment
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(bac_kan):
    """PAPI 2016 (reference data: dimension 1 lost 4,65, dimension 4 lost 4,1). Dimension 1 is
    addressed by two tasks: Sở Tư pháp's, done and confirmed; Sở Nội vụ's, done, waiting. Sở Tư
    pháp also leads a task on dimension 4, not started."""
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    edition = result.scores.first().criterion.edition
    one = Criterion.objects.get(edition=edition, code="1")
    four = Criterion.objects.get(edition=edition, code="4")
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2018)
    tuphap, noivu = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Nội vụ")
    first = make_task(plan, number="1.1")
    first.criteria.add(one)
    make_assignment(first, tuphap, completed_on=datetime.date(2018, 6, 1))
    Assignment.objects.filter(task=first).update(review=Assignment.Review.CONFIRMED)
    second = make_task(plan, number="1.2")
    second.criteria.add(one)
    make_assignment(second, noivu, completed_on=datetime.date(2018, 6, 1))
    Assignment.objects.filter(task=second).update(review=Assignment.Review.PENDING)
    third = make_task(plan, number="4.1")
    third.criteria.add(four)
    make_assignment(third, tuphap)
    return {"result": result, "one": one, "four": four}


def indices_page(client, bac_kan, year=2016):
    response = client.get(
        reverse("indices"), {"province": bac_kan.pk, "index": "PAPI", "year": year}
    )
    assert response.status_code == 200
    return response


def test_each_criterion_shows_work_done_confirmed_and_the_expected_gain(
    client, reviewer, bac_kan, linked
):
    client.force_login(reviewer)
    response = indices_page(client, bac_kan)
    by_code = {node.criterion.code: node for node in response.context["tree"]}
    one = by_code["1"]
    assert one.lost == Decimal("4.65")
    assert (one.done_share, one.confirmed_share) == (Decimal(1), Decimal("0.5"))
    assert one.expected_gain == Decimal("2.325")  # half of 4,65: one of two leads confirmed
    four = by_code["4"]
    assert (four.done_share, four.confirmed_share, four.expected_gain) == (0, 0, Decimal(0))
    assert by_code["2"].done_share is None and by_code["2"].expected_gain is None  # no task
    row = response.text.split('data-code="1"')[1].split("</tr>")[0]
    assert "100 % · 50 %" in row and "2,325" in row


def test_each_lead_agency_shows_its_lost_points_and_expected_gain(client, leader, bac_kan, linked):
    client.force_login(leader)
    stakes = indices_page(client, bac_kan).context["at_stake"]
    assert [(s.name, s.lost, s.criteria, s.expected_gain) for s in stakes] == [
        ("Sở Tư pháp", Decimal("8.75"), 2, Decimal("4.650")),  # 4,65 + 4,1; dimension 1 confirmed
        ("Sở Nội vụ", Decimal("4.65"), 1, Decimal("0.000")),  # done, not yet confirmed
    ]


def test_the_next_years_result_is_shown_beside_last_years_loss(client, reviewer, bac_kan, linked):
    client.force_login(reviewer)
    assert "Năm 2017: đạt/tối đa" not in indices_page(client, bac_kan).text
    following = Result.objects.create(
        province=bac_kan, index=linked["result"].index, year=2017, total="37", maximum="60"
    )
    CriterionScore.objects.create(
        result=following, criterion=linked["one"], achieved="6.9", maximum="10"
    )
    response = indices_page(client, bac_kan)
    assert "Năm 2017: đạt/tối đa" in response.text
    one = {n.criterion.code: n for n in response.context["tree"]}["1"]
    assert (one.lost, one.next_lost) == (Decimal("4.65"), Decimal("3.1"))
    row = response.text.split('data-code="1"')[1].split("</tr>")[0]
    assert "6,9/10" in row and "bị mất 3,1" in row
