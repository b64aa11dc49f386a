"""The periodic report: the workbook in the annex layout and the Word draft, with exact figures."""

import io

import openpyxl
import pytest
from django.urls import reverse
from docx import Document

from plans.models import Evidence, FileJob, ProgressUpdate
from tests.downloads import fetch_file

pytestmark = pytest.mark.django_db


def report_url(subject, period, extension):
    return reverse("plans:report_download", args=[subject, period, extension])


def download(client, subject, period, extension):
    """The link as it answers at once: to the job's page, or refused."""
    return client.get(report_url(subject, period, extension))


@pytest.fixture
def with_evidence(province):
    update = ProgressUpdate.objects.get(assignment__task__number="A", period="2024-H1")
    Evidence.objects.create(
        update=update,
        file="evidence/x",
        original_name="a.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    return province


def test_xlsx_report_in_the_annex_layout(client, reviewer, bac_kan, with_evidence):
    client.force_login(reviewer)
    response = fetch_file(client, report_url(f"plan-{with_evidence['plan'].pk}", "2024-H1", "xlsx"))
    assert response["Content-Disposition"].startswith(
        'attachment; filename="bao-cao-ke-hoach-5-kh-ubnd-6-thang-2024.xlsx"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    # Under the document's heading (rows 1–3, tested in test_report_document.py).
    assert sheet["A5"].value == "KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ 5/KH-UBND – 6 THÁNG 2024"
    assert sheet["A6"].value.startswith("(Số liệu từ 15/12/2023 đến 14/06/2024")
    assert [c.value for c in sheet[8]] == [
        "TT",
        "Nhiệm vụ, giải pháp",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian thực hiện",
        "Tình hình thực hiện",
        "Kết quả thực hiện trong kỳ",
        "Số tài liệu kiểm chứng",
    ]
    rows = {r[0]: r for r in ([c.value for c in row] for row in sheet.iter_rows(min_row=9))}
    assert rows["A"][2:4] == ["Sở Tư pháp", "Sở Tài chính"]
    assert rows["A"][5] == "Sắp đến hạn"
    assert rows["A"][6] == "Sở Tài chính: Báo cáo"
    assert rows["A"][7] == 1
    assert rows["C"][5] == "Hoàn thành đúng hạn: 1; Hoàn thành quá hạn: 1"
    assert rows["D"][5] == "Quá hạn"
    assert rows["F"][5] == "Đang thực hiện trong hạn"  # completed only after the cut-off
    assert rows["E"][5] == "Không có thời hạn"


def test_docx_report_has_the_headings_summary_table_and_overdue_list(
    client, reviewer, bac_kan, province
):
    client.force_login(reviewer)
    response = fetch_file(client, report_url(f"province-{bac_kan.pk}", "2024-H1", "docx"))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    document = Document(io.BytesIO(response.body))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    # "BÁO CÁO" and its title are bold text of the NĐ 30 layout (test_report_document.py).
    assert headings == [
        "I. KẾT QUẢ THỰC HIỆN",
        "II. KẾT QUẢ THEO CƠ QUAN, ĐƠN VỊ",
        "III. NHIỆM VỤ QUÁ HẠN",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Tổng số 9 lượt nhiệm vụ" in text
    assert (
        "Đã hoàn thành 3 lượt (33,3%), trong đó hoàn thành đúng hạn 2, hoàn thành quá hạn 1."
        in text
    )
    assert "quá hạn 1;" in text and "Còn 7 lượt nhiệm vụ chưa có báo cáo" in text
    assert "D. Nhiệm vụ D (hạn 31/03/2024)" in text
    _heading, table, _closing = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][0] == "Cơ quan" and len(cells) == 3
    assert cells[1][:3] == ["Sở Tài chính", "3", "1"]


def test_reports_are_for_reviewers_and_leaders_of_the_province(
    client, bac_kan, province, staff_tuphap, leader, other_reviewer
):
    subject = f"province-{bac_kan.pk}"
    client.force_login(staff_tuphap)
    assert download(client, subject, "2024-H1", "xlsx").status_code == 403
    client.force_login(other_reviewer)
    assert download(client, subject, "2024-H1", "xlsx").status_code == 404
    assert download(client, f"plan-{province['plan'].pk}", "2024-H1", "xlsx").status_code == 404
    assert not FileJob.objects.exists()  # a refused request queues nothing
    client.force_login(leader)
    assert fetch_file(client, report_url(subject, "2024-H1", "docx")).body.startswith(b"PK")


def test_a_wrong_period_is_a_clear_message(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    response = download(client, f"province-{bac_kan.pk}", "2024-H3", "xlsx")
    assert (
        response.status_code == 400
        and "Kỳ báo cáo “2024-H3” không hợp lệ" in response.content.decode()
    )
    assert download(client, f"province-{bac_kan.pk}", "2024-H1", "pdf").status_code == 404
    assert download(client, "region-1", "2024-H1", "xlsx").status_code == 404
    assert not FileJob.objects.exists()
