"""Many rows of plain values into an openpyxl write-only sheet, without a cell object per value.

`WriteOnlyWorksheet.append` makes, types and serialises a cell object for every value: on the
task-list export (35,000 rows × 12 columns) that was nine tenths of the time. `SheetRows` writes
the same XML openpyxl writes for those values (inline strings, dates as serial numbers with
openpyxl's date format, user text a spreadsheet would run as a formula marked as text with
quotePrefix, as `safe_cell` does), as text, each distinct value escaped once, into a temporary
file; when the rows end, the sheet is closed by openpyxl (its properties, widths, an empty
sheetData, its tail) and the rows are put into its sheetData. Everything else (styles, column
widths, the workbook's parts) stays openpyxl's; the sheet's XML is byte for byte what
`sheet.append` wrote (checked on the national dataset's 35,464-row export).

    sheet = workbook.create_sheet("Nhiệm vụ")        # write-only workbook; widths set first
    with SheetRows(sheet) as rows:
        rows.append(HEADER, bold=True)
        for values in ...:
            rows.append(values)
    workbook_bytes(workbook)
"""

import datetime
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from copy import copy

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

# Text starting with these is a formula to a spreadsheet; such cells are written as text.
# (CSV-injection advice, OWASP: "=", "+", "-", "@", tab, carriage return.)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Rows joined and written to the temporary file at a time.
BATCH = 1000
# The XML of an export is ~1 KB a row and compresses ~15 times at any level: level 1 takes a
# third of the time of zlib's default (6) for a file a quarter larger (35,464 rows: 0,22 s and
# 2,6 MB against 0,70 s and 2,1 MB).
COMPRESS_LEVEL = 1
EMPTY_SHEET_DATA = b"<sheetData></sheetData>"
# Distinct values whose XML is kept (an export repeats each task's text for every agency).
CACHE_LIMIT = 100_000
MAX_TEXT = 32767  # characters of a cell, as openpyxl truncates
# The styles openpyxl gives these cells: a date's number format (`Cell._bind_value`), text
# marked as text (`safe_cell`), the header's bold.
STYLES = {
    "date": {"number_format": "yyyy-mm-dd"},
    "text": {"quotePrefix": True},
    "bold": {"font": Font(bold=True)},
    "bold_text": {"font": Font(bold=True), "quotePrefix": True},
}


def xml_text(text: str) -> str:
    """Text a workbook or Word document can hold: XML 1.0 has no control characters (openpyxl
    and python-docx refuse them, an export would fail); a vertical tab is Word's line break,
    the others carry nothing."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: "\n" if m.group() == "\x0b" else "", text)


def _escape(text: str) -> str:
    # "\r" as a character reference: an XML parser reads a bare CR as a line feed.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


class SheetRows:
    def __init__(self, sheet: WriteOnlyWorksheet):
        if not isinstance(sheet, WriteOnlyWorksheet) or sheet._rows is not None:
            raise ValueError("SheetRows needs a write-only sheet with no rows appended yet")
        self.sheet = sheet
        self.row = 0
        self.batch: list[str] = []
        self.cache: dict = {}
        self.columns: list[str] = []
        self.style_ids: dict[str, int] = {}

    def _style(self, name: str) -> str:
        """The ` s="n"` attribute of a style, registered with the workbook on first use (as
        openpyxl does), so the file lists only the styles its cells use."""
        if name not in self.style_ids:
            cell = WriteOnlyCell(self.sheet)
            for attribute, value in STYLES[name].items():
                setattr(cell, attribute, value)
            self.style_ids[name] = cell.style_id
        return f' s="{self.style_ids[name]}"'

    def __enter__(self):
        self.file = tempfile.TemporaryFile(prefix="parindex-rows-")
        return self

    def __exit__(self, *exc):
        with self.file:
            if exc[0] is None:
                self._flush()
                self._close_sheet()
        return False

    def _close_sheet(self) -> None:
        """openpyxl writes the sheet without rows; ours go into its empty sheetData."""
        self.sheet.close()
        path = self.sheet._writer.out
        with open(path, "rb") as sheet_file:
            head, found, tail = sheet_file.read().partition(EMPTY_SHEET_DATA)
        if not found:
            raise RuntimeError(f"no empty sheetData in {path}")
        self.file.seek(0)
        with open(path, "wb") as sheet_file:
            sheet_file.write(head + b"<sheetData>")
            shutil.copyfileobj(self.file, sheet_file, 1 << 20)
            sheet_file.write(b"</sheetData>" + tail)

    def append(self, values, *, bold: bool = False) -> None:
        self.row += 1
        row = str(self.row)
        while len(self.columns) < len(values):
            self.columns.append(get_column_letter(len(self.columns) + 1))
        cells = [f'<row r="{row}">']
        cache = self.cache
        for column, value in zip(self.columns, values, strict=False):
            if value is None:
                continue
            key = (type(value), value, bold)
            part = cache.get(key)
            if part is None:
                part = self._cell(value, bold)
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[key] = part
            cells.append(f'<c r="{column}{row}"{part}')
        cells.append("</row>")
        self.batch.append("".join(cells))
        if len(self.batch) >= BATCH:
            self._flush()

    def _cell(self, value, bold: bool) -> str:
        """The cell's XML after its reference, for `value` as openpyxl would write it."""
        if isinstance(value, str):
            value = xml_text(value)[:MAX_TEXT]
            if value.startswith(FORMULA_START):
                style = self._style("bold_text" if bold else "text")
            else:
                style = self._style("bold") if bold else ""
                if value in ERROR_CODES:
                    return f'{style} t="e"><v>{value}</v></c>'
            if not value:
                return f'{style} t="inlineStr"/>'
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return f'{style} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'
        if bold:
            raise TypeError("only text is written bold")
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return f' t="n"><v>{safe_string(value)}</v></c>'
            raise TypeError(f"{type(value).__name__} is not written by SheetRows")
        return f'{self._style("date")} t="n"><v>{safe_string(to_excel(value))}</v></c>'

    def _flush(self) -> None:
        if self.batch:
            self.file.write("".join(self.batch).encode())
            self.batch = []


class AppendedRows:
    """Rows after those openpyxl holds in a normal (not write-only) worksheet, written as XML
    text with their styles, heights and merges: for a sheet that needs what a write-only one
    cannot have (merged cells, a heading built cell by cell) above many rows.

    A normal worksheet keeps a cell object per value, and `merge_cells` a merged-cell object
    per covered cell after checking the new range against every earlier one: on a province's
    year report at ten times the national data that was most of the time. These rows are
    written as openpyxl writes such cells (text as `safe_cell` makes it: formula-like text
    marked as text with quotePrefix), into a temporary file; `workbook_bytes(workbook,
    appended=[rows])` puts them at the end of the sheet's sheetData, their ranges in its
    mergeCells and the sheet's extent in its dimension: the file reads back as if openpyxl had
    written every cell (tested against a sheet openpyxl wrote cell by cell).

        rows = AppendedRows(sheet, first_row=9)     # after the rows openpyxl holds
        rows.append(values, style=style_array, height=18, merge=(2, 8))
        workbook_bytes(workbook, appended=[rows])
    """

    def __init__(self, sheet: Worksheet, *, first_row: int):
        if not isinstance(sheet, Worksheet) or first_row <= sheet.max_row:
            raise ValueError("AppendedRows goes after the rows of a normal worksheet")
        self.sheet = sheet
        self.first_row = first_row
        self.row = first_row - 1
        self.max_column = 0
        self.merges: list[str] = []
        self.batch: list[str] = []
        self.cache: dict = {}
        self.columns: list[str] = []
        self.style_ids: dict = {}
        self.spliced = False
        # Closed by `splice`; unnamed, it is gone with this object if the workbook is not saved.
        self.file = tempfile.TemporaryFile(prefix="parindex-rows-")  # noqa: SIM115
        # The workbook numbers styles in the order cells are written: the sheet's own cells
        # first, so that styles.xml lists them in the order openpyxl alone would.
        for _, cell in sorted(sheet._cells.items()):
            if cell.has_style:
                cell.style_id  # noqa: B018 (registers the style)

    def _style(self, style: StyleArray, quoted: bool) -> str:
        """The ` s="n"` attribute of a style (with quotePrefix if `quoted`), registered with
        the workbook on first use, as openpyxl does when it writes a cell."""
        key = (tuple(style), quoted)
        if key not in self.style_ids:
            if quoted:
                style = copy(style)
                style.quotePrefix = 1
            styled = any(style)
            index = self.sheet.parent._cell_styles.add(style) if styled else None
            self.style_ids[key] = f' s="{index}"' if styled else ""
        return self.style_ids[key]

    def append(
        self,
        values,
        *,
        style: StyleArray,
        height: float | None = None,
        merge: tuple[int, int] | None = None,
    ) -> None:
        """One row of `values` (text, numbers or None), each cell in `style`; `height` in
        points; `merge`: the first and last column (from 1) of a range merged on the row."""
        self.row += 1
        row = str(self.row)
        while len(self.columns) < len(values):
            self.columns.append(get_column_letter(len(self.columns) + 1))
        self.max_column = max(self.max_column, len(values))
        attributes = f' ht="{safe_string(float(height))}" customHeight="1"' if height else ""
        cells = [f'<row r="{row}"{attributes}>']
        cache = self.cache
        style_key = tuple(style)
        for column, value in zip(self.columns, values, strict=False):
            key = (type(value), value, style_key)
            part = cache.get(key)
            if part is None:
                part = self._cell(value, style)
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[key] = part
            if part:
                cells.append(f'<c r="{column}{row}"{part}')
        cells.append("</row>")
        self.batch.append("".join(cells))
        if merge is not None:
            first, last = merge
            self.max_column = max(self.max_column, last)
            self.merges.append(
                f'<mergeCell ref="{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"/>'
            )
        if len(self.batch) >= BATCH:
            self._flush()

    def _cell(self, value, style: StyleArray) -> str:
        """The cell's XML after its reference, as openpyxl writes a cell of `value` in `style`
        (nothing for an unstyled None: openpyxl skips it)."""
        if isinstance(value, str):
            value = xml_text(value)[:MAX_TEXT]
            quoted = value.startswith(FORMULA_START)
            attribute = self._style(style, quoted)
            if not quoted and value in ERROR_CODES:
                return f'{attribute} t="e"><v>{value}</v></c>'
            if not value:
                return f'{attribute} t="inlineStr"/>'
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return f'{attribute} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'
        attribute = self._style(style, False)
        if value is None:
            return f'{attribute} t="n"/>' if attribute else ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'{attribute} t="n"><v>{safe_string(value)}</v></c>'
        raise TypeError(f"{type(value).__name__} is not written by AppendedRows")

    def _flush(self) -> None:
        if self.batch:
            self.file.write("".join(self.batch).encode())
            self.batch = []

    def splice(self, path: str) -> None:
        """Put the rows, their merges and the sheet's new extent into the XML openpyxl wrote
        at `path` for the sheet."""
        self._flush()
        with open(path, "rb") as sheet_file:
            head, found, tail = sheet_file.read().partition(b"</sheetData>")
        if not found:
            raise RuntimeError(f"no sheetData in {path}")
        if self.row >= self.first_row:
            head = _DIMENSION.sub(self._dimension, head, count=1)
        tail = self._merge_cells(tail)
        self.file.seek(0)
        with open(path, "wb") as sheet_file:
            sheet_file.write(head)
            shutil.copyfileobj(self.file, sheet_file, 1 << 20)
            sheet_file.write(b"</sheetData>" + tail)
        self.file.close()
        self.spliced = True

    def _dimension(self, match) -> bytes:
        min_col, min_row, max_col, _ = range_boundaries(match.group(1).decode())
        last = get_column_letter(max(max_col, self.max_column))
        return f'<dimension ref="{get_column_letter(min_col)}{min_row}:{last}{self.row}"/>'.encode()

    def _merge_cells(self, tail: bytes) -> bytes:
        """openpyxl's mergeCells with these rows' ranges after its own. With none of its own,
        a new one right after sheetData: the schema's place when the sheet has no protection,
        scenarios or filter (refused: no sheet of ours has them)."""
        if not self.merges:
            return tail
        ranges = "".join(self.merges).encode()
        match = _MERGE_CELLS.match(tail)
        if match is None:
            if tail.startswith((b"<sheetProtection", b"<scenarios", b"<autoFilter")):
                raise RuntimeError("merged rows on a protected or filtered sheet")
            return (
                f'<mergeCells count="{len(self.merges)}">'.encode()
                + ranges
                + b"</mergeCells>"
                + tail
            )
        count = int(match.group(1)) + len(self.merges)
        return (
            f'<mergeCells count="{count}">'.encode()
            + match.group(2)
            + ranges
            + b"</mergeCells>"
            + tail[match.end() :]
        )


_DIMENSION = re.compile(rb'<dimension ref="([A-Z0-9:]+)"/>')
_MERGE_CELLS = re.compile(rb'<mergeCells count="(\d+)">(.*?)</mergeCells>', re.DOTALL)


class _SplicingArchive:
    """The zip file openpyxl writes the workbook into; a sheet with appended rows gets them
    as its XML goes into the archive."""

    def __init__(self, archive: zipfile.ZipFile, appended: list[AppendedRows]):
        self.archive = archive
        self.appended = appended

    def write(self, filename, arcname=None, *args, **kwargs):
        for rows in self.appended:
            if arcname == rows.sheet.path[1:]:
                rows.splice(filename)
        return self.archive.write(filename, arcname, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.archive, name)


def workbook_bytes(workbook, *, appended: Iterable[AppendedRows] = ()) -> bytes:
    """The workbook as openpyxl's `save` writes it (`save_workbook`), compressed at
    `COMPRESS_LEVEL` instead of zlib's default, with the `appended` rows in their sheets."""
    appended = list(appended)
    if workbook.write_only and not workbook.worksheets:
        workbook.create_sheet()
    workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL
    ) as archive:
        ExcelWriter(workbook, _SplicingArchive(archive, appended) if appended else archive).save()
    if not all(rows.spliced for rows in appended):  # openpyxl wrote the sheet some other way
        raise RuntimeError("appended rows were not written into their sheet")
    return buffer.getvalue()
