"""Reading a results workbook: one row per criterion with its code, achieved and maximum points.

The layout is deliberately simple, so a clerk can type it from the published results: a header
row (within the first rows of the first sheet that has one), then the rows. Columns are found
by their names, in any order:

- code: "Mã", "Mã tiêu chí", "Tiêu chí", "TT", "STT";
- achieved: "Đạt", "Điểm đạt", "Điểm";
- maximum: "Tối đa", "Điểm tối đa";
- optionally a name: "Tên", "Tên tiêu chí", "Nội dung" (shown beside the edition's name, not stored).

Numbers are read with the decimal comma ("8,963") as the annex import reads them, or as Excel
numbers. An empty achieved cell is a score that was not assessed; an empty maximum takes the
criterion's maximum from the edition. Every problem is reported on its row, in Vietnamese, and a
workbook with any problem cannot be confirmed: a results table is written whole or not at all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from parindex.core.numbers import parse_typed
from parindex.core.text import fold
from plans.importing.workbook import Sheet, WorkbookError, read_workbook

HEADER_SCAN_ROWS = 20
MAX_ROWS = 2000
PLACES = Decimal("0.0001")  # the model's four decimal places

_CODE_NAMES = {"ma", "ma tieu chi", "ma so", "tieu chi", "tt", "stt", "so tt", "ma chi tieu"}
_ACHIEVED_NAMES = {"dat", "diem dat", "diem", "diem dat duoc", "ket qua", "diem so"}
_MAXIMUM_NAMES = {"toi da", "diem toi da", "diem chuan", "thang diem"}
_NAME_NAMES = {"ten", "ten tieu chi", "noi dung", "ten chi tieu", "linh vuc, tieu chi"}

LOOKED_FOR = "Mã tiêu chí; Điểm đạt; Điểm tối đa (tùy chọn: Tên tiêu chí)"


class ResultsRefused(Exception):
    """The file cannot be read as a results table; `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ResultRow:
    row: int  # the sheet row, for the user to find it
    code: str
    name: str = ""
    achieved: Decimal | None = None
    maximum: Decimal | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class ResultsTable:
    sheet: str
    header_row: int
    columns: dict[str, str]  # role → column letter
    rows: list[ResultRow]


def read_results(data: bytes, *, file_name: str) -> ResultsTable:
    """The rows of a results workbook, each with its problems. Raises `ResultsRefused` for a
    file that is not a readable workbook or has no results table."""
    try:
        workbook = read_workbook(
            data,
            filename=file_name,
            max_bytes=settings.PARINDEX_UPLOAD_MAX_BYTES,
            max_rows=MAX_ROWS,
        )
    except WorkbookError as error:
        raise ResultsRefused(error.message) from None
    for sheet in workbook.sheets:
        found = _find_header(sheet)
        if found is not None:
            header_row, columns = found
            return ResultsTable(
                sheet=sheet.name,
                header_row=header_row,
                columns={role: Sheet.ref(1, col)[:-1] for role, col in columns.items()},
                rows=_rows(sheet, header_row, columns),
            )
    raise ResultsRefused(
        f"Không tìm thấy dòng tiêu đề của bảng kết quả. Đã tìm các cột: {LOOKED_FOR}."
    )


def _find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    for row in range(1, min(sheet.nrows, HEADER_SCAN_ROWS) + 1):
        columns: dict[str, int] = {}
        for col in range(1, sheet.ncols + 1):
            value = sheet.cell(row, col).value
            text = fold(str(value)).strip(" .:*") if isinstance(value, str) else ""
            for role, names in (
                ("code", _CODE_NAMES),
                ("achieved", _ACHIEVED_NAMES),
                ("maximum", _MAXIMUM_NAMES),
                ("name", _NAME_NAMES),
            ):
                if text in names and role not in columns:
                    columns[role] = col
                    break
        if {"code", "achieved"} <= columns.keys():
            return row, columns
    return None


def _rows(sheet: Sheet, header_row: int, columns: dict[str, int]) -> list[ResultRow]:
    rows = []
    for number in range(header_row + 1, sheet.nrows + 1):
        values = {role: sheet.cell(number, col).value for role, col in columns.items()}
        if all(value in (None, "") for value in values.values()):
            continue
        row = ResultRow(row=number, code=_code(values.get("code")))
        row.name = str(values.get("name") or "").strip()
        if not row.code:
            row.problems.append("Thiếu mã tiêu chí.")
        row.achieved = _number(values.get("achieved"), "điểm đạt", row.problems)
        row.maximum = _number(values.get("maximum"), "điểm tối đa", row.problems)
        rows.append(row)
    return rows


def _code(value) -> str:
    """ "1.1." → "1.1"; an Excel number 1.1 → "1.1" (a code typed as a number loses trailing
    zeros: 1.10 reads as 1.1, which the preview shows beside the criterion's name)."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = repr(value)
    return str(value).strip().rstrip(".").strip()


def _number(value, label: str, problems: list[str]) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool | datetime.date):
        problems.append(f"Ô {label} không phải là số: “{value}”.")
        return None
    if isinstance(value, int | float):
        number = Decimal(repr(value))
    else:
        try:
            number = parse_typed(str(value))
        except ValueError:
            number = None
        if number is None:  # not a number, or only spaces
            problems.append(f"Ô {label} không phải là số: “{value}”.")
            return None
    if number < 0:
        problems.append(f"Điểm không được âm ({label}: {value}).")
        return None
    number = number.quantize(PLACES, rounding=ROUND_HALF_UP)
    if number >= 10_000:
        problems.append(f"Số quá lớn ({label}: {value}).")
        return None
    return number
