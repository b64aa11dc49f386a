"""The report's files are the ones openpyxl and python-docx write element by element.

The workbook's table rows, written as XML text (`AppendedRows`), keep every value, style, row
height and section merge: the file reads back the same as one built with a cell object per
value and `merge_cells`. The Word draft's table and overdue list, parsed from XML at once, are
the elements `cell.text`, `cell.width`, `run.font.size` and `paragraph.style` write."""

import io
import zipfile

import openpyxl
import pytest
from docx import Document
from docx.shared import Cm, Pt
from lxml import etree

from plans.files.export import safe_cell
from plans.files.reports import (
    REPORT_HEADER,
    _row_height,
    _run_xml,
    report_docx,
    report_rows,
    report_subject,
    report_workbook,
    report_xlsx,
)
from plans.models import ProgressUpdate, Section
from tests.factories import day, make_assignment, make_task

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HYPERLINK = '=HYPERLINK("http://evil.example","Bấm vào đây")'
LONG = "Rà soát, công khai và cập nhật thủ tục hành chính trên Cổng dịch vụ công. " * 6


@pytest.fixture
def report_plan(province):
    """The 6-month province (seven tasks in one section) and a second section whose texts
    are what a spreadsheet would run, mark as an error, trim or grow a row for."""
    plan, tp, tc = province["plan"], province["tp"], province["tc"]
    section = Section.objects.create(
        plan=plan, number="II", title="- Cải cách & <thể chế>", position=1
    )
    texts = [
        ("1", HYPERLINK, "31/05/2024"),
        ("2", "@SUM(1)", None),
        ("3", "#N/A", "30/06/2024"),
        ("+4", "  khoảng trắng đầu\nvà dòng hai\x0bngắt dòng", "01/06/2024"),
        ("5", LONG, "31/12/2024"),
    ]
    for position, (number, description, due) in enumerate(texts, start=10):
        task = make_task(
            plan,
            number=number,
            position=position,
            section=section,
            description=description,
            due_on=day(due) if due else None,
            deadline_text="=1+1" if number == "2" else "",
        )
        lead, other = (tp, tc) if position % 2 else (tc, tp)
        lead = make_assignment(task, lead)
        if number == "1":
            lead.extended_to = day("10/06/2024")
            lead.save(update_fields=["extended_to"])
            make_assignment(task, other, role="support")
        if number == "3":
            ProgressUpdate.objects.create(
                assignment=lead, status=lead.status, period="2024-H1", note="-1 hồ sơ\nđã xong"
            )
    return report_subject(plan=plan, period="2024-H1", today=day("20/06/2024"))


def cell_by_cell(subject) -> bytes:
    """The report as it was built before `AppendedRows`: a cell object per value,
    `merge_cells` for each section, and openpyxl's own `save`."""
    workbook, sheet, header_row = report_workbook(subject)
    for row, (kind, values) in enumerate(report_rows(subject), start=header_row + 1):
        sheet.append([safe_cell(sheet, v, bold=kind == "section", wrap=True) for v in values])
        if kind == "section":
            sheet.merge_cells(
                start_row=row, start_column=2, end_row=row, end_column=len(REPORT_HEADER)
            )
        sheet.row_dimensions[row].height = 18 if kind == "section" else _row_height(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_xml(content: bytes) -> tuple[bytes, set[str], bytes]:
    """The sheet's XML (canonical, without its merges), its merged ranges (a set: openpyxl
    writes them in no fixed order) and the workbook's styles."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        root = etree.fromstring(archive.read(SHEET))
        styles = archive.read("xl/styles.xml")
    merges = root.find(f"{MAIN}mergeCells")
    ranges = {m.get("ref") for m in merges}
    root.remove(merges)
    return etree.tostring(root, method="c14n"), ranges, styles


def read_back(content: bytes) -> tuple[list, set[str], dict]:
    """What a spreadsheet shows: each cell's value, type and style, the merges, the heights."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [
        (
            cell.coordinate,
            cell.value,
            cell.data_type,
            cell.font.bold,
            cell.alignment.wrap_text,
            cell.alignment.vertical,
            cell.quotePrefix,
        )
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    heights = {n: d.height for n, d in sheet.row_dimensions.items() if d.height}
    return cells, {str(r) for r in sheet.merged_cells.ranges}, heights


def test_the_report_workbook_is_the_one_written_cell_by_cell(report_plan):
    written, expected = report_xlsx(report_plan), cell_by_cell(report_plan)
    assert read_back(written) == read_back(expected)
    assert sheet_xml(written) == sheet_xml(expected)


def test_each_section_is_merged_bold_across_the_table_and_rows_keep_their_text(report_plan):
    cells, merges, heights = read_back(report_xlsx(report_plan))
    by_coordinate = {c[0]: c for c in cells}
    sections = [c[0] for c in cells if c[1] in {"Mục", "- Cải cách & <thể chế>"}]
    assert sections == ["B9", "B17"]
    # The heading's merges, and each section's title over the columns after "TT".
    assert {"A1:B1", "F1:H1", "A5:H5", "A6:H6", "B9:H9", "B17:H17"} <= merges
    assert len(merges) == 8 + 2
    assert by_coordinate["B17"][1:] == ("- Cải cách & <thể chế>", "s", True, True, "top", True)
    assert by_coordinate["A17"][1:4] == ("II", "s", True)
    assert heights[9] == heights[17] == 18
    task_1 = [c for c in cells if c[0].endswith("18")]
    assert [c[1] for c in task_1] == [
        "1",
        HYPERLINK,
        "Sở Tài chính",
        "Sở Tư pháp",
        "—\nSở Tài chính đã gia hạn đến 10/06/2024",
        "Quá hạn",
        0,
    ]
    assert by_coordinate["B18"][2:] == ("s", False, True, "top", True)  # text, not a formula
    assert by_coordinate["B20"][1:3] == ("#N/A", "e")  # as openpyxl stores an error's text
    assert by_coordinate["G20"][1] == "Sở Tài chính: -1 hồ sơ\nđã xong"
    assert by_coordinate["B21"][1] == "  khoảng trắng đầu\nvà dòng hai\nngắt dòng"
    assert heights[22] == _row_height(["5", LONG]) > 15  # the long task's row grows


@pytest.mark.parametrize(
    "text",
    [
        "Sở Tư pháp",
        "  khoảng trắng đầu và cuối ",
        "dòng một\ndòng hai\r\nWindows\tcột",
        "\tbắt đầu bằng tab",
        'Cải cách & <thể chế> "trích dẫn"',
        "",
    ],
)
def test_a_run_is_the_one_python_docx_writes(text):
    paragraph = Document().add_paragraph()
    run = paragraph.add_run(text)
    run.font.size = Pt(10)
    size = _run_xml(text, '<w:rPr><w:sz w:val="20"/></w:rPr>')
    built = etree.fromstring(f'<w:p xmlns:w="{run._r.nsmap["w"]}">{size}</w:p>')
    canonical = [etree.tostring(r, method="c14n", exclusive=True) for r in (run._r, built[0])]
    assert canonical[0] == canonical[1]


def test_the_word_draft_keeps_the_table_layout_and_the_overdue_list(report_plan):
    document = Document(io.BytesIO(report_docx(report_plan)))
    # A wide first column for the agency, narrow ones for the counts (twips, as Word keeps them).
    WIDTHS = [Cm(4.2).twips] + [Cm(1.35).twips] * 9  # noqa: N806
    _heading, table, _closing = document.tables
    assert [c.text for c in table.rows[0].cells][:3] == ["Cơ quan", "Chủ trì", "Phối hợp"]
    assert [c.text for c in table.rows[1].cells][:3] == ["Sở Tư pháp", "6", "2"]
    assert [c.text for c in table.rows[2].cells][:3] == ["Sở Tài chính", "6", "1"]
    assert len(table.rows) == 3
    for row in table.rows:
        assert [c.width.twips for c in row.cells] == WIDTHS
        assert {r.font.size for c in row.cells for p in c.paragraphs for r in p.runs} == {Pt(10)}
    assert [c.width.twips for c in table.columns] == WIDTHS
    paragraphs = [p for p in document.paragraphs if p.style.name.startswith("List Bullet")]
    overdue = [(p.style.name, p.text) for p in paragraphs]
    assert overdue == [
        ("List Bullet", "Sở Tài chính"),
        ("List Bullet 2", "D. Nhiệm vụ D (hạn 31/03/2024)"),
        ("List Bullet 2", f"1. {HYPERLINK} (đã gia hạn đến 10/06/2024, hạn gốc 31/05/2024)"),
        ("List Bullet", "Sở Tư pháp"),
        ("List Bullet 2", f"1. {HYPERLINK} (hạn 31/05/2024)"),
        ("List Bullet 2", "+4.   khoảng trắng đầu\nvà dòng hai\nngắt dòng (hạn 01/06/2024)"),
    ]
