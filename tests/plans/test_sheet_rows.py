"""`SheetRows` writes the cells openpyxl's own `append` (through `safe_cell` for formula-like
text) writes: a workbook written either way reads back the same, value, type and style of every
cell, and its sheet is the same XML."""

import datetime
import io
import zipfile

import openpyxl
from lxml import etree
from openpyxl import Workbook

from plans.files.export import safe_cell
from plans.files.sheet_rows import FORMULA_START, SheetRows, workbook_bytes, xml_text

HEADER = ["Kế hoạch", "Nhiệm vụ", "Hạn", "Ghi chú"]
ROWS = [
    ["5/KH-UBND (2026)", "Rà soát & công khai <thủ tục>", datetime.date(2026, 6, 30), None],
    ["5/KH-UBND (2026)", '=HYPERLINK("http://evil.example","x")', None, "@SUM(1)"],
    ["", "- gạch đầu dòng;\n- dòng hai", datetime.date(2024, 2, 29), "+84 912 345 678"],
    ["  khoảng trắng đầu", "dòng\r\nWindows", datetime.date(1999, 12, 31), "#N/A"],
    ["ký tự\x0bđiều khiển\x01", "=", 12, 3.5],
    ["\tTab", "\"nháy\" và 'nháy đơn'", datetime.date(2026, 1, 1), "Ngoặc ]]> hết"],
]


def _openpyxl_way() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhiệm vụ")
    sheet.column_dimensions["A"].width = 16
    sheet.append([safe_cell(sheet, value, bold=True) for value in HEADER])
    for values in ROWS:
        row = []
        for value in values:
            if isinstance(value, str):
                value = xml_text(value)
                if value.startswith(FORMULA_START):
                    value = safe_cell(sheet, value)
            row.append(value)
        sheet.append(row)
    return workbook_bytes(workbook)


def _sheet_rows_way() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhiệm vụ")
    sheet.column_dimensions["A"].width = 16
    with SheetRows(sheet) as rows:
        rows.append(HEADER, bold=True)
        for values in ROWS:
            rows.append(values)
    return workbook_bytes(workbook)


def _cells(content: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Nhiệm vụ"]
    return [
        (
            cell.coordinate,
            cell.value,
            cell.data_type,
            cell.number_format,
            cell.quotePrefix,
            cell.font.bold,
        )
        for row in sheet.iter_rows()
        for cell in row
    ]


def _sheet_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return etree.tostring(
            etree.fromstring(archive.read("xl/worksheets/sheet1.xml")), method="c14n"
        )


def test_sheet_rows_write_what_openpyxl_writes():
    expected, written = _openpyxl_way(), _sheet_rows_way()
    assert _cells(written) == _cells(expected)
    assert _sheet_xml(written) == _sheet_xml(expected)


def test_text_keeps_its_characters_and_formulas_stay_text():
    cells = {c[0]: c for c in _cells(_sheet_rows_way())}
    assert cells["B2"][1] == "Rà soát & công khai <thủ tục>"
    assert cells["B3"][1:3] == ('=HYPERLINK("http://evil.example","x")', "s")
    assert cells["B3"][4] is True  # quotePrefix: stays text when edited
    assert cells["B5"][1] == "dòng\r\nWindows"
    assert cells["A5"][1] == "  khoảng trắng đầu"
    assert cells["A6"][1] == "ký tự\nđiều khiển"
    assert cells["C2"][1] == datetime.datetime(2026, 6, 30)
    assert cells["A1"][5] is True  # the header is bold
    assert "D2" not in cells or cells["D2"][1] is None
