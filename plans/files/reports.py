"""The periodic report (báo cáo định kỳ) of a plan or of a province's plans for a year.

Two files from the same figures as the dashboard (`plans.dashboard`), read as of the period's
cut-off: a workbook in the annex layout with each task's status group, what was reported in the
period and the evidence count; and a Word draft of "Báo cáo kết quả thực hiện Kế hoạch số ..."
with the summary in sentences, the groups by agency and the overdue list, for the clerk to edit.
Both are laid out as Sở Nội vụ issues a report (Nghị định 30/2020/NĐ-CP, `documents`): the
workbook has the document's heading above its table, the Word draft the whole layout, with the
number, signer and nơi nhận typed on the request form (`ReportDocument`).
"""

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from openpyxl import Workbook

from agencies.models import Agency
from parindex.core.numbers import format_percent
from plans.dashboard import GROUPS, DashboardScope, dashboard_by_agency, dashboard_totals
from plans.files.documents import (
    document_heading,
    docx_closing,
    docx_heading,
    docx_page_setup,
    xlsx_heading,
)
from plans.files.export import safe_cell, xml_text
from plans.files.sheet_rows import AppendedRows, workbook_bytes
from plans.models import Assignment, Evidence, Plan, ProgressUpdate, Task
from plans.periods import period_label
from plans.timeliness import (
    TIMELINESS_LABELS,
    Timeliness,
    due_expression,
    timeliness_case,
    timeliness_q,
)

REPORT_HEADER = [
    "TT",
    "Nhiệm vụ, giải pháp",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
    "Tình hình thực hiện",
    "Kết quả thực hiện trong kỳ",
    "Số tài liệu kiểm chứng",
]


@dataclass
class ReportSubject:
    """What a report covers: one plan, or every plan of a province for the period's year."""

    scope: DashboardScope
    title: (
        str  # "Kế hoạch số 22/KH-UBND ngày 22/01/2018" or "các kế hoạch khắc phục chỉ số năm 2024"
    )
    province_name: str
    city: bool = False  # a centrally-run city: "UBND THÀNH PHỐ …", not "UBND TỈNH …"


@dataclass(frozen=True)
class ReportDocument:
    """What the clerk types on the request form; empty, the draft leaves room for it."""

    number: str = ""
    signer_name: str = ""
    signer_title: str = ""
    recipients: str = ""


def report_subject(*, plan: Plan | None = None, province=None, period: str, today) -> ReportSubject:
    if plan is not None:
        scope = DashboardScope(
            province_id=plan.province_id,
            year=plan.year,
            period=period,
            today=today,
            plan_id=plan.pk,
        )
        issued = f" ngày {plan.issued_on:%d/%m/%Y}" if plan.issued_on else ""
        province = plan.province
        title = f"Kế hoạch số {plan.number}{issued}"
    else:
        year = int(period.split("-")[0])
        scope = DashboardScope(province_id=province.pk, year=year, period=period, today=today)
        title = f"các kế hoạch khắc phục chỉ số năm {year}"
    city = province.kind == province.Kind.CITY
    return ReportSubject(scope, title, province.name, city=city)


def report_rows(subject: ReportSubject):
    """(kind, values) rows in the annex layout: "section" rows, then "task" rows.

    Each query reads what it needs as tuples: the tasks; their assignments (the scope's, not
    a list of task ids); the agencies' names, in the database's order; the evidence of the
    period counted by assignment; the period's notes. The assignments are put in the tasks'
    order, then role and agency name, here: by the agencies' rank in that list, as `ORDER BY
    role, agency.name` would (the database's collation, not Python's); sorted with their
    names in PostgreSQL they spilled to disk. Each task's texts are then made in one pass
    over its assignments, with no object per assignment (a province's year at ten times the
    national data is ~100,000 of them)."""
    scope = subject.scope
    # The agencies the annex names now: one no longer named is not reported on (its history
    # stays on the task page). The scope's assignments are exactly those of the tasks below.
    assignments = scope.assignments()
    tasks = list(
        # The scope's plans too, although the assignments imply them: without them PostgreSQL
        # planned a scan of every task in the country (49,000 at 1×, 500,000 at ×10).
        Task.objects.filter(plan__in=scope.plans(), pk__in=assignments.values("task_id"))
        .order_by("plan__number", "position")
        .values_list(
            "pk",
            "section_id",
            "section__number",
            "section__title",
            "number",
            "description",
            "deadline_text",
        )
    )
    rows = list(
        assignments.annotate(timeliness=timeliness_case(scope.as_of))
        .order_by()
        .values_list(
            "task_id", "role", "agency_id", "source_text", "extended_to", "timeliness", "pk"
        )
    )
    names: dict[int, str] = {}
    rank: dict[int, int] = {}
    # Only the agencies the rows name (a few hundred), not the country's ~17,000.
    named = {row[2] for row in rows}
    for pk, name in Agency.objects.filter(pk__in=named).order_by("name").values_list("pk", "name"):
        rank[pk] = len(rank)
        names[pk] = name
    evidence = dict(
        Evidence.objects.filter(update__period=scope.period, update__assignment__in=assignments)
        .values_list("update__assignment_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    notes: dict[int, list] = defaultdict(list)
    for assignment_id, created_at, note in (
        ProgressUpdate.objects.filter(period=scope.period, assignment__in=assignments)
        .exclude(note="")
        .order_by()
        .values_list("assignment_id", "created_at", "note")
    ):
        notes[assignment_id].append((created_at, note))

    lead = Assignment.Role.LEAD.value
    position = {task[0]: index for index, task in enumerate(tasks)}
    agencies, roles = len(rank), 2 * len(rank)
    rows.sort(key=lambda r: position[r[0]] * roles + (0 if r[1] == lead else agencies) + rank[r[2]])
    labels = {group: str(label) for group, label in TIMELINESS_LABELS.items()}
    section, at, end = None, 0, len(rows)
    for task_id, section_id, section_number, section_title, number, description, deadline in tasks:
        if section_id != section:
            section = section_id
            yield "section", [section_number, section_title]
        leads, supports, lead_groups, groups = {}, {}, [], []
        extended, notes_text, evidence_count = [], [], 0
        while at < end and rows[at][0] == task_id:
            _, role, agency_id, source_text, extended_to, timeliness, pk = rows[at]
            at += 1
            agency = names[agency_id]
            # As the annex named the agencies: a collective name once (`export.agency_text`).
            if role == lead:
                leads[source_text or agency] = None
                lead_groups.append(timeliness)
            else:
                supports[source_text or agency] = None
            groups.append(timeliness)
            if extended_to:
                extended.append(f"{agency} đã gia hạn đến {extended_to:%d/%m/%Y}")
            if pk in notes:
                notes_text.extend(f"{agency}: {note}" for _, note in sorted(notes[pk], key=_first))
            evidence_count += evidence.get(pk, 0)
        yield (
            "task",
            [
                number,
                description,
                "; ".join(leads),
                "; ".join(supports),
                # The annex's wording, and the extensions granted (gia hạn): the groups count
                # against them.
                "\n".join([deadline or "—", *extended]) if extended else deadline,
                _group_text(lead_groups or groups, labels),
                "\n".join(notes_text),
                evidence_count,
            ],
        )


def _first(pair):
    return pair[0]


def _group_text(groups: list[str], labels: dict[str, str]) -> str:
    """A task's status group from its lead agencies' (or, with none, all its agencies'): one
    label, or a breakdown when they differ."""
    counts = Counter(groups)
    if len(counts) == 1:
        return labels[groups[0]]
    return "; ".join(f"{labels[g]}: {counts[g]}" for g in GROUPS if counts[g])


WIDTHS = [7, 60, 28, 28, 20, 24, 60, 12]


def _row_height(values) -> float:
    """Rows are sized here: LibreOffice does not grow rows for wrapped text when opening a file."""

    def lines(value, width) -> int:
        chars = max(width - 2, 1)
        return sum(max(1, -(-len(part) // chars)) for part in str(value or "").split("\n"))

    return 15 * min(max(lines(v, w) for v, w in zip(values, WIDTHS, strict=False)), 40)


def _heading(subject: ReportSubject, fields: ReportDocument):
    return document_heading(
        province_name=subject.province_name,
        city=subject.city,
        number=fields.number,
        day=subject.scope.today,
    )


def report_workbook(subject: ReportSubject, fields: ReportDocument | None = None):
    """The report's workbook down to its table's header: (workbook, sheet, header row)."""
    scope = subject.scope
    workbook = Workbook()  # not write-only: the heading's merges and print settings are needed
    sheet = workbook.active
    sheet.title = "Báo cáo"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    title = f"KẾT QUẢ THỰC HIỆN {subject.title.upper()}"
    period = period_label(scope.period).upper()
    if not title.endswith(period):  # a province's year report is already "… CHỈ SỐ NĂM 2024"
        title = f"{title} – {period}"
    dates = f"(Số liệu từ {scope.period_start:%d/%m/%Y} đến {scope.as_of:%d/%m/%Y}; "
    header_row = xlsx_heading(
        sheet,
        _heading(subject, fields or ReportDocument()),
        title_lines=[title, f"{dates}{subject.province_name})"],
        left="A:B",
        right="F:H",
    )
    sheet.append([safe_cell(sheet, text, bold=True, wrap=True) for text in REPORT_HEADER])
    sheet.row_dimensions[header_row].height = _row_height(REPORT_HEADER)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = f"A{header_row + 1}"
    return workbook, sheet, header_row


def report_xlsx(subject: ReportSubject, fields: ReportDocument | None = None) -> bytes:
    """The report as a sheet laid out like the annex under the document's heading, sized to
    print landscape on A4; the panes are frozen below the table's header.

    The heading and the header are openpyxl's cells; the table's rows (a province's year at
    ten times the national data: ~10,000 tasks) are written as XML text by `AppendedRows`,
    each section's title merged across the columns after "TT": the same cells, styles,
    heights and merges as cell by cell (tested), without a cell object per value or
    openpyxl's merge bookkeeping (which compares each new range with every earlier one)."""
    workbook, sheet, header_row = report_workbook(subject, fields)
    # The styles `safe_cell` gives the header and the rows: made once, numbered in order.
    section_style = safe_cell(sheet, None, bold=True, wrap=True)._style
    task_style = safe_cell(sheet, None, wrap=True)._style
    merge = (2, len(REPORT_HEADER))
    rows = AppendedRows(sheet, first_row=header_row + 1)
    for kind, values in report_rows(subject):
        if kind == "section":
            rows.append(values, style=section_style, height=18, merge=merge)
        else:
            rows.append(values, style=task_style, height=_row_height(values))
    return workbook_bytes(workbook, appended=[rows])


def report_summary_sentences(totals: dict) -> list[str]:
    total = totals["total"]
    done = totals[Timeliness.DONE_ON_TIME] + totals[Timeliness.DONE_LATE]
    return [
        f"Tổng số {total} lượt nhiệm vụ được giao cho các cơ quan, đơn vị (chủ trì và phối hợp).",
        f"Đã hoàn thành {done} lượt ({format_percent(done, total)}), trong đó hoàn thành đúng hạn "
        f"{totals[Timeliness.DONE_ON_TIME]}, hoàn thành quá hạn {totals[Timeliness.DONE_LATE]}.",
        f"Đang thực hiện trong hạn {totals[Timeliness.ON_TRACK]} lượt; sắp đến hạn "
        f"{totals[Timeliness.DUE_SOON]}; quá hạn {totals[Timeliness.OVERDUE]}; không có thời hạn "
        f"(thường xuyên, định kỳ, theo sự kiện) {totals[Timeliness.NO_DEADLINE]}.",
        f"Còn {totals['not_reported']} lượt nhiệm vụ chưa có báo cáo kết quả trong kỳ.",
    ]


def report_docx(subject: ReportSubject, fields: ReportDocument | None = None) -> bytes:
    """The Word draft in the layout of Nghị định 30/2020/NĐ-CP: heading table, "BÁO CÁO" and
    its trích yếu, the body, then nơi nhận and the signature block."""
    fields = fields or ReportDocument()
    scope = subject.scope
    totals = dashboard_totals(scope)
    agencies = dashboard_by_agency(scope)
    document = Document()
    docx_page_setup(document)
    docx_heading(
        document,
        _heading(subject, fields),
        kind="BÁO CÁO",
        title=f"Kết quả thực hiện {subject.title}",
    )
    document.add_paragraph(
        f"{period_label(scope.period)} (số liệu từ {scope.period_start:%d/%m/%Y} đến {scope.as_of:%d/%m/%Y}), "
        f"{xml_text(subject.province_name)}."
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading("I. KẾT QUẢ THỰC HIỆN", level=1)
    for sentence in report_summary_sentences(totals):
        _body(document, sentence)

    document.add_heading("II. KẾT QUẢ THEO CƠ QUAN, ĐƠN VỊ", level=1)
    columns = [
        "Cơ quan",
        "Chủ trì",
        "Phối hợp",
        *[str(TIMELINESS_LABELS[g]) for g in GROUPS],
        "Chưa báo cáo",
    ]
    # The table and the overdue list are written as XML and parsed once: python-docx looks for
    # each new element's place among its siblings (a draft of a province's year at ten times
    # the data has ~7,000 overdue lines). The elements are the ones python-docx writes
    # (`cell.text`, `cell.width`, `run.font.size`, `paragraph.style`; tested).
    table = document.add_table(rows=0, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    # A wide first column for agency names, narrow ones for the counts (widths are per cell).
    widths = [Cm(4.2) if index == 0 else Cm(1.35) for index in range(len(columns))]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    rows = [columns]
    for row in agencies:
        rows.append(
            [
                xml_text(row["agency__name"]),
                row["led"],
                row["supported"],
                *[row[g] for g in GROUPS],
                row["not_reported"],
            ]
        )
    cells = [f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w.twips}"/></w:tcPr>' for w in widths]
    _append_xml(
        table._tbl,
        (
            "<w:tr>"
            + "".join(
                f"{cell}<w:p>{_run_xml(str(value), _TABLE_RUN)}</w:p></w:tc>"
                for cell, value in zip(cells, values, strict=True)
            )
            + "</w:tr>"
            for values in rows
        ),
    )

    document.add_heading("III. NHIỆM VỤ QUÁ HẠN", level=1)
    overdue = _overdue(scope)
    if not overdue:
        _body(document, "Không có nhiệm vụ quá hạn.")
    bullet, bullet_2 = (
        f'<w:p><w:pPr><w:pStyle w:val="{document.styles[name].style_id}"/></w:pPr>'
        for name in ("List Bullet", "List Bullet 2")
    )
    lines = []
    for agency, items in overdue.items():
        lines.append(f"{bullet}{_run_xml(xml_text(agency))}</w:p>")
        for number, description, due_on, extended_to in items:
            due = f"hạn {due_on:%d/%m/%Y}"
            if extended_to:
                due = f"đã gia hạn đến {extended_to:%d/%m/%Y}, hạn gốc {due_on:%d/%m/%Y}"
            text = xml_text(f"{number}. {description} ({due})")
            lines.append(f"{bullet_2}{_run_xml(text)}</w:p>")
    _append_xml(document.element.body, lines)

    document.add_heading("IV. ĐỀ XUẤT, KIẾN NGHỊ", level=1)
    _body(document, "(Sở Nội vụ bổ sung.)")
    docx_closing(
        document,
        recipients=fields.recipients,
        signer_title=fields.signer_title,
        signer_name=fields.signer_name,
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _body(document, text: str) -> None:
    """A paragraph of the body as NĐ 30 sets it: justified, first line indented, 6 pt after."""
    paragraph = document.add_paragraph(xml_text(text))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(6)


def _overdue(scope: DashboardScope) -> dict[str, list[tuple]]:
    """The overdue assignments by agency name, as (task number, description, due date,
    extended to) tuples, the earliest due first."""
    rows = (
        scope.assignments()
        .filter(timeliness_q(Timeliness.OVERDUE, scope.as_of))
        .alias(due=due_expression())
        .order_by("agency__name", "due")
        .values_list(
            "agency__name", "task__number", "task__description", "task__due_on", "extended_to"
        )
    )
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for agency, *row in rows:
        grouped[agency].append(tuple(row))
    return dict(grouped)


# A table cell's run: 10 pt (`run.font.size = Pt(10)`: half-points).
_TABLE_RUN = '<w:rPr><w:sz w:val="20"/></w:rPr>'
_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _run_xml(text: str, properties: str = "") -> str:
    """A w:r holding `text` as python-docx writes `run.text = text`: a tab as w:tab, a line
    break (CR or LF) as w:br, the rest in w:t (whitespace kept where it starts or ends one)."""
    parts = [f"<w:r>{properties}"]
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            escaped = piece.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            parts.append(f"<w:t{space}>{escaped}</w:t>")
    parts.append("</w:r>")
    return "".join(parts)


def _append_xml(parent, elements) -> None:
    """Parse `elements` (w: XML strings) at once and add them at the end of `parent`, before
    its w:sectPr if it has one (a document's body)."""
    parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(elements)}</w:body>")
    anchor = parent.find(qn("w:sectPr"))
    for element in list(parsed):
        if anchor is None:
            parent.append(element)
        else:
            anchor.addprevious(element)
