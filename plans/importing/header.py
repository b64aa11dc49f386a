"""Finding an annex sheet's header row and what each column holds.

Annex tables name their columns freely ("TT", "STT", "Nhiệm vụ, giải pháp", "Nhiệm vụ trọng tâm",
"CƠ QUAN CHỦ TRÌ", "Đơn vị phối hợp", "Thời gian thực hiện", "THỜI GIAN HOÀN THÀNH", "Kết quả,
sản phẩm"), in any order, sometimes over two rows ("Cơ quan thực hiện" merged above "Chủ trì" |
"Phối hợp"). A column is recognised by keywords of its folded name, tried in an order that
resolves overlaps ("Cơ quan chủ trì" is a lead column even though it names an agency).
"""

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from parindex.core.text import fold
from plans.importing.workbook import Sheet

ROLES = ("number", "description", "expected_result", "lead", "support", "deadline")

# (role, keywords): the first role with a keyword contained in the folded header text wins.
_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("support", ("phoi hop",)),
    ("lead", ("chu tri", "co quan thuc hien", "don vi thuc hien", "co quan, don vi thuc hien")),
    ("deadline", ("thoi gian", "thoi han", "tien do", "moc hoan thanh")),
    ("expected_result", ("ket qua", "san pham")),
    ("description", ("nhiem vu", "noi dung", "giai phap", "cong viec", "hoat dong")),
]
# The same keywords as one pattern per role: every row of the table is checked for a repeated
# header (walk.py), some 57,000 cells for a 10,000-task annex, and testing each keyword in
# Python was most of that check's time.
_PATTERNS = [(role, re.compile("|".join(map(re.escape, words)))) for role, words in _KEYWORDS]
_NUMBER_NAMES = {"tt", "stt", "so tt", "so thu tu", "thu tu", "s tt", "so"}

# What the user is told we looked for when no header is found.
LOOKED_FOR = (
    "TT/STT; Nhiệm vụ, giải pháp / Nội dung; Kết quả, sản phẩm; Cơ quan (đơn vị) chủ trì; "
    "Cơ quan (đơn vị) phối hợp; Thời gian thực hiện / Thời hạn"
)

HEADER_SCAN_ROWS = 40
_COLUMN_NUMBER = re.compile(r"^\(?\s*\d+\s*\)?$")


@dataclass
class Header:
    row: int  # the last header row (data starts below it)
    first_row: int
    columns: dict[str, int]  # role -> 1-based column
    ignored: dict[int, str] = field(default_factory=dict)  # column -> header text not used

    def letters(self) -> dict[str, str]:
        return {role: get_column_letter(col) for role, col in self.columns.items()}


def column_role(text: str) -> str | None:
    folded = fold(text).strip(" .:")
    if not folded:
        return None
    if folded in _NUMBER_NAMES:
        return "number"
    for role, pattern in _PATTERNS:
        if pattern.search(folded):
            return role
    return None


def _texts(sheet: Sheet, row: int, below: int | None = None) -> dict[int, str]:
    """Header texts of a row, joined with the row below when the header spans two rows."""
    texts: dict[int, str] = {}
    width = len(sheet.rows[0]) if sheet.rows else 0
    for col in range(1, width + 1):
        top = sheet.cell(row, col)
        parts = [str(top.value)] if isinstance(top.value, str) else []
        if below is not None:
            bottom = sheet.cell(below, col)
            same_merge = bottom.merge is not None and bottom.merge == top.merge
            if isinstance(bottom.value, str) and not same_merge:
                parts.append(bottom.value)
        if parts:
            texts[col] = " ".join(parts)
    return texts


def _map(texts: dict[int, str]) -> tuple[dict[str, int], dict[int, str]]:
    columns: dict[str, int] = {}
    ignored: dict[int, str] = {}
    for col, text in sorted(texts.items()):
        role = column_role(text)
        if role and role not in columns:
            columns[role] = col
        else:
            ignored[col] = text
    return columns, ignored


def _acceptable(columns: dict[str, int]) -> bool:
    # A task table has at least the task text and one more recognised column.
    return "description" in columns and len(columns) >= 2


def find_header(sheet: Sheet) -> Header | None:
    """The header with the most recognised columns in the first rows; None if there is none."""
    best: Header | None = None
    last = min(len(sheet.rows), HEADER_SCAN_ROWS)
    for row in range(1, last + 1):
        candidates = [(row, None)]
        if row < len(sheet.rows):
            candidates.append((row, row + 1))
        for top, below in candidates:
            columns, ignored = _map(_texts(sheet, top, below))
            if not _acceptable(columns):
                continue
            if below is not None and not _second_row_adds_roles(sheet, top, below, columns):
                continue
            header = Header(row=below or top, first_row=top, columns=columns, ignored=ignored)
            if best is None or len(columns) > len(best.columns):
                best = header
        if best is not None and row > best.row + 1:
            break  # the first complete header wins; data rows follow it
    return best


def _second_row_adds_roles(sheet: Sheet, top: int, below: int, columns: dict[str, int]) -> bool:
    """Only read two rows as one header when the second row names columns the first lacks."""
    single, _ = _map(_texts(sheet, top))
    return bool(single) and len(columns) > len(single)


def is_repeated_header(sheet: Sheet, row: int, header: Header) -> bool:
    columns, _ = _map(_texts(sheet, row))
    return _acceptable(columns) and set(columns) >= set(header.columns) - {"number"}


def is_column_number_row(sheet: Sheet, row: int) -> bool:
    """A row like "(1) (2) (3) (4)" or "1 2 3 4" printed under the header."""
    values = [str(c.value).strip() for c in sheet.rows[row - 1] if c.value not in (None, "")]
    if len(values) < 2 or not all(_COLUMN_NUMBER.match(v) for v in values):
        return False
    numbers = [int(re.sub(r"\D", "", v)) for v in values]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
