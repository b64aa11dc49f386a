"""Results and criterion scores entered in the admin: decimal comma, and refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, CriterionScore, Edition, Result

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    return client


@pytest.fixture
def par_2022(bac_kan):
    edition = Edition.objects.get(index__code="PAR", first_year=2022)
    return Result.objects.create(province=bac_kan, index=edition.index, year=2022)


def add_score(client, result, criterion, achieved, maximum):
    return client.post(
        reverse("admin:parindex_criterionscore_add"),
        {"result": result.pk, "criterion": criterion.pk, "achieved": achieved, "maximum": maximum},
    )


def test_a_score_is_typed_with_the_decimal_comma(admin_client, par_2022):
    area = Criterion.objects.get(edition__index__code="PAR", edition__first_year=2022, code="1")
    response = add_score(admin_client, par_2022, area, "8,963", "9,5")
    assert response.status_code == 302
    score = CriterionScore.objects.get(result=par_2022)
    assert (score.achieved, score.maximum) == (Decimal("8.963"), Decimal("9.5"))
    change = admin_client.get(reverse("admin:parindex_criterionscore_change", args=[score.pk]))
    assert 'value="8,9630"' in change.text


def test_a_criterion_of_another_edition_or_above_its_maximum_is_refused(admin_client, par_2022):
    old = Criterion.objects.get(edition__index__code="PAPI", edition__first_year=2011, code="1")
    response = add_score(admin_client, par_2022, old, "5", "10")
    assert response.status_code == 200
    assert "không thuộc phiên bản phương pháp của PAR INDEX năm 2022" in response.text
    area = Criterion.objects.get(edition__index__code="PAR", edition__first_year=2022, code="1")
    response = add_score(admin_client, par_2022, area, "10", "9,5")
    assert response.status_code == 200
    assert not CriterionScore.objects.filter(result=par_2022).exists()


def test_the_result_page_lists_its_scores_inline(admin_client, bac_kan):
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    page = admin_client.get(reverse("admin:parindex_result_change", args=[result.pk]))
    assert page.status_code == 200
    assert 'value="5,3500"' in page.text and "Điểm tiêu chí" in page.text
