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
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from openpyxl import Workbook

from parindex.core.numbers import format_percent
from plans.dashboard import GROUPS, DashboardScope, dashboard_by_agency, dashboard_totals
from plans.files.documents import (
    document_heading,
    docx_closing,
    docx_heading,
    docx_page_setup,
    xlsx_heading,
)
from plans.files.export import agency_text, safe_cell, xml_text
from plans.models import Assignment, Plan, ProgressUpdate, Task
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


@dataclass(frozen=True, slots=True)
class _Named:
    name: str


@dataclass(slots=True)
class _ReportAssignment:
    """What the report shows of an assignment, read as a tuple (a province-year is ~12,000
    assignments: model instances were half the report's time)."""

    role: str
    source_text: str
    agency: _Named
    extended_to: object
    timeliness: str
    evidence_count: int
    period_notes: list


def _tasks(subject: ReportSubject) -> Iterator[tuple[tuple, list[_ReportAssignment]]]:
    """The report's tasks in order, as (pk, section_id, section number, section title, number,
    description, deadline text) tuples, each with its assignments (role, then agency name)."""
    scope = subject.scope
    tasks = list(
        Task.objects.filter(pk__in=scope.assignments().values("task_id"))
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
    task_ids = [task[0] for task in tasks]
    # The agencies the annex names now: one no longer named is not reported on (its history
    # stays on the task page).
    rows = (
        Assignment.objects.filter(unassigned_at__isnull=True, task_id__in=task_ids)
        .annotate(timeliness=timeliness_case(scope.as_of))
        .annotate(
            evidence_count=Count("updates__evidence", filter=Q(updates__period=scope.period)),
        )
        .order_by("role", "agency__name")
        .values_list(
            "pk",
            "task_id",
            "role",
            "source_text",
            "agency__name",
            "extended_to",
            "timeliness",
            "evidence_count",
        )
    )
    agencies: dict[str, _Named] = {}
    by_pk: dict[int, _ReportAssignment] = {}
    by_task: dict[int, list[_ReportAssignment]] = defaultdict(list)
    for pk, task_id, role, source_text, agency, extended_to, timeliness, evidence in rows:
        named = agencies.get(agency) or agencies.setdefault(agency, _Named(agency))
        row = _ReportAssignment(role, source_text, named, extended_to, timeliness, evidence, [])
        by_pk[pk] = row
        by_task[task_id].append(row)
    notes = (
        ProgressUpdate.objects.filter(
            period=scope.period,
            assignment__task_id__in=task_ids,
            assignment__unassigned_at__isnull=True,
        )
        .exclude(note="")
        .order_by("created_at")
        .values_list("assignment_id", "note")
    )
    for assignment_id, note in notes:
        by_pk[assignment_id].period_notes.append(note)
    for task in tasks:
        yield task, by_task[task[0]]


def _group_text(assignments: list[_ReportAssignment]) -> str:
    """A task's status group from its lead agencies: one label, or a breakdown when they differ."""
    leads = [a for a in assignments if a.role == Assignment.Role.LEAD] or assignments
    counts = Counter(a.timeliness for a in leads)
    if len(counts) == 1:
        return str(TIMELINESS_LABELS[next(iter(counts))])
    return "; ".join(f"{TIMELINESS_LABELS[g]}: {counts[g]}" for g in GROUPS if counts[g])


def _deadline_text(deadline_text: str, assignments: list[_ReportAssignment]) -> str:
    """The annex's wording, and the extensions granted (gia hạn): the groups count against them."""
    extended = [
        f"{a.agency.name} đã gia hạn đến {a.extended_to:%d/%m/%Y}"
        for a in assignments
        if a.extended_to
    ]
    if not extended:
        return deadline_text
    return "\n".join([deadline_text or "—", *extended])


def report_rows(subject: ReportSubject):
    """(kind, values) rows in the annex layout: "section" rows, then "task" rows."""
    section = None
    for task, assignments in _tasks(subject):
        _, section_id, section_number, section_title, number, description, deadline = task
        if section_id != section:
            section = section_id
            yield "section", [section_number, section_title]
        notes = [f"{a.agency.name}: {note}" for a in assignments for note in a.period_notes]
        yield (
            "task",
            [
                number,
                description,
                agency_text(assignments, Assignment.Role.LEAD),
                agency_text(assignments, Assignment.Role.SUPPORT),
                _deadline_text(deadline, assignments),
                _group_text(assignments),
                "\n".join(notes),
                sum(a.evidence_count for a in assignments),
            ],
        )


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


def report_xlsx(subject: ReportSubject, fields: ReportDocument | None = None) -> bytes:
    """The report as a sheet laid out like the annex under the document's heading, sized to
    print landscape on A4; the panes are frozen below the table's header."""
    scope = subject.scope
    workbook = Workbook()  # not write-only: row heights and print settings are needed
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
    # Counted: `sheet.max_row` reads every cell of the sheet, on every row.
    for row, (kind, values) in enumerate(report_rows(subject), start=header_row + 1):
        sheet.append([safe_cell(sheet, v, bold=kind == "section", wrap=True) for v in values])
        if kind == "section":
            sheet.merge_cells(
                start_row=row, start_column=2, end_row=row, end_column=len(REPORT_HEADER)
            )
        sheet.row_dimensions[row].height = 18 if kind == "section" else _row_height(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, columns, strict=True):
        cell.text = text
    for row in agencies:
        values = [
            row["agency__name"],
            row["led"],
            row["supported"],
            *[row[g] for g in GROUPS],
            row["not_reported"],
        ]
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = xml_text(str(value))
    # A wide first column for agency names, narrow ones for the counts (widths are per cell).
    for index, column in enumerate(table.columns):
        column.width = Cm(4.2) if index == 0 else Cm(1.35)
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Cm(4.2) if index == 0 else Cm(1.35)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)

    document.add_heading("III. NHIỆM VỤ QUÁ HẠN", level=1)
    overdue = _overdue(scope)
    if not overdue:
        _body(document, "Không có nhiệm vụ quá hạn.")
    # python-docx finds a style named on a paragraph by reading every style of the document:
    # hundreds of overdue lines spent half the draft's time there. Found once, set by id.
    bullet, bullet_2 = (document.styles[name].style_id for name in ("List Bullet", "List Bullet 2"))
    for agency, items in overdue.items():
        document.add_paragraph(xml_text(agency))._p.style = bullet
        for assignment in items:
            task = assignment.task
            due = f"hạn {task.due_on:%d/%m/%Y}"
            if assignment.extended_to:
                due = f"đã gia hạn đến {assignment.extended_to:%d/%m/%Y}, hạn gốc {task.due_on:%d/%m/%Y}"
            line = document.add_paragraph(xml_text(f"{task.number}. {task.description} ({due})"))
            line._p.style = bullet_2

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


def _overdue(scope: DashboardScope) -> dict[str, list[Assignment]]:
    rows = (
        scope.assignments()
        .filter(timeliness_q(Timeliness.OVERDUE, scope.as_of))
        .select_related("task", "agency")
        .alias(due=due_expression())
        .order_by("agency__name", "due")
    )
    grouped: dict[str, list[Assignment]] = defaultdict(list)
    for assignment in rows:
        grouped[assignment.agency.name].append(assignment)
    return dict(grouped)
