"""Reading a criteria workbook: one row per node of an index edition's tree (area, criterion,
sub-criterion) with its code, name, maximum points and, optionally, its level.

The layout is the results workbook's (plans.importing.results), so a clerk types the official
table once in the same way: a header row within the first rows of the first sheet that has one,
then the rows. Columns are found by their names, in any order:

- code: "Mã", "Mã tiêu chí", "TT", "STT": hierarchical, "1", "1.1", "1.1.2";
- name: "Tên", "Tên tiêu chí", "Nội dung", "Lĩnh vực, tiêu chí", "Tiêu chí";
- maximum (optional): "Điểm tối đa", "Tối đa", "Điểm";
- level (optional): "Cấp", "Loại": lĩnh vực (or nội dung), tiêu chí, tiêu chí thành phần. A
  blank level is the code's depth: "1" an area, "1.1" a criterion, "1.1.2" a sub-criterion.

Every problem is reported on its row, in Vietnamese; a workbook with any problem cannot be
confirmed: a tree is written whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from parindex.core.text import fold
from parindex.indices.models import Criterion
from plans.importing.results import ResultsRefused, _code, _number
from plans.importing.workbook import Sheet, WorkbookError, read_workbook

HEADER_SCAN_ROWS = 20
MAX_ROWS = 2000
MAX_DEPTH = 3

_CODE_NAMES = {"ma", "ma tieu chi", "ma so", "tt", "stt", "so tt"}
_NAME_NAMES = {
    "ten",
    "ten tieu chi",
    "noi dung",
    "tieu chi",
    "linh vuc, tieu chi",
    "linh vuc, tieu chi, tieu chi thanh phan",
    "ten chi tieu",
}
_MAXIMUM_NAMES = {"toi da", "diem toi da", "diem", "diem chuan", "thang diem"}
_LEVEL_NAMES = {"cap", "loai", "cap tieu chi", "loai tieu chi"}

# The depth a level sits at, and the words that name it (folded).
LEVEL_BY_DEPTH = {
    1: Criterion.Level.AREA,
    2: Criterion.Level.CRITERION,
    3: Criterion.Level.SUB_CRITERION,
}
_LEVEL_WORDS = {
    "linh vuc": Criterion.Level.AREA,
    "noi dung": Criterion.Level.AREA,
    "linh vuc, noi dung": Criterion.Level.AREA,
    "tieu chi": Criterion.Level.CRITERION,
    "tieu chi thanh phan": Criterion.Level.SUB_CRITERION,
}
_CODE = re.compile(r"^[1-9][0-9]{0,2}(\.[1-9][0-9]{0,2})*$")

LOOKED_FOR = "Mã tiêu chí; Tên tiêu chí (tùy chọn: Điểm tối đa; Cấp)"


class CriteriaRefused(ResultsRefused):
    """The file cannot be read as a criteria table; `message` says why, in Vietnamese."""


@dataclass
class CriterionRow:
    row: int
    code: str
    name: str = ""
    level: str = ""
    max_score: Decimal | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def parent_code(self) -> str:
        return self.code.rpartition(".")[0]


@dataclass
class CriteriaTable:
    sheet: str
    header_row: int
    rows: list[CriterionRow]


def read_criteria(data: bytes, *, file_name: str) -> CriteriaTable:
    """The rows of a criteria workbook, each with its own problems (the tree as a whole, its
    parents and duplicates, is checked against the edition by the preview). Raises
    `CriteriaRefused` for a file that is not a readable workbook or has no criteria table."""
    try:
        workbook = read_workbook(
            data,
            filename=file_name,
            max_bytes=settings.PARINDEX_UPLOAD_MAX_BYTES,
            max_rows=MAX_ROWS,
        )
    except WorkbookError as error:
        raise CriteriaRefused(error.message) from None
    for sheet in workbook.sheets:
        found = _find_header(sheet)
        if found is not None:
            header_row, columns = found
            return CriteriaTable(
                sheet=sheet.name, header_row=header_row, rows=_rows(sheet, header_row, columns)
            )
    raise CriteriaRefused(
        f"Không tìm thấy dòng tiêu đề của bảng tiêu chí. Đã tìm các cột: {LOOKED_FOR}."
    )


def _find_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    for row in range(1, min(sheet.nrows, HEADER_SCAN_ROWS) + 1):
        columns: dict[str, int] = {}
        for col in range(1, sheet.ncols + 1):
            value = sheet.cell(row, col).value
            text = fold(str(value)).strip(" .:*") if isinstance(value, str) else ""
            for role, names in (
                ("code", _CODE_NAMES),
                ("name", _NAME_NAMES),
                ("maximum", _MAXIMUM_NAMES),
                ("level", _LEVEL_NAMES),
            ):
                if text in names and role not in columns:
                    columns[role] = col
                    break
        if {"code", "name"} <= columns.keys():
            return row, columns
    return None


def _rows(sheet: Sheet, header_row: int, columns: dict[str, int]) -> list[CriterionRow]:
    rows = []
    for number in range(header_row + 1, sheet.nrows + 1):
        values = {role: sheet.cell(number, col).value for role, col in columns.items()}
        if all(value in (None, "") for value in values.values()):
            continue
        row = CriterionRow(row=number, code=_code(values.get("code")))
        row.name = " ".join(str(values.get("name") or "").split())
        if not row.code:
            row.problems.append("Thiếu mã tiêu chí.")
        elif not _CODE.match(row.code):
            row.problems.append(
                f"Mã “{row.code}” không đúng dạng: các số cách nhau bởi dấu chấm, ví dụ 1, 1.1, 1.1.2."
            )
        elif row.code.count(".") + 1 > MAX_DEPTH:
            row.problems.append(
                f"Mã “{row.code}” sâu quá {MAX_DEPTH} cấp (lĩnh vực, tiêu chí, tiêu chí thành phần)."
            )
        if not row.name:
            row.problems.append("Thiếu tên tiêu chí.")
        elif len(row.name) > Criterion._meta.get_field("name").max_length:
            row.problems.append("Tên tiêu chí dài quá 500 ký tự.")
        row.max_score = _number(values.get("maximum"), "điểm tối đa", row.problems)
        row.level = _level(values.get("level"), row)
        rows.append(row)
    return rows


def _level(value, row: CriterionRow) -> str:
    depth = row.code.count(".") + 1 if row.code else 0
    by_depth = LEVEL_BY_DEPTH.get(depth, "")
    if value in (None, ""):
        return by_depth
    level = _LEVEL_WORDS.get(fold(str(value)).strip(" ."))
    if level is None:
        row.problems.append(
            f"Cấp “{value}” không rõ: hãy ghi lĩnh vực, tiêu chí hoặc tiêu chí thành phần."
        )
        return by_depth
    if by_depth and level != by_depth:
        row.problems.append(
            f"Cấp “{value}” không khớp với mã “{row.code}” "
            f"({Criterion.Level(by_depth).label.lower()})."
        )
    return level
