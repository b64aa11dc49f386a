"""The evidence package of a province, an index and a year: asked for by POST, built by the
worker, downloaded, opened: one folder per criterion code with the evidence of the linked tasks
reported done (marked when confirmed), and the index workbook."""

import datetime
import gc
import hashlib
import io
import json
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from parindex.indices.models import Criterion, Result
from plans.files.jobs import file_job_run
from plans.models import Assignment, FileJob, Plan
from plans.services import assignment_record_progress, assignment_review
from tests.conftest import agency
from tests.downloads import fetch_file
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

PAPI_ANNEX = (
    Path(__file__).resolve().parents[2] / "fixtures/annexes/bac-kan-2018-ke-hoach-22-papi.xlsx"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def papi_plan(bac_kan, settings, tmp_path, reviewer, staff_tuphap):
    """The 2018 PAPI plan imported (its tasks linked to their dimensions by their sections);
    Sở Tư pháp reports task 1.1 done with two files, confirmed by Sở Nội vụ, and task 4.1 done
    with one file, not yet confirmed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command(
        "import_annex", str(PAPI_ANNEX), "--province", "Bắc Kạn", "--json",
        "--plan-number", "22/KH-UBND", "--year", "2018", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["criteria_linked"] == 32
    plan = Plan.objects.get(number="22/KH-UBND")
    done_on = datetime.date(2018, 6, 30)

    def report(number, names):
        assignment = Assignment.objects.get(
            task__plan=plan, task__number=number, agency__name="Sở Tư pháp", role="lead"
        )
        assignment_record_progress(
            assignment=assignment,
            author=staff_tuphap,
            status=Assignment.Status.DONE,
            completed_on=done_on,
            files=[SimpleUploadedFile(name, PDF, content_type="application/pdf") for name in names],
        )
        assignment.refresh_from_db()
        return assignment

    confirmed = report("1.1", ["bao-cao-tuyen-truyen.pdf", "danh-sach-hoi-nghi.pdf"])
    assignment_review(assignment=confirmed, reviewer=reviewer, confirm=True)
    report("4.1", ["ke-hoach-pctn.pdf"])
    return plan


def test_the_package_has_a_folder_per_criterion_with_the_evidence_and_an_index(
    client, reviewer, bac_kan, papi_plan
):
    client.force_login(reviewer)
    url = reverse("plans:evidence_package", args=[bac_kan.pk, "PAPI", 2018])
    page = client.get(url)  # GET shows the button, changes nothing
    assert page.status_code == 200 and not FileJob.objects.exists()
    started = time.perf_counter()
    response = fetch_file(client, url)
    print(f"evidence package, PAPI 2018 plan: {time.perf_counter() - started:.2f} s")
    assert response["Content-Type"] == "application/zip"
    assert "tai-lieu-kiem-chung-papi-2018-bac-kan" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.body))
    names = sorted(archive.namelist())
    assert names == [
        "1-tham-gia-cua-nguoi-dan-o-cap-co-so/nv-1-1-so-tu-phap-da-xac-nhan/bao-cao-tuyen-truyen.pdf",
        "1-tham-gia-cua-nguoi-dan-o-cap-co-so/nv-1-1-so-tu-phap-da-xac-nhan/danh-sach-hoi-nghi.pdf",
        "4-kiem-soat-tham-nhung-trong-khu-vuc-cong/nv-4-1-so-tu-phap/ke-hoach-pctn.pdf",
        "danh-muc-tai-lieu-kiem-chung.xlsx",
    ]
    assert archive.read(names[0]) == PDF
    sheet = openpyxl.load_workbook(
        io.BytesIO(archive.read("danh-muc-tai-lieu-kiem-chung.xlsx"))
    ).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Mã tiêu chí", "Tiêu chí", "Kế hoạch"]
    # Every assignment of every linked task is listed, done or not.
    linked_assignments = Assignment.objects.filter(
        task__plan=papi_plan, unassigned_at__isnull=True
    ).count()
    assert len(rows) - 1 == linked_assignments
    tuphap_1_1 = next(r for r in rows if r[3] == "1.1" and r[5] == "Sở Tư pháp")
    assert tuphap_1_1[0] == "1" and tuphap_1_1[7] == "Đã hoàn thành"
    assert tuphap_1_1[8] == "Đã xác nhận"
    assert tuphap_1_1[9].splitlines() == names[:2]
    tuphap_4_1 = next(r for r in rows if r[3] == "4.1" and r[5] == "Sở Tư pháp")
    assert tuphap_4_1[8] == "Chờ xác nhận" and tuphap_4_1[9] == names[2]
    not_done = next(r for r in rows if r[3] == "2.1")
    assert not_done[7] == "Chưa thực hiện" and not not_done[9]


def test_the_index_page_offers_the_package_to_those_who_see_the_dashboard(
    client, reviewer, leader, staff_tuphap, other_reviewer, bac_kan, papi_plan
):
    url = reverse("plans:evidence_package", args=[bac_kan.pk, "PAPI", 2018])
    client.force_login(leader)
    page = client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI", "year": 2017})
    assert f'action="{url}"' in page.text
    assert client.post(url).status_code == 303
    client.force_login(staff_tuphap)
    assert client.post(url).status_code == 403
    client.force_login(other_reviewer)
    assert client.post(url).status_code == 404
    assert FileJob.objects.count() == 1


def test_the_package_is_written_to_disk_with_flat_memory_and_no_file_left_behind(
    bac_kan, settings, tmp_path, reviewer, staff_tuphap
):
    """20 files of 5 MB: the zip holds each byte for byte, the index workbook lists them, the
    build's peak of Python memory stays far under their 100 MB, and the temporary zip is moved
    into the job's storage (nothing left in the temporary folder)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    settings.PARINDEX_UPLOAD_MAX_BYTES = max(settings.PARINDEX_UPLOAD_MAX_BYTES, 6 * 2**20)
    edition = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    edition = edition.scores.first().criterion.edition
    one = Criterion.objects.get(edition=edition, code="1")
    plan = make_plan(bac_kan, number="22/KH-UBND", year=2018)
    tuphap = agency(bac_kan, "Sở Tư pháp")
    contents = {}
    for t in range(4):
        task = make_task(plan, number=f"1.{t + 1}")
        task.criteria.add(one)
        assignment = make_assignment(task, tuphap)
        files = []
        for f in range(5):
            data = PDF + os.urandom(5 * 2**20)
            name = f"bang-chung-{t}-{f}.pdf"
            contents[f"nv-1-{t + 1}-so-tu-phap/{name}"] = hashlib.sha256(data).hexdigest()
            files.append(SimpleUploadedFile(name, data, content_type="application/pdf"))
        assignment_record_progress(
            assignment=assignment,
            author=staff_tuphap,
            status=Assignment.Status.DONE,
            completed_on=datetime.date(2018, 6, 30),
            files=files,
        )
        del files
    job = FileJob.objects.create(
        kind=FileJob.Kind.EVIDENCE_PACKAGE,
        params={"province_id": bac_kan.pk, "index": "PAPI", "year": 2018},
        requested_by=reviewer,
        status=FileJob.Status.RUNNING,
        task_result_id="measured",
    )
    gc.collect()
    tracemalloc.start()
    try:
        file_job_run(job)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == FileJob.Status.DONE, job.error
    total = 20 * 5 * 2**20
    print(f"evidence package of {total / 2**20:.0f} MB: peak {peak / 2**20:.1f} MB")
    assert peak < total / 10
    assert list((tmp_path / "tmp").iterdir()) == []
    assert job.size == job.file.size > total
    with job.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        folder = "1-tham-gia-cua-nguoi-dan-o-cap-co-so/"
        found = {
            name.removeprefix(folder): hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if name != "danh-muc-tai-lieu-kiem-chung.xlsx"
        }
        assert found == contents
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist()[:-1])
        sheet = openpyxl.load_workbook(
            io.BytesIO(archive.read("danh-muc-tai-lieu-kiem-chung.xlsx"))
        ).active
        listed = [row[9] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert sorted(p for cell in listed for p in cell.splitlines()) == sorted(
            folder + name for name in contents
        )
