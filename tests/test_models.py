"""The model's rules that the database itself enforces, on SQLite and PostgreSQL alike."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Agency, Membership, Province
from parindex.indices.models import CriterionScore, Index, Result
from plans.models import Assignment, ProgressUpdate, Task
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_agency_names_are_unique_per_province_ignoring_case_and_diacritics(bac_kan, cao_bang):
    refused(lambda: Agency.objects.create(province=bac_kan, name="SỞ NỘI VỤ", kind="department"))
    refused(lambda: Agency.objects.create(province=bac_kan, name="so noi vu", kind="department"))
    # Another province may have its own.
    assert Agency.objects.filter(name="Sở Nội vụ", province=cao_bang).exists()


def test_agency_cannot_end_before_it_starts(bac_kan):
    refused(
        lambda: Agency.objects.create(
            province=bac_kan,
            name="Ban Quản lý",
            kind="provincial_body",
            valid_from=day("01/01/2023"),
            valid_to=day("01/01/2022"),
        )
    )


def test_a_province_merged_away_has_an_end_date(bac_kan, cao_bang):
    cao_bang.merged_into = bac_kan
    refused(cao_bang.save)


def test_membership_needs_an_agency_unless_administrator(db):
    user = get_user_model().objects.create(username="x")
    refused(lambda: Membership.objects.create(user=user, role=Membership.Role.STAFF, agency=None))
    Membership.objects.create(user=user, role=Membership.Role.ADMIN, agency=None)


def test_one_assignment_per_agency_and_task(bac_kan):
    task = make_task(make_plan(bac_kan), due_on=day("31/12/2022"))
    noi_vu = agency(bac_kan, "Sở Nội vụ")
    make_assignment(task, noi_vu)
    refused(lambda: make_assignment(task, noi_vu, role=Assignment.Role.SUPPORT))


def test_done_needs_a_completion_date_and_open_work_has_none(bac_kan):
    task = make_task(make_plan(bac_kan), due_on=day("31/12/2022"))
    noi_vu = agency(bac_kan, "Sở Nội vụ")
    refused(lambda: make_assignment(task, noi_vu, status=Assignment.Status.DONE))
    refused(
        lambda: Assignment.objects.create(
            task=task,
            agency=noi_vu,
            role="lead",
            status=Assignment.Status.IN_PROGRESS,
            completed_on=day("01/07/2022"),
        )
    )


def test_ongoing_and_event_tasks_have_no_due_date(bac_kan):
    plan = make_plan(bac_kan)
    for kind in (Task.DeadlineKind.ONGOING, Task.DeadlineKind.EVENT, Task.DeadlineKind.UNPARSED):
        refused(lambda kind=kind: make_task(plan, due_on=day("31/12/2022"), kind=kind))


def test_task_cannot_start_after_its_due_date(bac_kan):
    plan = make_plan(bac_kan)
    refused(
        lambda: make_task(
            plan,
            kind=Task.DeadlineKind.RANGE,
            starts_on=day("01/10/2022"),
            due_on=day("30/09/2022"),
        )
    )


def test_task_section_must_belong_to_its_plan(bac_kan):
    first = make_task(make_plan(bac_kan, number="1/KH-UBND"))
    other_plan = make_plan(bac_kan, number="2/KH-UBND")
    task = Task(plan=other_plan, section=first.section, description="x", number="1")
    with pytest.raises(ValidationError):
        task.full_clean()


def test_plan_numbers_repeat_across_years_but_not_within_one(bac_kan):
    make_plan(bac_kan, number="22/KH-UBND", year=2018)
    make_plan(bac_kan, number="22/KH-UBND", year=2022)
    refused(lambda: make_plan(bac_kan, number="22/KH-UBND", year=2022))


def test_progress_history_is_append_only(bac_kan):
    task = make_task(make_plan(bac_kan))
    assignment = make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    update = ProgressUpdate.objects.create(
        assignment=assignment, status=Assignment.Status.IN_PROGRESS, note="Đã xây dựng dự thảo"
    )
    update.note = "sửa lại lịch sử"
    with pytest.raises(ValidationError):
        update.save()
    with pytest.raises(ValidationError):
        update.delete()
    assert ProgressUpdate.objects.get(pk=update.pk).note == "Đã xây dựng dự thảo"


def test_one_result_per_province_index_and_year(bac_kan):
    par = Index.objects.get(code="PAR")
    refused(lambda: Result.objects.create(province=bac_kan, index=par, year=2021, total=80))


def test_rank_cannot_exceed_the_number_ranked(bac_kan):
    par = Index.objects.get(code="PAR")
    refused(
        lambda: Result.objects.create(province=bac_kan, index=par, year=2019, rank=64, rank_of=63)
    )


def test_criterion_score_cannot_exceed_its_maximum_and_may_be_empty(bac_kan):
    papi = Result.objects.get(index__code="PAPI", year=2016, province=bac_kan)
    score = papi.scores.first()
    score.achieved = 11
    refused(score.save)
    CriterionScore.objects.filter(pk=score.pk).update(achieved=None)
    score.refresh_from_db()
    assert score.lost is None


def test_lost_points(bac_kan):
    par = Result.objects.get(index__code="PAR", year=2021, province=bac_kan)
    assert float(par.lost) == pytest.approx(15.31)


def test_province_display_marks_cities_and_end_dates():
    assert str(Province.objects.get(slug="01-ha-noi")) == "TP Hà Nội"
    assert str(Province.objects.get(slug="06-bac-kan")) == "Bắc Kạn (đến 30/06/2025)"
