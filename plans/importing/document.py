"""Turn an uploaded Word plan (.docx) into the grids the workbook reader gives.

`read_annex_file(data, ...)` is what the import calls: a Word document is read here, anything
else by `read_workbook`, so the header finding, the walk, the agency and deadline readers and
the sync see the same `Workbook` of `Sheet`s whichever file the province sent.

How a document becomes sheets:

- Every top-level Word table with a header row of annex columns (`header.find_header`) is one
  sheet; its rows are the table's rows, row 1 first, so "Phụ lục II, dòng 14" is the table's
  14th row. Layout tables (the heading block with the Quốc hiệu and "Số: …/KH-UBND", the
  recipients and signature block) have no such header and are skipped.
- A sheet is named by the annex heading above its table ("PHỤ LỤC II" → "Phụ lục II", the name
  a workbook gives its sheet), and the heading paragraphs from that line down to the table are
  the sheet's `heading`, read like a workbook's title rows. A table with no heading is named
  "Bảng N", N its place among the document's tables; a repeated name gets " (2)".
- A cell's paragraphs are joined by line breaks (a "- " bullet stays text, as in Excel);
  ``w:br``/``w:cr`` are line breaks, ``w:tab`` a tab. A horizontal merge (``w:gridSpan``)
  and a vertical merge (``w:vMerge`` restart/continue) become the merged range a workbook
  declares, applied by the workbook reader's own grid: every covered cell carries the value,
  only the top-left one is the origin. ``w:gridBefore`` shifts a row's cells right.
- A cell is bold when every run holding text is bold: the run's own ``w:b``, else its character
  style, else its paragraph's style (styles and their ``basedOn`` chain read with python-docx).
- The plan's own details (number, place, date, title) come from the text before the first annex
  table: the layout tables' lines and the paragraphs down to the end of the title under
  "KẾ HOẠCH"; they are `Workbook.front_lines`, read by `title.details_from_body`.

Why the body is streamed with lxml instead of ``docx.Document``: python-docx builds the whole
document.xml as one tree (a hostile 200 MB part would need gigabytes), and `_Row.cells` finds a
vertically merged cell's origin by recursing row by row with a list search each time
(quadratic, and a RecursionError past a thousand merged rows). So python-docx supplies the
package vocabulary (content and relationship types, ``qn``), the safe parser for the small
parts (content types, relationships) and the styles; the body is one ``iterparse`` pass that
keeps one table row at a time, with python-docx's tag names.

Refused, always with a `WorkbookError` holding a Vietnamese sentence, before anything is
written: a file over the upload limit; a legacy .doc or a PDF (with how to save as .docx); a
password-protected file; a macro-enabled .docm; "Strict Open XML"; a ZIP that unpacks to more
than the workbook reader allows (the same limit); a document that links to content outside
itself (an attached template, a sub-document, a linked picture or object: hyperlinks are fine);
a DOCTYPE (Word never writes one: an entity bomb); tables nested deeper than
`MAX_TABLE_DEPTH`; more than `MAX_TABLES` tables; a table over the row, column or cell limits
of a sheet; a broken ZIP or XML; a document with no annex table.
"""

from __future__ import annotations

import collections
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TARGET_MODE as RTM
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import CT_Relationships, CT_Types, parse_xml
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml as parse_wml
from docx.styles.styles import Styles
from lxml import etree
from xlrd.compdoc import CompDoc

from parindex.core.numbers import format_integer, format_size
from parindex.core.text import fold
from plans.importing.header import LOOKED_FOR, find_header
from plans.importing.workbook import (
    _DISCARD,
    _OLE_MAGIC,
    _ZIP_MAGIC,
    MAX_COLUMNS,
    PASSWORD,
    TOO_BIG,
    TOO_BIG_UNZIPPED,
    UNZIPPED_FACTOR,
    UNZIPPED_FLOOR,
    Sheet,
    Workbook,
    WorkbookError,
    _Grid,
    _Limits,
    _match,
    _quoted,
    _reason,
    read_workbook,
)

logger = logging.getLogger(__name__)

# Tables inside tables inside tables: layout sometimes nests one level, an annex never.
MAX_TABLE_DEPTH = 3
# A plan with its annexes has a handful of tables; thousands mean a generated or hostile file.
MAX_TABLES = 500
# The package's own small parts (content types, relationships, styles) are parsed whole.
MAX_SMALL_PART = 2 * 1024 * 1024
# Heading paragraphs kept above a table while the body streams past.
HEADING_WINDOW = 12
# Lines of the heading block and title kept for the plan's details.
MAX_FRONT_LINES = 80

_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_MACRO_TEMPLATE = "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"
_TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_WORD_MAINS = {CT.WML_DOCUMENT_MAIN, _TEMPLATE_MAIN}
_MACRO_MAINS = {_MACRO_MAIN, _MACRO_TEMPLATE}

_TBL, _TR, _TC, _P = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p")
_R, _T, _TAB, _BR, _CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
_PPR, _RPR, _TCPR, _TRPR = qn("w:pPr"), qn("w:rPr"), qn("w:tcPr"), qn("w:trPr")
_PSTYLE, _RSTYLE, _B, _JC = qn("w:pStyle"), qn("w:rStyle"), qn("w:b"), qn("w:jc")
_GRID_SPAN, _V_MERGE, _GRID_BEFORE = qn("w:gridSpan"), qn("w:vMerge"), qn("w:gridBefore")
_VAL = qn("w:val")
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TXBX_CONTENT, _SDT, _CUSTOM_XML = qn("w:txbxContent"), qn("w:sdt"), qn("w:customXml")
# What a cell's text and bold are made of, read in one pass in document order.
_CELL_TAGS = (_P, _R, _T, _TAB, _BR, _CR, _NO_BREAK_HYPHEN, _B, _RSTYLE, _PSTYLE, _FALLBACK)

_ANNEX_HEADING = re.compile(
    r"^\s*ph[uụ]\s*l[uụ]c(?:\s+(?P<so>s[oố]))?\s*(?P<numeral>[IVXLC]+|\d+[a-zA-Z]?|[A-Z])?\b",
    re.I,
)
_SEPARATOR = re.compile(r"^[\s\-_–—*=.]{3,}$")

# --- messages ------------------------------------------------------------------------------------

SAVE_AS_DOCX = (
    "Hãy mở tệp bằng Word, chọn Tệp > Lưu thành (File > Save As), kiểu “Word Document "
    "(*.docx)”, rồi tải lên lại."
)
DOC_FILE = "Tệp là văn bản Word 97-2003 (.doc), định dạng cũ chưa đọc được bảng: " + SAVE_AS_DOCX
PDF_FILE = (
    "Tệp PDF không đọc được thành bảng: hãy tải lên văn bản Word (.docx) hoặc bảng tính Excel "
    "(.xlsx, .xls) chứa bảng phụ lục. Nếu chỉ có bản PDF, hãy mở nó bằng Word (Word chuyển PDF "
    "thành văn bản), kiểm tra lại bảng rồi lưu dưới dạng “Word Document (*.docx)”."
)
MACRO_DOCUMENT = (
    "Tệp là văn bản Word có macro (.docm): để bảo đảm an toàn, hệ thống không nhận tệp có macro. "
    + SAVE_AS_DOCX
)
STRICT_DOCX = (
    "Văn bản Word lưu theo chuẩn “Strict Open XML” chưa được hỗ trợ: hãy mở bằng Word và lưu lại "
    "với kiểu “Word Document (*.docx)”."
)
NOT_DOCUMENT = "Tệp không phải là văn bản Word (.docx) đọc được. " + SAVE_AS_DOCX
CORRUPT_DOCX = (
    "Văn bản Word bị hỏng hoặc không đầy đủ, không đọc được: {reason}. Hãy kiểm tra tệp mở được "
    "bằng Word, lưu lại dưới dạng .docx rồi tải lên lại."
)
EXTERNAL = (
    "Văn bản Word liên kết tới nội dung nằm ngoài tệp ({what}): hệ thống không tải nội dung bên "
    "ngoài. Hãy chép các bảng phụ lục sang một văn bản Word mới, lưu dưới dạng .docx rồi tải "
    "lên lại."
)
DOCTYPE = (
    "Văn bản Word chứa khai báo DOCTYPE mà Word không bao giờ tạo ra (có thể là tệp độc hại): "
    + SAVE_AS_DOCX
)
DEEP_NESTING = (
    "Văn bản có bảng lồng trong bảng quá {limit} tầng, không phải bảng phụ lục: hãy chép bảng phụ "
    "lục ra một văn bản mới (không lồng bảng), lưu dưới dạng .docx rồi tải lên lại."
)
TOO_MANY_TABLES = (
    "Văn bản có hơn {limit} bảng, vượt xa một kế hoạch và các phụ lục: hãy chép các bảng phụ lục "
    "ra một văn bản riêng rồi tải lên lại."
)
NO_ANNEX_TABLE = (
    "Không tìm thấy bảng phụ lục nào trong văn bản Word: không bảng nào có dòng tiêu đề cột của "
    "bảng nhiệm vụ (đã tìm các cột: {looked_for}). Nếu phụ lục là một tệp riêng, hãy tải lên "
    "tệp đó."
)
MISSING_TABLE = (
    "Không tìm thấy bảng “{name}” trong văn bản. Các bảng phụ lục có trong văn bản: {tables}. "
    "Hãy chọn lại bảng cần nhập."
)

_REASON_PART = "thiếu phần nội dung chính của văn bản"
_REASON_MEMORY = "tệp cần quá nhiều bộ nhớ để đọc (có thể tệp bị hỏng hoặc chứa dữ liệu bất thường)"
_REASON_SMALL_PART = "phần “{part}” bên trong tệp lớn bất thường"

_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_EXTERNAL_KINDS = {
    _OFFICE_RELS + "attachedTemplate": "mẫu văn bản đính kèm",
    _OFFICE_RELS + "subDocument": "tài liệu con",
    RT.IMAGE: "hình ảnh liên kết",
    RT.OLE_OBJECT: "đối tượng liên kết",
    RT.A_F_CHUNK: "nội dung chèn từ tệp khác",
    _OFFICE_RELS + "frame": "khung chứa trang khác",
}


class _TableGrid(_Grid):
    """The workbook reader's grid, its refusals worded for a Word table."""

    too_many_rows = (
        "Bảng “{sheet}” có hơn {limit} dòng có dữ liệu, vượt giới hạn {limit} dòng: hãy chia phụ "
        "lục thành nhiều tệp hoặc xoá các dòng không cần thiết rồi tải lên lại."
    )
    far_row = (
        "Bảng “{sheet}” có dữ liệu ở dòng {row}, vượt xa giới hạn {limit} dòng: hãy chia phụ lục "
        "thành nhiều tệp hoặc xoá các dòng không cần thiết rồi tải lên lại."
    )
    far_column = (
        "Bảng “{sheet}” có dữ liệu ở dòng {row}, cột {column}, vượt giới hạn {limit} cột: hãy "
        "xoá các cột thừa rồi tải lên lại."
    )
    too_many_cells = (
        "Bảng “{sheet}” có quá nhiều ô (kể cả ô trống), vượt giới hạn {limit} ô: hãy xoá các dòng, "
        "cột thừa rồi tải lên lại."
    )


# --- the entry point ------------------------------------------------------------------------------


def read_annex_file(
    data: bytes,
    *,
    filename: str,
    max_bytes: int,
    max_rows: int,
    sheet_names: list[str] | None = None,
) -> Workbook:
    """An uploaded annex, Word document or workbook, recognised by its content, as grids.

    A Word document gives the same `Workbook` a workbook does, with `format` "docx" and the
    plan's details in `front_lines`. Raises `WorkbookError` and nothing else for any bytes.
    """
    data = bytes(data)
    if len(data) > max_bytes:
        raise WorkbookError(
            TOO_BIG.format(limit=format_size(max_bytes), size=format_size(len(data)))
        )
    kind = _sniff(data, filename)
    if kind == "docx":
        return read_document(
            data, filename=filename, max_bytes=max_bytes, max_rows=max_rows, sheet_names=sheet_names
        )
    if kind:
        raise WorkbookError(kind)
    return read_workbook(
        data, filename=filename, max_bytes=max_bytes, max_rows=max_rows, sheet_names=sheet_names
    )


def _sniff(data: bytes, filename: str) -> str:
    """ "docx", a refusal message for a Word or PDF file we cannot read, or "" (a workbook's
    business, including every refusal the workbook reader words better)."""
    if data.startswith(b"%PDF-"):
        return PDF_FILE
    if data.startswith(_OLE_MAGIC):
        return DOC_FILE if "WordDocument" in _ole_streams(data) else ""
    if not data.startswith(_ZIP_MAGIC):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lower() for name in archive.namelist()}
    except Exception:
        # Not a ZIP one can open: only the name can say it was meant as a Word document.
        if filename.lower().endswith((".docx", ".docm", ".dotx")):
            return CORRUPT_DOCX.format(reason=_reason(zipfile.BadZipFile()))
        return ""
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return ""
    if "word/document.xml" in names or "word/vbaproject.bin" in names:
        return "docx"
    if filename.lower().endswith((".docx", ".docm")) and "[content_types].xml" in names:
        return "docx"  # a main part stored under another name: the content types will tell
    return ""


def _ole_streams(data: bytes) -> set[str]:
    try:
        return {entry.name for entry in CompDoc(data, logfile=_DISCARD).dirlist}
    except Exception:
        return set()


def read_document(
    data: bytes,
    *,
    filename: str,
    max_bytes: int,
    max_rows: int,
    sheet_names: list[str] | None = None,
    max_columns: int = MAX_COLUMNS,
) -> Workbook:
    """Read a .docx into one sheet per annex table (see the module's docstring)."""
    limits = _Limits(max_rows=max_rows, max_columns=max_columns)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            main, styles = _check_package(archive, max_bytes)
            reader = _BodyReader(limits, styles)
            with archive.open(main) as source:
                if b"<!DOCTYPE" in source.read(4096).upper():
                    raise WorkbookError(DOCTYPE)
            with archive.open(main) as source:
                reader.read(source)
        sheets = _choose(reader.sheets, sheet_names)
        return Workbook(format="docx", sheets=sheets, front_lines=reader.front_lines)
    except WorkbookError:
        raise
    except MemoryError as exc:
        logger.error("Out of memory reading document %r (%d bytes)", filename, len(data))
        raise WorkbookError(CORRUPT_DOCX.format(reason=_REASON_MEMORY)) from exc
    except Exception as exc:
        logger.warning("Unreadable document %r (%d bytes)", filename, len(data), exc_info=True)
        reason = _REASON_PART if isinstance(exc, KeyError) else _reason(exc)
        raise WorkbookError(CORRUPT_DOCX.format(reason=reason)) from exc


def _choose(sheets: list[Sheet], sheet_names: list[str] | None) -> list[Sheet]:
    if not sheets:
        raise WorkbookError(NO_ANNEX_TABLE.format(looked_for=LOOKED_FOR))
    if sheet_names is None:
        return sheets
    by_name = {sheet.name: sheet for sheet in sheets}
    chosen: list[Sheet] = []
    for wanted in sheet_names:
        name = _match(wanted, list(by_name))
        if name is None:
            raise WorkbookError(
                MISSING_TABLE.format(name=wanted, tables=_quoted(s.name for s in sheets))
            )
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    return chosen


# --- the package ---------------------------------------------------------------------------------


def _small_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_SMALL_PART:
        raise WorkbookError(CORRUPT_DOCX.format(reason=_REASON_SMALL_PART.format(part=name)))
    return archive.read(info)


def _check_package(archive: zipfile.ZipFile, max_bytes: int) -> tuple[str, dict]:
    """The main document part's name and the styles' bold and centring, once the package is
    known to be a plain, self-contained .docx within the workbook reader's unpacked limit."""
    infos = archive.infolist()
    if any(info.flag_bits & 0x1 for info in infos):
        raise WorkbookError(PASSWORD)
    unzipped = sum(info.file_size for info in infos)
    unzipped_limit = max(UNZIPPED_FACTOR * max_bytes, UNZIPPED_FLOOR)
    if unzipped > unzipped_limit:
        raise WorkbookError(
            TOO_BIG_UNZIPPED.format(size=format_size(unzipped), limit=format_size(unzipped_limit))
        )
    by_lower = {info.filename.lower(): info.filename for info in infos}
    if "word/vbaproject.bin" in by_lower:
        raise WorkbookError(MACRO_DOCUMENT)
    types = parse_xml(_small_part(archive, by_lower["[content_types].xml"]))
    if not isinstance(types, CT_Types):
        raise WorkbookError(CORRUPT_DOCX.format(reason=_REASON_PART))
    overrides = {o.partname.lower(): o.content_type for o in types.overrides}
    if any(t in _MACRO_MAINS for t in overrides.values()):
        raise WorkbookError(MACRO_DOCUMENT)

    main = None
    for rels_name in [n for n in by_lower if n.endswith(".rels")]:
        rels = parse_xml(_small_part(archive, by_lower[rels_name]))
        if not isinstance(rels, CT_Relationships):
            if b"purl.oclc.org/ooxml" in etree.tostring(rels)[:2000]:
                raise WorkbookError(STRICT_DOCX)
            raise WorkbookError(CORRUPT_DOCX.format(reason=_REASON_PART))
        for rel in rels.Relationship_lst:
            if "purl.oclc.org/ooxml" in (rel.reltype or ""):
                raise WorkbookError(STRICT_DOCX)
            if rel.target_mode == RTM.EXTERNAL and rel.reltype != RT.HYPERLINK:
                what = _EXTERNAL_KINDS.get(rel.reltype, "nội dung liên kết")
                raise WorkbookError(EXTERNAL.format(what=what))
            if rels_name == "_rels/.rels" and rel.reltype == RT.OFFICE_DOCUMENT:
                main = rel.target_ref.lstrip("/")
    if main is None:
        if any("purl.oclc.org/ooxml" in t for t in overrides.values()):
            raise WorkbookError(STRICT_DOCX)
        main = by_lower.get("word/document.xml")
        if main is None:
            raise WorkbookError(NOT_DOCUMENT)
    main = by_lower.get(main.lower(), main)
    content_type = overrides.get("/" + main.lower())
    if content_type in _MACRO_MAINS:
        raise WorkbookError(MACRO_DOCUMENT)
    if content_type is not None and content_type not in _WORD_MAINS:
        raise WorkbookError(NOT_DOCUMENT)
    styles_name = by_lower.get(main.lower().rsplit("/", 1)[0] + "/styles.xml")
    return main, _read_styles(archive, styles_name)


@dataclass
class _StyleFacts:
    bold: dict[str, bool] = field(default_factory=dict)  # style id -> bold (after basedOn)
    centred: set[str] = field(default_factory=set)  # paragraph style ids centred
    default_paragraph: str | None = None


def _read_styles(archive: zipfile.ZipFile, name: str | None) -> _StyleFacts:
    """What the import needs of the styles: which make text bold, which centre a paragraph.

    Styles are a nicety (direct formatting is what annex tables use): an unreadable or
    oversized styles part is ignored rather than refused."""
    facts = _StyleFacts()
    if name is None:
        return facts
    try:
        styles = Styles(parse_wml(_small_part(archive, name)))
        for style in styles:
            if style.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
                continue
            bold = centred = None
            seen = set()
            current = style
            while current is not None and current.style_id not in seen:
                seen.add(current.style_id)
                if bold is None:
                    bold = current.font.bold
                if centred is None and current.type == WD_STYLE_TYPE.PARAGRAPH:
                    centred = current.paragraph_format.alignment
                current = current.base_style
            facts.bold[style.style_id] = bool(bold)
            if centred == WD_ALIGN_PARAGRAPH.CENTER:
                facts.centred.add(style.style_id)
        default = styles.default(WD_STYLE_TYPE.PARAGRAPH)
        facts.default_paragraph = default.style_id if default is not None else None
    except WorkbookError:
        return _StyleFacts()
    except Exception:
        logger.info("Styles of a document ignored (unreadable)", exc_info=True)
        return _StyleFacts()
    return facts


# --- the body ------------------------------------------------------------------------------------


@dataclass
class _Paragraph:
    text: str
    bold: bool  # every run with text is bold (and there is one)
    centred: bool


@dataclass
class _Table:
    index: int  # 1-based among the document's top-level tables
    name: str
    heading: list[str]
    grid: _TableGrid
    row: int = 0
    # grid column -> [min_row, min_col, max_row, max_col] of the cell covering it, this row and
    # the row above (for w:vMerge="continue")
    above: dict[int, list[int]] = field(default_factory=dict)
    current: dict[int, list[int]] = field(default_factory=dict)
    ranges: list[list[int]] = field(default_factory=list)


class _BodyReader:
    """One streaming pass over the main document part (see the module's docstring)."""

    def __init__(self, limits: _Limits, styles: _StyleFacts):
        self.limits = limits
        self.styles = styles
        self.sheets: list[Sheet] = []
        self.front_lines: list[str] = []
        self.front_done = False  # past the plan's title, or at the first annex
        self.after_title = False  # the "KẾ HOẠCH" line was seen
        self.recent: collections.deque[_Paragraph] = collections.deque(maxlen=HEADING_WINDOW)
        self.tables = 0
        self.depth = 0  # tables open around the current element
        self.table: _Table | None = None
        self.names: set[str] = set()
        self.texts: dict[str, str] = {}

    def read(self, source) -> None:
        events = etree.iterparse(
            source,
            events=("start", "end"),
            tag=(_TBL, _TR, _P),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        for event, element in events:
            tag = element.tag
            if event == "start":
                if tag == _TBL:
                    self._start_table()
                continue
            if tag == _P:
                # A table's paragraphs are read with their row; a text box's with its paragraph.
                if self.depth == 0 and element.getparent().tag != _TXBX_CONTENT:
                    self._paragraph(element)
            elif tag == _TR:
                if self.depth == 1:
                    self._row(element)
            else:
                self._end_table(element)

    # paragraphs

    def _paragraph(self, p) -> None:
        paragraph = self._read_paragraph(p)
        self.recent.append(paragraph)
        self._front(paragraph)
        _drop(p)

    def _front(self, paragraph: _Paragraph) -> None:
        """Keep the heading block and the title under "KẾ HOẠCH"; stop at the body text."""
        if self.front_done or len(self.front_lines) >= MAX_FRONT_LINES:
            return
        text = paragraph.text.strip()
        if self.after_title and text and not (paragraph.centred or paragraph.bold):
            self.front_done = True
            return
        self.front_lines.extend(text.split("\n"))
        if fold(text) == "ke hoach":
            self.after_title = True

    def _read_paragraph(self, p) -> _Paragraph:
        parts: list[str] = []
        runs_bold: list[bool] = []
        properties = p.find(_PPR)
        style = None
        centred = False
        if properties is not None:
            style_element = properties.find(_PSTYLE)
            style = style_element.get(_VAL) if style_element is not None else None
            jc = properties.find(_JC)
            if jc is not None:
                centred = jc.get(_VAL) == "center"
            else:
                centred = (style or self.styles.default_paragraph) in self.styles.centred
        else:
            centred = self.styles.default_paragraph in self.styles.centred
        style = style or self.styles.default_paragraph
        paragraph_bold = self.styles.bold.get(style, False) if style else False
        for run in p.iter(_R):
            if _in_fallback(run, p):
                continue
            text = []
            for child in run:
                tag = child.tag
                if tag == _T:
                    text.append(child.text or "")
                elif tag == _TAB:
                    text.append("\t")
                elif tag in (_BR, _CR):
                    text.append("\n")
                elif tag == _NO_BREAK_HYPHEN:
                    text.append("-")
            run_text = "".join(text)
            if not run_text:
                continue
            parts.append(run_text)
            if run_text.strip():
                runs_bold.append(self._run_bold(run, paragraph_bold))
        return _Paragraph("".join(parts), bool(runs_bold) and all(runs_bold), centred)

    def _run_bold(self, run, paragraph_bold: bool) -> bool:
        properties = run.find(_RPR)
        if properties is not None:
            b = properties.find(_B)
            if b is not None:
                return b.get(_VAL, "true").lower() not in ("0", "false", "off")
            style = properties.find(_RSTYLE)
            if style is not None and style.get(_VAL) in self.styles.bold:
                return self.styles.bold[style.get(_VAL)] or paragraph_bold
        return paragraph_bold

    # tables

    def _start_table(self) -> None:
        self.depth += 1
        if self.depth > MAX_TABLE_DEPTH:
            raise WorkbookError(DEEP_NESTING.format(limit=MAX_TABLE_DEPTH))
        if self.depth > 1:
            return
        self.tables += 1
        if self.tables > MAX_TABLES:
            raise WorkbookError(TOO_MANY_TABLES.format(limit=format_integer(MAX_TABLES)))
        name, heading = self._heading()
        self.table = _Table(
            index=self.tables, name=name, heading=heading, grid=_TableGrid(name, self.limits)
        )

    def _heading(self) -> tuple[str, list[str]]:
        """The table's name and heading lines, from the paragraphs just above it."""
        recent = [p for p in self.recent if p.text.strip()]
        start = None
        for index in range(len(recent) - 1, -1, -1):
            if _ANNEX_HEADING.match(recent[index].text):
                start = index
                break
        if start is not None:
            lines = [line.strip() for p in recent[start:] for line in p.text.split("\n")]
            name = _annex_name(recent[start].text)
        else:
            lines = []
            for p in reversed(recent):
                if not (p.centred or p.bold) or len(lines) >= 3:
                    break
                lines.insert(0, p.text.strip())
            name = f"Bảng {self.tables}"
        base, number = name, 2
        while fold(name) in self.names:
            name = f"{base} ({number})"
            number += 1
        self.names.add(fold(name))
        return name, [line for line in lines if line]

    def _row(self, tr) -> None:
        """A finished row of the table: its cells, in grid columns, then freed."""
        table = self.table
        table.row += 1
        table.above, table.current = table.current, {}
        column = 1
        for child in tr:
            tag = child.tag
            if tag == _TC:
                column = self._cell(child, table, column)
            elif tag == _TRPR:
                column += _count(child.find(_GRID_BEFORE), 0, self.limits.max_columns)
            elif tag in (_SDT, _CUSTOM_XML):  # cells wrapped in a content control
                for tc in child.iter(_TC):
                    column = self._cell(tc, table, column)
        _drop(tr)

    def _cell(self, tc, table: _Table, column: int) -> int:
        """Put one w:tc at `column` of the current row; the next cell's column."""
        span, merge = 1, None
        # w:tcPr comes first when present; a child loop is several times cheaper than find().
        if len(tc) and tc[0].tag == _TCPR:
            for child in tc[0]:
                tag = child.tag
                if tag == _GRID_SPAN:
                    span = _count(child, 1, self.limits.max_columns)
                elif tag == _V_MERGE:
                    merge = child.get(_VAL, "continue")
        row = table.row
        table.grid.count_cells(span)
        covering = table.above.get(column) if merge == "continue" else None
        if covering is not None and covering[1] == column:
            covering[2] = row  # the range above grows down to this row
        else:
            covering = [row, column, row, column + span - 1]
            table.ranges.append(covering)
            text, bold = self._cell_text(tc)
            if text:
                # One object per distinct text, as a workbook's shared strings are: agency names
                # and deadlines repeat down a table, and later steps keep every task's texts.
                text = self.texts.setdefault(text, text)
                table.grid.add(row, column, text, bold, counted=True)
        current = table.current
        for offset in range(covering[1], covering[3] + 1):
            current[offset] = covering
        return column + span

    def _cell_text(self, tc) -> tuple[str, bool]:
        """A cell's text, its paragraphs joined by line breaks, and whether every run holding
        text is bold; one pass over the cell's elements of interest, in document order."""
        styles = self.styles
        default_bold = styles.bold.get(styles.default_paragraph, False)
        lines: list[list[str]] = []
        parts: list[str] = []
        runs_bold: list[bool] = []
        paragraph_bold = default_bold
        run = None
        run_text = False
        run_direct = run_style = None
        skipped: set = set()
        for element in tc.iter(_CELL_TAGS):
            if skipped and element in skipped:
                continue
            tag = element.tag
            if tag == _T:
                text = element.text
                if text:
                    parts.append(text)
                    if not run_text and not text.isspace():
                        run_text = True
                continue
            if tag in (_R, _P):
                if run is not None and run_text:
                    if run_direct is not None:
                        runs_bold.append(run_direct)
                    else:
                        runs_bold.append(bool(run_style) or paragraph_bold)
                run_text = False
                run_direct = run_style = None
                if tag == _R:
                    run = element
                else:
                    run = None
                    parts = []
                    lines.append(parts)
                    paragraph_bold = default_bold
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _NO_BREAK_HYPHEN:
                parts.append("-")
            elif tag == _B:
                if run is not None and element.getparent().getparent() is run:
                    run_direct = element.get(_VAL, "true").lower() not in ("0", "false", "off")
            elif tag == _RSTYLE:
                if run is not None and element.getparent().getparent() is run:
                    run_style = styles.bold.get(element.get(_VAL))
            elif tag == _PSTYLE:
                paragraph_bold = styles.bold.get(element.get(_VAL), False)
            elif tag == _FALLBACK:
                # The old copy of a text box's text: it would read twice.
                skipped.update(element.iter(_CELL_TAGS))
        if run is not None and run_text:
            runs_bold.append(
                run_direct if run_direct is not None else bool(run_style) or paragraph_bold
            )
        text = "\n".join("".join(line) for line in lines).strip()
        return text, bool(runs_bold) and all(runs_bold)

    def _end_table(self, tbl) -> None:
        self.depth -= 1
        if self.depth > 0:
            return
        table, self.table = self.table, None
        for min_row, min_col, max_row, max_col in table.ranges:
            if (min_row, min_col) != (max_row, max_col):
                table.grid.add_merge(min_row, min_col, max_row, max_col)
        sheet = table.grid.sheet()
        sheet.heading = table.heading
        if sheet.rows and find_header(sheet) is not None:
            self.sheets.append(sheet)
            self.front_done = True
        elif not self.front_done:
            # A layout table: the heading block's "Số: …" and "…, ngày … tháng … năm …".
            for cells in sheet.rows:
                for cell in cells:
                    if cell.origin and isinstance(cell.value, str):
                        self.front_lines.extend(cell.value.split("\n"))
        self.recent.clear()
        _drop(tbl)


def _annex_name(text: str) -> str:
    """ "PHỤ LỤC II: …" → "Phụ lục II", the name a workbook gives the annex's sheet."""
    match = _ANNEX_HEADING.match(text)
    name = "Phụ lục"
    if match["so"]:
        name += " số"
    if match["numeral"]:
        name += " " + match["numeral"].upper()
    return name


def _count(element, default: int, limit: int) -> int:
    """A w:gridSpan or w:gridBefore value, kept within 0..limit (a broken file says anything)."""
    if element is None:
        return default
    try:
        value = int(element.get(_VAL, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, default if default else 0), limit)


def _in_fallback(element, stop) -> bool:
    """Inside an mc:Fallback (the old copy of a text box's text, which would read twice)."""
    parent = element.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == _FALLBACK:
            return True
        parent = parent.getparent()
    return False


def _drop(element) -> None:
    """Free a finished element and the siblings before it: memory stays flat however long."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
