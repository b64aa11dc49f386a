"""Data and clients the API tests share: a plan of Bắc Kạn with tasks of every timeliness
group, two agencies, a criterion, a section of its own, and a token per persona."""

import datetime
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from parindex.indices.models import Criterion, Index
from plans.api.services import api_token_create
from plans.models import Section
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def token_client(user) -> Client:
    """A client of another system: no session, the user's token in every request."""
    _, raw = api_token_create(user=user, name="Hệ thống văn bản")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@dataclass
class ApiWorld:
    plan: object
    section: Section
    criterion: Criterion
    tasks: dict
    rows: dict  # (task number, agency short key) → assignment


def api_world(province) -> ApiWorld:
    tp, tc = agency(province, "Sở Tư pháp"), agency(province, "Sở Tài chính")
    plan = make_plan(province, number="12/KH-UBND", year=TODAY.year)
    plan.indices.set(Index.objects.filter(code="PAPI"))
    other_section = Section.objects.create(plan=plan, position=1, number="II", title="Mục hai")
    criterion = Criterion.objects.filter(edition__index__code="PAPI").order_by("pk").first()
    tasks = {
        "1": make_task(plan, number="1", due_on=days(-10), description="Cải cách hành chính"),
        "2": make_task(plan, number="2", due_on=days(3), description="Số hóa hồ sơ"),
        "3": make_task(plan, number="3", due_on=days(60), section=other_section),
        "4": make_task(plan, number="4"),  # ongoing: no deadline
    }
    tasks["3"].criteria.add(criterion)
    rows = {
        ("1", "tp"): make_assignment(tasks["1"], tp, status="in_progress"),
        ("1", "tc"): make_assignment(tasks["1"], tc, role="support", completed_on=days(-12)),
        ("2", "tp"): make_assignment(tasks["2"], tp),
        ("3", "tc"): make_assignment(tasks["3"], tc),
        ("4", "tp"): make_assignment(tasks["4"], tp, role="support"),
    }
    return ApiWorld(plan, other_section, criterion, tasks, rows)
