"""read_workbook: the real annex files, every refusal, and hostile files.

The three files in fixtures/annexes/ are read for exact facts (see fixtures/annexes/README.md).
Everything else is built in the test: small workbooks with openpyxl, sheet XML patched by hand
where openpyxl cannot write what a real file contains (cached formula values, overlapping or
oversized merged ranges, a million declared rows), and minimal ZIP containers for .ods/.xlsb.
"""

import csv
import datetime
import io
import random
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlrd
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from plans.importing import workbook as workbook_module
from plans.importing.workbook import (
    EMPTY,
    Cell,
    Sheet,
    Workbook,
    WorkbookError,
    read_workbook,
)

ANNEXES = Path(__file__).resolve().parents[2] / "fixtures" / "annexes"
KH_2022 = ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx"
PAPI_XLSX = ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xlsx"
PAPI_XLS = ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xls"

MB = 1024 * 1024
SHEET1 = "xl/worksheets/sheet1.xml"


def read(data: bytes, filename: str = "phu-luc.xlsx", **kwargs) -> Workbook:
    kwargs.setdefault("max_bytes", 20 * MB)
    kwargs.setdefault("max_rows", 20_000)
    return read_workbook(data, filename=filename, **kwargs)


def refusal(data: bytes, filename: str = "phu-luc.xlsx", **kwargs) -> str:
    with pytest.raises(WorkbookError) as caught:
        read(data, filename, **kwargs)
    assert caught.value.message == str(caught.value)
    return caught.value.message


def values(sheet: Sheet, row: int) -> list:
    return [cell.value for cell in sheet.rows[row - 1]]


def xlsx(build) -> bytes:
    """A workbook made by openpyxl: build(workbook) fills it."""
    book = openpyxl.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data: bytes, part: str, edit) -> bytes:
    """The same ZIP with one part's XML text passed through edit()."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == part:
                body = edit(body.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, body)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, body in parts.items():
            target.writestr(name, body)
    return out.getvalue()


def small_table(book) -> None:
    """Five rows, three columns, bold header: the shape of an annex with no title rows."""
    ws = book.active
    ws.title = "Phụ lục"
    ws.append(["TT", "Nhiệm vụ", "Thời gian thực hiện"])
    for number in range(1, 5):
        ws.append([number, f"Nhiệm vụ {number}", "Thường xuyên"])
    for cell in ws[1]:
        cell.font = Font(bold=True)


# --- the real annex files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def kh_2022() -> Workbook:
    return read(KH_2022.read_bytes(), KH_2022.name)


@pytest.fixture(scope="module")
def papi_xlsx() -> Workbook:
    return read(PAPI_XLSX.read_bytes(), PAPI_XLSX.name)


@pytest.fixture(scope="module")
def papi_xls() -> Workbook:
    return read(PAPI_XLS.read_bytes(), PAPI_XLS.name)


def test_2022_sheets_and_header(kh_2022):
    assert kh_2022.format == "xlsx"
    assert [s.name for s in kh_2022.sheets] == ["Phụ lục I", "Phụ lục II"]
    first, second = kh_2022.sheets
    assert (first.nrows, first.ncols) == (45, 4)
    assert (second.nrows, second.ncols) == (49, 4)
    assert all(len(row) == 4 for row in first.rows + second.rows)
    for sheet in kh_2022.sheets:
        assert values(sheet, 5) == [
            "TT",
            "Nhiệm vụ, giải pháp",
            "Cơ quan phối hợp",
            "Thời gian thực hiện",
        ]
        assert all(cell.bold for cell in sheet.rows[4])
        assert values(sheet, 4) == [None, None, None, None]  # the blank row above the header
    assert first.cell(1, 1).value == "PHỤ LỤC I"
    assert first.cell(3, 1).value == "(Kèm theo Kế hoạch của UBND tỉnh Bắc Kạn, tháng 7 năm 2022)"


def test_2022_vertical_merge_carries_the_deadline_down(kh_2022):
    sheet = kh_2022.sheets[0]
    d10, d11 = sheet.cell(10, 4), sheet.cell(11, 4)
    assert d10 == Cell("Quý III-IV/2022", bold=False, merge=(10, 4, 11, 4), origin=True)
    assert d11 == Cell("Quý III-IV/2022", bold=False, merge=(10, 4, 11, 4), origin=False)
    assert sheet.cell(11, 2).value.startswith("Đôn đốc các cơ quan, đơn vị tiếp tục rà soát")
    assert sheet.cell(11, 2).merge is None
    # D38:D41: four tasks sharing one deadline cell.
    assert {sheet.cell(row, 4).merge for row in range(38, 42)} == {(38, 4, 41, 4)}
    assert [sheet.cell(row, 4).origin for row in range(38, 42)] == [True, False, False, False]


def test_2022_section_row_is_bold_and_merged_across(kh_2022):
    sheet = kh_2022.sheets[0]
    assert sheet.cell(6, 1) == Cell("I", bold=True)
    b6 = sheet.cell(6, 2)
    assert b6 == Cell("SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", bold=True, merge=(6, 2, 6, 4), origin=True)
    for col in (3, 4):
        assert sheet.cell(6, col) == Cell(b6.value, bold=True, merge=(6, 2, 6, 4), origin=False)
    assert sheet.cell(1, 4) == Cell("PHỤ LỤC I", bold=True, merge=(1, 1, 1, 4), origin=False)
    assert kh_2022.sheets[1].cell(10, 2).value == "VĂN PHÒNG UBND TỈNH CHỦ TRÌ THỰC HIỆN"
    assert kh_2022.sheets[1].cell(10, 2).bold


def test_2022_task_numbers_are_ints_and_blank_cells_none(kh_2022):
    sheet = kh_2022.sheets[0]
    assert values(sheet, 7)[0] == 1 and type(values(sheet, 7)[0]) is int
    numbers = [c.value for row in sheet.rows for c in row if not isinstance(c.value, str | None)]
    assert numbers and all(type(n) is int for n in numbers)
    assert sheet.cell(9, 3) == EMPTY  # "Cơ quan phối hợp" left blank: none
    assert sheet.cell(9, 4).value == "Khi Bộ Nội vụ xây dựng bộ tiêu chí mới"


def test_2018_papi_header_and_sections(papi_xlsx):
    assert papi_xlsx.format == "xlsx"
    [sheet] = papi_xlsx.sheets
    assert sheet.name == "Phụ lục"
    assert (sheet.nrows, sheet.ncols) == (42, 5)
    assert values(sheet, 4) == [
        "TT",
        "Nhiệm vụ trọng tâm",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
        "Thời gian thực hiện",
    ]
    assert sheet.cell(5, 1) == Cell("1", bold=True)  # typed as text in this file
    assert sheet.cell(5, 2) == Cell(
        "Tham gia của người dân ở cấp cơ sở", bold=True, merge=(5, 2, 5, 5), origin=True
    )
    assert sheet.cell(5, 5).origin is False and sheet.cell(5, 5).value == sheet.cell(5, 2).value
    assert values(sheet, 10)[0] == "1.5" and values(sheet, 10)[4] == "Quý II/2018"


def test_xls_reads_exactly_like_the_xlsx(papi_xls, papi_xlsx):
    assert papi_xls.format == "xls"
    assert [s.name for s in papi_xls.sheets] == [s.name for s in papi_xlsx.sheets]
    old, new = papi_xls.sheets[0], papi_xlsx.sheets[0]
    assert (old.nrows, old.ncols) == (new.nrows, new.ncols) == (42, 5)
    for row in range(1, new.nrows + 1):
        for col in range(1, new.ncols + 1):
            # value, bold (weight 700 in the .xls font records), merge and origin all agree
            assert old.cell(row, col) == new.cell(row, col), Sheet.ref(row, col)
    merges = {c.merge for row in old.rows for c in row if c.merge}
    assert len(merges) == 8


def test_content_decides_the_format_not_the_name():
    assert read(PAPI_XLS.read_bytes(), "phu-luc.xlsx").format == "xls"
    assert read(PAPI_XLSX.read_bytes(), "phu-luc.xls").format == "xlsx"


def test_sheet_cell_and_ref():
    sheet = Sheet("A", [[Cell(1), Cell("x")]])
    assert sheet.cell(1, 2).value == "x"
    assert sheet.cell(0, 1) is EMPTY and sheet.cell(2, 1) is EMPTY and sheet.cell(1, 3) is EMPTY
    assert sheet.cell(5, 5) == Cell(None, bold=False, merge=None, origin=True)
    assert Sheet.ref(23, 4) == "D23"
    assert Sheet.ref(1, 26) == "Z1" and Sheet.ref(1, 27) == "AA1" and Sheet.ref(7, 16384) == "XFD7"
    assert Sheet("empty", []).ncols == 0


# --- choosing sheets ------------------------------------------------------------------------------


def test_sheet_names_choose_and_order_the_sheets():
    data = KH_2022.read_bytes()
    book = read(data, sheet_names=["Phụ lục II", "Phụ lục I"])
    assert [s.name for s in book.sheets] == ["Phụ lục II", "Phụ lục I"]
    # case and Unicode normalisation (NFD from some Vietnamese keyboards) do not matter
    assert [s.name for s in read(data, sheet_names=["PHỤ LỤC II"]).sheets] == ["Phụ lục II"]
    decomposed = "Phu\u0323 lu\u0323c II"
    assert [s.name for s in read(data, sheet_names=[decomposed]).sheets] == ["Phụ lục II"]
    assert [s.name for s in read(PAPI_XLS.read_bytes(), sheet_names=["Phụ lục"]).sheets] == [
        "Phụ lục"
    ]


def test_missing_sheet_name_lists_the_sheets():
    message = refusal(KH_2022.read_bytes(), sheet_names=["Phụ lục I", "Phụ lục III"])
    assert message == (
        "Không tìm thấy trang tính “Phụ lục III” trong tệp. Các trang tính có trong tệp: "
        "“Phụ lục I”, “Phụ lục II”. Hãy chọn lại trang tính cần nhập."
    )
    message = refusal(PAPI_XLS.read_bytes(), "phu-luc.xls", sheet_names=["Sheet1"])
    assert message == (
        "Không tìm thấy trang tính “Sheet1” trong tệp. Các trang tính có trong tệp: “Phụ lục”. "
        "Hãy chọn lại trang tính cần nhập."
    )


def _with_hidden_and_chart(book) -> None:
    small_table(book)
    hidden = book.create_sheet("Nháp")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "bản nháp"
    chart_sheet = book.create_chartsheet("Biểu đồ")
    chart = BarChart()
    chart.add_data(Reference(book["Phụ lục"], min_col=1, min_row=2, max_row=5))
    chart_sheet.add_chart(chart)


def test_hidden_sheets_and_chart_sheets_are_skipped():
    data = xlsx(_with_hidden_and_chart)
    assert [s.name for s in read(data).sheets] == ["Phụ lục"]
    # a hidden sheet is read when asked for by name
    [sheet] = read(data, sheet_names=["Nháp"]).sheets
    assert sheet.cell(1, 1).value == "bản nháp"
    assert refusal(data, sheet_names=["Biểu đồ"]) == (
        "“Biểu đồ” là trang biểu đồ, không có bảng để nhập. Các trang tính có trong tệp: "
        "“Phụ lục”, “Nháp (đang ẩn)”. Hãy chọn lại trang tính cần nhập."
    )


def test_only_hidden_sheets():
    def build(book):
        book.active.title = "Ẩn"
        book.active["A1"] = 1
        book.create_sheet("Hiện")

    # openpyxl will not save a workbook with no visible sheet; hide them in the XML instead.
    data = rewrite(
        xlsx(build), "xl/workbook.xml", lambda x: x.replace('state="visible"', 'state="hidden"')
    )
    assert refusal(data) == (
        "Tệp không có trang tính nào đang hiện. Các trang tính bị ẩn: “Ẩn”, “Hiện”. Hãy bỏ ẩn "
        "trang tính chứa phụ lục (chuột phải vào tên trang tính, chọn Bỏ ẩn) rồi tải lên lại."
    )
    assert [s.name for s in read(data, sheet_names=["Ẩn"]).sheets] == ["Ẩn"]


# --- values ---------------------------------------------------------------------------------------


def test_formula_reads_as_its_cached_value():
    def build(book):
        ws = book.active
        ws["A1"], ws["A2"] = 20, 22
        ws["A3"] = "=A1+A2"
        ws["B1"] = '=CONCATENATE("Quý ","IV/2022")'

    # openpyxl writes formulas with an empty <v/> (it cannot calculate, so it stores no cached
    # value). Excel and LibreOffice store the result beside the formula; write it like they do.
    # (openpyxl writes "<v />" or "<v></v>", depending on whether lxml is installed.)
    data = xlsx(build)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET1).decode()
    assert re.search(r"<f>A1\+A2</f><v(?: ?/>|></v>)", sheet_xml)
    calculated = rewrite(
        data,
        SHEET1,
        lambda x: re.sub(
            r'"IV/2022"\)</f><v(?: ?/>|></v>)',
            '"IV/2022")</f><v>Quý IV/2022</v>',
            re.sub(r"<f>A1\+A2</f><v(?: ?/>|></v>)", "<f>A1+A2</f><v>42</v>", x),
        ).replace('<c r="B1">', '<c r="B1" t="str">'),
    )
    sheet = read(calculated).sheets[0]
    assert sheet.cell(3, 1) == Cell(42)
    assert sheet.cell(1, 2).value == "Quý IV/2022"
    # Never calculated (written by a script): the cell is empty, and the sheet ends above it.
    never = read(data).sheets[0]
    assert never.cell(1, 2).value is None
    assert never.nrows == 2


def test_value_types():
    def build(book):
        ws = book.active
        ws.append(["  Sở Nội vụ \n", "   ", 7.0, 84.69, True])
        ws.append([datetime.date(2022, 12, 31), datetime.datetime(2023, 1, 5, 8, 30), None, -3])
        ws["C2"] = datetime.time(8, 30)
        ws["C2"].number_format = "h:mm"
        ws["F1"] = "x" * 40_000  # openpyxl cuts it to Excel's 32 767 characters

    sheet = read(xlsx(build)).sheets[0]
    assert values(sheet, 1)[:5] == ["Sở Nội vụ", None, 7, 84.69, "TRUE"]
    assert type(values(sheet, 1)[2]) is int
    assert values(sheet, 2)[:4] == [
        datetime.date(2022, 12, 31),
        datetime.datetime(2023, 1, 5, 8, 30),
        "08:30",
        -3,
    ]
    assert type(values(sheet, 2)[0]) is datetime.date
    assert sheet.cell(1, 6).value == "x" * 32_767


def test_very_long_text_is_kept_whole():
    long_text = "Nhiệm vụ " * 200_000  # 1.8 million characters, past Excel's own limit
    row = f'<row r="9"><c r="B9" t="inlineStr"><is><t>{long_text}</t></is></c></row>'
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", row + "</sheetData>")
    )
    [sheet] = read(data).sheets
    assert sheet.cell(9, 2).value == long_text.strip()
    assert sheet.nrows == 9


def test_xls_dates_and_errors_are_converted():
    assert workbook_module._xls_date(44926.0, 0) == datetime.datetime(2022, 12, 31)
    assert workbook_module._clean(workbook_module._xls_date(44926.0, 0)) == datetime.date(
        2022, 12, 31
    )
    assert workbook_module._clean(workbook_module._xls_date(0.5, 0)) == "12:00"
    assert workbook_module._xls_date(-1.0, 0) == -1.0  # not a date: the number is kept


def test_cells_and_rows_without_addresses():
    # The r attribute of <row> and <c> is optional; some generators leave it out.
    rows = (
        '<row><c t="inlineStr"><is><t>TT</t></is></c><c t="inlineStr"><is><t>Nhiệm vụ</t></is></c>'
        "</row><row><c><v>1</v></c><c/><c><v>3</v></c></row>"
        '<row r="5"><c r="B5" s="1"/><c><v>2</v></c></row>'
    )
    data = rewrite(
        xlsx(lambda book: None),
        SHEET1,
        lambda x: x.replace("<sheetData></sheetData>", f"<sheetData>{rows}</sheetData>"),
    )
    [sheet] = read(data).sheets
    assert [values(sheet, r) for r in range(1, 6)] == [
        ["TT", "Nhiệm vụ", None],
        [1, None, 3],
        [None, None, None],
        [None, None, None],
        [None, None, 2],
    ]


# --- refusals -------------------------------------------------------------------------------------


def test_random_bytes_named_xlsx():
    data = random.Random(2022).randbytes(4096)
    assert refusal(data) == (
        "Tệp không phải là bảng tính Excel (.xlsx hoặc .xls). "
        "Hãy mở tệp bằng Excel và lưu lại dưới dạng .xlsx."
    )


def test_empty_file():
    assert refusal(b"") == "Tệp rỗng (0 byte): hãy chọn lại đúng tệp bảng tính phụ lục rồi tải lên."


def test_html_saved_with_an_excel_name_is_not_a_workbook():
    data = "<html><body><table><tr><td>TT</td><td>Nhiệm vụ</td></tr></table></body></html>"
    assert refusal(data.encode(), "bao-cao.xls").startswith("Tệp không phải là bảng tính Excel")


CSV_MESSAGE = (
    "Tệp CSV không giữ được ô gộp và dòng tiêu đề mục của phụ lục: hãy tải lên tệp Excel gốc "
    "(.xlsx hoặc .xls); nếu chỉ có tệp CSV, hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
)


@pytest.mark.parametrize(
    "encoding,delimiter", [("utf-8-sig", ","), ("utf-8", ";"), ("utf-16", "\t")]
)
def test_csv_is_refused(encoding, delimiter):
    rows = [
        ["TT", "Nhiệm vụ, giải pháp", "Cơ quan phối hợp", "Thời gian thực hiện"],
        ["I", "SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN", "", ""],
        ["1", "Theo dõi, đôn đốc\ncác đơn vị", "Các sở, ban, ngành", "Thường xuyên"],
        ["2", "Thực hiện chế độ báo cáo", "Văn phòng UBND tỉnh", "Quý III-IV/2022"],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    assert refusal(out.getvalue().encode(encoding), "phu-luc.xlsx") == CSV_MESSAGE


def test_plain_prose_is_not_taken_for_csv():
    text = "Kế hoạch số 22/KH-UBND.\nNhiệm vụ, giải pháp, và thời gian thực hiện.\nHết.\n"
    assert refusal(text.encode(), "ke-hoach.txt").startswith("Tệp không phải là bảng tính Excel")


def test_truncated_xlsx():
    data = KH_2022.read_bytes()
    assert refusal(data[: len(data) // 2]) == (
        "Tệp bị hỏng hoặc không đầy đủ, không đọc được: phần dữ liệu nén bên trong bị cắt cụt "
        "hoặc hỏng. Hãy kiểm tra tệp mở được bằng Excel, lưu lại dưới dạng .xlsx rồi tải lên lại."
    )


def test_xlsx_missing_a_part():
    data = KH_2022.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {n: source.read(n) for n in source.namelist() if n != "xl/sharedStrings.xml"}
    assert refusal(zip_of(parts)).startswith(
        "Tệp bị hỏng hoặc không đầy đủ, không đọc được: thiếu thành phần bắt buộc bên trong tệp."
    )


def test_ods():
    data = zip_of(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b'<office:document-content xmlns:office="urn:oasis:names:tc:'
            b'opendocument:xmlns:office:1.0"/>',
            "META-INF/manifest.xml": b"<manifest/>",
        }
    )
    assert refusal(data, "phu-luc.xlsx") == (
        "Tệp .ods (LibreOffice Calc) chưa được hỗ trợ: hãy lưu lại dưới dạng .xlsx."
    )


def test_xlsb():
    data = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})
    assert refusal(data, "phu-luc.xlsx") == (
        "Tệp .xlsb (Excel nhị phân) chưa được hỗ trợ: hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
    )


def test_word_and_pdf_documents():
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    assert refusal(docx).startswith("Tệp là văn bản Word, không phải bảng tính:")
    assert refusal(b"%PDF-1.7\n...").startswith("Tệp PDF không đọc được thành bảng:")


PASSWORD_MESSAGE = "Tệp được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu rồi tải lên lại."


def test_password_protected_xlsx():
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(PAPI_XLSX.read_bytes())).encrypt("matkhau", encrypted)
    data = encrypted.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE container, like an .xls
    assert refusal(data) == PASSWORD_MESSAGE


def test_password_protected_xls(monkeypatch):
    # No tool here writes an encrypted .xls; xlrd signals one with this error (FILEPASS record).
    def encrypted(**kwargs):
        raise xlrd.XLRDError("Workbook is encrypted")

    monkeypatch.setattr(workbook_module.xlrd, "open_workbook", encrypted)
    assert refusal(PAPI_XLS.read_bytes(), "phu-luc.xls") == PASSWORD_MESSAGE


def test_file_over_max_bytes_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(workbook_module, "_sniff", lambda data: pytest.fail("parsed"))
    assert refusal(b"\0" * (25 * MB), max_bytes=20 * MB) == (
        "Tệp lớn hơn giới hạn 20 MB (tệp này 25 MB): hãy xoá bớt các trang tính không cần thiết "
        "hoặc chia phụ lục thành nhiều tệp rồi tải lên lại."
    )
    assert refusal(KH_2022.read_bytes(), max_bytes=MB // 100).startswith(
        "Tệp lớn hơn giới hạn 11 KB (tệp này 14 KB):"
    )


def test_sheet_over_max_rows():
    # Phụ lục I has 44 rows with values (row 4 is blank); Phụ lục II is never reached.
    message = refusal(KH_2022.read_bytes(), max_rows=40)
    assert message == (
        "Trang tính “Phụ lục I” có hơn 40 dòng có dữ liệu, vượt giới hạn 40 dòng: hãy chia phụ "
        "lục thành nhiều tệp hoặc xoá các dòng không cần thiết rồi tải lên lại."
    )
    assert read(KH_2022.read_bytes(), max_rows=49).sheets[1].nrows == 49
    xls_message = refusal(PAPI_XLS.read_bytes(), "phu-luc.xls", max_rows=40)
    assert xls_message.startswith("Trang tính “Phụ lục” có hơn 40 dòng có dữ liệu")


def test_memory_error_is_wrapped(monkeypatch, caplog):
    def exhausted(*args):
        raise MemoryError

    monkeypatch.setattr(workbook_module, "_read_xlsx", exhausted)
    assert refusal(KH_2022.read_bytes()) == (
        "Tệp bị hỏng hoặc không đầy đủ, không đọc được: tệp cần quá nhiều bộ nhớ để đọc (có thể "
        "tệp bị hỏng hoặc chứa dữ liệu bất thường). Hãy kiểm tra tệp mở được bằng Excel, lưu lại "
        "dưới dạng .xlsx rồi tải lên lại."
    )
    assert "Out of memory" in caplog.text


def test_damaged_files_only_ever_raise_workbook_error():
    """Cut and corrupted copies of the real files: a Workbook or a WorkbookError, nothing else."""
    rng = random.Random(7)
    for path in (KH_2022, PAPI_XLS):
        original = path.read_bytes()
        for _ in range(60):
            data = bytearray(original)
            if rng.random() < 0.3:
                data = data[: rng.randrange(1, len(data))]
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                result = read(bytes(data))
            except WorkbookError as error:
                assert error.message
            else:
                assert isinstance(result, Workbook)


# --- hostile files --------------------------------------------------------------------------------


def test_far_empty_cell_huge_merges_and_declared_rows_stay_cheap():
    """Overlapping merged ranges beyond the sheet, a declared 1 048 576-row dimension, 200 000
    declared empty rows and a formatted but empty cell at row 1 000 000, after a 5-row table.

    Only the used area A1:C5 is materialised; the merged ranges are clipped to it and the one
    that overlaps an earlier range is ignored.
    """

    def hostile(xml: str) -> str:
        declared = "".join(f'<row r="{r}" ht="15" customHeight="1"/>' for r in range(6, 200_006))
        far = '<row r="1000000"><c r="A1000000" s="1"/><c r="XFD1000000" s="1"/></row>'
        merges = (
            '<mergeCells count="5"><mergeCell ref="B2:C3"/><mergeCell ref="A1:XFD1048576"/>'
            '<mergeCell ref="A4:B1048576"/><mergeCell ref="C5:Z100000"/>'
            '<mergeCell ref="not a range"/></mergeCells>'
        )
        xml = xml.replace('<dimension ref="A1:C5" />', '<dimension ref="A1:XFD1048576" />')
        xml = xml.replace("</sheetData>", declared + far + "</sheetData>" + merges)
        return xml

    data = rewrite(xlsx(small_table), SHEET1, hostile)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        [sheet] = read(data).sheets
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (sheet.nrows, sheet.ncols) == (5, 3)
    assert peak < 8 * MB  # 200 000 rows of anything would take far more
    assert elapsed < 30  # about 1 s; tracemalloc slows it several times
    assert sheet.cell(2, 2) == Cell("Nhiệm vụ 1", merge=(2, 2, 3, 3), origin=True)
    assert sheet.cell(3, 3) == Cell("Nhiệm vụ 1", merge=(2, 2, 3, 3), origin=False)
    assert sheet.cell(4, 1) == Cell(3, merge=(4, 1, 5, 2), origin=True)
    assert sheet.cell(5, 2) == Cell(3, merge=(4, 1, 5, 2), origin=False)
    assert sheet.cell(1, 1) == Cell("TT", bold=True)  # A1:XFD1048576 overlapped B2:C3: ignored
    assert sheet.cell(5, 3) == Cell("Thường xuyên")  # C5:Z100000 clipped to one cell: no merge


def test_a_million_declared_rows_read_fast():
    declared = "".join(f'<row r="{r}" ht="15" customHeight="1"/>' for r in range(6, 1_048_577))
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", declared + "</sheetData>")
    )
    started = time.perf_counter()
    [sheet] = read(data).sheets
    assert time.perf_counter() - started < 20  # about 1.5 s
    assert sheet.nrows == 5


def test_a_lone_value_far_below_the_table_is_refused_not_materialised():
    far = '<row r="1000000"><c r="D1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", far + "</sheetData>")
    )
    started = time.perf_counter()
    assert refusal(data) == (
        "Trang tính “Phụ lục” có dữ liệu ở ô D1000000, quá xa bên dưới bảng (ngoài 40.000 dòng "
        "đầu): nếu ô này được gõ nhầm, hãy xoá nó (hoặc xoá các dòng thừa bên dưới bảng) rồi tải "
        "lên lại."
    )
    assert time.perf_counter() - started < 5
    # Within the row limit a far value counts: the grid reaches down to it.
    near = far.replace("1000000", "300")
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", near + "</sheetData>")
    )
    [sheet] = read(data).sheets
    assert (sheet.nrows, sheet.ncols) == (300, 4) and sheet.cell(300, 4).value == "x"


def test_a_value_far_to_the_right_is_refused():
    far = '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", far + "</sheetData>")
    )
    assert refusal(data) == (
        "Trang tính “Phụ lục” có dữ liệu ở ô XFD2, nằm ngoài giới hạn 100 cột: nếu ô này được gõ "
        "nhầm, hãy xoá nó (hoặc xoá các cột thừa bên phải bảng) rồi tải lên lại."
    )


def test_too_many_formatted_empty_cells():
    empty = "".join(
        f'<row r="{r}"><c r="A{r}" s="1"/><c r="B{r}" s="1"/></row>' for r in range(6, 600)
    )
    data = rewrite(
        xlsx(small_table), SHEET1, lambda x: x.replace("</sheetData>", empty + "</sheetData>")
    )
    assert refusal(data, max_rows=10) == (
        "Trang tính “Phụ lục” có quá nhiều ô (kể cả ô trống đã định dạng), vượt giới hạn 1.000 ô: "
        "hãy xoá các dòng, cột thừa ngoài bảng rồi tải lên lại."
    )


def test_thousands_of_overlapping_merges_are_refused_as_corrupt():
    merges = '<mergeCell ref="A1:XFD1048576"/>' * 7_000
    data = rewrite(
        xlsx(small_table),
        SHEET1,
        lambda x: x.replace("</sheetData>", f"</sheetData><mergeCells>{merges}</mergeCells>"),
    )
    assert refusal(data) == (
        "Tệp bị hỏng hoặc không đầy đủ, không đọc được: các vùng ô gộp của trang tính “Phụ lục” "
        "chồng chéo nhau bất thường. Hãy kiểm tra tệp mở được bằng Excel, lưu lại dưới dạng .xlsx "
        "rồi tải lên lại."
    )


def test_shared_strings_read_like_openpyxl_rich_text_and_phonetic_hints():
    from openpyxl.reader.strings import read_string_table

    sst = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><si><t>Sở Nội vụ</t></si>'
        "<si><r><rPr><b/></rPr><t>Sở </t></r><r><t>Tư pháp</t></r>"
        '<rPh sb="0" eb="1"><t>phonetic</t></rPh></si>'
        '<si><t xml:space="preserve">  _x005F_x000D_ a </t></si><si><t/></si></sst>'
    )
    ours = workbook_module._read_shared_strings(io.BytesIO(sst.encode()), limit=10)
    assert ours == read_string_table(io.BytesIO(sst.encode()))
    assert ours[:2] == ["Sở Nội vụ", "Sở Tư pháp"]


def test_a_huge_shared_strings_table_is_read_fast_and_bounded():
    # Found by the import fuzz test: openpyxl's own table took some 10 s for 300 000 one-word
    # strings (24 KB zipped); ours reads them in a fraction of that and stops at the bound.
    from tests.plans.fuzz import MAIN_NS, raw_xlsx, sheet_xml

    sst = f'<sst xmlns="{MAIN_NS}">' + "<si><t>Sở Tư pháp</t></si>" * 100_000 + "</sst>"
    rows = '<row r="1"><c r="A1" t="s"><v>99999</v></c><c r="B1" t="s"><v>0</v></c></row>'
    data = raw_xlsx({"Phụ lục": sheet_xml(rows)}, shared_strings=sst)
    started = time.perf_counter()
    [sheet] = read(data, max_rows=20_000).sheets  # bound: 10 a row, 200 000
    assert time.perf_counter() - started < 10  # about 0,6 s here; openpyxl's table took 4 s
    assert values(sheet, 1) == ["Sở Tư pháp", "Sở Tư pháp"]
    assert refusal(data, max_rows=5_000) == (
        "Tệp chứa quá nhiều đoạn văn bản khác nhau (hơn 50.000), vượt xa một bảng phụ lục: hãy "
        "xoá các trang tính không cần thiết hoặc chia phụ lục thành nhiều tệp rồi tải lên lại."
    )
