"""Settling the agency names an import could not place: the list of a province's unknown names
with their tasks, and the three ways Sở Nội vụ settles one (another name of an agency, an
external body, a collective name), each keeping every recorded piece of work and each read the
same way by the next import of the annex."""

import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyAlias, CollectiveName
from plans.importing.pipeline import annex_import
from plans.models import Assignment, Evidence, ProgressUpdate, Task
from plans.services import (
    agency_settle_as_alias,
    agency_settle_as_collective,
    assignment_record_progress,
)
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UNKNOWN = "Ban Quản lý dự án khu công nghiệp"
OTHER_UNKNOWN = "Tổ công tác đặc biệt của tỉnh"
LEAD, SUPPORT = Assignment.Role.LEAD, Assignment.Role.SUPPORT


def annex(rows) -> bytes:
    """A small annex in the usual layout: (number, task, lead, support) rows in one section."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục"
    sheet.append(["PHỤ LỤC NHIỆM VỤ"])
    sheet.append(["TT", "Nhiệm vụ, giải pháp", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"])
    sheet.append(["I", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"])
    for cell in sheet[3]:
        cell.font = openpyxl.styles.Font(bold=True)
    for number, text, lead, support in rows:
        sheet.append([number, text, lead, support, "Quý IV/2024"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ROWS = [
    # The unknown name alone.
    ("1", "Rà soát quy trình giải quyết thủ tục đầu tư", UNKNOWN, None),
    # Beside Sở Tư pháp on the same task, nobody will report for the unknown name.
    ("2", "Công bố thủ tục hành chính mới", "Sở Tư pháp", UNKNOWN),
    # Beside Sở Tư pháp again: here the unknown name's assignment gets the work.
    ("3", "Số hóa hồ sơ thủ tục hành chính", "Sở Tư pháp", UNKNOWN),
    ("4", "Tập huấn cán bộ một cửa", "Sở Nội vụ", OTHER_UNKNOWN),
]


def import_annex(bac_kan, reviewer, rows=ROWS):
    report = annex_import(
        data=annex(rows),
        file_name="phu-luc.xlsx",
        province=bac_kan,
        plan_number="5/KH-UBND",
        year=2024,
        user=reviewer,
    )
    assert report.ok, report.errors
    return report


def task(number) -> Task:
    return Task.objects.get(plan__number="5/KH-UBND", number=number)


def assignment_of(number, name) -> Assignment:
    return Assignment.objects.get(task=task(number), agency__name=name)


def report_work(assignment, author, note="Đã làm") -> ProgressUpdate:
    return assignment_record_progress(
        assignment=assignment,
        author=author,
        status=Assignment.Status.IN_PROGRESS,
        note=note,
        files=[SimpleUploadedFile("bien-ban.pdf", PDF)],
    )


def assignments_as_they_are():
    return list(
        Assignment.objects.order_by("pk").values_list(
            "pk", "task_id", "agency_id", "role", "source_text", "status", "unassigned_at"
        )
    )


def entries(model, pk):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
    )


@pytest.fixture
def imported(bac_kan, reviewer):
    report = import_annex(bac_kan, reviewer)
    assert sorted(report.agencies["unverified"]) == sorted([UNKNOWN, OTHER_UNKNOWN])
    return Agency.objects.get(province=bac_kan, name=UNKNOWN)


# The list -------------------------------------------------------------------------------------


def test_the_list_shows_each_unknown_name_with_the_tasks_that_use_it(
    client, reviewer, bac_kan, imported
):
    client.force_login(reviewer)
    page = client.get(reverse("plans:unknown_agency_list", args=[bac_kan.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert UNKNOWN in text and OTHER_UNKNOWN in text
    assert "3 nhiệm vụ" in text and "1 nhiệm vụ" in text
    for number in ("1", "2", "3", "4"):
        assert f'href="{reverse("plans:task_detail", args=[task(number).pk])}"' in text
    assert "Kế hoạch 5/KH-UBND (2024)" in text
    assert f'href="{reverse("plans:agency_settle", args=[imported.pk])}"' in text
    # Reached from the menu, and from the import's page.
    assert reverse("plans:unknown_agency_provinces") in text
    provinces = client.get(reverse("plans:unknown_agency_provinces")).content.decode()
    assert reverse("plans:unknown_agency_list", args=[bac_kan.pk]) in provinces
    assert "2 tên chưa xác định" in provinces


def test_the_import_page_links_to_the_list(client, reviewer, bac_kan, imported):
    from plans.models import ImportRun

    client.force_login(reviewer)
    run = ImportRun.objects.get(dry_run=False)
    page = client.get(reverse("plans:import_detail", args=[run.pk])).content.decode()
    assert reverse("plans:unknown_agency_list", args=[bac_kan.pk]) in page


def test_the_settle_page_offers_the_province_agencies_and_marks_work(
    client, reviewer, staff_tuphap, bac_kan, imported
):
    report_work(assignment_of("3", UNKNOWN), staff_tuphap)
    client.force_login(reviewer)
    page = client.get(reverse("plans:agency_settle", args=[imported.pk])).content.decode()
    assert "3 nhiệm vụ dùng tên này, 1 đã có tiến độ báo cáo" in page
    assert "đã có tiến độ" in page
    tp = agency(bac_kan, "Sở Tư pháp")
    assert f'<option value="{tp.pk}">Sở Tư pháp (đến 30/06/2025)</option>' in page
    assert f'name="members" value="{tp.pk}"' in page
    # Another province's agencies and the other unknown name are not offered.
    cao_bang_tp = Agency.objects.get(province__slug="04-cao-bang", name="Sở Tư pháp")
    other = Agency.objects.get(name=OTHER_UNKNOWN)
    for pk in (cao_bang_tp.pk, other.pk):
        assert f'value="{pk}"' not in page


# Another name of an agency --------------------------------------------------------------------


def test_mapping_moves_the_assignments_with_their_history_and_the_next_import_uses_the_alias(
    client, reviewer, staff_tuphap, bac_kan, imported
):
    tp = agency(bac_kan, "Sở Tư pháp")
    # Task 1: only the unknown name, with work. Task 3: the unknown name has work and Sở Tư
    # pháp none. Task 2: Sở Tư pháp has work, the unknown name none.
    alone = assignment_of("1", UNKNOWN)
    report_work(alone, staff_tuphap, "Báo cáo của ban")
    beside = assignment_of("3", UNKNOWN)
    report_work(beside, staff_tuphap, "Ban đã số hóa")
    report_work(assignment_of("2", "Sở Tư pháp"), staff_tuphap, "Sở Tư pháp đã công bố")
    updates, evidence = ProgressUpdate.objects.count(), Evidence.objects.count()

    client.force_login(reviewer)
    response = client.post(
        reverse("plans:agency_settle_alias", args=[imported.pk]), {"target": tp.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:unknown_agency_list", args=[bac_kan.pk])
    shown = client.get(response["Location"]).content.decode()
    assert f"“{UNKNOWN}” là tên gọi khác của Sở Tư pháp" in shown

    # Nothing of the history is lost, and it now hangs on Sở Tư pháp's assignments.
    assert (ProgressUpdate.objects.count(), Evidence.objects.count()) == (updates, evidence)
    alone.refresh_from_db()
    assert alone.agency == tp and alone.role == LEAD
    assert alone.updates.get().note == "Báo cáo của ban"
    # Task 3: the unknown name's assignment (with work) took Sở Tư pháp's empty one's place,
    # with the lead role and Sở Tư pháp's own wording, as the import writes it.
    [on_3] = task("3").assignments.all()
    assert on_3.pk == beside.pk
    assert (on_3.agency, on_3.role, on_3.source_text) == (tp, LEAD, "Sở Tư pháp")
    assert on_3.updates.get().evidence.count() == 1
    # Task 2: the unknown name's empty support assignment was dropped; Sở Tư pháp's kept.
    [on_2] = task("2").assignments.all()
    assert (on_2.agency, on_2.role) == (tp, LEAD)
    assert on_2.updates.get().note == "Sở Tư pháp đã công bố"
    # The name is an alias of Sở Tư pháp; the placeholder is gone.
    assert AgencyAlias.objects.filter(agency=tp, alias=UNKNOWN).exists()
    assert not Agency.objects.filter(pk=imported.pk).exists()

    # The next import of the annex reads the name as Sở Tư pháp and changes nothing.
    before = assignments_as_they_are()
    report = import_annex(bac_kan, reviewer)
    assert report.tasks["unchanged"] == len(ROWS)
    # The other name is still unknown: the re-import lists it again for review.
    assert report.agencies["unverified"] == [OTHER_UNKNOWN]
    assert report.agencies["aliased"] >= 1
    assert assignments_as_they_are() == before
    # A new plan naming it gets Sở Tư pháp.
    annex_import(
        data=annex([("1", "Nhiệm vụ mới", UNKNOWN, None)]),
        file_name="khac.xlsx",
        province=bac_kan,
        plan_number="6/KH-UBND",
        year=2024,
        user=reviewer,
    )
    assert Assignment.objects.get(task__plan__number="6/KH-UBND").agency == tp


def test_mapping_is_audited_with_the_reviewer_as_actor(client, reviewer, bac_kan, imported):
    tp = agency(bac_kan, "Sở Tư pháp")
    moved, dropped = assignment_of("1", UNKNOWN), assignment_of("2", UNKNOWN)
    LogEntry.objects.all().delete()
    client.force_login(reviewer)
    client.post(reverse("plans:agency_settle_alias", args=[imported.pk]), {"target": tp.pk})
    [move] = entries(Assignment, moved.pk)
    assert move.action == LogEntry.Action.UPDATE and move.actor == reviewer
    assert move.changes_dict["agency"] == [str(imported.pk), str(tp.pk)]
    [drop] = entries(Assignment, dropped.pk)
    assert drop.action == LogEntry.Action.DELETE and drop.actor == reviewer
    [gone] = entries(Agency, imported.pk)
    assert gone.action == LogEntry.Action.DELETE and gone.actor == reviewer
    alias = AgencyAlias.objects.get(agency=tp, alias=UNKNOWN)
    [made] = entries(AgencyAlias, alias.pk)
    assert made.action == LogEntry.Action.CREATE and made.actor == reviewer
    assert made.additional_data["name"] == UNKNOWN
    # Explicit entries only: the model signals' own were switched off, nothing twice.
    assert LogEntry.objects.filter(actor__isnull=True).count() == 0


def test_mapping_is_refused_when_both_have_work_on_a_task_and_nothing_changes(
    client, reviewer, staff_tuphap, bac_kan, imported
):
    tp = agency(bac_kan, "Sở Tư pháp")
    report_work(assignment_of("2", UNKNOWN), staff_tuphap, "Ban báo cáo")
    report_work(assignment_of("2", "Sở Tư pháp"), staff_tuphap, "Sở báo cáo")
    before = (
        assignments_as_they_are(),
        list(Agency.objects.order_by("pk").values()),
        AgencyAlias.objects.count(),
        LogEntry.objects.count(),
    )
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:agency_settle_alias", args=[imported.pk]), {"target": tp.pk}
    )
    assert response["Location"] == reverse("plans:agency_settle", args=[imported.pk])
    after = (
        assignments_as_they_are(),
        list(Agency.objects.order_by("pk").values()),
        AgencyAlias.objects.count(),
        LogEntry.objects.count(),
    )
    assert after == before
    page = client.get(response["Location"]).content.decode()
    assert (
        f"Chưa gộp “{UNKNOWN}” vào Sở Tư pháp: cả hai đã có tiến độ báo cáo trên nhiệm vụ 2 "
        "của kế hoạch 5/KH-UBND (2024)."
    ) in page


def test_mapping_only_to_a_verified_agency_of_the_same_province(bac_kan, reviewer, imported):
    cao_bang_tp = Agency.objects.get(province__slug="04-cao-bang", name="Sở Tư pháp")
    other = Agency.objects.get(name=OTHER_UNKNOWN)
    for target in (cao_bang_tp, other):
        with pytest.raises(ValidationError):
            agency_settle_as_alias(agency=imported, target=target, actor=reviewer)
    assert Agency.objects.filter(pk=imported.pk, verified=False).exists()


def test_a_name_settled_meanwhile_is_not_settled_twice(client, reviewer, bac_kan, imported):
    client.force_login(reviewer)
    url = reverse("plans:agency_settle_external", args=[imported.pk])
    assert client.post(url).status_code == 302
    entries_after_first = LogEntry.objects.count()
    response = client.post(url)
    assert response["Location"] == reverse("plans:agency_settle", args=[imported.pk])
    assert LogEntry.objects.count() == entries_after_first
    # The name's page sends the reviewer back to the list.
    page = client.get(response["Location"], follow=True).content.decode()
    assert f"“{UNKNOWN}” đã được xác định" in page


# An external body -----------------------------------------------------------------------------


def test_declaring_an_external_body_keeps_its_tasks_and_the_next_import_matches_it(
    client, reviewer, bac_kan, imported
):
    before = assignments_as_they_are()
    client.force_login(reviewer)
    client.post(reverse("plans:agency_settle_external", args=[imported.pk]))
    imported.refresh_from_db()
    assert (imported.kind, imported.verified) == (Agency.Kind.EXTERNAL, True)
    assert assignments_as_they_are() == before
    [entry] = entries(Agency, imported.pk).filter(action=LogEntry.Action.UPDATE)
    assert entry.actor == reviewer and entry.changes_dict["verified"] == ["False", "True"]
    report = import_annex(bac_kan, reviewer)
    assert report.tasks["unchanged"] == len(ROWS)
    # The other name is still unknown: the re-import lists it again for review.
    assert report.agencies["unverified"] == [OTHER_UNKNOWN]
    assert assignments_as_they_are() == before
    listed = client.get(reverse("plans:unknown_agency_list", args=[bac_kan.pk]))
    assert [a.name for a in listed.context["agencies"]] == [OTHER_UNKNOWN]


# A collective name ----------------------------------------------------------------------------


def test_a_collective_gives_its_tasks_to_each_member_and_the_next_import_does_the_same(
    client, reviewer, staff_tuphap, bac_kan, imported
):
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    worked = assignment_of("3", UNKNOWN)
    report_work(worked, staff_tuphap, "Ghi nhận trước khi xác định")
    updates = ProgressUpdate.objects.count()
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:agency_settle_collective", args=[imported.pk]), {"members": [tp.pk, tc.pk]}
    )
    assert response["Location"] == reverse("plans:unknown_agency_list", args=[bac_kan.pk])

    collective = CollectiveName.objects.get(province=bac_kan, name=UNKNOWN)
    assert set(collective.members.all()) == {tp, tc}

    def roles(number):
        return {
            a.agency.name: a.role
            for a in task(number).assignments.filter(unassigned_at__isnull=True)
        }

    # Task 1: led by the name, so led by each member.
    assert roles("1") == {"Sở Tư pháp": LEAD, "Sở Tài chính": LEAD}
    # Tasks 2 and 3: Sở Tư pháp kept its lead, Sở Tài chính supports.
    assert roles("2") == roles("3") == {"Sở Tư pháp": LEAD, "Sở Tài chính": SUPPORT}
    # The placeholder's empty assignments are gone; the one with work is kept, its history with
    # it, no longer assigned (its agency renamed so as not to hide the collective name).
    assert not Assignment.objects.filter(task__in=[task("1"), task("2")], agency=imported).exists()
    worked.refresh_from_db()
    assert worked.unassigned_at is not None and worked.updates.count() == 1
    assert ProgressUpdate.objects.count() == updates
    imported.refresh_from_db()
    assert imported.verified and imported.name == f"{UNKNOWN} (trước khi là tên chung)"
    # Audited as the reviewer: the collective, its members, each new assignment.
    assert entries(CollectiveName, collective.pk).filter(actor=reviewer).count() == 2
    new = Assignment.objects.get(task=task("1"), agency=tc)
    [made] = entries(Assignment, new.pk)
    assert made.action == LogEntry.Action.CREATE and made.actor == reviewer

    before = assignments_as_they_are()
    report = import_annex(bac_kan, reviewer)
    assert report.tasks["unchanged"] == len(ROWS)
    # The other name is still unknown: the re-import lists it again for review.
    assert report.agencies["unverified"] == [OTHER_UNKNOWN]
    assert report.agencies["expanded"] >= 2
    assert assignments_as_they_are() == before


def test_a_collective_with_no_work_left_removes_the_placeholder(bac_kan, reviewer, imported):
    tp = agency(bac_kan, "Sở Tư pháp")
    result = agency_settle_as_collective(agency=imported, members=[tp], actor=reviewer)
    assert result.agency_removed and result.removed == 3 and result.created == 1
    assert not Agency.objects.filter(pk=imported.pk).exists()


def test_a_collective_needs_members_of_the_province(bac_kan, reviewer, imported):
    cao_bang_tp = Agency.objects.get(province__slug="04-cao-bang", name="Sở Tư pháp")
    for members in ([], [cao_bang_tp]):
        with pytest.raises(ValidationError):
            agency_settle_as_collective(agency=imported, members=members, actor=reviewer)
    assert not CollectiveName.objects.filter(name=UNKNOWN).exists()


# Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("staff_tuphap", 403), ("leader", 403), ("other_reviewer", 404), ("administrator", 302)],
)
def test_only_the_province_reviewers_and_administrators_settle_names(
    client, request, bac_kan, imported, persona, expected
):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("plans:unknown_agency_list", args=[bac_kan.pk]))
    assert page.status_code == (200 if expected == 302 else expected)
    response = client.post(reverse("plans:agency_settle_external", args=[imported.pk]))
    assert response.status_code == expected
    imported.refresh_from_db()
    assert imported.verified is (expected == 302)


@pytest.mark.parametrize("name", ["alias", "external", "collective"])
def test_settling_refuses_get(client, reviewer, imported, name):
    client.force_login(reviewer)
    response = client.get(reverse(f"plans:agency_settle_{name}", args=[imported.pk]))
    assert response.status_code == 405
    imported.refresh_from_db()
    assert not imported.verified


def test_anonymous_is_sent_to_login(client, bac_kan, imported):
    response = client.get(reverse("plans:unknown_agency_list", args=[bac_kan.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("more", [0, 20])
def test_the_list_makes_a_fixed_number_of_queries(
    client, reviewer, bac_kan, more, django_assert_num_queries
):
    plan = make_plan(bac_kan, number="9/KH-UBND", year=2024)
    for i in range(1 + more):
        unknown = Agency.objects.create(
            province=bac_kan, name=f"Tên lạ {i}", kind=Agency.Kind.EXTERNAL, verified=False
        )
        for j in range(3):
            make_assignment(make_task(plan, number=f"{i}.{j}"), unknown)
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, the province, the unknown names,
    # their assignments with task and plan: for 1 name or 21.
    with django_assert_num_queries(8):
        response = client.get(reverse("plans:unknown_agency_list", args=[bac_kan.pk]))
    assert len(response.context["agencies"]) == 1 + more
    # session, user, membership, agency, merged provinces, the name, its assignments, the
    # province's agencies to choose from.
    with django_assert_num_queries(8):
        client.get(reverse("plans:agency_settle", args=[unknown.pk]))


def _settle_collective_queries(bac_kan, reviewer, tasks: int) -> int:
    plan = make_plan(bac_kan, number=f"{tasks}/KH-UBND", year=2024)
    unknown = Agency.objects.create(
        province=bac_kan, name=f"Tên lạ {tasks}", kind=Agency.Kind.EXTERNAL, verified=False
    )
    for i in range(tasks):
        make_assignment(make_task(plan, number=str(i)), unknown)
    members = [agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")]
    with CaptureQueriesContext(connection) as queries:
        result = agency_settle_as_collective(agency=unknown, members=members, actor=reviewer)
    assert (result.created, result.removed) == (2 * tasks, tasks)
    return len(queries)


def test_settling_a_name_of_many_tasks_writes_in_bulk(bac_kan, reviewer):
    """A name used by 60 tasks is settled with as many statements as a name used by one."""
    _settle_collective_queries(bac_kan, reviewer, 2)  # content types cached
    one = _settle_collective_queries(bac_kan, reviewer, 1)
    many = _settle_collective_queries(bac_kan, reviewer, 60)
    # SQLite splits a long INSERT (120 assignments, 180 audit entries) into a few statements.
    assert many - one <= (3 if connection.vendor == "sqlite" else 0)
