"""The index page: results over the years, criteria by points lost, tasks that address them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.models import Criterion, CriterionScore, Result
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def papi_2016(bac_kan):
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    participation = Criterion.objects.get(edition=result.scores.first().criterion.edition, code="1")
    transparency = Criterion.objects.get(edition=participation.edition, code="2")
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2018)
    task = make_task(plan, number="1.1", description="Tuyên truyền Pháp lệnh dân chủ cơ sở")
    task.criteria.add(participation, transparency)
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    return {"result": result, "task": task}


def page(client, bac_kan, **params):
    response = client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI", **params})
    assert response.status_code == 200
    return response


def test_results_over_the_years_and_criteria_by_points_lost(client, reviewer, bac_kan, papi_2016):
    client.force_login(reviewer)
    response = page(client, bac_kan)
    context = response.context
    assert [r.year for r in context["results"]] == [2016]
    assert context["chart"] == [{"year": 2016, "total": 35.61, "rank": 35}]
    lost = [(s.criterion.code, s.lost_points) for s in context["scores"]]
    # Công khai, minh bạch lost 5,55 points; Thủ tục hành chính công the fewest (2,81).
    assert lost[0] == ("2", Decimal("5.55")) and lost[-1] == ("5", Decimal("2.81"))
    assert [t.number for t in context["scores"][0].criterion.remedies] == ["1.1"]
    assert "35/63" in response.text and "Trung bình thấp" in response.text
    assert "Tuyên truyền Pháp lệnh dân chủ cơ sở" in response.text


def test_points_at_stake_per_lead_agency(client, reviewer, bac_kan, papi_2016):
    client.force_login(reviewer)
    at_stake = page(client, bac_kan).context["at_stake"]
    # 5,55 (Công khai, minh bạch) + 4,65 (Tham gia) for the one task Sở Tư pháp leads.
    assert at_stake == [("Sở Tư pháp", Decimal("10.20"), 2)]


def test_a_missing_score_is_shown_empty(client, reviewer, bac_kan, papi_2016):
    CriterionScore.objects.filter(result=papi_2016["result"], criterion__code="6").update(
        achieved=None
    )
    client.force_login(reviewer)
    scores = page(client, bac_kan).context["scores"]
    assert scores[-1].criterion.code == "6" and scores[-1].lost_points is None


def test_staff_cannot_open_it_and_another_province_cannot_be_chosen(
    client, bac_kan, staff_tuphap, other_reviewer, leader
):
    client.force_login(staff_tuphap)
    assert client.get(reverse("indices")).status_code == 403
    client.force_login(leader)
    assert page(client, bac_kan).status_code == 200
    client.force_login(other_reviewer)
    assert (
        client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI"}).status_code == 400
    )
