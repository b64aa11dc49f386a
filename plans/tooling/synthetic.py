"""Synthetic annex workbooks shaped like real ones, for benchmarks and scale tests.

Deterministic for a given seed: sections of 50 tasks under bold merged section rows, a lead
column mixing agency names, abbreviations and collective names, support lists, deadlines in
the forms real tables use (with some merged down the column), and a few continuation rows.
`synthetic_annex_docx` writes the same tasks as a Word plan's annex: heading paragraphs, then
one table whose section rows span the columns (w:gridSpan), in the run formatting Word writes
(Times New Roman 12 pt on every run), so a benchmark compares the two readers on one plan.
"""

import io
import random
import zipfile
from xml.sax.saxutils import escape

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Font

from plans.files.export import HEADER

LEADS = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Văn phòng UBND tỉnh",
    "Sở KH&ĐT",
    "Sở TT&TT",
    "Thanh tra tỉnh",
    "Sở Y tế",
    "Các sở, ban, ngành",
    "UBND cấp huyện",
    "Sở Giáo dục và Đào tạo",
    "Công an tỉnh",
]
SUPPORTS = [
    "",
    "Sở Nội vụ",
    "Các sở, ban, ngành, UBND cấp huyện",
    "Văn phòng UBND tỉnh; các Sở: Tư pháp; Tài chính",
    "Các cơ quan có liên quan",
    "Sở Tài chính; Sở Khoa học và Công nghệ",
]
DEADLINES = [
    "Thường xuyên",
    "Quý III-IV/{year}",
    "Quý IV/{year}",
    "Tháng 01/{next}",
    "hết tháng 12/{year}",
    "Định kỳ hàng quý",
    "6 tháng cuối năm {year}",
    "Khi có văn bản hướng dẫn",
    "trước ngày 20/6/{year}",
]
WORDS = [
    "tăng",
    "cường",
    "kiểm",
    "tra",
    "đôn",
    "đốc",
    "thực",
    "hiện",
    "công",
    "khai",
    "thủ",
    "tục",
    "hành",
    "chính",
    "nâng",
    "cao",
    "chất",
    "lượng",
    "dịch",
    "vụ",
    "công",
    "trực",
    "tuyến",
    "cải",
    "cách",
    "tổ",
    "chức",
    "bộ",
    "máy",
    "chế",
    "độ",
    "công",
    "vụ",
    "tài",
    "chính",
    "công",
    "chính",
    "quyền",
    "số",
]


def synthetic_annex(
    tasks: int, *, year: int = 2023, seed: int = 1, per_section: int = 50, revised: bool = False
) -> bytes:
    """An annex workbook of `tasks` random tasks in sections of `per_section`. With `revised`,
    the same annex after an ordinary revision: a task inserted at the top of every section and
    the rest renumbered, every 97th task deleted, a word corrected in every 89th."""
    sections = _sections(tasks, year=year, seed=seed, per_section=per_section, revised=revised)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục"
    bold = Font(bold=True)
    sheet.append(["PHỤ LỤC"])
    sheet.append([_attached_to(year)])
    sheet.append([])
    sheet.append(HEADER)
    row = 4
    for section, (title, section_tasks) in enumerate(sections, start=1):
        row += 1
        sheet.append([str(section), title])
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        sheet.cell(row, 1).font = sheet.cell(row, 2).font = bold
        for index, (description, result, lead, support, deadline, more) in enumerate(
            section_tasks, start=1
        ):
            row += 1
            sheet.append([f"{section}.{index}", description, result, lead, support, deadline])
            if more:
                row += 1
                sheet.append([None, more])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attached_to(year: int) -> str:
    return f"(Kèm theo Kế hoạch số 99/KH-UBND ngày 15 tháng 01 năm {year} của UBND tỉnh Bắc Kạn)"


_RUN = (
    '<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
    'w:cs="Times New Roman"/>{bold}<w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">{text}'
    "</w:t></w:r>"
)
_WIDTHS = [700, 5200, 2200, 2200, 2200, 1600]  # twentieths of a point, A4 landscape


def _word_cell(text, width: int, *, bold: bool = False, span: int = 1) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    paragraphs = "".join(
        "<w:p>" + _RUN.format(bold="<w:b/>" if bold else "", text=escape(line)) + "</w:p>"
        for line in str(text or "").split("\n")
    )
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"


def synthetic_annex_docx(
    tasks: int, *, year: int = 2023, seed: int = 1, per_section: int = 50, revised: bool = False
) -> bytes:
    """The annex of `synthetic_annex` with the same arguments, as a Word document."""
    sections = _sections(tasks, year=year, seed=seed, per_section=per_section, revised=revised)
    document = Document()
    document.add_paragraph().add_run("PHỤ LỤC").bold = True
    document.add_paragraph().add_run(_attached_to(year)).italic = True
    rows = [
        "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
        + "".join(_word_cell(h, w, bold=True) for h, w in zip(HEADER, _WIDTHS, strict=True))
        + "</w:tr>"
    ]
    for section, (title, section_tasks) in enumerate(sections, start=1):
        rows.append(
            "<w:tr>"
            + _word_cell(str(section), _WIDTHS[0], bold=True)
            + _word_cell(title, sum(_WIDTHS[1:]), bold=True, span=5)
            + "</w:tr>"
        )
        for index, (description, result, lead, support, deadline, more) in enumerate(
            section_tasks, start=1
        ):
            values = [f"{section}.{index}", description, result, lead, support, deadline]
            rows.append(
                "<w:tr>"
                + "".join(_word_cell(v, w) for v, w in zip(values, _WIDTHS, strict=True))
                + "</w:tr>"
            )
            if more:
                values = [None, more, None, None, None, None]
                rows.append(
                    "<w:tr>"
                    + "".join(_word_cell(v, w) for v, w in zip(values, _WIDTHS, strict=True))
                    + "</w:tr>"
                )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in _WIDTHS)
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    table = (
        '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/>'
        f"<w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
        + "".join(rows)
        + "</w:tbl>"
    )
    # The table goes in as text: parsing 10,000 rows into python-docx's tree would cost the
    # benchmark's own process hundreds of MB, which its children's peak memory would inherit.
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_body_xml(buffer.getvalue(), table)


def _with_body_xml(package: bytes, xml: str) -> bytes:
    """The .docx `package` with `xml` inserted before the body's section properties."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                head, tail = data.decode().rsplit("<w:sectPr", 1)
                data = (head + xml + "<w:sectPr" + tail).encode()
            target.writestr(info, data)
    return out.getvalue()


def _sections(
    tasks: int, *, year: int, seed: int, per_section: int, revised: bool
) -> list[tuple[str, list[list]]]:
    rng = random.Random(seed)
    sections: list[tuple[str, list[list]]] = []
    for number in range(tasks):
        if number % per_section == 0:
            section = number // per_section + 1
            sections.append((f"Nhóm nhiệm vụ {section}: " + " ".join(rng.choices(WORDS, k=6)), []))
        deadline = rng.choice(DEADLINES).format(year=year, next=year + 1)
        task = [
            " ".join(rng.choices(WORDS, k=rng.randint(15, 40))).capitalize(),
            rng.choice(["", "Báo cáo kết quả", "Văn bản chỉ đạo"]),
            rng.choice(LEADS),
            rng.choice(SUPPORTS),
            deadline,
            None,
        ]
        if rng.random() < 0.05:  # a row continuing the task above
            task[5] = "- " + " ".join(rng.choices(WORDS, k=8))
        sections[-1][1].append(task)
    if revised:
        _revise(sections, random.Random(seed + 1), year)
    return sections


def _revise(sections, rng: random.Random, year: int) -> None:
    counter = 0
    for _title, section_tasks in sections:
        kept = []
        for task in section_tasks:
            counter += 1
            if counter % 97 == 0:
                continue
            if counter % 89 == 0:
                words = task[0].split()
                words[len(words) // 2] = "sửa"
                task = [" ".join(words), *task[1:]]
            kept.append(task)
        inserted = [
            "Bổ sung: " + " ".join(rng.choices(WORDS, k=20)),
            "",
            rng.choice(LEADS),
            rng.choice(SUPPORTS),
            f"Quý IV/{year}",
            None,
        ]
        section_tasks[:] = [inserted, *kept]
