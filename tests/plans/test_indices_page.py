"""The index page: results over the years, the criteria tree with the points lost at each node,
the tasks that address each criterion, and the points at stake per lead agency."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionScore, Edition, Result
from plans.models import Assignment
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


def sub(parent, code, name, position=0, level=Criterion.Level.CRITERION, max_score=None):
    return Criterion.objects.create(
        edition=parent.edition,
        parent=parent,
        code=code,
        name=name,
        level=level,
        position=position,
        max_score=max_score,
    )


@pytest.fixture
def papi_2016(bac_kan):
    """The Bắc Kạn PAPI 2016 result from the reference data (six dimensions scored), with three
    criteria added under "2 Công khai, minh bạch": one losing 1,5, one losing 2, one unscored."""
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    edition = result.scores.first().criterion.edition
    participation = Criterion.objects.get(edition=edition, code="1")
    transparency = Criterion.objects.get(edition=edition, code="2")
    c21 = sub(transparency, "2.1", "Công khai danh sách hộ nghèo", 1)
    c22 = sub(transparency, "2.2", "Công khai ngân sách cấp xã", 2)
    sub(transparency, "2.3", "Công khai quy hoạch sử dụng đất", 3)
    CriterionScore.objects.create(result=result, criterion=c21, achieved="1.5", maximum="3")
    CriterionScore.objects.create(result=result, criterion=c22, achieved="3", maximum="5")
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2018)
    task = make_task(plan, number="1.1", description="Tuyên truyền Pháp lệnh dân chủ cơ sở")
    task.criteria.add(participation, transparency, c22)
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"), status=Assignment.Status.IN_PROGRESS)
    make_assignment(task, agency(bac_kan, "Sở Tài chính"), role=Assignment.Role.SUPPORT)
    return {"result": result, "task": task, "edition": edition}


STATEMENT = {
    "text": "đạt 4,45/10 điểm",
    "achieved": 4.45,
    "maximum": 10.0,
    "unit": "points",
    "year": 2016,
    "group": None,
}


def page(client, bac_kan, **params):
    response = client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI", **params})
    assert response.status_code == 200
    return response


def rows(response):
    return [(n.criterion.code, n.depth, n.lost) for n in response.context["tree"]]


def test_results_over_the_years_and_the_tree_sorted_by_points_lost(
    client, reviewer, bac_kan, papi_2016
):
    client.force_login(reviewer)
    response = page(client, bac_kan)
    assert [r.year for r in response.context["results"]] == [2016]
    # One year is the table's one row; a chart of a single point is not drawn.
    assert response.context["chart"] == [] and "chart-results" not in response.text
    # Areas by points lost (2: 5,55; 1: 4,65; 3: 4,55; 4: 4,1; 6: 3,32; 5: 2,81), each followed
    # by its own criteria, also by points lost, the unscored one last.
    assert rows(response) == [
        ("2", 0, Decimal("5.55")),
        ("2.2", 1, Decimal("2")),
        ("2.1", 1, Decimal("1.5")),
        ("2.3", 1, None),
        ("1", 0, Decimal("4.65")),
        ("3", 0, Decimal("4.55")),
        ("4", 0, Decimal("4.1")),
        ("6", 0, Decimal("3.32")),
        ("5", 0, Decimal("2.81")),
    ]
    assert "35/63" in response.text and "Trung bình thấp" in response.text
    # Decimal comma, and the lead agency's status beside the task on each criterion it addresses.
    assert '<td class="num lost">5,55</td>' in response.text
    assert response.text.count("Sở Tư pháp: Đang thực hiện") == 3
    assert "Sở Tài chính: " not in response.text  # supporting agencies are not leads


def test_a_node_without_its_own_score_shows_the_sum_of_its_children(client, reviewer, bac_kan):
    """PAR INDEX 2022: only sub-criteria are scored; the criterion and the area add them up
    ("còn lại 0,537 điểm chưa đạt được")."""
    edition = Edition.objects.get(index__code="PAR", first_year=2022)
    area = Criterion.objects.get(edition=edition, code="1")
    criterion = sub(area, "1.1", "Kế hoạch CCHC năm")
    s1 = sub(criterion, "1.1.1", "Ban hành kế hoạch", 1, Criterion.Level.SUB_CRITERION)
    s2 = sub(criterion, "1.1.2", "Mức độ hoàn thành kế hoạch", 2, Criterion.Level.SUB_CRITERION)
    result = Result.objects.create(province=bac_kan, index=edition.index, year=2022)
    CriterionScore.objects.create(result=result, criterion=s1, achieved="8.963", maximum="9.5")
    CriterionScore.objects.create(result=result, criterion=s2, achieved="2", maximum="2")
    client.force_login(reviewer)
    response = client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAR"})
    tree = response.context["tree"]
    by_code = {n.criterion.code: n for n in tree}
    assert (by_code["1"].achieved, by_code["1"].maximum, by_code["1"].lost) == (
        Decimal("10.963"),
        Decimal("11.5"),
        Decimal("0.537"),
    )
    assert by_code["1"].rolled_up and by_code["1.1"].rolled_up and not by_code["1.1.1"].rolled_up
    assert [n.criterion.code for n in tree][:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    assert [n.depth for n in tree][:4] == [0, 1, 2, 2]
    assert "0,537" in response.text and "8,963" in response.text
    # The other seven areas have no score: shown empty, after the scored one.
    assert [n.lost for n in tree[4:]] == [None] * 7


def test_points_at_stake_count_a_criterion_once_and_not_under_its_ancestor(
    client, reviewer, bac_kan, papi_2016
):
    client.force_login(reviewer)
    at_stake = page(client, bac_kan).context["at_stake"]
    # Sở Tư pháp's task addresses 1 (4,65), 2 (5,55) and 2.2, which 2's loss already includes.
    assert [(s.name, s.lost, s.criteria, s.expected_gain) for s in at_stake] == [
        ("Sở Tư pháp", Decimal("10.20"), 2, Decimal(0))  # nothing confirmed yet
    ]


def test_a_missing_score_is_shown_empty_and_sorted_last(client, reviewer, bac_kan, papi_2016):
    CriterionScore.objects.filter(result=papi_2016["result"], criterion__code="6").update(
        achieved=None
    )
    client.force_login(reviewer)
    tree = page(client, bac_kan).context["tree"]
    assert (tree[-1].criterion.code, tree[-1].lost, tree[-1].achieved) == ("6", None, None)


def test_the_page_makes_the_same_queries_whatever_the_size_of_the_tree(
    client, reviewer, bac_kan, papi_2016, django_assert_num_queries
):
    task = papi_2016["task"]
    task.score_statements = [STATEMENT]
    task.save()
    client.force_login(reviewer)
    page(client, bac_kan)  # warm the per-process caches (content types, sessions)

    # 1 session, 2 user, 3 membership, 4 its agency, 5 provinces merged into the user's
    # (roles), 6 the first index (form default), 7-8 the user's provinces (form default: exists,
    # first), 9 the province chosen, 10 the index chosen, 11 results over the years, 12 the
    # edition in force, 13 its criteria, 14 the tasks linked to them, 15 their lead assignments
    # with agencies, 16 the result's scores, 17 decisions taken on statements, 18 the tasks
    # with statements, 19-20 the province and index options of the form.
    def count_for_big_tree():
        with django_assert_num_queries(20):
            page(client, bac_kan)

    count_for_big_tree()
    transparency = Criterion.objects.get(edition=papi_2016["edition"], code="2")
    plan = papi_2016["task"].plan
    for number in range(30):
        criterion = sub(transparency, f"2.{number + 4}", f"Tiêu chí {number}", number + 4)
        CriterionScore.objects.create(
            result=papi_2016["result"], criterion=criterion, achieved="0.5", maximum="1"
        )
        task = make_task(plan, number=f"2.{number}")
        task.criteria.add(criterion)
        make_assignment(task, agency(bac_kan, "Sở Nội vụ"))
    count_for_big_tree()


def test_staff_cannot_open_it_and_another_province_cannot_be_chosen(
    client, bac_kan, staff_tuphap, other_reviewer, leader
):
    client.force_login(staff_tuphap)
    assert client.get(reverse("indices")).status_code == 403
    client.force_login(leader)
    response = page(client, bac_kan)
    assert "Nhập kết quả từ Excel" not in response.text  # leaders only read
    client.force_login(other_reviewer)
    assert (
        client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI"}).status_code == 400
    )


def test_two_years_of_results_are_drawn_as_a_line(client, reviewer, bac_kan, papi_2016):
    Result.objects.create(
        province=bac_kan, index=papi_2016["result"].index, year=2017, total="36.2", rank=30
    )
    client.force_login(reviewer)
    response = page(client, bac_kan)
    assert response.context["chart"] == [
        {"year": 2016, "total": 35.61, "rank": 35},
        {"year": 2017, "total": 36.2, "rank": 30},
    ]
    assert 'id="chart-results"' in response.text and 'id="results-data"' in response.text
    # 2017's rank came without the number of provinces ranked: no "30/None".
    assert "None" not in response.text and "35/63" in response.text
