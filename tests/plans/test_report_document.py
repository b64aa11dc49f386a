"""The report as Sở Nội vụ issues it (Nghị định 30/2020/NĐ-CP, Phụ lục I): the Word draft and
the workbook read back element by element, with what the clerk typed on the request form or,
left empty, the placeholders a draft keeps; wrong values are told in Vietnamese and queue
nothing."""

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from plans.files.documents import governing_body, number_text, place_date, recipient_lines
from plans.files.jobs import file_job_build
from plans.files.kinds import ReportKind, ReportParams
from plans.models import FileJob
from tests.downloads import fetch_file, run_worker_once

pytestmark = pytest.mark.django_db

FILLED = {
    "number": "7",
    "signer_title": "KT. Giám đốc\r\nPhó Giám đốc",
    "signer_name": "Nguyễn Văn An",
    "recipients": "UBND tỉnh (b/c);\r\n- Các sở, ban, ngành\r\n\r\nLưu: VT, CCHC.",
}
# What NĐ 30 prints: two digits for days 01–09 and for the months 01 and 02 only.
DATE_FORM = re.compile(r"Bắc Kạn, ngày (0[1-9]|[12]\d|3[01]) tháng (0[12]|[3-9]|1[0-2]) năm \d{4}")


def report_url(subject, extension, period="2024-H1"):
    return reverse("plans:report_download", args=[subject, period, extension])


def lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs]


def paragraph(cell, text) -> Paragraph:
    return next(p for p in cell.paragraphs if p.text == text)


def has_rule(paragraph: Paragraph) -> bool:
    """A solid line drawn as the top border of an (empty) paragraph."""
    top = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:top')}")
    return top is not None and top.get(qn("w:val")) == "single" and not paragraph.text


def borderless(table: Table) -> bool:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    return borders is not None and {edge.get(qn("w:val")) for edge in borders} == {"nil"}


def bold(p: Paragraph) -> bool:
    return all(run.bold for run in p.runs) and bool(p.runs)


def italic(p: Paragraph) -> bool:
    return all(run.italic for run in p.runs) and bool(p.runs)


def test_the_word_report_has_each_element_of_decree_30_in_its_place(
    client, reviewer, bac_kan, province
):
    client.force_login(reviewer)
    url = report_url(f"province-{bac_kan.pk}", "docx")
    response = fetch_file(client, url, form=FILLED)
    # The fields went to the background build through the job's parameters.
    job = FileJob.objects.get()
    assert job.params["signer_title"] == "KT. Giám đốc\nPhó Giám đốc"
    assert job.params["number"] == "7" and job.params["signer_name"] == "Nguyễn Văn An"
    document = Document(io.BytesIO(response.body))
    blocks = list(document.iter_inner_content())

    # A4, NĐ 30's margins, Times New Roman 14 pt.
    section = document.sections[0]
    mm = [round(getattr(section, f).mm) for f in ("page_width", "page_height")]
    assert mm == [210, 297]  # stored in twips: 210 mm reads back as 210.004
    margins = ("top_margin", "bottom_margin", "left_margin", "right_margin")
    assert [round(getattr(section, f).mm) for f in margins] == [20, 20, 30, 15]
    normal = document.styles["Normal"].font
    assert (normal.name, normal.size) == ("Times New Roman", Pt(14))

    # First, the heading: issuing body left, Quốc hiệu and Tiêu ngữ right; số and the place
    # and date on the line below.
    heading = blocks[0]
    assert isinstance(heading, Table) and borderless(heading)
    (body_cell, state_cell), (number_cell, date_cell) = (row.cells for row in heading.rows)
    assert lines(body_cell) == ["UBND TỈNH BẮC KẠN", "SỞ NỘI VỤ", ""]
    assert not bold(paragraph(body_cell, "UBND TỈNH BẮC KẠN"))
    assert bold(paragraph(body_cell, "SỞ NỘI VỤ")) and has_rule(body_cell.paragraphs[2])
    assert lines(state_cell) == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "",
    ]
    assert all(bold(p) for p in state_cell.paragraphs[:2]) and has_rule(state_cell.paragraphs[2])
    assert lines(number_cell) == ["Số: 07/BC-SNV"]
    (date,) = date_cell.paragraphs
    assert date.text == place_date("Bắc Kạn", timezone.localdate()) and italic(date)
    assert DATE_FORM.fullmatch(date.text)

    # The kind and the trích yếu, bold and centred, a short line under them; then the body.
    texts = [b.text if isinstance(b, Paragraph) else b for b in blocks]
    kind = texts.index("BÁO CÁO")
    title = blocks[kind + 1]
    assert title.text == "Kết quả thực hiện các kế hoạch khắc phục chỉ số năm 2024"
    assert bold(blocks[kind]) and bold(title)
    assert blocks[kind].alignment == title.alignment == 1  # centred
    assert has_rule(blocks[kind + 2])
    body = texts[kind + 3 : -1]
    assert "I. KẾT QUẢ THỰC HIỆN" in body and "IV. ĐỀ XUẤT, KIẾN NGHỊ" in body
    assert any(str(t).startswith("Tổng số 9 lượt nhiệm vụ") for t in body)

    # Last, nơi nhận on the left and the signature block with the signer from the form.
    closing = blocks[-1]
    assert isinstance(closing, Table) and borderless(closing)
    (recipients, signature), *_ = (row.cells for row in closing.rows)
    assert lines(recipients) == [
        "Nơi nhận:",
        "- UBND tỉnh (b/c);",
        "- Các sở, ban, ngành;",
        "- Lưu: VT, CCHC.",
    ]
    label = recipients.paragraphs[0]
    assert bold(label) and italic(label)
    assert lines(signature)[:2] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert lines(signature)[2:-1] == [""] * 4  # room for the signature and the seal
    assert lines(signature)[-1] == "Nguyễn Văn An"
    assert all(bold(p) for p in signature.paragraphs if p.text)


def test_left_empty_the_draft_keeps_room_for_the_number_and_the_signer(client, reviewer, province):
    client.force_login(reviewer)
    response = fetch_file(client, report_url(f"plan-{province['plan'].pk}", "docx"))
    blocks = list(Document(io.BytesIO(response.body)).iter_inner_content())
    number_cell = blocks[0].rows[1].cells[0]
    assert lines(number_cell) == ["Số:      /BC-SNV"]
    recipients, signature = blocks[-1].rows[0].cells
    assert lines(recipients) == [
        "Nơi nhận:",
        "- UBND tỉnh (b/c);",
        "- Bộ Nội vụ (b/c);",
        "- Lưu: VT.",
    ]
    assert lines(signature) == ["GIÁM ĐỐC", "", "", "", "", "…" * 12]
    title = next(b for b in blocks if isinstance(b, Paragraph) and b.text.startswith("Kết quả"))
    assert title.text == "Kết quả thực hiện Kế hoạch số 5/KH-UBND"


def test_the_date_is_written_as_decree_30_writes_it(reviewer, bac_kan, province):
    """Built by the kind the job runs, on a day of February: "ngày 05 tháng 02"."""
    params = ReportParams(
        subject="province", subject_id=bac_kan.pk, period="2024-H1", extension="docx"
    )
    built = ReportKind().render(user=reviewer, params=params, today=datetime.date(2026, 2, 5))
    heading = next(Document(io.BytesIO(built.content)).iter_inner_content())
    assert lines(heading.rows[1].cells[1]) == ["Bắc Kạn, ngày 05 tháng 02 năm 2026"]
    assert place_date("Bắc Kạn", datetime.date(2026, 3, 9)) == "Bắc Kạn, ngày 09 tháng 3 năm 2026"
    assert place_date("Hà Nội", datetime.date(2026, 12, 1)) == "Hà Nội, ngày 01 tháng 12 năm 2026"
    assert number_text("5") == "Số: 05/BC-SNV" and number_text("125") == "Số: 125/BC-SNV"


def test_the_workbook_has_the_same_heading_above_its_table(client, reviewer, province):
    client.force_login(reviewer)
    url = report_url(f"plan-{province['plan'].pk}", "xlsx")
    form = client.get(url).text
    # The workbook carries no signature: its form asks only for the number.
    assert 'name="number"' in form and 'name="signer_name"' not in form
    response = fetch_file(client, url, form={"number": "125"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    today = timezone.localdate()
    assert [[sheet[f"{c}{r}"].value for c in "AF"] for r in (1, 2, 3)] == [
        ["UBND TỈNH BẮC KẠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["SỞ NỘI VỤ", "Độc lập - Tự do - Hạnh phúc"],
        ["Số: 125/BC-SNV", place_date("Bắc Kạn", today)],
    ]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:B1", "F1:H1", "A2:B2", "F2:H2", "A3:B3", "F3:H3", "A5:H5", "A6:H6"} <= merged
    assert sheet["A2"].font.b and sheet["F1"].font.b and sheet["F2"].font.b
    assert sheet["F3"].font.i and not sheet["A1"].font.b
    assert sheet["A5"].value == "KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ 5/KH-UBND – 6 THÁNG 2024"
    assert sheet["A6"].value.startswith("(Số liệu từ 15/12/2023 đến 14/06/2024")
    assert sheet[8][0].value == "TT" and sheet[8][7].value == "Số tài liệu kiểm chứng"
    assert sheet.freeze_panes == "A9" and sheet.print_title_rows == "$8:$8"
    assert sheet["B9"].value == "Mục" and sheet["A10"].value == "A"  # right under the header


def test_the_request_page_asks_for_the_number_signer_and_recipients(client, reviewer, province):
    client.force_login(reviewer)
    page = client.get(report_url(f"plan-{province['plan'].pk}", "docx")).text
    for label in ("Số văn bản", "Quyền hạn, chức vụ người ký", "Họ và tên người ký", "Nơi nhận"):
        assert f">{label}</label>" in page
    assert "- UBND tỉnh (b/c);\n- Bộ Nội vụ (b/c);\n- Lưu: VT.</textarea>" in page
    assert not FileJob.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("signer_name", "A" * 10_000, "Họ và tên người ký dài tối đa 100 ký tự (đang có 10000)."),
        ("number", "12a", "Số văn bản chỉ gồm chữ số (tối đa 7 chữ số), ví dụ 125."),
        ("number", "１２", "Số văn bản chỉ gồm chữ số"),  # full-width digits: not Arabic numerals
        ("number", "12345678", "tối đa 7 chữ số"),
        ("number", "0", "Số văn bản bắt đầu từ 01."),
        ("signer_title", "A\nB\nC\nD", "Quyền hạn, chức vụ người ký có tối đa 3 dòng."),
        ("recipients", "\n".join(f"Nơi {i}" for i in range(31)), "Nơi nhận có tối đa 30 dòng"),
        ("recipients", "x" * 201, "Mỗi dòng nơi nhận dài tối đa 200 ký tự."),
    ],
    ids=["long-signer", "letter", "full-width", "too-many-digits", "zero", "title", "list", "line"],
)
def test_a_wrong_value_is_told_in_vietnamese_and_queues_nothing(
    client, reviewer, province, field, value, message
):
    client.force_login(reviewer)
    url = report_url(f"plan-{province['plan'].pk}", "docx")
    response = client.post(url, {**FILLED, field: value})
    assert response.status_code == 400
    assert message in response.text and "Chưa tạo tệp" in response.text
    assert 'aria-invalid="true"' in response.text  # the field is marked for screen readers
    assert not FileJob.objects.exists() and not DBTaskResult.objects.exists()


def test_a_refused_user_is_refused_before_the_form_is_read(client, staff_tuphap, province):
    client.force_login(staff_tuphap)
    url = report_url(f"plan-{province['plan'].pk}", "docx")
    assert client.post(url, {"signer_name": "A" * 10_000}).status_code == 403
    assert not FileJob.objects.exists()


def test_a_job_queued_before_these_fields_existed_still_builds(client, reviewer, province):
    """Jobs waiting at the upgrade have only the four parameters of the URL."""
    old = {"subject": "plan", "subject_id": province["plan"].pk, "period": "2024-H1"}
    wrong = {**old, "extension": "docx", "number": "12a"}  # a row written by hand
    jobs = [
        FileJob.objects.create(kind="report", params=params, requested_by=reviewer)
        for params in ({**old, "extension": "docx"}, wrong)
    ]
    for job in jobs:
        job.task_result_id = str(file_job_build.enqueue(job_id=job.pk).id)
        job.save()
    run_worker_once()
    built, refused = (FileJob.objects.get(pk=job.pk) for job in jobs)
    assert built.status == "done"
    with built.file.open("rb") as stored:
        heading = next(Document(stored).iter_inner_content())
    assert lines(heading.rows[1].cells[0]) == ["Số:      /BC-SNV"]
    assert refused.status == "failed"
    assert refused.error == "Số văn bản chỉ gồm chữ số (tối đa 7 chữ số), ví dụ 125."


def test_recipients_are_listed_as_decree_30_lists_them_however_they_were_typed():
    typed = "Sở Tư pháp\n- UBND tỉnh (b/c);\n;\nLưu VT, CCHC.\n• Các huyện, thành phố,"
    assert recipient_lines(typed) == [
        "- Sở Tư pháp;",
        "- UBND tỉnh (b/c);",
        "- Các huyện, thành phố;",
        "- Lưu VT, CCHC.",  # the archive line last, whatever its place
    ]
    assert recipient_lines("Bộ Nội vụ") == ["- Bộ Nội vụ;", "- Lưu: VT."]
    assert governing_body("Hà Nội", city=True) == "UBND THÀNH PHỐ HÀ NỘI"
    assert governing_body("Bắc Kạn", city=False) == "UBND TỈNH BẮC KẠN"
