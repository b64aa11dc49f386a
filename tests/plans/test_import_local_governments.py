"""Plans that name the local governments ("UBND cấp huyện", "UBND cấp xã"): each district and
commune of the plan's province in force on the plan's date gets its own assignment, and its
staff see and report it."""

import datetime
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from agencies.models import Agency, CollectiveName, Membership, Province
from agencies.services import user_with_membership_upsert
from plans.models import Assignment, Plan
from tests.conftest import PASSWORD, agency
from tests.plans.test_import import build_workbook, import_2022
from tests.plans.test_task_pages import _progress

pytestmark = pytest.mark.django_db

DAY_2022 = datetime.date(2022, 1, 1)


def staff_of(agency_obj: Agency, username: str):
    return user_with_membership_upsert(
        username=username,
        password=PASSWORD,
        full_name=username,
        role=Membership.Role.STAFF,
        agency=agency_obj,
    )


def listed(client) -> list[Assignment]:
    """The assignments the task list shows the logged-in user."""
    response = client.get(reverse("plans:task_list"), {"per_page": 500})
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


def members(province: Province, name: str, day: datetime.date) -> set[int]:
    collective = CollectiveName.objects.get(province=province, name=name)
    return set(collective.expand(day).values_list("pk", flat=True))


def test_2022_workbook_gives_each_district_and_commune_of_bac_kan_its_own_assignment(bac_kan):
    document = import_2022()
    assert document["agencies"]["unverified"] == []  # "UBND cấp xã" no longer stays unknown
    districts = members(bac_kan, "UBND các huyện, thành phố", DAY_2022)
    communes = members(bac_kan, "UBND cấp xã", DAY_2022)
    assert (len(districts), len(communes)) == (8, 108)

    assignments = Assignment.objects.filter(task__plan__number="KH-2022")
    per_task: dict[int, set[int]] = {}
    for task_id, agency_id in assignments.values_list("task_id", "agency_id"):
        per_task.setdefault(task_id, set()).add(agency_id)
    # Where the annex names the communes (a section "UBND CÁC XÃ, PHƯỜNG, THỊ TRẤN CHỦ TRÌ",
    # a cell "UBND cấp xã"), each of the 108 has the task; elsewhere none has.
    with_communes = [ids for ids in per_task.values() if ids & communes]
    with_districts = [ids for ids in per_task.values() if ids & districts]
    assert (len(with_communes), len(with_districts)) == (41, 55)
    assert all(communes <= ids for ids in with_communes)
    assert all(districts <= ids for ids in with_districts)
    # One assignment per agency and task: 41 for every commune, 55 for every district.
    counts = Counter(assignments.values_list("agency_id", flat=True))
    assert {counts[pk] for pk in communes} == {41}
    assert {counts[pk] for pk in districts} == {55}
    # Only the units of 2022 Bắc Kạn: no commune of another province, none of after 2025.
    local = assignments.filter(agency__kind__in=[Agency.Kind.DISTRICT, Agency.Kind.COMMUNE])
    assert set(local.values_list("agency_id", flat=True)) == districts | communes


def test_2026_plan_of_a_province_that_did_not_merge_reaches_its_communes_and_wards(tmp_path):
    path = build_workbook(
        tmp_path,
        [
            ["PHỤ LỤC"],
            ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"],
            ["I", "CHỈ SỐ PAR INDEX"],
            [
                1,
                "Công khai thủ tục hành chính tại bộ phận một cửa",
                "UBND cấp xã",
                "Sở Nội vụ",
                "Quý II/2026",
            ],
            [2, "Rà soát văn bản quy phạm pháp luật", "Sở Tư pháp", None, "Quý III/2026"],
        ],
        bold_rows=(3,),
    )
    out = io.StringIO()
    call_command(
        "import_annex",
        str(path),
        *("--province", "Cao Bằng", "--plan-number", "5/KH-UBND", "--year", "2026", "--json"),
        stdout=out,
    )
    out = json.loads(out.getvalue())
    assert out["errors"] == [] and out["agencies"]["unverified"] == []
    cao_bang = Province.objects.get(code="04")
    communes = members(cao_bang, "UBND cấp xã", datetime.date(2026, 1, 1))
    assert len(communes) == 56  # 53 xã and 3 phường from 01/07/2025
    plan = Plan.objects.get(number="5/KH-UBND")
    task = plan.tasks.get(number="1")
    leads = task.assignments.filter(role=Assignment.Role.LEAD)
    assert set(leads.values_list("agency_id", flat=True)) == communes
    assert not task.assignments.filter(agency__kind=Agency.Kind.DISTRICT).exists()
    assert plan.tasks.get(number="2").assignments.count() == 1


def test_commune_staff_see_and_report_the_2022_assignment_of_their_commune(client, bac_kan):
    import_2022()
    nam_cuong = agency(bac_kan, "UBND xã Nam Cường")
    client.force_login(staff_of(nam_cuong, "namcuong"))
    rows = listed(client)
    assert len(rows) == 41 and {a.agency for a in rows} == {nam_cuong}
    assignment = rows[0]
    assert _progress(client, assignment).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
    # Another commune's staff see none of it.
    client.force_login(staff_of(agency(bac_kan, "UBND xã Nam Mẫu"), "nammau"))
    assert {a.agency.name for a in listed(client)} == {"UBND xã Nam Mẫu"}
    assert _progress(client, assignment).status_code in (403, 404)


def test_staff_of_the_commune_it_went_to_carry_the_old_communes_work(client, bac_kan):
    """On 01/07/2025 xã Nam Cường, Đồng Lạc and Xuân Lạc of Bắc Kạn became xã Nam Cường of
    Thái Nguyên: the old communes' work reaches the new one's staff."""
    import_2022()
    thai_nguyen = Province.objects.get(code="19", valid_from=datetime.date(2025, 7, 1))
    new = agency(thai_nguyen, "UBND xã Nam Cường")
    old = set(new.predecessors.all())
    assert agency(bac_kan, "UBND xã Nam Cường") in old and len(old) == 3
    client.force_login(staff_of(new, "namcuong2025"))
    rows = listed(client)
    assert len(rows) == 3 * 41 and {a.agency for a in rows} == old
    assert _progress(client, rows[0]).status_code == 302
