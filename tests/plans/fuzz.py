"""Broken and hostile workbooks for the import fuzz test (tests/plans/test_import_fuzz.py).

Every generator takes a `random.Random` and returns (file name, bytes). The workbooks are
written by hand as raw SpreadsheetML parts, so that each can lie in exactly the way a broken or
hostile file does (a dimension of the whole sheet, overlapping merged ranges, a million rows, a
content-types part that names the wrong things) and still be a well-formed ZIP. The mutations
work on the real annex files in fixtures/annexes/.

`STATS` collects what the fuzz tests ran; tests/conftest.py prints it at the end of the run
(pytest's terminal summary, so it shows without -s), gathered from the pytest-xdist workers.
"""

from __future__ import annotations

import functools
import io
import random
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ANNEXES = Path(__file__).resolve().parents[2] / "fixtures" / "annexes"
REAL_FILES = {
    "kh2022.xlsx": ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx",
    "papi.xlsx": ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xlsx",
    "papi.xls": ANNEXES / "bac-kan-2018-ke-hoach-22-papi.xls",
    "kh2022.docx": ANNEXES / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.docx",
    "papi.docx": ANNEXES / "bac-kan-2018-ke-hoach-22-papi.docx",
}

# name -> {"cases": n, "refused": n, "imported": n, "seconds": s, "slowest": (s, label)}
STATS: dict[str, dict] = {}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

# Bits of real annex text, so random cells still reach the header, section and agency readers.
WORDS = [
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Các sở, ban, ngành",
    "UBND cấp huyện",
    "Các Sở: Tư pháp; Tài chính",
    "Quý III-IV/2022",
    "Thường xuyên",
    "Định kỳ hàng quý",
    "hết tháng 12/2022",
    "năm 2022 đạt 8,963/9,5 điểm",
    "đạt tỷ lệ 88,29%",
    "Kế hoạch số 22/KH-UBND ngày 22 tháng 01 năm 2018",
    "I",
    "IV",
    "1.1",
    "3 Trách nhiệm giải trình",
    "SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN",
    "TT",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Phối hợp",
    "Thời gian thực hiện",
    "(1)",
    "=SUM(A1:A9)",
    "<b>html</b>",
    "\u200b",
    "\x00",
    "ngày 31/02/2022",
    "năm 0000",
    "Quý V/2022",
    "tháng 13/2022",
    "99999999999999999999",
    "-1",
    "1e308",
]


# --- raw workbooks --------------------------------------------------------------------------------


def cell_xml(ref: str, value) -> str:
    if value is None:
        return f'<c r="{ref}" s="1"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(_xml_safe(str(value)))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _xml_safe(text: str) -> str:
    # XML 1.0 cannot carry most control characters at all; a real file escapes them as _x0000_.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", text)


def col_letter(col: int) -> str:
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def rows_xml(rows: list[list]) -> str:
    out = []
    for r, values in enumerate(rows, start=1):
        cells = "".join(
            cell_xml(f"{col_letter(c)}{r}", v) for c, v in enumerate(values, start=1) if v != ""
        )
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def sheet_xml(
    rows: list[list] | str,
    *,
    dimension: str | None = None,
    merges: list[str] = (),
    extra_rows: str = "",
) -> str:
    body = rows if isinstance(rows, str) else rows_xml(rows)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merged = ""
    if merges:
        merged = f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in merges
        )
        merged += "</mergeCells>"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}'
        f"<sheetData>{body}{extra_rows}</sheetData>{merged}</worksheet>"
    )


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" xfId="0" applyFont="1"/>'
    '<xf numFmtId="14" fontId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def content_types(sheets: int, *, shared_strings: bool) -> str:
    overrides = [("/xl/workbook.xml", WORKBOOK_CT), ("/xl/styles.xml", STYLES_CT)]
    overrides += [(f"/xl/worksheets/sheet{i}.xml", SHEET_CT) for i in range(1, sheets + 1)]
    if shared_strings:
        overrides.append(("/xl/sharedStrings.xml", SST_CT))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )


def raw_xlsx(
    sheets: dict[str, str],
    *,
    shared_strings: str | None = None,
    types: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """An .xlsx from sheet name -> sheet XML, optionally a sharedStrings part."""
    names = list(sheets)
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    rels = [
        (f"rId{i}", f"{REL_NS}/worksheet", f"worksheets/sheet{i}.xml")
        for i in range(1, len(names) + 1)
    ]
    rels.append((f"rId{len(names) + 1}", f"{REL_NS}/styles", "styles.xml"))
    if shared_strings is not None:
        rels.append((f"rId{len(names) + 2}", f"{REL_NS}/sharedStrings", "sharedStrings.xml"))
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        f'xmlns="{PKG_REL_NS}">'
        + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in rels)
        + "</Relationships>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        f'xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    parts = {
        "[Content_Types].xml": types
        or content_types(len(names), shared_strings=shared_strings is not None),
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": STYLES,
    }
    for i, name in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheets[name]
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return zip_parts(parts, compression)


def zip_parts(parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, body in parts.items():
            archive.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
    return out.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def annex_rows(rng: random.Random, tasks: int = 4) -> list[list]:
    """A small annex: title rows, a header, a section, tasks."""
    rows: list[list] = [
        ["PHỤ LỤC I"],
        ["(Kèm theo Kế hoạch số 7/KH-UBND ngày 10 tháng 3 năm 2024 của UBND tỉnh Bắc Kạn)"],
        ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"],
        ["I", "Cải cách thể chế"],
    ]
    agencies = ["Sở Tư pháp", "Sở Tài chính", "Sở Nội vụ", "Các sở, ban, ngành", "UBND cấp huyện"]
    deadlines = ["Quý III/2024", "Thường xuyên", "Trước 31/12/2024", "Định kỳ hàng quý"]
    for number in range(1, tasks + 1):
        rows.append(
            [
                number,
                f"Nhiệm vụ {number}: rà soát văn bản",
                rng.choice(agencies),
                rng.choice(agencies),
                rng.choice(deadlines),
            ]
        )
    return rows


def random_text(rng: random.Random, longest: int = 60) -> str:
    pieces = []
    for _ in range(rng.randrange(1, 4)):
        kind = rng.random()
        if kind < 0.6:
            pieces.append(rng.choice(WORDS))
        elif kind < 0.8:
            pieces.append(str(rng.randrange(-10, 10 ** rng.randrange(1, 12))))
        else:
            pieces.append(
                "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, longest)))
            )
    return rng.choice([" ", "; ", ", ", "\n", "/"]).join(pieces)


# --- generated families -----------------------------------------------------------------------


def truncated_zip(rng):
    data = real_bytes(rng.choice(["kh2022.xlsx", "papi.xlsx"]))
    return "cut.xlsx", data[: rng.randrange(0, len(data))]


def random_bytes(rng):
    size = rng.choice([1, 7, 100, 4096, 50_000])
    prefix = rng.choice([b"", b"PK\x03\x04", OLE_MAGIC, b"%PDF-1.4\n", b"<html>", b"\xef\xbb\xbf"])
    return "random.xlsx", prefix + rng.randbytes(size)


def lying_content_types(rng):
    choices = [
        "",  # empty part
        "not xml at all <<<",
        content_types(1, shared_strings=False).replace(SHEET_CT, "image/png"),
        content_types(1, shared_strings=False).replace(
            WORKBOOK_CT, "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
        ),
        content_types(1, shared_strings=False).replace(WORKBOOK_CT, SHEET_CT),
        content_types(1, shared_strings=False).replace(
            WORKBOOK_CT, "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        ),
        content_types(1, shared_strings=False).replace(
            WORKBOOK_CT,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        f'<Types xmlns="{CT_NS}"></Types>',
        None,  # the part missing entirely
    ]
    types = rng.choice(choices)
    data = raw_xlsx({"Phụ lục": sheet_xml(annex_rows(rng))}, types=types if types else " ")
    if types is None:
        parts = unzip(data)
        del parts["[Content_Types].xml"]
        data = zip_parts(parts)
    return "types.xlsx", data


def huge_dimension(rng):
    dimension = rng.choice(["A1:XFD1048576", "A1:ZZZZ99999999", "XFD1048576", "A0:B-1", "garbage"])
    return "dimension.xlsx", raw_xlsx({"Phụ lục": sheet_xml(annex_rows(rng), dimension=dimension)})


def bad_merges(rng):
    pool = [
        "A1:XFD1048576",
        "A3:E3",
        "B4:E4",
        "A4:E7",
        "C5:C6",
        "C5:D9",
        "E5:E1048576",
        "XFD1:A1",
        "A1:A1",
        "E9:B2",
        "A:B",
        "3:4",
        "not a range",
        "",
        "A0:B2",
        "ZZZZ1:ZZZZ9",
    ]
    merges = [rng.choice(pool) for _ in range(rng.randrange(1, 12))]
    if rng.random() < 0.2:
        merges += ["A1:XFD1048576"] * rng.randrange(100, 3000)
    return "merges.xlsx", raw_xlsx({"Phụ lục": sheet_xml(annex_rows(rng), merges=merges)})


@functools.cache
def _million_rows(kind: str) -> bytes:
    table = rows_xml(annex_rows(random.Random(1)))
    if kind == "declared":
        extra = "".join(f'<row r="{r}" ht="15" customHeight="1"/>' for r in range(9, 1_048_577))
    elif kind == "styled":  # real rows whose cells hold no value (a quarter of a million)
        extra = "".join(f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(9, 250_009))
    else:  # rows without addresses
        extra = "<row/>" * 1_000_000
    return raw_xlsx({"Phụ lục": sheet_xml(table + extra, dimension="A1:E1048576")})


def million_empty_rows(rng):
    return "million.xlsx", _million_rows(rng.choice(["declared", "styled", "bare"]))


def formulas(rng):
    rows = annex_rows(rng)
    table = rows_xml(rows)
    options = [
        '<c r="F5"><f>SUM(A1:A4)</f></c>',
        '<c r="B6"><f>CONCAT("Nhiệm vụ", "x")</f></c>',
        '<c r="B6" t="str"><f>"a"&amp;"b"</f><v>Nhiệm vụ tính</v></c>',
        '<c r="E6" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        '<c r="E6" t="b"><f>TRUE()</f><v>1</v></c>',
        '<c r="A6"><f t="shared" ref="A6:A9" si="0">ROW()-4</f><v>2</v></c>',
        '<c r="A7"><f t="shared" si="0"/></c>',
        '<c r="E5"><f t="array" ref="E5:E9">TODAY()</f><v>45000</v></c>',
        '<c r="E5" s="2"><f>DATE(2024,13,45)</f><v>99999999</v></c>',
        '<c r="E5" s="2"><v>-5</v></c>',
        '<c r="E5" s="2"><v>1e308</v></c>',
        '<c r="E5" t="d"><v>not-a-date</v></c>',
        '<c r="E5" t="n"><v>NaN</v></c>',
        '<c r="B5" t="s"><v>999</v></c>',
        '<c r="B5" t="inlineStr"><f>=1+1</f></c>',
        '<c r="B5"><f>' + "(" * 500 + "1" + ")" * 500 + "</f></c>",
    ]
    extra = "".join(rng.choice(options) for _ in range(rng.randrange(1, 5)))
    # Put the formulas in a row of their own so the addresses stay in order.
    last = len(rows) + 1
    cells = re.sub(r'r="([A-Z]+)[0-9]+"', lambda m: f'r="{m[1]}{last}"', extra)
    row = f'<row r="{last}">{cells}</row>'
    return "formulas.xlsx", raw_xlsx({"Phụ lục": sheet_xml(table + row)})


def huge_cell(rng):
    size = rng.choice([32_760, 40_000, 1_000_000, 10 * 1024 * 1024])
    piece = rng.choice(
        ["Sở Tư pháp; ", "Nhiệm vụ rà soát ", "Sở Tư pháp, Các sở: Y tế; ", "Quý I/"]
    )
    text = (piece * (size // len(piece) + 1))[:size]
    column = rng.randrange(1, 6)
    rows = annex_rows(rng)
    rows[4][column - 1] = text
    if rng.random() < 0.5:
        return "bigcell.xlsx", raw_xlsx({"Phụ lục": sheet_xml(rows)})
    # The same text as a shared string.
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        f"<si><t>{escape(text)}</t></si></sst>"
    )
    rows[4][column - 1] = "@shared@"
    ref = f"{col_letter(column)}5"
    table = rows_xml(rows).replace(cell_xml(ref, "@shared@"), f'<c r="{ref}" t="s"><v>0</v></c>', 1)
    return "bigshared.xlsx", raw_xlsx({"Phụ lục": sheet_xml(table)}, shared_strings=shared)


def nasty_shared_strings(rng):
    kind = rng.choice(["deep", "many", "runs", "entities", "bomb", "bad_index", "huge_count"])
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if kind == "deep":
        depth = rng.choice([1000, 50_000])
        body = (
            f'<sst xmlns="{MAIN_NS}"><si>'
            + "<r>" * depth
            + "<t>x</t>"
            + "</r>" * depth
            + "</si></sst>"
        )
    elif kind == "many":
        body = f'<sst xmlns="{MAIN_NS}">' + "<si><t>Sở Tư pháp</t></si>" * 30_000 + "</sst>"
    elif kind == "runs":
        body = (
            f'<sst xmlns="{MAIN_NS}"><si>'
            + "<r><rPr><b/></rPr><t>Sở </t></r>" * 20_000
            + "</si></sst>"
        )
    elif kind == "entities":
        head += '<!DOCTYPE sst [<!ENTITY a "Sở Tư pháp">]>'
        body = f'<sst xmlns="{MAIN_NS}"><si><t>&a;&a;</t></si></sst>'
    elif kind == "bomb":
        head += (
            '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
            )
            + "]>"
        )
        body = f'<sst xmlns="{MAIN_NS}"><si><t>&i;</t></si></sst>'
    elif kind == "bad_index":
        body = f'<sst xmlns="{MAIN_NS}"><si><t>a</t></si></sst>'
    else:
        body = (
            f'<sst xmlns="{MAIN_NS}" count="99999999999" uniqueCount="-4"><si><t>a</t></si></sst>'
        )
    index = rng.choice([0, 1, 5, -1, 10**12, 29_999])
    table = rows_xml(annex_rows(rng))
    table = table.replace("</row>", f'<c r="F1" t="s"><v>{index}</v></c></row>', 1)
    return "sst.xlsx", raw_xlsx({"Phụ lục": sheet_xml(table)}, shared_strings=head + body)


@functools.cache
def _zip_bomb(kind: str) -> bytes:
    """A sheet that really unpacks to 300 MB (spaces inside <sheetData>): about 1 MB zipped.

    "lying": the same, with every size in the ZIP's headers rewritten to say 1 KB.
    """
    if kind == "lying":
        data = bytearray(_zip_bomb("declared"))
        for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
            for match in re.finditer(re.escape(signature), bytes(data)):
                start = match.start() + offset
                data[start : start + 4] = (1024).to_bytes(4, "little")
        return bytes(data)
    head, tail = sheet_xml(annex_rows(random.Random(2))).split("<sheetData>", 1)
    parts = unzip(raw_xlsx({"Phụ lục": "<placeholder/>"}))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, body)
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                part.write((head + "<sheetData>").encode())
                chunk = b" " * (1 << 20)
                for _ in range(300):
                    part.write(chunk)
                part.write(tail.encode())
    return out.getvalue()


def zip_bomb(rng):
    return "bomb.xlsx", _zip_bomb(rng.choice(["declared", "lying"]))


def xls_garbage(rng):
    size = rng.choice([0, 100, 512, 4096, 60_000])
    data = OLE_MAGIC + rng.randbytes(size)
    if rng.random() < 0.5:
        # A real .xls header and directory, then junk where the workbook stream was.
        real = real_bytes("papi.xls")
        keep = rng.choice([512, 1024, 4096, len(real) // 2])
        data = real[:keep] + rng.randbytes(len(real) - keep)
    return "garbage.xls", data


def random_table(rng):
    """A well-formed workbook with random values in the annex's cells: must import or refuse."""
    rows = annex_rows(rng, tasks=rng.randrange(1, 8))
    for _ in range(rng.randrange(1, 12)):
        r = rng.randrange(len(rows))
        while len(rows[r]) < 6:
            rows[r].append("")
        rows[r][rng.randrange(6)] = rng.choice(
            [random_text(rng), rng.randrange(-(10**6), 10**6), rng.random() * 1e9, True, None]
        )
    if rng.random() < 0.3:
        # A very long cell of real agency names: one name that no one can place.
        rows[4][2] = " ".join(["Ban quản lý dự án đầu tư xây dựng"] * rng.randrange(5, 40))
    if rng.random() < 0.3:
        rows[1][0] = f"Kế hoạch số {'9' * rng.randrange(1, 80)}/KH-{'UBND' * rng.randrange(1, 20)}"
    return "random.xlsx", raw_xlsx({"Phụ lục": sheet_xml(rows)})


FAMILIES = [
    truncated_zip,
    random_bytes,
    lying_content_types,
    huge_dimension,
    bad_merges,
    million_empty_rows,
    formulas,
    huge_cell,
    nasty_shared_strings,
    zip_bomb,
    xls_garbage,
    random_table,
]


# --- mutations of the real files --------------------------------------------------------------


@functools.cache
def real_bytes(name: str) -> bytes:
    return REAL_FILES[name].read_bytes()


def flip_bytes(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def mutate(name: str, kind: str, rng: random.Random) -> bytes:
    """One mutation of a real annex file. Kinds: flip, cut (the whole file); and for .xlsx,
    part_flip, part_cut, drop_element, attribute, drop_part (inside a ZIP that stays valid)."""
    data = real_bytes(name)
    if kind == "flip" or name.endswith(".xls") and kind != "cut":
        start = 0 if rng.random() < 0.2 else min(512, len(data) - 1)
        head, tail = data[:start], data[start:]
        return head + flip_bytes(tail, rng, rng.randrange(1, 40))
    if kind == "cut":
        return data[: rng.randrange(len(data))]
    parts = unzip(data)
    xml_parts = [p for p in parts if p.endswith((".xml", ".rels"))]
    tables = ("worksheets/", "sharedStrings", "word/document.xml")
    part = rng.choice([p for p in xml_parts if any(t in p for t in tables)] * 3 + xml_parts)
    body = parts[part]
    if kind == "part_flip":
        parts[part] = flip_bytes(body, rng, rng.randrange(1, 10))
    elif kind == "part_cut":
        parts[part] = body[: rng.randrange(len(body))]
    elif kind == "drop_element":
        parts[part] = drop_elements(body, rng)
    elif kind == "attribute":
        parts[part] = mangle_attributes(body, rng)
    elif kind == "drop_part":
        del parts[rng.choice(list(parts))]
    else:
        raise ValueError(kind)
    return zip_parts(parts)


_ELEMENT = re.compile(
    rb"<(?P<tag>[A-Za-z:]+)\b[^<>]*?(?:/>|>(?:(?!<(?P=tag)\b).)*?</(?P=tag)>)", re.S
)


def drop_elements(body: bytes, rng: random.Random) -> bytes:
    """Delete a few whole elements (<c>, <row>, <si>, <mergeCell>, <sheet>...) from a part."""
    matches = list(_ELEMENT.finditer(body))
    if not matches:
        return body
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randrange(1, 6))), key=lambda m: -m.start()
    ):
        body = body[: match.start()] + body[match.end() :]
    return body


_ATTRIBUTE = re.compile(
    rb"\b(r|s|t|ref|sheetId|r:id|Target|name|count|fontId|numFmtId|xfId|spans|w:val|TargetMode"
    rb'|Type|ContentType|PartName)="([^"]*)"'
)
WEIRD_VALUES = [
    b"",
    b"-1",
    b"0",
    b"A0",
    b"XFD1048576",
    b"1048577",
    b"99999999999999999999",
    b"s",
    b"e",
    b"d",
    b"n",
    b"str",
    b"inlineStr",
    b"x",
    b"A1:XFD1048576",
    b"1.5",
    b"\xc3\xa9",
    b"../../etc/passwd",
    b"NaN",
    b"continue",
    b"restart",
    b"External",
    b"2147483648",
]


def mangle_attributes(body: bytes, rng: random.Random) -> bytes:
    matches = list(_ATTRIBUTE.finditer(body))
    if not matches:
        return body
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randrange(1, 8))), key=lambda m: -m.start()
    ):
        value = rng.choice(WEIRD_VALUES)
        body = body[: match.start(2)] + value + body[match.end(2) :]
    return body


def _stats(name: str) -> dict:
    return STATS.setdefault(
        name, {"cases": 0, "refused": 0, "imported": 0, "seconds": 0.0, "slowest": (0.0, "")}
    )


def record(name: str, outcome: str, seconds: float, label: str) -> None:
    stats = _stats(name)
    stats["cases"] += 1
    stats[outcome] += 1
    stats["seconds"] += seconds
    if seconds > stats["slowest"][0]:
        stats["slowest"] = (seconds, label)


def merge(worker_stats: dict[str, dict]) -> None:
    """Add the counts a pytest-xdist worker sent (tests/conftest.py) to this process's."""
    for name, theirs in worker_stats.items():
        stats = _stats(name)
        for key in ("cases", "refused", "imported", "seconds"):
            stats[key] += theirs[key]
        slowest = tuple(theirs["slowest"])
        if slowest[0] > stats["slowest"][0]:
            stats["slowest"] = slowest


# --- Word documents (.docx) ---------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:document xmlns:w="{W_NS}" xmlns:r="{REL_NS}"><w:body>'
)
DOCUMENT_TAIL = "</w:body></w:document>"


def raw_docx(body: str, *, parts: dict[str, str | bytes] | None = None) -> bytes:
    """The real 2018 annex document's package with `body` as its document body."""
    package = unzip(real_bytes("papi.docx"))
    package["word/document.xml"] = (DOCUMENT_HEAD + body + DOCUMENT_TAIL).encode()
    package.update(parts or {})
    return zip_parts(package)


def w_paragraph(text: str, bold: bool = False) -> str:
    lines = [escape(_xml_safe(line)) for line in str(text).split("\n")]
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return "".join(
        f'<w:p><w:r>{props}<w:t xml:space="preserve">{line}</w:t></w:r></w:p>' for line in lines
    )


def w_table(rows: list[list], cell_props=None) -> str:
    """A table of `rows`; `cell_props(r, c)` gives a cell's <w:tcPr> content (spans, merges)."""
    out = ["<w:tbl>"]
    for r, row in enumerate(rows):
        out.append("<w:tr>")
        for c, value in enumerate(row):
            props = cell_props(r, c) if cell_props else ""
            text = "" if value is None else value
            out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{w_paragraph(text) or '<w:p/>'}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def annex_body(rng: random.Random, tasks: int = 4) -> str:
    """The small annex of `annex_rows` as a Word plan: heading paragraphs, then its table."""
    rows = annex_rows(rng, tasks)
    heading = "".join(w_paragraph(row[0], bold=True) for row in rows[:2])
    return heading + w_table(rows[2:], _section_span(len(rows[2]) - 1))


def _section_span(span: int):
    return lambda r, c: f'<w:gridSpan w:val="{span}"/>' if (r, c) == (1, 1) else ""


def docx_truncated(rng):
    data = real_bytes(rng.choice(["kh2022.docx", "papi.docx"]))
    return "cut.docx", data[: rng.randrange(0, len(data))]


@functools.cache
def _docx_bomb(kind: str) -> bytes:
    """A document body that really unpacks to 300 MB (spaces), about 1 MB zipped; "lying":
    every size in the ZIP's headers rewritten to say 1 KB."""
    if kind == "lying":
        data = bytearray(_docx_bomb("declared"))
        for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
            for match in re.finditer(re.escape(signature), bytes(data)):
                start = match.start() + offset
                data[start : start + 4] = (1024).to_bytes(4, "little")
        return bytes(data)
    package = unzip(raw_docx(annex_body(random.Random(2))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in package.items():
            if name != "word/document.xml":
                archive.writestr(name, body)
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                part.write(body[: -len(DOCUMENT_TAIL)])
                chunk = b" " * (1 << 20)
                for _ in range(300):
                    part.write(chunk)
                part.write(DOCUMENT_TAIL.encode())
    return out.getvalue()


def docx_zip_bomb(rng):
    return "bomb.docx", _docx_bomb(rng.choice(["declared", "lying"]))


@functools.cache
def _docx_rows(count: int, empty: bool) -> bytes:
    header = w_table([["TT", "Nhiệm vụ", "Cơ quan chủ trì"]])[: -len("</w:tbl>")]
    if empty:
        row = "<w:tr><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc></w:tr>"
        rows = row * count
    else:
        rows = "".join(
            f"<w:tr><w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
            f"<w:t>Nhiệm vụ {n}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Sở Nội vụ</w:t>"
            "</w:r></w:p></w:tc></w:tr>"
            for n in range(count)
        )
    return raw_docx(w_paragraph("PHỤ LỤC") + header + rows + "</w:tbl>")


def docx_many_rows(rng):
    """A table of 100 000 rows (or 2 500, over the fuzz tests' limit), filled or empty."""
    return "rows.docx", _docx_rows(rng.choice([2_500, 100_000]), rng.random() < 0.3)


def docx_nesting(rng):
    depth = rng.choice([1, 2, 3, 4, 8, 60, 200])
    inner = annex_body(rng) if rng.random() < 0.5 else w_paragraph("x")
    for _ in range(depth):
        inner = f"<w:tbl><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>"
    return "nested.docx", raw_docx(inner)


def docx_external(rng):
    kind = rng.choice(
        ["attachedTemplate", "subDocument", "image", "oleObject", "aFChunk", "hyperlink", "frame"]
    )
    target = rng.choice(
        ["http://example.invalid/x", "file:///etc/passwd", "\\\\server\\share\\a.dotm"]
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId99" '
        f'Type="{REL_NS}/{kind}" Target="{escape(target)}" TargetMode="External"/></Relationships>'
    )
    part = rng.choice(["word/_rels/settings.xml.rels", "word/_rels/document.xml.rels"])
    return "external.docx", raw_docx(annex_body(rng), parts={part: rels})


def docx_doctype(rng):
    entities = '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    if rng.random() < 0.5:
        entities = '<!ENTITY a SYSTEM "file:///etc/passwd">'
    package = unzip(raw_docx(annex_body(rng)))
    body = package["word/document.xml"].decode()
    package["word/document.xml"] = (
        body.replace("?>", f"?><!DOCTYPE w:document [{entities}]>", 1)
        .replace("Nhiệm vụ 1:", "&a; Nhiệm vụ 1:")
        .encode()
    )
    return "doctype.docx", zip_parts(package)


def docx_macro(rng):
    package = unzip(raw_docx(annex_body(rng)))
    if rng.random() < 0.5:
        package["word/vbaProject.bin"] = OLE_MAGIC + rng.randbytes(100)
    else:
        package["[Content_Types].xml"] = package["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        )
    return "macro.docm", zip_parts(package)


def docx_lying_package(rng):
    package = unzip(raw_docx(annex_body(rng)))
    kind = rng.choice(["no_document", "no_types", "bad_types", "main_elsewhere", "bad_rels"])
    if kind == "no_document":
        del package["word/document.xml"]
    elif kind == "no_types":
        del package["[Content_Types].xml"]
    elif kind == "bad_types":
        package["[Content_Types].xml"] = rng.choice(
            [b"", b"<<<", b"<Types/>", b"<a:b xmlns:a='x'/>"]
        )
    elif kind == "main_elsewhere":
        package["_rels/.rels"] = package["_rels/.rels"].replace(
            b"word/document.xml", rng.choice([b"../../etc/passwd", b"word/none.xml", b""])
        )
    else:
        package["word/_rels/document.xml.rels"] = rng.choice([b"", b"<<<", b"<Relationships/>"])
    return "lying.docx", zip_parts(package)


def docx_random_table(rng):
    """A well-formed annex document whose cells hold random values and random spans, vertical
    merges and shifted rows: must import or refuse."""
    rows = annex_rows(rng, tasks=rng.randrange(1, 8))[2:]
    for _ in range(rng.randrange(1, 12)):
        r = rng.randrange(len(rows))
        while len(rows[r]) < 5:
            rows[r].append("")
        rows[r][rng.randrange(5)] = rng.choice([random_text(rng), "", None, "- a\n- b"])

    def props(r, c):
        roll = rng.random()
        if roll < 0.1:
            return f'<w:gridSpan w:val="{rng.choice([0, 2, 3, 7, -1, 10**6])}"/>'
        if roll < 0.25:
            return rng.choice(
                ['<w:vMerge w:val="restart"/>', "<w:vMerge/>", '<w:vMerge w:val="x"/>']
            )
        return ""

    table = w_table(rows, props)
    if rng.random() < 0.3:
        table = table.replace("<w:tr>", '<w:tr><w:trPr><w:gridBefore w:val="2"/></w:trPr>', 1)
    return "random.docx", raw_docx(w_paragraph("PHỤ LỤC I", bold=True) + table)


DOCX_FAMILIES = [
    docx_truncated,
    docx_zip_bomb,
    docx_many_rows,
    docx_nesting,
    docx_external,
    docx_doctype,
    docx_macro,
    docx_lying_package,
    docx_random_table,
]
