"""Reports and exports built by the job worker: asked for on a page, built by `run_jobs`,
downloaded by the one who asked; failures told in Vietnamese; old files cleaned up."""

import datetime
import io
import logging
import os
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from plans.models import FileJob
from tests.downloads import fetch_file, run_worker_once

pytestmark = pytest.mark.django_db


def report_url(plan, extension="xlsx", period="2024-H1"):
    return reverse("plans:report_download", args=[f"plan-{plan.pk}", period, extension])


def test_a_report_is_queued_then_built_by_the_worker_and_downloaded(client, reviewer, province):
    client.force_login(reviewer)
    asked = client.get(report_url(province["plan"]))
    job = FileJob.objects.get()
    assert asked.status_code == 302 and asked["Location"] == f"/files/{job.pk}/"
    assert (job.status, job.requested_by, job.kind) == ("queued", reviewer, "report")
    assert job.params == {
        "subject": f"plan-{province['plan'].pk}",
        "period": "2024-H1",
        "extension": "xlsx",
    }
    page = client.get(asked["Location"])
    assert "Đang chuẩn bị tệp… (đang chờ đến lượt)" in page.text

    run_worker_once()

    job.refresh_from_db()
    assert job.status == "done" and job.started_at <= job.finished_at
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    assert job.file.name.startswith("jobs/") and stored.stat().st_size == job.size
    page = client.get(asked["Location"])
    assert "Tệp đã sẵn sàng." in page.text
    assert f"bao-cao-plan-{province['plan'].pk}-2024-H1.xlsx" in page.text
    expires = timezone.localtime(job.finished_at + datetime.timedelta(hours=24))
    assert f"Tệp được giữ đến {expires:%d/%m/%Y %H:%M}" in page.text
    response = client.get(reverse("plans:file_job_download", args=[job.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value == "KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ 5/KH-UBND – 6 THÁNG 2024"


def test_a_report_asked_by_post_answers_see_other(client, reviewer, province):
    client.force_login(reviewer)
    response = client.post(report_url(province["plan"], "docx"))
    assert response.status_code == 303
    assert response["Location"] == f"/files/{FileJob.objects.get().pk}/"


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
    first = client.get(report_url(province["plan"]))
    again = client.get(report_url(province["plan"]))
    assert first["Location"] == again["Location"] and FileJob.objects.count() == 1
    # Another file is another job: another format, period, or the export.
    client.get(report_url(province["plan"], "docx"))
    client.get(report_url(province["plan"], period="2024-Y"))
    client.get(reverse("plans:task_export"), {"status": "done"})
    client.get(reverse("plans:task_export"), {"status": "done"})
    assert FileJob.objects.count() == 4
    # Once built, asking again builds a new file with the figures of that moment.
    run_worker_once()
    assert not FileJob.objects.exclude(status="done").exists()
    assert client.get(report_url(province["plan"]))["Location"] != first["Location"]


def test_the_download_waits_until_the_file_is_built(client, reviewer, province):
    client.force_login(reviewer)
    client.get(report_url(province["plan"]))
    job = FileJob.objects.get()
    assert client.get(reverse("plans:file_job_download", args=[job.pk])).status_code == 404


def test_a_failing_job_is_told_in_vietnamese_and_the_worker_goes_on(
    client, reviewer, leader, province, caplog
):
    # Asked while a leader, built after the user became agency staff: refused when built.
    client.force_login(leader)
    revoked = client.get(report_url(province["plan"]))["Location"]
    Membership.objects.filter(user=leader).update(role=Membership.Role.STAFF)
    # Parameters no builder can use (a row written by hand, a bug): the traceback is logged.
    broken = FileJob.objects.create(
        kind="report", params={"subject": "plan-1"}, requested_by=reviewer
    )
    # ... and the next job still runs.
    client.force_login(reviewer)
    fine = client.get(reverse("plans:task_export"))["Location"]

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
    queued = client.get(report_url(province["plan"], period="2024-Y"))

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
    run_worker_once()
    assert stored.exists()  # a day's grace: a file is never swept while a job may be saving it
    day_old = (timezone.now() - datetime.timedelta(hours=25)).timestamp()
    os.utime(stored, (day_old, day_old))
    run_worker_once()
    assert not stored.exists()


def test_a_job_left_running_by_a_killed_worker_runs_again(client, reviewer, province):
    client.force_login(reviewer)
    client.get(report_url(province["plan"]))
    client.get(report_url(province["plan"], "docx"))
    stuck, hopeless = FileJob.objects.order_by("pk")
    long_ago = timezone.now() - datetime.timedelta(minutes=31)
    FileJob.objects.filter(pk=stuck.pk).update(status="running", started_at=long_ago, attempts=1)
    # A job that was running when its worker died three times is not tried a fourth time.
    FileJob.objects.filter(pk=hopeless.pk).update(status="running", started_at=long_ago, attempts=3)
    # One running for a few minutes is another worker's: left alone.
    client.get(report_url(province["plan"], period="2024-Y"))
    busy = FileJob.objects.latest("pk")
    FileJob.objects.filter(pk=busy.pk).update(
        status="running", started_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    run_worker_once()

    stuck.refresh_from_db()
    hopeless.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == "done" and stuck.attempts == 2
    assert hopeless.status == "failed" and "gián đoạn" in hopeless.error
    assert busy.status == "running"


def test_my_files_lists_the_users_own_files_in_a_fixed_number_of_queries(
    client, reviewer, leader, province, django_assert_num_queries
):
    client.force_login(leader)
    client.get(report_url(province["plan"]))
    client.force_login(reviewer)
    fetch_file(client, report_url(province["plan"]))
    client.get(report_url(province["plan"], "docx"))
    client.get(reverse("plans:task_export"), {"q": "so tu phap"})
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
