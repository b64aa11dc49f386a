"""The audit trail: who changed what, when, from which value to which, whether the change was
made in the app, in the admin or by an import; shown to administrators only."""

import datetime
import io
import shutil
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from plans.importing.pipeline import annex_import
from plans.models import Assignment, Evidence, Plan, Task
from tests.conftest import PASSWORD, agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

PLAN_2022 = (
    Path(__file__).resolve().parent.parent
    / "fixtures/annexes/bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx"
)


def entries_for(obj):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)
    ).order_by("timestamp", "pk")


@pytest.fixture
def fresh_log():
    """Listed after the fixtures that build a test's data: forgets the entries they made."""
    LogEntry.objects.all().delete()


@pytest.fixture
def assignment(bac_kan):
    plan = make_plan(bac_kan, number="7/KH-UBND", year=2026)
    task = make_task(plan, number="1", due_on=datetime.date(2026, 12, 31))
    return make_assignment(task, agency(bac_kan, "Sở Tư pháp"))


def test_progress_form_records_who_changed_the_status_from_what_to_what(
    client, staff_tuphap, assignment, fresh_log
):
    client.force_login(staff_tuphap)
    response = client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {
            "status": "done",
            "completed_on": "15/11/2026",
            "note": "Đã ban hành",
            "period": "",
            "version": assignment.version,
        },
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
    [entry] = entries_for(assignment)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == staff_tuphap
    assert entry.remote_addr == "198.51.100.20"
    assert entry.changes_dict == {
        "status": ["not_started", "done"],
        "completed_on": ["None", "2026-11-15"],
        "review": ["", "pending"],
    }
    # Shown with the fields' Vietnamese names and choice labels.
    display = entry.changes_display_dict
    assert display["tiến độ"] == ["Chưa thực hiện", "Đã hoàn thành"]


def test_review_records_the_reviewer(client, staff_tuphap, reviewer, assignment, fresh_log):
    client.force_login(staff_tuphap)
    client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {"status": "done", "completed_on": "15/11/2026", "version": assignment.version},
    )
    assignment.refresh_from_db()
    client.force_login(reviewer)
    client.post(
        reverse("plans:assignment_review", args=[assignment.pk]),
        {"decision": "return", "note": "Thiếu tài liệu", "version": assignment.version},
    )
    first, second = entries_for(assignment)
    assert (first.actor, second.actor) == (staff_tuphap, reviewer)
    assert second.changes_dict["review"] == ["pending", "returned"]
    assert second.changes_dict["status"] == ["done", "in_progress"]
    assert second.changes_dict["reviewed_by"] == ["None", str(reviewer.pk)]


def test_an_evidence_file_is_recorded_with_who_uploaded_it(
    client, staff_tuphap, assignment, fresh_log
):
    client.force_login(staff_tuphap)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {
            "status": "in_progress",
            "version": assignment.version,
            "files": [SimpleUploadedFile("Biên bản.pdf", pdf)],
        },
        REMOTE_ADDR="198.51.100.21",
    )
    assert response.status_code == 302
    [entry] = entries_for(Evidence.objects.get())
    assert entry.action == LogEntry.Action.CREATE
    assert (entry.actor, entry.remote_addr) == (staff_tuphap, "198.51.100.21")
    assert entry.changes_dict["original_name"] == ["None", "Biên bản.pdf"]


def test_a_refused_concurrent_save_records_nothing(client, staff_tuphap, assignment, fresh_log):
    client.force_login(staff_tuphap)
    stale = {"status": "in_progress", "note": "", "period": "", "completed_on": ""}
    client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {**stale, "version": assignment.version},
    )
    refused = client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {**stale, "status": "done", "completed_on": "01/11/2026", "version": assignment.version},
    )
    assert refused.status_code == 409 or "người khác" in refused.text
    assert entries_for(assignment).count() == 1


class FormValues(HTMLParser):
    """What a browser would send for the form whose id is `form_id`."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.append((a["name"], a.get("value", "on" if "checked" in a else "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.values[-1]
            self.values[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
            name, value = self.values[-1]
            self.values[-1] = (name, value.removeprefix("\n"))
        elif tag == "form":
            self.inside = False


def admin_form(client, url, form_id) -> dict:
    parser = FormValues(form_id)
    parser.feed(client.get(url).text)
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


def test_admin_change_records_the_administrator_and_the_old_and_new_due_date(
    client, administrator, assignment, fresh_log
):
    task = assignment.task
    client.force_login(administrator)
    url = reverse("admin:plans_task_change", args=[task.pk])
    data = admin_form(client, url, "task_form")
    assert data["due_on"] == ["31/12/2026"]
    data["due_on"] = ["30/06/2027"]
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    task.refresh_from_db()
    assert task.due_on == datetime.date(2027, 6, 30)
    [entry] = entries_for(task)
    assert entry.actor == administrator
    assert entry.changes_dict == {"due_on": ["2026-12-31", "2027-06-30"]}

    # The admin's "Lịch sử" page of the task is the audit trail.
    history = client.get(reverse("admin:plans_task_history", args=[task.pk]))
    assert history.status_code == 200
    assert "2026-12-31" in history.text or "31/12/2026" in history.text
    assert administrator.username in history.text


def test_admin_delete_and_membership_change_are_recorded(
    client, administrator, staff_tuphap, fresh_log
):
    client.force_login(administrator)
    membership = staff_tuphap.membership
    url = reverse("admin:agencies_membership_change", args=[membership.pk])
    data = admin_form(client, url, "membership_form")
    data["role"] = ["leader"]
    assert client.post(url, data).status_code == 302
    [entry] = entries_for(membership)
    assert (entry.actor, entry.changes_dict) == (administrator, {"role": ["staff", "leader"]})

    alias = Agency.objects.get(pk=membership.agency_id).aliases.first()
    pk = alias.pk
    client.post(reverse("admin:agencies_agencyalias_delete", args=[pk]), {"post": "yes"})
    deleted = LogEntry.objects.get(object_pk=str(pk), action=LogEntry.Action.DELETE)
    assert deleted.actor == administrator
    assert deleted.changes_dict["alias"] == [alias.alias, "None"]


def test_administrators_see_the_audit_trail_and_no_one_else(
    client, administrator, staff_tuphap, reviewer, assignment, fresh_log
):
    client.force_login(staff_tuphap)
    client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {"status": "in_progress", "version": assignment.version},
    )
    changelist = reverse("admin:auditlog_logentry_changelist")

    client.force_login(administrator)
    page = client.get(changelist)
    assert page.status_code == 200
    assert str(assignment)[:40] in page.text
    entry = LogEntry.objects.get()
    detail = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and staff_tuphap.username in detail.text

    for persona in (staff_tuphap, reviewer):
        client.force_login(persona)
        refused = client.get(changelist)
        assert refused.status_code == 302 and "/admin/login/" in refused.url
    # Even a Django "staff" account without the permission is refused.
    clerk = get_user_model().objects.create_user("thuky", password=PASSWORD, is_staff=True)
    client.force_login(clerk)
    assert client.get(changelist).status_code == 403
    task_history = reverse("admin:plans_task_history", args=[assignment.task_id])
    assert client.get(task_history).status_code == 403


def test_password_change_is_recorded_without_the_hash_and_login_is_not_an_edit(
    staff_tuphap, fresh_log
):
    client = Client()
    client.post(
        "/accounts/login/", {"username": "tuphap", "password": PASSWORD}, REMOTE_ADDR="10.9.0.1"
    )
    assert not entries_for(staff_tuphap).exists()  # last_login is not audited
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
    )
    [entry] = entries_for(staff_tuphap)
    assert entry.actor == staff_tuphap
    assert entry.changes_dict == {"password": ["••••••", "••••••"]}
    staff_tuphap.refresh_from_db()
    assert staff_tuphap.password[-20:] not in str(entry.changes) + str(entry.serialized_data)


def _edited_copy(tmp_path, edit) -> bytes:
    path = tmp_path / "edited.xlsx"
    shutil.copy(PLAN_2022, path)
    workbook = openpyxl.load_workbook(path)
    edit(workbook)
    workbook.save(path)
    return path.read_bytes()


def _import(data, user, bac_kan, dry_run=False):
    report = annex_import(
        data=data,
        file_name="ke-hoach-2022.xlsx",
        province=bac_kan,
        plan_number="KH-2022",
        year=2022,
        user=user,
        dry_run=dry_run,
    )
    assert report.ok, report.errors
    return report


def test_import_records_one_entry_per_run_and_the_old_and_new_values_of_what_it_changed(
    tmp_path, reviewer, bac_kan, fresh_log
):
    original = PLAN_2022.read_bytes()
    _import(original, reviewer, bac_kan, dry_run=True)
    assert not LogEntry.objects.exists()  # a preview writes nothing, not even audit entries

    first = _import(original, reviewer, bac_kan)
    plan = Plan.objects.get()
    entries = list(entries_for(plan))
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    run_entry = entries[-1]
    assert run_entry.actor == reviewer
    assert run_entry.additional_data["import_run"] == first.import_run_id
    assert "70 nhiệm vụ mới" in run_entry.changes_dict["nhập phụ lục"][1]
    # Created rows are listed by the run, not one entry each.
    assert not LogEntry.objects.filter(content_type__model__in=["task", "assignment"]).exists()

    def edit(workbook):
        first_sheet = workbook["Phụ lục I"]
        first_sheet["B8"] = first_sheet["B8"].value + " (đã sửa)"
        second = workbook["Phụ lục II"]
        for column in "ABC":
            second[f"{column}49"] = None

    edited = Task.objects.get(source_sheet="Phụ lục I", source_row=8)
    old_description = edited.description
    removed = Task.objects.get(source_sheet="Phụ lục II", source_row=49)
    _import(_edited_copy(tmp_path, edit), reviewer, bac_kan)

    [changed] = entries_for(edited)
    assert changed.actor == reviewer
    assert changed.changes_dict["description"] == [old_description, old_description + " (đã sửa)"]
    [withdrawn] = entries_for(removed)
    assert withdrawn.changes_dict["withdrawn_at"][0] == "None"
    assert entries_for(plan).count() == 3  # one more run entry
    # Rows whose audited content did not change got no entry.
    assert LogEntry.objects.filter(content_type__model="task").count() == 2


def test_import_removing_an_untouched_agency_records_the_deleted_assignment(
    tmp_path, reviewer, bac_kan, fresh_log
):
    _import(PLAN_2022.read_bytes(), reviewer, bac_kan)
    row = 8  # task I.2: Sở Nội vụ leads, column C names the supporting agencies

    def edit(workbook):
        workbook["Phụ lục I"][f"C{row}"] = None

    task = Task.objects.get(source_sheet="Phụ lục I", source_row=row)
    support = set(task.assignments.filter(role="support").values_list("pk", flat=True))
    assert support
    _import(_edited_copy(tmp_path, edit), reviewer, bac_kan)
    deleted = LogEntry.objects.filter(action=LogEntry.Action.DELETE)
    assert {int(e.object_pk) for e in deleted} == support
    assert all(e.content_type.model == "assignment" for e in deleted)
    assert not Assignment.objects.filter(pk__in=support).exists()


def test_reference_data_loading_is_not_audited(db):
    from django.core.management import call_command

    call_command("load_reference", stdout=io.StringIO())
    assert not LogEntry.objects.exists()


def test_an_import_outside_a_request_is_not_blamed_on_the_last_request_s_user(
    tmp_path, client, staff_tuphap, assignment, bac_kan, fresh_log
):
    """auditlog leaves its request binding behind in the thread after a request ends; entries
    written later, by a command, must not take that request's user."""
    _import(PLAN_2022.read_bytes(), None, bac_kan)
    client.force_login(staff_tuphap)
    client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {"status": "in_progress", "version": assignment.version},
    )

    def edit(workbook):
        sheet = workbook["Phụ lục I"]
        sheet["B8"] = sheet["B8"].value + " (đã sửa)"

    _import(_edited_copy(tmp_path, edit), None, bac_kan)
    [changed] = LogEntry.objects.filter(content_type__model="task")
    assert changed.actor is None and changed.remote_addr is None
