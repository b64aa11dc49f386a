"""Reports and exports built in the background: asked for by POST, built by a django-tasks task
(the `db_worker`), downloaded by the one who asked; failures told in Vietnamese; old files
cleaned up; a run lost with its worker started again."""

import datetime
import io
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agencies.models import Membership
from plans.files.jobs import file_job_build
from plans.models import FileJob
from tests.downloads import fetch_file, run_worker_once

pytestmark = pytest.mark.django_db


def report_url(plan, extension="xlsx", period="2024-H1"):
    return reverse("plans:report_download", args=[f"plan-{plan.pk}", period, extension])


def test_a_report_is_queued_then_built_by_the_worker_and_downloaded(client, reviewer, province):
    client.force_login(reviewer)
    asked = client.post(report_url(province["plan"]))
    job = FileJob.objects.get()
    assert asked.status_code == 303 and asked["Location"] == f"/files/{job.pk}/"
    assert (job.status, job.requested_by, job.kind) == ("queued", reviewer, "report")
    assert job.params == {
        "subject": "plan",
        "subject_id": province["plan"].pk,
        "period": "2024-H1",
        "extension": "xlsx",
        # The document's fields from the request form: left empty, the placeholders.
        "number": "",
        "signer_name": "",
        "signer_title": "",
        "recipients": "",
    }
    assert DBTaskResult.objects.get(pk=job.task_result_id).status == "READY"
    page = client.get(asked["Location"])
    assert "Đang chuẩn bị tệp… (đang chờ đến lượt)" in page.text

    run_worker_once()

    job.refresh_from_db()
    assert job.status == "done" and job.started_at <= job.finished_at
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    assert job.file.name.startswith("jobs/") and stored.stat().st_size == job.size
    page = client.get(asked["Location"])
    assert "Tệp đã sẵn sàng." in page.text
    assert "bao-cao-ke-hoach-5-kh-ubnd-6-thang-2024.xlsx" in page.text
    expires = timezone.localtime(job.finished_at + datetime.timedelta(hours=24))
    assert f"Tệp được giữ đến {expires:%d/%m/%Y %H:%M}" in page.text
    response = client.get(reverse("plans:file_job_download", args=[job.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A5"].value == "KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ 5/KH-UBND – 6 THÁNG 2024"


def test_a_get_of_a_file_url_changes_nothing_and_offers_the_button(client, reviewer, province):
    client.force_login(reviewer)
    for url in (
        report_url(province["plan"], "docx"),
        reverse("plans:task_export") + "?status=done",
        reverse("plans:plan_export", args=[province["plan"].pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert f'<form method="post" action="{url}">' in page.text and "Tạo tệp" in page.text
    assert not FileJob.objects.exists() and not DBTaskResult.objects.exists()
    # The checks still answer at once: another province's plan, a wrong period.
    assert client.get(report_url(province["plan"], period="2024-X")).status_code == 400
    assert client.put(report_url(province["plan"])).status_code == 405


def test_nobody_else_sees_or_downloads_the_file(
    client, reviewer, leader, administrator, staff_tuphap, province
):
    client.force_login(reviewer)
    fetch_file(client, report_url(province["plan"]))
    job = FileJob.objects.get()
    for someone in (leader, administrator, staff_tuphap):
        client.force_login(someone)
        assert client.get(reverse("plans:file_job", args=[job.pk])).status_code == 404
        assert client.get(reverse("plans:file_job_download", args=[job.pk])).status_code == 404
    client.logout()
    page = client.get(reverse("plans:file_job", args=[job.pk]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_asking_again_while_it_is_being_built_reuses_the_job(client, reviewer, province):
    client.force_login(reviewer)
    first = client.post(report_url(province["plan"]))
    again = client.post(report_url(province["plan"]))
    assert first["Location"] == again["Location"] and FileJob.objects.count() == 1
    # Another file is another job: another format, period, or the export.
    client.post(report_url(province["plan"], "docx"))
    client.post(report_url(province["plan"], period="2024-Y"))
    assert FileJob.objects.count() == 3 and DBTaskResult.objects.count() == 3
    # Once built, asking again builds a new file with the figures of that moment.
    run_worker_once()
    assert not FileJob.objects.exclude(status="done").exists()
    client.post(reverse("plans:task_export") + "?status=done")
    client.post(reverse("plans:task_export") + "?status=done")
    assert FileJob.objects.count() == 4
    assert client.post(report_url(province["plan"]))["Location"] != first["Location"]


def test_the_download_waits_until_the_file_is_built(client, reviewer, province):
    client.force_login(reviewer)
    client.post(report_url(province["plan"]))
    job = FileJob.objects.get()
    assert client.get(reverse("plans:file_job_download", args=[job.pk])).status_code == 404


def test_a_failing_job_is_told_in_vietnamese_and_the_worker_goes_on(
    client, reviewer, leader, province, caplog
):
    # Asked while a leader, built after the user became agency staff: refused when built.
    client.force_login(leader)
    revoked = client.post(report_url(province["plan"]))["Location"]
    Membership.objects.filter(user=leader).update(role=Membership.Role.STAFF)
    # Parameters no builder can use (a row written by hand, a bug): the traceback is logged.
    broken = FileJob.objects.create(
        kind="report", params={"subject": "plan-1"}, requested_by=reviewer
    )
    broken.task_result_id = str(file_job_build.enqueue(job_id=broken.pk).id)
    broken.save()
    # ... and the next job still runs.
    client.force_login(reviewer)
    fine = client.post(reverse("plans:task_export"))["Location"]

    with caplog.at_level(logging.INFO, logger="plans.jobs"):
        run_worker_once()

    jobs = {job.pk: job for job in FileJob.objects.all()}
    revoked_job = jobs[int(revoked.strip("/").split("/")[-1])]
    assert revoked_job.status == "failed"
    assert revoked_job.error == "Bạn không còn quyền xem nội dung của tệp này."
    assert not revoked_job.file
    assert jobs[broken.pk].status == "failed"
    assert jobs[broken.pk].error.startswith("Lỗi hệ thống khi tạo tệp.")
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
    assert jobs[int(fine.strip("/").split("/")[-1])].status == "done"
    client.force_login(leader)
    page = client.get(revoked)
    assert "Không tạo được tệp: Bạn không còn quyền xem nội dung của tệp này." in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert f'href="{report_url(province["plan"])}">Thử lại' in page.text
    client.force_login(reviewer)
    page = client.get(f"/files/{broken.pk}/")
    assert "Không tạo được tệp: Lỗi hệ thống khi tạo tệp." in page.text
    assert 'href="/files/">Thử lại' in page.text


def test_finished_jobs_and_their_files_are_deleted_after_a_day(client, reviewer, province):
    client.force_login(reviewer)
    fetch_file(client, report_url(province["plan"]))
    fetch_file(client, report_url(province["plan"], "docx"))
    old, recent = FileJob.objects.order_by("pk")
    old_file = Path(settings.MEDIA_ROOT) / old.file.name
    FileJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=25)
    )
    queued = client.post(report_url(province["plan"], period="2024-Y"))

    run_worker_once()

    assert not FileJob.objects.filter(pk=old.pk).exists() and not old_file.exists()
    assert (Path(settings.MEDIA_ROOT) / recent.file.name).exists()
    assert client.get(f"/files/{old.pk}/").status_code == 404
    assert client.get(queued["Location"]).status_code == 200


def test_files_of_a_deleted_user_are_removed_after_the_retention(client, reviewer, province):
    client.force_login(reviewer)
    fetch_file(client, report_url(province["plan"]))
    stored = Path(settings.MEDIA_ROOT) / FileJob.objects.get().file.name
    reviewer.delete()  # the job row goes with the user; its file stays until the sweep
    assert not FileJob.objects.exists() and stored.exists()
    # The housekeeping a worker's start (and the daily timer) runs.
    call_command("file_jobs_housekeeping", stdout=io.StringIO())
    assert stored.exists()  # a day's grace: a file is never swept while a job may be saving it
    day_old = (timezone.now() - datetime.timedelta(hours=25)).timestamp()
    os.utime(stored, (day_old, day_old))
    call_command("file_jobs_housekeeping", stdout=io.StringIO())
    assert not stored.exists()


def _dead_pid() -> int:
    """The pid of a process that has exited (as a worker killed with SIGKILL leaves)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _left_running(job, *, worker: str, started_minutes_ago: float = 0.5) -> None:
    """What a worker killed mid-job leaves: its task result RUNNING for good (django-tasks-db
    has no heartbeat), the job running under its process."""
    started = timezone.now() - datetime.timedelta(minutes=started_minutes_ago)
    DBTaskResult.objects.filter(pk=job.task_result_id).update(
        status="RUNNING", started_at=started, worker_ids=["killed-worker"]
    )
    FileJob.objects.filter(pk=job.pk).update(
        status="running", started_at=started, attempts=F("attempts") + 1, worker=worker
    )


def test_a_job_whose_worker_was_killed_runs_again_when_a_worker_starts(client, reviewer, province):
    client.force_login(reviewer)
    page = client.post(report_url(province["plan"]))["Location"]
    job = FileJob.objects.get()
    _left_running(job, worker=f"{socket.gethostname()}:{_dead_pid()}")
    dead_result = job.task_result_id
    assert run_worker_once() == 0  # nothing is READY: the package alone would never run it

    call_command("file_jobs_housekeeping", stdout=io.StringIO())  # before db_worker starts

    job.refresh_from_db()
    assert job.status == "queued" and job.task_result_id != dead_result and not job.worker
    old = DBTaskResult.objects.get(pk=dead_result)
    assert old.status == "FAILED" and old.exception_class_path.endswith("WorkerLost")
    assert run_worker_once() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert "Tệp đã sẵn sàng." in client.get(page).text


def test_an_identical_request_never_waits_on_a_dead_run(client, reviewer, province):
    client.force_login(reviewer)
    first = client.post(report_url(province["plan"]))["Location"]
    job = FileJob.objects.get()
    _left_running(job, worker=f"{socket.gethostname()}:{_dead_pid()}")

    again = client.post(report_url(province["plan"]))

    # The same job, with a new task a worker will run, not the dead one.
    assert again["Location"] == first
    job.refresh_from_db()
    assert job.status == "queued"
    assert DBTaskResult.objects.get(pk=job.task_result_id).status == "READY"
    assert run_worker_once() == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_a_run_on_a_live_worker_is_left_alone_until_it_is_too_old(client, reviewer, province):
    client.force_login(reviewer)
    client.post(report_url(province["plan"]))
    busy = FileJob.objects.get()
    # This process is alive: its run is another worker's, still building.
    _left_running(busy, worker=f"{socket.gethostname()}:{os.getpid()}", started_minutes_ago=5)
    call_command("file_jobs_housekeeping", stdout=io.StringIO())
    busy.refresh_from_db()
    assert busy.status == "running"
    # A worker of another machine cannot be asked: after PARINDEX_JOBS_STALE_MINUTES its run
    # counts as lost.
    FileJob.objects.filter(pk=busy.pk).update(worker="other-host:1")
    DBTaskResult.objects.filter(pk=busy.task_result_id).update(
        started_at=timezone.now() - datetime.timedelta(minutes=31)
    )
    call_command("file_jobs_housekeeping", stdout=io.StringIO())
    busy.refresh_from_db()
    assert busy.status == "queued"


def test_a_job_that_lost_its_worker_three_times_is_given_up(client, reviewer, province):
    client.force_login(reviewer)
    page = client.post(report_url(province["plan"]))["Location"]
    job = FileJob.objects.get()
    for _ in range(3):
        job.refresh_from_db()
        _left_running(job, worker=f"{socket.gethostname()}:{_dead_pid()}")
        call_command("file_jobs_housekeeping", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == "failed" and "gián đoạn" in job.error
    assert "Không tạo được tệp: Việc tạo tệp bị gián đoạn" in client.get(page).text
    # Asking again is a new job.
    assert client.post(report_url(province["plan"]))["Location"] != page


def test_a_user_has_at_most_three_files_waiting(client, reviewer, province, settings):
    client.force_login(reviewer)
    for url in (
        report_url(province["plan"]),
        report_url(province["plan"], "docx"),
        reverse("plans:task_export"),
    ):
        assert client.post(url).status_code == 303
    refused = client.post(report_url(province["plan"], period="2024-Y"))
    assert refused.status_code == 429
    assert (
        "Bạn đang có 3 tệp chờ tạo (tối đa 3 tệp cùng lúc). "
        "Hãy đợi các tệp đó xong rồi yêu cầu thêm."
    ) in refused.text
    assert FileJob.objects.count() == 3 and DBTaskResult.objects.count() == 3
    # An identical request is still answered with its job.
    assert client.post(report_url(province["plan"])).status_code == 303
    # Once they are built, more may be asked for.
    run_worker_once()
    assert client.post(report_url(province["plan"], period="2024-Y")).status_code == 303


def test_a_user_without_an_agency_cannot_queue_a_hundred_exports(client, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    client.force_login(nobody)
    answers = [
        client.post(reverse("plans:task_export") + f"?q=tim-{n}").status_code for n in range(100)
    ]
    assert answers.count(303) == 3 and answers.count(429) == 97
    assert FileJob.objects.count() == 3


def test_my_files_lists_the_users_own_files_in_a_fixed_number_of_queries(
    client, reviewer, leader, province, django_assert_num_queries
):
    client.force_login(leader)
    client.post(report_url(province["plan"]))
    client.force_login(reviewer)
    fetch_file(client, report_url(province["plan"]))
    client.post(report_url(province["plan"], "docx"))
    client.post(reverse("plans:task_export") + "?q=so+tu+phap")
    # session, user, the user's membership (menu), the jobs
    with django_assert_num_queries(4):
        page = client.get(reverse("plans:file_job_list"))
    text = page.text
    assert text.count("/download") == 1 and len(re.findall(r'href="/files/\d+/"', text)) == 3
    assert "Báo cáo 6 tháng 2024 của kế hoạch (.xlsx)" in text
    assert "Danh sách nhiệm vụ (.xlsx)" in text and "Đang chờ" in text
    assert '<meta http-equiv="refresh" content="5">' in text
    client.force_login(leader)
    assert (
        len(re.findall(r'href="/files/\d+/"', client.get(reverse("plans:file_job_list")).text)) == 1
    )


DELAYED = "Dịch vụ tạo tệp đang chậm"


def test_the_file_page_shows_the_wait_and_says_when_the_service_is_late(client, reviewer, province):
    """With no worker the page used to say "Đang chuẩn bị tệp…" forever. It shows the time
    waited, that the file will also be in "Tệp của tôi", and after a minute in the queue that
    the service is late; a file a worker has started is not called late."""
    client.force_login(reviewer)
    page_url = client.post(report_url(province["plan"]))["Location"]
    job = FileJob.objects.get()

    def waited(seconds):
        FileJob.objects.filter(pk=job.pk).update(
            created_at=timezone.now() - datetime.timedelta(seconds=seconds)
        )
        return client.get(page_url).text

    # A report is usually ready within a second: the page looks again every quarter second at
    # first (not every 2 seconds, which made every file a 2-second wait), then every 2.
    page = waited(1)
    assert 'data-refresh-seconds="0.25"' in page
    page = waited(30)
    assert 'data-refresh-seconds="2"' in page
    assert "Đã chờ 30 giây." in page or "Đã chờ 31 giây." in page
    assert (
        f'Tệp cũng sẽ có trong <a href="{reverse("plans:file_job_list")}">Tệp của tôi</a>' in page
    )
    assert DELAYED not in page
    page = waited(58)
    assert DELAYED not in page
    page = waited(65)
    assert "Đã chờ 1 phút 05 giây." in page or "Đã chờ 1 phút 06 giây." in page
    assert DELAYED in page
    assert '<meta http-equiv="refresh" content="2">' in page  # it keeps looking
    FileJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    assert DELAYED not in waited(300)
    FileJob.objects.filter(pk=job.pk).update(status="queued", started_at=None)
    run_worker_once()
    page = client.get(page_url).text
    assert "Tệp đã sẵn sàng." in page and DELAYED not in page and "Đã chờ" not in page
