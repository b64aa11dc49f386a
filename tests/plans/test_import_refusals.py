"""Bad input to the import: a clear Vietnamese message, and nothing written."""

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from agencies.models import Agency
from plans.models import Assignment, ImportRun, Plan, Section, Task
from tests.plans.test_import import PLAN_2022, build_workbook, run_import

pytestmark = pytest.mark.django_db


def snapshot():
    return [m.objects.count() for m in (Plan, Section, Task, Assignment, Agency, ImportRun)]


def refused(path, *extra) -> str:
    before = snapshot()
    document = run_import(
        path, "--plan-number", "1/KH-UBND", "--year", "2023", *extra, expect_ok=False
    )
    assert snapshot() == before
    assert document["errors"], document
    return " ".join(document["errors"])


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_file_that_is_not_a_workbook(tmp_path):
    message = refused(write(tmp_path, "phu-luc.xlsx", b"\x00\x01 random bytes " * 50))
    assert "không phải là bảng tính Excel" in message


def test_a_corrupt_workbook(tmp_path):
    data = PLAN_2022.read_bytes()
    message = refused(write(tmp_path, "phu-luc.xlsx", data[: len(data) // 2]))
    assert "bị hỏng" in message


def test_a_password_protected_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    with open(PLAN_2022, "rb") as plain:
        OOXMLFile(plain).encrypt("matkhau", encrypted)
    message = refused(write(tmp_path, "phu-luc.xlsx", encrypted.getvalue()))
    assert "mật khẩu" in message


def test_an_empty_sheet(tmp_path):
    path = build_workbook(tmp_path, [])
    message = refused(path)
    assert "trống" in message


def test_a_sheet_without_a_recognisable_header_says_what_was_looked_for(tmp_path):
    path = build_workbook(tmp_path, [["Họ tên", "Địa chỉ"], ["Nguyễn Văn A", "Bắc Kạn"]])
    message = refused(path)
    assert "không tìm thấy dòng tiêu đề" in message
    assert "Cơ quan (đơn vị) chủ trì" in message and "Thời gian thực hiện" in message


def test_a_named_sheet_that_does_not_exist(tmp_path):
    message = refused(PLAN_2022, "--sheet", "Phụ lục IX")
    assert "Phụ lục IX" in message and "Phụ lục I" in message


def test_a_file_over_the_size_limit(tmp_path, settings):
    settings.PARINDEX_UPLOAD_MAX_BYTES = 5 * 1024
    message = refused(PLAN_2022)
    assert "lớn hơn giới hạn" in message


def test_a_file_over_the_row_limit(tmp_path, settings):
    settings.PARINDEX_IMPORT_MAX_ROWS = 50
    message = refused(PLAN_2022)
    assert "50" in message


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("phu-luc.csv", "TT,Nhiệm vụ,Cơ quan chủ trì\n1,Nhiệm vụ,Sở Nội vụ\n".encode(), "CSV"),
        (
            "phu-luc.xlsb",
            None,  # built below: a zip with xl/workbook.bin
            ".xlsb",
        ),
        ("phu-luc.ods", None, ".ods"),
    ],
)
def test_other_spreadsheet_formats(tmp_path, name, data, words):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            if name.endswith(".ods"):
                archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
                archive.writestr("content.xml", "<office:document-content/>")
            else:
                archive.writestr("[Content_Types].xml", "<Types/>")
                archive.writestr("xl/workbook.bin", b"\x00\x01")
        data = buffer.getvalue()
    message = refused(write(tmp_path, name, data))
    assert words in message


def test_a_header_with_no_tasks_below(tmp_path):
    path = build_workbook(tmp_path, [["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]])
    message = refused(path)
    assert "Không có nhiệm vụ nào" in message


def test_no_year_anywhere(tmp_path):
    path = build_workbook(
        tmp_path, [["TT", "Nhiệm vụ", "Thời gian"], ["1", "Nhiệm vụ", "Thường xuyên"]]
    )
    before = snapshot()
    document = run_import(path, "--plan-number", "1/KH-UBND", expect_ok=False)
    assert snapshot() == before
    assert "năm" in document["errors"][0]


def test_formulas_are_read_as_their_values(tmp_path):
    # openpyxl cannot store a cached value, so a formula it writes reads as empty: the import
    # must neither crash nor store the formula text.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"])
    sheet.append(["1", "Nhiệm vụ có công thức", '=CONCAT("Sở ","Nội vụ")', "Quý I/2023"])
    path = tmp_path / "formula.xlsx"
    workbook.save(path)
    document = run_import(path, "--plan-number", "2/KH", "--year", "2023", "--dry-run")
    assert document["rows"][0]["lead"] == []
    assert not any("=" in name for name in document["agencies"]["unverified"])


# Found by the import fuzz test (tests/plans/test_import_fuzz.py) ---------------------------------


def _raw_annex(tmp_path, rows) -> Path:
    from tests.plans.fuzz import raw_xlsx, sheet_xml

    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes(raw_xlsx({"Phụ lục": sheet_xml(rows)}))
    return path


HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian thực hiện"]


def test_an_agency_name_longer_than_an_agency_can_hold_is_refused_not_a_crash(tmp_path):
    # Text pasted into the lead column: one name no one can place, 400 characters long. Saving
    # it as an unverified agency failed validation (255 characters) with an unhandled error.
    lead = "Ban quản lý dự án đầu tư xây dựng " * 12
    path = _raw_annex(tmp_path, [HEADER, [1, "Nhiệm vụ", lead, "Quý I/2023"]])
    message = refused(path)
    assert message.startswith("Trang tính “Phụ lục”, dòng 2: tên cơ quan “Ban quản lý dự án")
    assert "vượt giới hạn 255 ký tự" in message


def test_a_cell_longer_than_excel_allows_is_refused_quickly_with_its_address(tmp_path):
    # 10 million characters in one cell (the trailing space is stripped) took the import minutes (every step reads each cell).
    huge = "Sở Tư pháp; " * 900_000
    path = _raw_annex(
        tmp_path, [HEADER, [1, "Nhiệm vụ", "Sở Nội vụ", "Quý I/2023"], [2, "x", huge]]
    )
    started = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - started < 20  # about 1 s; was over 40 s
    assert message.startswith(
        "Trang tính “Phụ lục”, ô C3: nội dung dài 10.799.999 ký tự, vượt giới hạn 32.767 ký tự"
    )


def test_a_cell_of_exactly_excels_limit_is_imported_whole(tmp_path):
    description = "Nhiệm vụ " + "x" * (32_767 - 9)
    path = _raw_annex(tmp_path, [HEADER, [1, description, "Sở Nội vụ", "Quý I/2023"]])
    document = run_import(path, "--plan-number", "1/KH-UBND", "--year", "2023", "--dry-run")
    assert document["rows"][0]["description"] == description


def test_a_task_number_longer_than_its_column_imports_and_reimports_unchanged(tmp_path):
    # PostgreSQL refused the row (the number went unchecked to its column) with a DataError.
    number = "1." * 200
    path = _raw_annex(tmp_path, [HEADER, [number, "Nhiệm vụ dài", "Sở Nội vụ", "Quý I/2023"]])
    first = run_import(path, "--plan-number", "1/KH-UBND", "--year", "2023")
    assert first["tasks"]["created"] == 1
    task = Task.objects.get()
    assert task.number == number[:20]
    again = run_import(path, "--plan-number", "1/KH-UBND", "--year", "2023")
    assert again["tasks"] == {
        "created": 0,
        "updated": 0,
        "moved": 0,
        "restored": 0,
        "unchanged": 1,
        "withdrawn": 0,
    }


def test_a_plan_number_longer_than_the_column_is_refused(tmp_path):
    # The number read from the title rows went unchecked to a 50-character column.
    title = f"(Kèm theo Kế hoạch số {'1' * 60}/KH-UBND ngày 10 tháng 3 năm 2024)"
    path = _raw_annex(tmp_path, [[title], HEADER, [1, "Nhiệm vụ", "Sở Nội vụ", "Quý I/2024"]])
    before = snapshot()
    document = run_import(path, expect_ok=False)
    assert snapshot() == before
    assert document["errors"][0].startswith("Số hiệu kế hoạch “111")
    assert "vượt giới hạn 50 ký tự" in document["errors"][0]
