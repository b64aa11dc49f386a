"""The layout of an administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I), as the
reports Sở Nội vụ issues need it: the heading (the governing and the issuing body, Quốc hiệu
and Tiêu ngữ, số and ký hiệu, place and date), and what the clerk types on the request form
(the number, the signer, nơi nhận), checked here so the form and the job's build apply one
rule; and the writers of that layout in a Word document (heading, closing, page) and above a
sheet (heading).

What is left empty is left as the clerk finds it on a draft: "Số:      /BC-SNV" with room for
the number the văn thư registers, a dotted line for the signer's name.
"""

import datetime
import re
from dataclasses import dataclass

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from openpyxl.styles import Alignment, Font
from openpyxl.utils import column_index_from_string

from plans.files.export import safe_cell, xml_text

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ISSUING_BODY = "SỞ NỘI VỤ"
# Ký hiệu of a báo cáo (BC) of Sở Nội vụ (SNV): Phụ lục III of NĐ 30 abbreviates the kinds.
REPORT_CODE = "BC-SNV"
# Where the number goes when the văn thư has not registered it yet.
NUMBER_BLANK = " " * 6
SIGNER_BLANK = "…" * 12
DEFAULT_SIGNER_TITLE = "GIÁM ĐỐC"
DEFAULT_RECIPIENTS = ["UBND tỉnh (b/c)", "Bộ Nội vụ (b/c)"]
ARCHIVE = "Lưu: VT"

NUMBER_MAX_DIGITS = 7
SIGNER_NAME_MAX = 100
SIGNER_TITLE_MAX_LINES, SIGNER_TITLE_LINE_MAX = 3, 60
RECIPIENTS_MAX_LINES, RECIPIENT_MAX = 30, 200

# Control characters carry nothing a document shows, and a workbook or Word file cannot hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Heading:
    """The two columns above the title: who issues the document, and the state's heading."""

    governing_body: str  # "UBND TỈNH BẮC KẠN"
    issuing_body: str  # "SỞ NỘI VỤ"
    number: str  # "Số: 05/BC-SNV"
    place_date: str  # "Bắc Kạn, ngày 05 tháng 02 năm 2026"


def governing_body(province_name: str, *, city: bool) -> str:
    """The cơ quan chủ quản of a provincial department: its province's People's Committee."""
    return f"UBND {'THÀNH PHỐ' if city else 'TỈNH'} {province_name}".upper()


def place_date(place: str, day: datetime.date) -> str:
    """ "Bắc Kạn, ngày 05 tháng 02 năm 2026": NĐ 30 writes a 0 before a day below 10 and
    before the months 1 and 2 only ("tháng 3", "tháng 12")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_text(number: str, code: str = REPORT_CODE) -> str:
    """ "Số: 05/BC-SNV" (a number below 10 with its 0, as NĐ 30 writes it), or room for it."""
    if not number:
        return f"Số:{NUMBER_BLANK}/{code}"
    return f"Số: {int(number):02d}/{code}"


def document_heading(*, province_name: str, city: bool, number: str, day) -> Heading:
    return Heading(
        governing_body=governing_body(province_name, city=city),
        issuing_body=ISSUING_BODY,
        number=number_text(number),
        place_date=place_date(province_name, day),
    )


def signer_title_lines(text: str) -> list[str]:
    """ "KT. GIÁM ĐỐC" and "PHÓ GIÁM ĐỐC", one line each, in capitals as NĐ 30 prints them."""
    lines = [line.strip().upper() for line in text.splitlines() if line.strip()]
    return lines or [DEFAULT_SIGNER_TITLE]


def recipient_lines(text: str) -> list[str]:
    """Nơi nhận as NĐ 30 lists it: "- UBND tỉnh (b/c);" each, the last "- Lưu: VT, ….".

    The clerk may type the dashes and the punctuation or not; a "Lưu" line goes last, and one
    is added if none was typed (every document keeps its copy at the văn thư)."""
    names = [line.strip().lstrip("-–•").strip().rstrip(";.,").strip() for line in text.splitlines()]
    names = [name for name in names if any(ch.isalnum() for ch in name)]
    names = names or list(DEFAULT_RECIPIENTS)
    kept = [name for name in names if not _archive(name)]
    archive = [name for name in names if _archive(name)][-1:] or [ARCHIVE]
    return [f"- {name};" for name in kept] + [f"- {archive[0]}."]


def _archive(name: str) -> bool:
    """ "Lưu: VT, CCHC", "Lưu VT" (typed without its colon, or without diacritics)."""
    words = name.split(":")[0].split()
    return bool(words) and words[0].lower() in {"lưu", "luu"}


# The rules of what the clerk types -----------------------------------------------------------


def number_error(value: str) -> str | None:
    if value and not (value.isascii() and value.isdigit() and len(value) <= NUMBER_MAX_DIGITS):
        return f"Số văn bản chỉ gồm chữ số (tối đa {NUMBER_MAX_DIGITS} chữ số), ví dụ 125."
    if value and int(value) == 0:
        return "Số văn bản bắt đầu từ 01."
    return None


def signer_name_error(value: str) -> str | None:
    if len(value) > SIGNER_NAME_MAX:
        return f"Họ và tên người ký dài tối đa {SIGNER_NAME_MAX} ký tự (đang có {len(value)})."
    if "\n" in value or "\r" in value or _CONTROL.search(value):
        return "Họ và tên người ký chỉ gồm một dòng chữ."
    return None


def signer_title_error(value: str) -> str | None:
    lines = [line for line in value.splitlines() if line.strip()]
    if len(lines) > SIGNER_TITLE_MAX_LINES:
        return f"Quyền hạn, chức vụ người ký có tối đa {SIGNER_TITLE_MAX_LINES} dòng."
    if any(len(line.strip()) > SIGNER_TITLE_LINE_MAX for line in lines):
        return f"Mỗi dòng quyền hạn, chức vụ dài tối đa {SIGNER_TITLE_LINE_MAX} ký tự."
    if _CONTROL.search(value.replace("\r", "").replace("\n", "")):
        return "Quyền hạn, chức vụ người ký có ký tự không hợp lệ."
    return None


def recipients_error(value: str) -> str | None:
    lines = [line for line in value.splitlines() if line.strip()]
    if len(lines) > RECIPIENTS_MAX_LINES:
        return f"Nơi nhận có tối đa {RECIPIENTS_MAX_LINES} dòng (đang có {len(lines)})."
    if any(len(line.strip()) > RECIPIENT_MAX for line in lines):
        return f"Mỗi dòng nơi nhận dài tối đa {RECIPIENT_MAX} ký tự."
    if _CONTROL.search(value.replace("\r", "").replace("\n", "")):
        return "Nơi nhận có ký tự không hợp lệ."
    return None


FIELD_ERRORS = {
    "number": number_error,
    "signer_name": signer_name_error,
    "signer_title": signer_title_error,
    "recipients": recipients_error,
}


def document_fields_error(**values: str) -> str | None:
    """The first rule the typed fields break, in Vietnamese, or None."""
    for name, value in values.items():
        if error := FIELD_ERRORS[name](value):
            return error
    return None


# Writing the layout in a Word document ----------------------------------------------------------

FONT = "Times New Roman"
BODY_SIZE = 14
# A4, and the margins of NĐ 30 (top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm).
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
TEXT_WIDTH = Mm(165)
# The two columns of the heading: the issuing body narrower, the Quốc hiệu on one line at 12 pt.
HEADING_COLUMNS = (Cm(6.0), Cm(10.5))
CLOSING_COLUMNS = (Cm(8.0), Cm(8.5))
SIGNATURE_SPACE = 4  # empty lines where the signature and the seal go


def docx_page_setup(document) -> None:
    """A4, NĐ 30's margins and fonts, and the page number at the top from page 2 on."""
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    section.header_distance = section.footer_distance = Mm(10)
    normal = document.styles["Normal"]
    _style_font(normal, BODY_SIZE)
    # Vietnamese for the spelling checker (the template says en-US: every word underlined).
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(language)
    for name in ("Heading 1", "Heading 2"):
        _style_font(document.styles[name], BODY_SIZE)
        # The template's 24 pt before a heading is a book's; a report keeps 6 pt of NĐ 30.
        document.styles[name].paragraph_format.space_before = Pt(12)
        document.styles[name].paragraph_format.space_after = Pt(6)
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    number._p.append(field)


def _style_font(style, size: int) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    # A theme font named beside an explicit one wins in Word: the template's headings have them.
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)
    fonts.set(qn("w:eastAsia"), FONT)
    fonts.set(qn("w:cs"), FONT)


def _text_width(text: str, size: int) -> Length:
    """About how wide a line of bold Times New Roman is (capitals are wider), to size the
    short rules under a line as NĐ 30 sizes them."""
    ems = sum(0.72 if ch.isupper() else 0.25 if ch == " " else 0.5 for ch in text)
    return Pt(ems * size)


def _paragraph(container, text="", *, size=BODY_SIZE, bold=False, italic=False, center=True):
    paragraph = container.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    if text:
        run = paragraph.add_run(xml_text(text))
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
    else:
        paragraph.paragraph_format.line_spacing = Pt(size)
    return paragraph


def _rule(container, *, width: Length, within: Length):
    """A short solid line, centred: the top border of an empty paragraph indented to `width`."""
    paragraph = container.add_paragraph()
    borders = OxmlElement("w:pBdr")  # before the spacing and indents: the schema's order
    top = OxmlElement("w:top")
    for attr, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
        top.set(qn(f"w:{attr}"), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)
    indent = Length(max(int(within - width) // 2, 0))
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = indent
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(4)
    return paragraph


def _borderless_table(document, widths: tuple[Length, ...], rows: int):
    table = document.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    # In the schema's order: after the alignment, before the layout and the look.
    properties.find(qn("w:tblLayout")).addprevious(borders)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
            cell._tc.remove(cell.paragraphs[0]._p)  # each cell is filled with add_paragraph
    return table


def docx_heading(document, heading: Heading, *, kind: str, title: str) -> None:
    """The heading table (issuing body left; Quốc hiệu, Tiêu ngữ right; then số and the place
    and date on one line), the document's kind and its trích yếu below."""
    table = _borderless_table(document, HEADING_COLUMNS, rows=2)
    left, right = table.rows[0].cells
    inner = [width - Cm(0.38) for width in HEADING_COLUMNS]  # less the cells' own margins
    _paragraph(left, heading.governing_body, size=13)
    _paragraph(left, heading.issuing_body, size=13, bold=True)
    _rule(left, width=_text_width(heading.issuing_body, 13) * 0.5, within=inner[0])
    _paragraph(right, NATIONAL_NAME, size=12, bold=True)
    _paragraph(right, MOTTO, size=13, bold=True)
    _rule(right, width=_text_width(MOTTO, 13), within=inner[1])
    number, date = table.rows[1].cells
    _paragraph(number, heading.number, size=13)
    _paragraph(date, heading.place_date, size=14, italic=True)

    _paragraph(document, size=BODY_SIZE)
    _paragraph(document, kind, size=BODY_SIZE, bold=True).paragraph_format.space_before = Pt(6)
    _paragraph(document, title, size=BODY_SIZE, bold=True)
    width = min(_text_width(title, BODY_SIZE), TEXT_WIDTH)
    _rule(document, width=Length(int(width) // 3), within=TEXT_WIDTH)


def docx_closing(document, *, recipients: str, signer_title: str, signer_name: str) -> None:
    """Nơi nhận on the left, the signature block on the right, side by side."""
    _paragraph(document, size=BODY_SIZE)
    table = _borderless_table(document, CLOSING_COLUMNS, rows=1)
    left, right = table.rows[0].cells
    _paragraph(left, "Nơi nhận:", size=12, bold=True, italic=True, center=False)
    for line in recipient_lines(recipients):
        _paragraph(left, line, size=11, center=False)
    for line in signer_title_lines(signer_title):
        _paragraph(right, line, size=BODY_SIZE, bold=True)
    for _ in range(SIGNATURE_SPACE):
        _paragraph(right, size=BODY_SIZE)
    _paragraph(right, signer_name.strip() or SIGNER_BLANK, size=BODY_SIZE, bold=True)


# Writing the heading above a sheet -------------------------------------------------------------


def xlsx_heading(sheet, heading: Heading, *, title_lines: list[str], left: str, right: str) -> int:
    """The heading in the sheet's first rows: the issuing body over the columns `left`
    ("A:B"), Quốc hiệu over `right` ("F:H"), then a blank row and the title over both. The
    number of the first row after it (another blank row), where the sheet's own rows start."""
    left_span = [column_index_from_string(c) for c in left.split(":")]
    right_span = [column_index_from_string(c) for c in right.split(":")]
    rows = [
        (heading.governing_body, _font(12), NATIONAL_NAME, _font(12, bold=True)),
        (
            heading.issuing_body,
            _font(12, bold=True, underline=True),
            MOTTO,
            _font(13, bold=True, underline=True),
        ),
        (heading.number, _font(12), heading.place_date, _font(13, italic=True)),
    ]
    for left_text, left_font, right_text, right_font in rows:
        _centred_row(
            sheet, [(left_span, left_text, left_font), (right_span, right_text, right_font)]
        )
    sheet.append([])
    for text in title_lines:
        _centred_row(sheet, [((left_span[0], right_span[1]), text, _font(13, bold=True))])
    sheet.append([])
    # Counted, not read from the sheet: an empty row holds no cell, so max_row skips it.
    return len(rows) + 1 + len(title_lines) + 1 + 1


def _font(size, *, bold=False, italic=False, underline=False) -> Font:
    return Font(
        name=FONT, size=size, bold=bold, italic=italic, underline="single" if underline else None
    )


def _centred_row(sheet, parts) -> None:
    """One row of text, each part centred over its merged columns."""
    values = [None] * max(end for (_, end), _, _ in parts)
    for (start, _end), text, font in parts:
        cell = safe_cell(sheet, text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        values[start - 1] = cell
    sheet.append(values)
    row = sheet.max_row
    sheet.row_dimensions[row].height = 18  # 12–13 pt type; LibreOffice keeps the default 15
    for (start, end), _, _ in parts:
        sheet.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
