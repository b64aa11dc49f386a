"""The API's lists make the same few queries for 10 rows as for 1,000 (a full page of each)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import Assignment, Section, Task
from plans.services import assignment_record_progress
from tests.conftest import agency
from tests.factories import make_plan
from tests.plans.api_world import TODAY, days, token_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rows(province, count: int, *, reporter=None) -> None:
    """`count` tasks of Sở Tư pháp, each with a progress report (with a file, for the history's
    and evidence's lists) for the first few."""
    plan = make_plan(province, number=f"{count}/KH-UBND", year=TODAY.year)
    section = Section.objects.create(plan=plan, position=0, title="Mục")
    tasks = Task.objects.bulk_create(
        Task(
            plan=plan,
            section=section,
            number=str(n),
            position=n,
            description=f"Nhiệm vụ {n}",
            deadline_kind="fixed",
            due_on=days(n % 90 - 30),
        )
        for n in range(count)
    )
    tp = agency(province, "Sở Tư pháp")
    Assignment.objects.bulk_create(Assignment(task=t, agency=tp, role="lead") for t in tasks)
    for assignment in Assignment.objects.filter(task__plan=plan)[:3]:
        assignment_record_progress(
            assignment=assignment,
            author=reporter,
            status="in_progress",
            note="Báo cáo",
            files=[SimpleUploadedFile("a.pdf", PDF)],
        )


# Each list: the token with its user, role and agency (1 query), who the user acts for
# (predecessor agencies or merged provinces: 1 each, as on the pages), then the rows and
# their prefetched relations.
LISTS = {
    # token · merged provinces · rows
    ("reviewer", "/api/v1/assignments/", "status=not_started&province={province}"): 3,
    # token · predecessor agencies · merged provinces (the plan filter's choices) · rows
    ("staff", "/api/v1/assignments/", "timeliness=overdue"): 4,
    # token · predecessor agencies · rows · their evidence
    ("staff", "/api/v1/progress-updates/", ""): 4,
    # token · predecessor agencies · rows
    ("staff", "/api/v1/evidence/", ""): 3,
    # token · predecessor agencies · rows · their criteria
    ("staff", "/api/v1/tasks/", ""): 4,
    # token · merged provinces · rows · their indices
    ("reviewer", "/api/v1/plans/", ""): 4,
}


@pytest.mark.parametrize("rows", [10, 1000])
def test_api_lists_make_a_fixed_number_of_queries(
    rows, bac_kan, staff_tuphap, reviewer, django_assert_num_queries
):
    _rows(bac_kan, rows, reporter=staff_tuphap)
    clients = {"staff": token_client(staff_tuphap), "reviewer": token_client(reviewer)}
    for client in clients.values():
        client.get("/api/v1/provinces/")  # the token's last-used date is written once a minute
    for (who, url, query), expected in LISTS.items():
        query = query.format(province=bac_kan.pk)
        with django_assert_num_queries(expected):
            response = clients[who].get(f"{url}?page_size=1000&{query}")
        assert response.status_code == 200, (url, response.content)
        assert response.json()["results"], url
    staff_rows = clients["staff"].get("/api/v1/assignments/?page_size=1000").json()["results"]
    assert len(staff_rows) == rows
