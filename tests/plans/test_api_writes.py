"""The API's writes: through the pages' forms and services, with the same refusals, the same
optimistic lock (409 with what changed), and the audit trail naming the token's owner."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import Assignment, DeadlineExtension, Evidence, ProgressUpdate
from plans.services import assignment_record_progress
from tests.plans.api_world import TODAY, api_world, days, token_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(bac_kan):
    return api_world(bac_kan)


def _url(assignment, what):
    return f"/api/v1/assignments/{assignment.pk}/{what}/"


def test_progress_with_evidence_multipart_is_recorded_and_audited_as_the_token_owner(
    world, staff_tuphap
):
    assignment = world.rows[("1", "tp")]
    api = token_client(staff_tuphap)
    logged_before = LogEntry.objects.count()
    response = api.post(
        _url(assignment, "progress"),
        {
            "status": "done",
            "completed_on": TODAY.strftime("%d/%m/%Y"),
            "note": "Đã ban hành quyết định",
            "version": assignment.version,
            "files": [
                SimpleUploadedFile("quyet-dinh.pdf", PDF),
                SimpleUploadedFile("bien-ban.pdf", PDF + b"2"),
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assignment"]["status"] == "done"
    assert body["assignment"]["review"] == "pending"
    assert body["assignment"]["version"] == assignment.version + 1
    assert sorted(e["original_name"] for e in body["update"]["evidence"]) == [
        "bien-ban.pdf",
        "quyet-dinh.pdf",
    ]
    assignment.refresh_from_db()
    assert assignment.completed_on == TODAY
    # The file comes back through the permission-checked download.
    evidence = Evidence.objects.get(original_name="quyet-dinh.pdf")
    download = api.get(body["update"]["evidence"][0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert api.get(f"/api/v1/evidence/{evidence.pk}/file/").status_code == 200
    # Every write in the audit trail names the token's owner.
    entries = LogEntry.objects.order_by("pk")[logged_before:]
    assert {e.content_type.model for e in entries} >= {"assignment", "evidence"}
    assert {e.actor_id for e in entries} == {staff_tuphap.pk}


def test_progress_as_json_in_iso_dates(world, staff_tuphap):
    assignment = world.rows[("2", "tp")]
    response = token_client(staff_tuphap).post(
        _url(assignment, "progress"),
        {"status": "in_progress", "note": "Đang làm", "version": assignment.version},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert ProgressUpdate.objects.get(assignment=assignment).note == "Đang làm"


def test_a_stale_version_is_409_with_what_changed_and_saves_nothing(world, staff_tuphap):
    assignment = world.rows[("1", "tp")]
    loaded = assignment.version
    # Someone else (the page) saved meanwhile.
    assignment_record_progress(
        assignment=assignment, author=staff_tuphap, status="in_progress", note="Từ trang web"
    )
    before = ProgressUpdate.objects.count()
    response = token_client(staff_tuphap).post(
        _url(assignment, "progress"),
        {"status": "not_started", "note": "Từ hệ thống khác", "version": loaded},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["version"] == loaded + 1
    assert [c["note"] for c in body["changes"]] == ["Từ trang web"]
    assert ProgressUpdate.objects.count() == before
    assert Assignment.objects.get(pk=assignment.pk).status == "in_progress"


def test_bad_progress_gets_vietnamese_messages_and_changes_nothing(world, staff_tuphap):
    assignment = world.rows[("1", "tp")]
    api = token_client(staff_tuphap)
    future = days(5).strftime("%d/%m/%Y")
    cases = [
        ({"status": "done", "version": assignment.version}, "completed_on", "Hãy nhập ngày"),
        (
            {"status": "done", "completed_on": future, "version": assignment.version},
            "completed_on",
            "không được sau hôm nay",
        ),
        ({"status": "in_progress", "version": assignment.version}, "non_field_errors", "Không có"),
        ({"status": "xong", "version": assignment.version}, "status", ""),
        ({"status": "in_progress"}, "version", ""),
    ]
    for payload, field, message in cases:
        response = api.post(_url(assignment, "progress"), payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert message in " ".join(response.json()[field]), response.json()
    assert not ProgressUpdate.objects.filter(assignment=assignment).exists()


def test_only_the_owning_agency_reports_and_get_is_refused(
    world, staff_taichinh, reviewer, other_reviewer
):
    assignment = world.rows[("1", "tp")]
    payload = {"status": "done", "completed_on": TODAY.isoformat(), "version": 1}
    url = _url(assignment, "progress")
    # Sở Tài chính shares the task (403), Cao Bằng does not see it (404), Sở Nội vụ does not report.
    assert token_client(staff_taichinh).post(url, payload).status_code == 403
    assert token_client(other_reviewer).post(url, payload).status_code == 404
    assert token_client(reviewer).post(url, payload).status_code == 403
    assert token_client(reviewer).get(url).status_code == 405
    assert not ProgressUpdate.objects.exists()


def test_review_confirms_and_returns_through_the_service(world, staff_tuphap, reviewer):
    assignment = world.rows[("2", "tp")]
    assignment_record_progress(
        assignment=assignment, author=staff_tuphap, status="done", completed_on=TODAY
    )
    assignment.refresh_from_db()
    api = token_client(reviewer)
    url = _url(assignment, "review")
    stale = api.post(url, {"decision": "confirm", "version": assignment.version - 1})
    assert stale.status_code == 409
    no_reason = api.post(url, {"decision": "return", "note": "", "version": assignment.version})
    assert no_reason.status_code == 400
    assert "lý do" in no_reason.json()["note"][0]
    returned = api.post(
        url, {"decision": "return", "note": "Thiếu văn bản", "version": assignment.version}
    )
    assert returned.status_code == 201, returned.content
    assignment.refresh_from_db()
    assert assignment.review == "returned" and assignment.status == "in_progress"
    entry = LogEntry.objects.filter(content_type__model="assignment").latest("pk")
    assert entry.actor_id == reviewer.pk
    assert (
        token_client(staff_tuphap).post(url, {"decision": "confirm", "version": 9}).status_code
        == 403
    )


def test_extension_request_and_decision(world, staff_tuphap, reviewer):
    assignment = world.rows[("1", "tp")]
    api = token_client(staff_tuphap)
    url = _url(assignment, "extension")
    early = api.post(url, {"requested_due": days(-20).isoformat(), "reason": "Chờ"})
    assert early.status_code == 400
    asked = api.post(url, {"requested_due": days(30).strftime("%d/%m/%Y"), "reason": "Chờ Bộ"})
    assert asked.status_code == 201, asked.content
    extension = DeadlineExtension.objects.get(assignment=assignment)
    again = api.post(url, {"requested_due": days(40).isoformat(), "reason": "Lần hai"})
    assert again.status_code == 400
    decide = f"/api/v1/extensions/{extension.pk}/decide/"
    assert api.post(decide, {"decision": "grant"}).status_code == 403
    granted = token_client(reviewer).post(decide, {"decision": "grant", "note": ""})
    assert granted.status_code == 200, granted.content
    assert granted.json()["status"] == "granted"
    assignment.refresh_from_db()
    assert assignment.extended_to == days(30)
    listed = api.get("/api/v1/extensions/", {"assignment": assignment.pk}).json()["results"]
    assert [e["status"] for e in listed] == ["granted"]
    overdue = api.get("/api/v1/assignments/", {"timeliness": "overdue"}).json()["results"]
    assert assignment.pk not in [r["id"] for r in overdue]


def test_a_session_write_needs_the_csrf_token(world, staff_tuphap):
    from django.test import Client

    assignment = world.rows[("1", "tp")]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_tuphap)
    response = browser.post(
        _url(assignment, "progress"),
        {"status": "in_progress", "note": "x", "version": assignment.version},
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()
    # Reads with the session need nothing more.
    assert browser.get("/api/v1/assignments/").status_code == 200


def test_history_and_evidence_reads_follow_the_task_pages(world, staff_tuphap, staff_taichinh):
    assignment = world.rows[("2", "tp")]
    assignment_record_progress(
        assignment=assignment,
        author=staff_tuphap,
        status="in_progress",
        note="Nội bộ",
        files=[SimpleUploadedFile("noi-bo.pdf", PDF)],
    )
    mine = token_client(staff_tuphap)
    updates = mine.get("/api/v1/progress-updates/", {"assignment": assignment.pk}).json()
    assert [u["note"] for u in updates["results"]] == ["Nội bộ"]
    evidence = Evidence.objects.get()
    assert (
        mine.get("/api/v1/evidence/", {"assignment": assignment.pk}).json()["results"][0]["sha256"]
        == evidence.sha256
    )
    # Sở Tài chính has no part in task 2: neither the entry nor the file.
    theirs = token_client(staff_taichinh)
    assert theirs.get("/api/v1/progress-updates/").json()["results"] == []
    assert theirs.get(f"/api/v1/evidence/{evidence.pk}/file/").status_code == 404
    assert theirs.get(f"/api/v1/evidence/{evidence.pk}/").status_code == 404
