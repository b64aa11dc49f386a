"""Turn an uploaded annex workbook into plain grids of cells: the first step of the import.

`read_workbook(data, filename=..., max_bytes=..., max_rows=...)` returns a `Workbook` whose
`Sheet.rows` are lists of `Cell`s, row 1 first, every row as wide as the used area. Later steps
(the header row, sections, tasks) only ever see these grids, never openpyxl or xlrd objects.

What is read:

- ``.xlsx``/``.xlsm`` (openpyxl) and ``.xls`` (xlrd, with formatting info), recognised by their
  content, never by the file name: a ``.xls`` that is really an ``.xlsx`` reads fine, and a CSV
  renamed ``.xlsx`` is still refused as a CSV.
- Formulas come back as the value Excel or LibreOffice last calculated and stored in the file.
  A formula that was never calculated (a workbook written by a script) reads as empty.
- Values: text is stripped and "" becomes None; whole numbers become ``int`` (``7.0`` -> ``7``);
  cells formatted as dates become ``date``, or ``datetime`` when they carry a time of day; a
  bare time of day becomes text ("08:30"); TRUE/FALSE become the text "TRUE"/"FALSE"; error
  values become their text ("#N/A", "#REF!").
- Bold is the cell's own font (not the bold of some words inside the text). It is only tracked
  for cells that hold a value; an empty cell is never bold.
- A merged range's value and bold belong to every cell of the range: the top-left cell has
  ``origin=True``, the others are copies with ``origin=False``; all carry ``merge``.

Hidden sheets are skipped unless named in ``sheet_names``; chart sheets are never read.

What is refused, always with a `WorkbookError` whose ``message`` is a Vietnamese sentence saying
what is wrong and what to do: files over ``max_bytes`` (checked before any parsing), files that
unpack to far more than that, .xlsb, .ods, CSV, Word and PDF files, password-protected files,
truncated or corrupt files, a shared-strings table of more than ``10 * max_rows`` texts, a
sheet with more than ``max_rows`` rows holding values, and a value
below row ``2 * max_rows`` or right of column ``max_columns`` (see below). No other exception
leaves `read_workbook`, whatever the bytes (a `MemoryError` included, logged and wrapped).

Hostile or sloppy files. The grid covers only the used area: from A1 to the last row and the
last column that hold a value. Formatted but empty cells, declared dimensions and trailing empty
rows (LibreOffice sometimes writes all 1 048 576) are streamed past and never materialised.
A value far below the table (say a stray "x" in A1000000) is *not* silently dropped, as the
domain forbids losing what the user typed, and is *not* materialised either (it would mean a
million rows): the file is refused with the cell's address so the user can delete it. The
bound is twice ``max_rows``, so that a table under title and blank rows still gets the "too many
rows" message rather than this one; below it a value counts like any other. Merged
ranges are clipped to the used area; a range that overlaps one already applied is ignored (Excel
cannot produce overlapping ranges; the first range in file order wins); ranges lying wholly
outside the data are ignored; and if the ranges together cover more than a few times the used
area the file is refused as corrupt. Memory is bounded by the used area, which the limits bound.

The .xlsx sheets are streamed with openpyxl's own cell parser (``WorkSheetParser.parse_cell``)
inside our own ``iterparse`` loop instead of ``load_workbook(read_only=False)``: the normal mode
creates a Python object for every cell of every merged range while loading, so one declared
range ``A1:XFD1048576`` would need 17 billion objects before we could clip it, and it keeps
a dict per declared row. Everything else (sheet list and states, styles, date formats) comes
from openpyxl's ``ExcelReader`` as ``load_workbook(read_only=True, data_only=True)`` uses it,
except the shared strings, which we read in our own lean loop (``_BookReader.read_strings``)
with a bounded count, since openpyxl's table costs seconds per 100 000 strings. This touches a
few private openpyxl names (``WorkSheetParser``, ``ExcelReader.read_strings``, ``_date_formats``,
``_cell_styles``, ``_fonts``, ``_shared_strings``, ``_get_source``) and one of xlrd
(``_sheet_visibility``), which is why both are pinned; the tests read the real annex files
through all of them.

No Django import: the caller passes the limits (``settings.PARINDEX_UPLOAD_MAX_BYTES`` and
``settings.PARINDEX_IMPORT_MAX_ROWS``).
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import math
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import xlrd
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse
from xlrd.compdoc import CompDoc

from parindex.core.numbers import format_integer, format_size

logger = logging.getLogger(__name__)

Value = str | int | float | datetime.date | datetime.datetime | None

# A value beyond this column is refused (annex tables have about 4 to 12 columns).
MAX_COLUMNS = 100
# A value below row FAR_ROW_FACTOR * max_rows is refused (the table itself is max_rows at most).
FAR_ROW_FACTOR = 2
# A .xlsx whose parts unpack to more than max(factor * max_bytes, floor) bytes is refused.
UNZIPPED_FACTOR = 10
UNZIPPED_FLOOR = 64 * 1024 * 1024
# Row elements beyond the largest sheet Excel can make mean a broken or hostile file.
EXCEL_MAX_ROWS = 1_048_576
# The shared-strings table may hold at most this many texts per allowed row.
STRINGS_PER_ROW = 10
# At most this many merged-range declarations per sheet.
MAX_MERGES = 100_000
# Merged ranges may together cover at most MERGE_AREA_FACTOR * used area + MERGE_AREA_SLACK cells.
MERGE_AREA_FACTOR = 4
MERGE_AREA_SLACK = 100_000

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW = _MAIN + "row"
_CELL = _MAIN + "c"
_MERGE_CELL = _MAIN + "mergeCell"
_SHARED_STRING = _MAIN + "si"
_TEXT = _MAIN + "t"
_RUN = _MAIN + "r"
_INLINE_STRING = _MAIN + "is"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# --- messages ------------------------------------------------------------------------------------

SAVE_AS_XLSX = "Hãy mở tệp bằng Excel và lưu lại dưới dạng .xlsx."
NOT_WORKBOOK = "Tệp không phải là bảng tính Excel (.xlsx hoặc .xls). " + SAVE_AS_XLSX
EMPTY_FILE = "Tệp rỗng (0 byte): hãy chọn lại đúng tệp bảng tính phụ lục rồi tải lên."
XLSB = "Tệp .xlsb (Excel nhị phân) chưa được hỗ trợ: hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
ODS = "Tệp .ods (LibreOffice Calc) chưa được hỗ trợ: hãy lưu lại dưới dạng .xlsx."
STRICT_XLSX = (
    "Tệp .xlsx lưu theo chuẩn “Strict Open XML” chưa được hỗ trợ: hãy mở bằng Excel và lưu lại "
    "dưới dạng “Excel Workbook (.xlsx)”."
)
CSV_FILE = (
    "Tệp CSV không giữ được ô gộp và dòng tiêu đề mục của phụ lục: hãy tải lên tệp Excel gốc "
    "(.xlsx hoặc .xls); nếu chỉ có tệp CSV, hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
)
WORD_FILE = (
    "Tệp là văn bản Word, không phải bảng tính: hãy tải lên tệp Excel (.xlsx hoặc .xls) chứa "
    "bảng phụ lục; nếu phụ lục chỉ có trong văn bản Word, hãy chép bảng sang Excel và lưu lại "
    "dưới dạng .xlsx."
)
PDF_FILE = (
    "Tệp PDF không đọc được thành bảng: hãy tải lên tệp Excel (.xlsx hoặc .xls) chứa bảng phụ lục."
)
PASSWORD = "Tệp được bảo vệ bằng mật khẩu: hãy gỡ mật khẩu rồi tải lên lại."
CORRUPT = (
    "Tệp bị hỏng hoặc không đầy đủ, không đọc được: {reason}. Hãy kiểm tra tệp mở được bằng "
    "Excel, lưu lại dưới dạng .xlsx rồi tải lên lại."
)
TOO_BIG = (
    "Tệp lớn hơn giới hạn {limit} (tệp này {size}): hãy xoá bớt các trang tính không cần thiết "
    "hoặc chia phụ lục thành nhiều tệp rồi tải lên lại."
)
TOO_BIG_UNZIPPED = (
    "Tệp chứa quá nhiều dữ liệu khi giải nén ({size}, giới hạn {limit}): hãy xoá bớt các trang "
    "tính, hình ảnh không cần thiết hoặc chia phụ lục thành nhiều tệp rồi tải lên lại."
)
TOO_MANY_ROWS = (
    "Trang tính “{sheet}” có hơn {limit} dòng có dữ liệu, vượt giới hạn {limit} dòng: hãy chia "
    "phụ lục thành nhiều tệp hoặc xoá các dòng không cần thiết rồi tải lên lại."
)
FAR_ROW = (
    "Trang tính “{sheet}” có dữ liệu ở ô {ref}, quá xa bên dưới bảng (ngoài {limit} dòng đầu): "
    "nếu ô này được gõ nhầm, hãy xoá nó (hoặc xoá các dòng thừa bên dưới bảng) rồi tải lên lại."
)
FAR_COLUMN = (
    "Trang tính “{sheet}” có dữ liệu ở ô {ref}, nằm ngoài giới hạn {limit} cột: nếu ô này "
    "được gõ nhầm, hãy xoá nó (hoặc xoá các cột thừa bên phải bảng) rồi tải lên lại."
)
TOO_MANY_CELLS = (
    "Trang tính “{sheet}” có quá nhiều ô (kể cả ô trống đã định dạng), vượt giới hạn {limit} ô: "
    "hãy xoá các dòng, cột thừa ngoài bảng rồi tải lên lại."
)
TOO_MANY_STRINGS = (
    "Tệp chứa quá nhiều đoạn văn bản khác nhau (hơn {limit}), vượt xa một bảng phụ lục: hãy xoá "
    "các trang tính không cần thiết hoặc chia phụ lục thành nhiều tệp rồi tải lên lại."
)
MISSING_SHEET = (
    "Không tìm thấy trang tính “{name}” trong tệp. Các trang tính có trong tệp: {sheets}. "
    "Hãy chọn lại trang tính cần nhập."
)
CHART_SHEET = (
    "“{name}” là trang biểu đồ, không có bảng để nhập. Các trang tính có trong tệp: {sheets}. "
    "Hãy chọn lại trang tính cần nhập."
)
NO_SHEETS = (
    "Tệp không có trang tính nào chứa bảng (chỉ có biểu đồ hoặc không có trang nào): hãy tải "
    "lên tệp Excel chứa bảng phụ lục."
)
ALL_HIDDEN = (
    "Tệp không có trang tính nào đang hiện. Các trang tính bị ẩn: {sheets}. Hãy bỏ ẩn trang "
    "tính chứa phụ lục (chuột phải vào tên trang tính, chọn Bỏ ẩn) rồi tải lên lại."
)

_REASON_ZIP = "phần dữ liệu nén bên trong bị cắt cụt hoặc hỏng"
_REASON_PART = "thiếu thành phần bắt buộc bên trong tệp"
_REASON_XML = "nội dung XML bên trong tệp không hợp lệ"
_REASON_OLE = "cấu trúc tệp Excel 97-2003 (.xls) không hợp lệ"
_REASON_MEMORY = "tệp cần quá nhiều bộ nhớ để đọc (có thể tệp bị hỏng hoặc chứa dữ liệu bất thường)"
_REASON_MERGES = "các vùng ô gộp của trang tính “{sheet}” chồng chéo nhau bất thường"
_REASON_MANY_MERGES = "trang tính “{sheet}” khai báo quá nhiều vùng ô gộp"
_REASON_MANY_ROWS = "trang tính “{sheet}” khai báo nhiều dòng hơn mức Excel cho phép"
_REASON_OTHER = "cấu trúc tệp không hợp lệ"


class WorkbookError(Exception):
    """A file that cannot be read as an annex workbook; .message is a clear Vietnamese sentence
    for the user, saying what is wrong and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a sheet's grid.

    Frozen so that one instance can stand for every empty cell (and for every copy of a merged
    range): a sparse 20 000-row grid costs a pointer per empty cell, not an object.
    """

    value: Value
    bold: bool = False
    merge: tuple[int, int, int, int] | None = None  # (min_row, min_col, max_row, max_col), 1-based
    origin: bool = True  # False for a cell that only carries a copy of its merged range's value


EMPTY = Cell(None)


def cell_text(value: Value) -> str:
    """A cell's value as the text the parsers read: "" for an empty cell, 2023 for 2023.0 (a
    year or number typed into a number cell comes back as a float), surrounding spaces gone."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]  # rows[0] is sheet row 1; all rows as wide as the used area
    # Title lines read above the table when they are not rows of it (a Word table's heading
    # paragraphs, plans.importing.document); a workbook's title rows are rows of the sheet.
    heading: list[str] = field(default_factory=list)

    @property
    def nrows(self) -> int:
        return len(self.rows)

    @property
    def ncols(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def cell(self, row: int, col: int) -> Cell:
        """The cell at a 1-based position; an empty Cell outside the used area."""
        if 1 <= row <= len(self.rows):
            cells = self.rows[row - 1]
            if 1 <= col <= len(cells):
                return cells[col - 1]
        return EMPTY

    @staticmethod
    def ref(row: int, col: int) -> str:
        """The A1-style address of a 1-based position: (23, 4) -> "D23"."""
        letters = ""
        while col > 0:
            col, rest = divmod(col - 1, 26)
            letters = chr(ord("A") + rest) + letters
        return f"{letters}{row}"


@dataclass
class Workbook:
    format: str  # "xlsx" (also for .xlsm), "xls" or "docx" (plans.importing.document)
    sheets: list[Sheet]
    # A Word plan's heading block and title (its number, place, date and title), read by
    # plans.importing.title.details_from_body; a workbook has none.
    front_lines: list[str] = field(default_factory=list)


def read_workbook(
    data: bytes,
    *,
    filename: str,
    max_bytes: int,
    max_rows: int,
    sheet_names: list[str] | None = None,
    max_columns: int = MAX_COLUMNS,
) -> Workbook:
    """Read an uploaded annex workbook into plain grids.

    The format is recognised from the content; ``filename`` only names the file in the log.
    With ``sheet_names`` None, every visible worksheet is read in workbook order (hidden sheets
    and chart sheets are skipped); otherwise exactly the named sheets, in that order, hidden or
    not (names match exactly, else ignoring case and Unicode normalisation; repeats read once).
    Raises `WorkbookError` and nothing else for any bytes; TypeError/ValueError only for a call
    that breaks the contract (``data`` not bytes, limits below 1).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"read_workbook expects bytes, not {type(data).__name__}")
    if max_bytes < 1 or max_rows < 1 or max_columns < 1:
        raise ValueError("max_bytes, max_rows and max_columns must be positive")
    data = bytes(data)
    limits = _Limits(max_rows=max_rows, max_columns=max_columns)
    if len(data) > max_bytes:
        raise WorkbookError(
            TOO_BIG.format(limit=format_size(max_bytes), size=format_size(len(data)))
        )
    try:
        kind = _sniff(data)
        if kind == "zip":
            return _read_zip(data, max_bytes, limits, sheet_names)
        if kind == "ole":
            return _read_ole(data, limits, sheet_names)
        raise WorkbookError(kind)  # _sniff returns the refusal message for everything else
    except WorkbookError:
        raise
    except MemoryError as exc:
        logger.error("Out of memory reading workbook %r (%d bytes)", filename, len(data))
        raise WorkbookError(CORRUPT.format(reason=_REASON_MEMORY)) from exc
    except Exception as exc:
        logger.warning("Unreadable workbook %r (%d bytes)", filename, len(data), exc_info=True)
        raise WorkbookError(CORRUPT.format(reason=_reason(exc))) from exc


# --- format detection -----------------------------------------------------------------------------


def _sniff(data: bytes) -> str:
    """Return "zip", "ole", or the refusal message for what the bytes are instead."""
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if not data:
        return EMPTY_FILE
    if data.startswith(b"%PDF-"):
        return PDF_FILE
    if _looks_like_csv(data):
        return CSV_FILE
    return NOT_WORKBOOK


def _looks_like_csv(data: bytes) -> bool:
    """Text whose records split into the same number (≥ 2) of fields on one delimiter."""
    text = _as_text(data[:65536])
    if text is None or text.lstrip().startswith("<"):  # HTML or XML saved with an Excel name
        return False
    for delimiter in ("\t", ";", ","):
        try:
            records = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if len(data) > 65536:
            records = records[:-1]  # the sample may cut the last record short
        if len(records) < 2:
            continue
        width, count = Counter(len(r) for r in records).most_common(1)[0]
        if width >= 2 and count >= 0.8 * len(records):
            return True
    return False


def _as_text(sample: bytes) -> str | None:
    """The sample decoded as text, or None when it looks binary."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = sample[2:].decode("utf-16-le" if sample[0] == 0xFF else "utf-16-be", "replace")
    else:
        try:
            text = sample.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
                text = sample[: exc.start].decode("utf-8-sig", "replace")
            else:
                text = sample.decode("cp1258", "replace")  # Vietnamese Windows code page
    if not text:
        return None
    odd = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\t\r\n\f\v"))
    return text if odd <= len(text) / 200 else None


def _read_zip(
    data: bytes, max_bytes: int, limits: _Limits, sheet_names: list[str] | None
) -> Workbook:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = {info.filename.lower(): info for info in infos}
        if "xl/workbook.bin" in names:
            raise WorkbookError(XLSB)
        if "xl/workbook.xml" not in names:
            if "mimetype" in names:
                mimetype = archive.read(names["mimetype"])[:100]
                if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                    raise WorkbookError(ODS)
            if "word/document.xml" in names:
                raise WorkbookError(WORD_FILE)
            raise WorkbookError(NOT_WORKBOOK)
        if any(info.flag_bits & 0x1 for info in infos):
            raise WorkbookError(PASSWORD)  # ZIP-level encryption; Excel itself never does this
        unzipped = sum(info.file_size for info in infos)
        unzipped_limit = max(UNZIPPED_FACTOR * max_bytes, UNZIPPED_FLOOR)
        if unzipped > unzipped_limit:
            raise WorkbookError(
                TOO_BIG_UNZIPPED.format(
                    size=format_size(unzipped), limit=format_size(unzipped_limit)
                )
            )
        with archive.open(names["xl/workbook.xml"]) as part:
            if b"purl.oclc.org/ooxml" in part.read(4096):
                raise WorkbookError(STRICT_XLSX)
    return _read_xlsx(data, limits, sheet_names)


def _read_ole(data: bytes, limits: _Limits, sheet_names: list[str] | None) -> Workbook:
    try:
        streams = {entry.name for entry in CompDoc(data, logfile=_DISCARD).dirlist}
    except Exception as exc:
        raise WorkbookError(CORRUPT.format(reason=_REASON_OLE)) from exc
    if streams & {"EncryptionInfo", "EncryptedPackage"}:
        raise WorkbookError(PASSWORD)  # an .xlsx encrypted with a password to open
    if streams & {"Workbook", "Book"}:
        return _read_xls(data, limits, sheet_names)
    if "WordDocument" in streams:
        raise WorkbookError(WORD_FILE)
    raise WorkbookError(NOT_WORKBOOK)


# --- sheets: which ones -------------------------------------------------------------------------


def _choose(
    worksheets: list[tuple[str, bool]], charts: list[str], sheet_names: list[str] | None
) -> list[str]:
    """Names of the sheets to read, from (name, hidden) pairs in workbook order."""
    if sheet_names is None:
        visible = [name for name, hidden in worksheets if not hidden]
        if visible:
            return visible
        if worksheets:
            raise WorkbookError(ALL_HIDDEN.format(sheets=_quoted(n for n, _ in worksheets)))
        raise WorkbookError(NO_SHEETS)
    listing = _quoted(f"{n} (đang ẩn)" if hidden else n for n, hidden in worksheets) or "(không có)"
    chosen: list[str] = []
    for wanted in sheet_names:
        name = _match(wanted, [n for n, _ in worksheets])
        if name is None:
            chart = _match(wanted, charts)
            template = MISSING_SHEET if chart is None else CHART_SHEET
            raise WorkbookError(template.format(name=chart or wanted, sheets=listing))
        if name not in chosen:
            chosen.append(name)
    return chosen


def _match(wanted: str, names: list[str]) -> str | None:
    if wanted in names:
        return wanted
    key = _name_key(wanted)
    # Excel sheet names are unique ignoring case, so at most one name matches.
    return next((name for name in names if _name_key(name) == key), None)


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", str(name)).strip().casefold()


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


# --- .xlsx ----------------------------------------------------------------------------------------


class _BookReader(ExcelReader):
    """openpyxl's reader for `load_workbook(read_only=True)`, with a lean shared-strings table.

    openpyxl builds a descriptor object for every shared string: 300 000 one-letter strings
    (24 KB zipped) cost it some 10 seconds. This reads the same text, with a bounded count.
    """

    def __init__(self, data: bytes, limits: _Limits):
        super().__init__(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        self.limits = limits

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _read_shared_strings(source, self.limits.max_strings)


def _read_shared_strings(source, limit: int) -> list[str]:
    """The text of each <si>, as openpyxl's `read_string_table` gives it: its own <t>, then the
    <t> of each rich-text run, phonetic hints left out."""
    strings: list[str] = []
    for _, element in iterparse(source):
        if element.tag != _SHARED_STRING:
            continue
        if len(strings) >= limit:
            raise WorkbookError(TOO_MANY_STRINGS.format(limit=format_integer(limit)))
        strings.append(_text_content(element).replace("x005F_", ""))
        element.clear()
    return strings


def _text_content(element) -> str:
    """The text of a <si> or <is> element as openpyxl's `Text.content` gives it: its own <t>,
    then the <t> of each rich-text run, phonetic hints left out."""
    plain = None
    runs = []
    for child in element:
        if child.tag == _TEXT:
            plain = child.text
        elif child.tag == _RUN:
            run_text = None
            for grandchild in child:
                if grandchild.tag == _TEXT:
                    run_text = grandchild.text
            if run_text is not None:
                runs.append(run_text)
    return "".join([plain, *runs] if plain is not None else runs)


def _read_xlsx(data: bytes, limits: _Limits, sheet_names: list[str] | None) -> Workbook:
    reader = _BookReader(data, limits)
    reader.read()
    book = reader.wb
    try:
        by_name = {ws.title: ws for ws in book.worksheets}
        worksheets = [(ws.title, ws.sheet_state != "visible") for ws in book.worksheets]
        charts = [cs.title for cs in book.chartsheets]
        fonts, styles = book._fonts, book._cell_styles
        bold_styles = {
            index
            for index, style in enumerate(styles)
            if 0 <= style.fontId < len(fonts) and fonts[style.fontId].b
        }
        sheets = []
        for name in _choose(worksheets, charts, sheet_names):
            ws = by_name[name]
            parser = WorkSheetParser(
                None,
                ws._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=set(),  # durations read as times of day, like a plain date
            )
            with ws._get_source() as source:
                grid = _Grid(name, limits)
                _stream_xlsx_sheet(source, parser, bold_styles, grid)
            sheets.append(grid.sheet())
        return Workbook(format="xlsx", sheets=sheets)
    finally:
        book.close()


def _stream_xlsx_sheet(source, parser: WorkSheetParser, bold_styles: set[int], grid: _Grid):
    """Feed the cells and merged ranges of one sheet part to the grid, keeping almost nothing.

    Each cell is handled when its element ends and then dropped; attributes of a row are read
    when it starts; finished top-level parts are dropped too, so memory stays flat however many
    rows or formatted empty cells the part declares.
    """
    stack = []
    row = 0
    rows_seen = 0
    skipped_ref = None  # address of the last empty cell skipped, in case the next has none
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(element)
            if element.tag == _ROW:
                rows_seen += 1
                if rows_seen > EXCEL_MAX_ROWS:
                    raise WorkbookError(
                        CORRUPT.format(reason=_REASON_MANY_ROWS.format(sheet=grid.name))
                    )
                declared = element.get("r")
                row = _row_number(declared) if declared else row + 1
                parser.col_counter = 0
                skipped_ref = None
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if element.tag == _CELL and parent is not None and parent.tag == _ROW:
            ref = element.get("r")
            if ref is None and skipped_ref is not None:
                parser.col_counter = coordinate_to_tuple(skipped_ref)[1]  # resume after it
            skipped_ref = None
            if len(element) == 0:  # formatted but empty (no <v>, <f>, <is>): count, skip parsing
                grid.count_cells(1)
                if ref is None:
                    parser.col_counter += 1
                else:
                    skipped_ref = ref
            elif element.get("t") == "inlineStr":
                # What parse_cell does with an inline string (the form openpyxl, and so our own
                # export, writes every text in), without building openpyxl's Text objects:
                # a third of the reading time of a 10,000-task workbook.
                if ref is None:
                    parser.col_counter += 1
                    cell_row, column = row, parser.col_counter
                else:
                    cell_row, column = coordinate_to_tuple(ref)
                    parser.col_counter = column
                inline = element.find(_INLINE_STRING)
                value = _text_content(inline) if inline is not None else None
                style = element.get("s")
                grid.add(cell_row, column, value, bool(style) and int(style) in bold_styles)
            else:
                parser.row_counter = row
                cell = parser.parse_cell(element)
                grid.add(
                    cell["row"], cell["column"], cell["value"], cell["style_id"] in bold_styles
                )
            parent.clear()
        elif element.tag == _MERGE_CELL:
            grid.add_merge_ref(element.get("ref") or "")
            if parent is not None:
                parent.clear()
        elif parent is not None and len(stack) <= 2:
            parent.clear()  # a finished row, or a finished top-level part of the sheet


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


# --- .xls -----------------------------------------------------------------------------------------


def _read_xls(data: bytes, limits: _Limits, sheet_names: list[str] | None) -> Workbook:
    try:
        book = xlrd.open_workbook(
            file_contents=data,
            formatting_info=True,
            on_demand=True,
            ragged_rows=True,
            logfile=_DISCARD,
        )
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise WorkbookError(PASSWORD) from exc
        raise
    try:
        fonts = book.font_list
        bold_xfs = {
            index
            for index, xf in enumerate(book.xf_list)
            if 0 <= xf.font_index < len(fonts) and _xls_font_bold(fonts[xf.font_index])
        }
        # Visibility from the BOUNDSHEET records, known without loading any sheet.
        worksheets = [
            (name, visibility != 0)
            for name, visibility in zip(book.sheet_names(), book._sheet_visibility, strict=True)
        ]
        sheets = []
        for name in _choose(worksheets, [], sheet_names):
            sheets.append(_read_xls_sheet(book, book.sheet_by_name(name), bold_xfs, limits))
            book.unload_sheet(name)
        return Workbook(format="xls", sheets=sheets)
    finally:
        book.release_resources()


def _xls_font_bold(font) -> bool:
    # LibreOffice writes bold as weight 700 and leaves the (ignored since BIFF5) bold flag unset.
    return bool(font.bold) or font.weight >= 600


def _read_xls_sheet(book, sh, bold_xfs: set[int], limits: _Limits) -> Sheet:
    grid = _Grid(sh.name, limits)
    for r in range(sh.nrows):
        width = sh.row_len(r)
        grid.count_cells(width)
        for c in range(width):
            ctype = sh.cell_type(r, c)
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            value = sh.cell_value(r, c)
            if ctype == xlrd.XL_CELL_DATE:
                value = _xls_date(value, book.datemode)
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif ctype == xlrd.XL_CELL_ERROR:
                value = xlrd.error_text_from_code.get(value, "#ERR!")
            grid.add(r + 1, c + 1, value, sh.cell_xf_index(r, c) in bold_xfs, counted=True)
    for rlo, rhi, clo, chi in sh.merged_cells:  # 0-based, upper bounds exclusive
        grid.add_merge(rlo + 1, clo + 1, rhi, chi)
    return grid.sheet()


def _xls_date(serial: float, datemode: int) -> Value:
    try:
        year, month, day, hour, minute, second = xlrd.xldate_as_tuple(serial, datemode)
    except xlrd.xldate.XLDateError:
        return serial  # not a valid date serial: keep the number
    if year == 0:
        return datetime.time(hour, minute, second)
    return datetime.datetime(year, month, day, hour, minute, second)


# --- the grid -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    max_rows: int
    max_columns: int

    @property
    def last_row(self) -> int:
        """The lowest row a value may sit in: the grid never grows past twice the row limit."""
        return FAR_ROW_FACTOR * self.max_rows

    @property
    def max_cells(self) -> int:
        return self.max_rows * self.max_columns

    @property
    def max_strings(self) -> int:
        """Most distinct texts a workbook may hold: 10 per allowed row is far above any annex."""
        return STRINGS_PER_ROW * self.max_rows


class _Grid:
    """Collects one sheet's values and merged ranges, enforcing the limits as they arrive."""

    # The refusals, formatted with the sheet's name, the cell (ref, row, column) and the limit.
    too_many_rows = TOO_MANY_ROWS
    far_row = FAR_ROW
    far_column = FAR_COLUMN
    too_many_cells = TOO_MANY_CELLS

    def __init__(self, name: str, limits: _Limits):
        self.name = name
        self.limits = limits
        self.rows: dict[int, list[Cell]] = {}  # row -> its cells up to its last value
        self.merges: list[tuple[int, int, int, int]] = []
        self.cells_seen = 0

    def _refused(self, message: str, limit: int, row: int = 0, col: int = 0) -> WorkbookError:
        """A limit of the sheet passed: `message` with the sheet's name, the cell (if given)
        and the limit."""
        ref = Sheet.ref(row, col) if row else ""
        return WorkbookError(
            message.format(
                sheet=self.name, ref=ref, row=row, column=col, limit=format_integer(limit)
            )
        )

    def count_cells(self, count: int) -> None:
        self.cells_seen += count
        if self.cells_seen > self.limits.max_cells:
            raise self._refused(self.too_many_cells, self.limits.max_cells)

    def add(self, row: int, col: int, raw: object, bold: bool, counted: bool = False) -> None:
        if not counted:
            self.count_cells(1)
        value = _clean(raw)
        if value is None or row < 1 or col < 1:
            return
        limits = self.limits
        if col > limits.max_columns:
            raise self._refused(self.far_column, limits.max_columns, row, col)
        cells = self.rows.get(row)
        if cells is None:
            if len(self.rows) >= limits.max_rows:
                raise self._refused(self.too_many_rows, limits.max_rows)
            if row > limits.last_row:
                raise self._refused(self.far_row, limits.last_row, row, col)
            cells = self.rows[row] = []
        if len(cells) < col:
            cells.extend([EMPTY] * (col - len(cells)))
        cells[col - 1] = Cell(value, bold=bold)

    def add_merge_ref(self, ref: str) -> None:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            return  # not a range: Excel drops such a declaration when it repairs the file
        if None in (min_col, min_row, max_col, max_row):
            return  # whole rows or columns ("A:B", "3:4") are not valid merged ranges
        self.add_merge(min_row, min_col, max_row, max_col)

    def add_merge(self, min_row: int, min_col: int, max_row: int, max_col: int) -> None:
        if len(self.merges) >= MAX_MERGES:
            raise WorkbookError(CORRUPT.format(reason=_REASON_MANY_MERGES.format(sheet=self.name)))
        min_row, max_row = sorted((min_row, max_row))
        min_col, max_col = sorted((min_col, max_col))
        if min_row >= 1 and min_col >= 1 and (min_row, min_col) != (max_row, max_col):
            self.merges.append((min_row, min_col, max_row, max_col))

    def sheet(self) -> Sheet:
        if not self.rows:
            return Sheet(self.name, [])
        nrows = max(self.rows)
        ncols = max(len(cells) for cells in self.rows.values())
        rows = []
        for row in range(1, nrows + 1):
            cells = self.rows.pop(row, None) or []
            cells.extend([EMPTY] * (ncols - len(cells)))
            rows.append(cells)
        self._apply_merges(rows, nrows, ncols)
        return Sheet(self.name, rows)

    def _apply_merges(self, rows: list[list[Cell]], nrows: int, ncols: int) -> None:
        clipped = []
        covered = 0
        budget = MERGE_AREA_FACTOR * nrows * ncols + MERGE_AREA_SLACK
        for min_row, min_col, max_row, max_col in self.merges:
            if min_row > nrows or min_col > ncols:
                continue  # wholly outside the data
            max_row, max_col = min(max_row, nrows), min(max_col, ncols)
            if (min_row, min_col) == (max_row, max_col):
                continue
            covered += (max_row - min_row + 1) * (max_col - min_col + 1)
            if covered > budget:
                raise WorkbookError(CORRUPT.format(reason=_REASON_MERGES.format(sheet=self.name)))
            clipped.append((min_row, min_col, max_row, max_col))
        for merge in clipped:
            min_row, min_col, max_row, max_col = merge
            spans = [rows[r - 1][min_col - 1 : max_col] for r in range(min_row, max_row + 1)]
            if any(cell.merge is not None for span in spans for cell in span):
                continue  # overlaps a range applied before it: the first one wins
            origin = rows[min_row - 1][min_col - 1]
            copy = Cell(origin.value, bold=origin.bold, merge=merge, origin=False)
            for r in range(min_row, max_row + 1):
                rows[r - 1][min_col - 1 : max_col] = [copy] * (max_col - min_col + 1)
            rows[min_row - 1][min_col - 1] = Cell(origin.value, bold=origin.bold, merge=merge)


def _clean(raw: object) -> Value:
    """A parsed cell value in the form the later steps rely on."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip().strip("\u200b\ufeff").strip()
        return text or None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if math.isfinite(raw) and raw.is_integer() else raw
    if isinstance(raw, datetime.datetime):
        if raw.time() == datetime.time(0, 0):
            return raw.date()
        return raw
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, datetime.time):
        return raw.strftime("%H:%M:%S" if raw.second else "%H:%M")
    if isinstance(raw, datetime.timedelta):
        return str(raw)
    return _clean(str(raw))


# --- small helpers --------------------------------------------------------------------------------


class _Discard:
    """A log file for xlrd that drops its chatter (it writes warnings to stdout by default)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


_DISCARD = _Discard()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return _REASON_ZIP
    if isinstance(exc, KeyError):
        return _REASON_PART
    if isinstance(exc, ParseError | SyntaxError):
        return _REASON_XML
    if isinstance(exc, xlrd.XLRDError):
        return _REASON_OLE
    return _REASON_OTHER
