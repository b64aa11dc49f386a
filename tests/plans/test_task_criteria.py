"""Linking a task to the criteria it addresses, from the task page (Sở Nội vụ only)."""

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, Index
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(bac_kan):
    """A task of the 2018 PAPI plan (base year 2016: the 2011–2017 edition)."""
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2018, base_year=2016)
    plan.indices.add(Index.objects.get(code="PAPI"))
    task = make_task(plan, number="1.1", description="Tuyên truyền Pháp lệnh dân chủ cơ sở")
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    return task


def papi(code, first_year=2011):
    return Criterion.objects.get(
        edition__index__code="PAPI", edition__first_year=first_year, code=code
    )


def post(client, task, criterion, action="link"):
    return client.post(
        reverse("task_criteria", args=[task.pk]), {"criterion": criterion.pk, "action": action}
    )


def test_reviewer_links_and_unlinks_a_criterion_from_the_task_page(client, reviewer, task):
    client.force_login(reviewer)
    page = client.get(reverse("plans:task_detail", args=[task.pk]))
    # Only the six dimensions of the edition in force in the plan's base year are offered.
    offered = [c.code for c in page.context["linkable"]]
    assert offered == ["1", "2", "3", "4", "5", "6"]
    assert "Gắn tiêu chí" in page.text
    response = post(client, task, papi("2"))
    assert response.status_code == 302
    assert list(task.criteria.values_list("code", flat=True)) == ["2"]
    page = client.get(response.url)
    assert "Đã gắn tiêu chí 2. Công khai, minh bạch" in page.text
    assert [c.code for c in page.context["linkable"]] == ["1", "3", "4", "5", "6"]
    post(client, task, papi("2"), action="unlink")
    assert not task.criteria.exists()


def test_a_criterion_of_another_edition_is_refused_with_a_message(client, reviewer, task):
    client.force_login(reviewer)
    response = post(client, task, papi("7", first_year=2018))  # Quản trị môi trường, 2018–
    assert not task.criteria.exists()
    page = client.get(response.url)
    assert "không thuộc phiên bản chỉ số áp dụng cho kế hoạch" in page.text


def test_get_is_refused_and_staff_leaders_and_other_provinces_cannot_link(
    client, task, reviewer, staff_tuphap, leader, other_reviewer, administrator
):
    url = reverse("task_criteria", args=[task.pk])
    client.force_login(reviewer)
    assert client.get(url).status_code == 405
    client.force_login(staff_tuphap)
    assert post(client, task, papi("1")).status_code == 403
    client.force_login(leader)
    assert post(client, task, papi("1")).status_code == 403
    assert "Gắn tiêu chí" not in client.get(reverse("plans:task_detail", args=[task.pk])).text
    client.force_login(other_reviewer)
    assert post(client, task, papi("1")).status_code == 404
    assert not task.criteria.exists()
    client.force_login(administrator)
    assert post(client, task, papi("1")).status_code == 302
    assert list(task.criteria.values_list("code", flat=True)) == ["1"]


def test_a_plan_without_base_year_or_index_offers_the_editions_of_its_year_and_the_year_before(
    client, reviewer, bac_kan
):
    plan = make_plan(bac_kan, number="1/KH-UBND", year=2022)
    task = make_task(plan)
    client.force_login(reviewer)
    page = client.get(reverse("plans:task_detail", args=[task.pk]))
    editions = {str(c.edition) for c in page.context["linkable"]}
    # 2021 and 2022: PAR 2020–2021 (no criteria loaded) and 2022–, SIPAS 2017–, PAPI 2018–.
    assert editions == {"PAR INDEX 2022–", "SIPAS 2017–", "PAPI 2018–"}
