"""A plan written back as annex workbooks, in the layout the import reads.

Rows are produced by `plan_annex_rows` and written with openpyxl's write-only mode, so a plan
of any size exports in constant memory, and importing the export into the same plan reports
every task unchanged (tested).
"""

import io
import weakref
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray

from agencies.models import Province
from plans.files.sheet_rows import FORMULA_START, SheetRows, workbook_bytes, xml_text
from plans.models import Assignment, Plan, Task
from plans.timeliness import TIMELINESS_LABELS

HEADER = [
    "TT",
    "Nhiệm vụ, giải pháp",
    "Kết quả, sản phẩm",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
]
WIDTHS = [7, 70, 30, 30, 30, 22]


@dataclass
class AnnexRow:
    kind: str  # "title", "header", "section", "task", "blank"
    values: list


def agency_text(assignments: list[Assignment], role: str) -> str:
    """The agencies as the annex named them: a collective name once, not each member."""
    names: list[str] = []
    for assignment in assignments:
        if assignment.role != role:
            continue
        name = assignment.source_text or assignment.agency.name
        if name not in names:
            names.append(name)
    return "; ".join(names)


def plan_annex_rows(plan: Plan) -> Iterator[tuple[str, AnnexRow]]:
    """(sheet name, row) pairs in annex order; withdrawn tasks, and agencies the annex no longer
    names, are left out."""
    named = Assignment.objects.filter(unassigned_at__isnull=True).select_related("agency")
    tasks = (
        Task.objects.filter(plan=plan, withdrawn_at__isnull=True)
        .select_related("section")
        .prefetch_related(Prefetch("assignments", queryset=named))
        .order_by("position")
    )
    plan_line = f"(Kèm theo Kế hoạch số {plan.number}"
    if plan.issued_on:
        day = plan.issued_on
        plan_line += f" ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    plan_line += f" của UBND tỉnh {plan.province.name})"
    if not plan.issued_on:
        plan_line = plan_line[:-1] + f", năm {plan.year})"

    source_sheet, sheet, section = None, None, None
    for task in tasks.iterator(chunk_size=2000):
        if task.section.sheet != source_sheet or sheet is None:
            source_sheet, section = task.section.sheet, None
            sheet = source_sheet or "Phụ lục"
            yield sheet, AnnexRow("title", [task.section.annex or sheet])
            yield sheet, AnnexRow("title", [plan_line])
            yield sheet, AnnexRow("blank", [])
            yield sheet, AnnexRow("header", HEADER)
        if task.section_id != section:
            section = task.section_id
            yield sheet, AnnexRow("section", [task.section.number, task.section.title])
        assignments = list(task.assignments.all())
        yield (
            sheet,
            AnnexRow(
                "task",
                [
                    task.number,
                    task.description,
                    task.expected_result,
                    agency_text(assignments, Assignment.Role.LEAD),
                    agency_text(assignments, Assignment.Role.SUPPORT),
                    task.deadline_text,
                ],
            ),
        )


def safe_cell(sheet, value, *, bold=False, wrap=False) -> Cell:
    """Every cell of every workbook parindex writes (plan export, task list, periodic report)
    is made here, so user text can never become a formula.

    openpyxl stores a string starting with "=" as a formula; Excel and LibreOffice also run
    text typed as "+...", "-...", "@..." (and after a tab or CR) when the cell is edited. Such
    text is stored as a string cell (`data_type` "s") with the quotePrefix style, which keeps
    it text even when someone edits the cell, and shows no apostrophe. The value itself is
    unchanged, so "- gạch đầu dòng" reads back exactly as it was written.
    """
    if isinstance(value, Promise):  # translated labels
        value = str(value)
    if isinstance(value, str):
        value = xml_text(value)
    cell = WriteOnlyCell(sheet, value=value)  # a plain Cell: also fits a normal worksheet
    if bold or wrap:
        cell._style = copy(_style_array(sheet, bold=bold, wrap=wrap))
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


# A workbook's bold and wrapped styles, made once: setting `cell.font` and `cell.alignment`
# looks the style up in the workbook's lists by hashing it, which was a fifth of a report's
# time (two per cell). The copied array holds the same ids, so the file is the same.
_STYLE_ARRAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _style_array(sheet, *, bold: bool, wrap: bool) -> StyleArray:
    arrays = _STYLE_ARRAYS.setdefault(sheet.parent, {})
    if (bold, wrap) not in arrays:
        cell = WriteOnlyCell(sheet)
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        arrays[bold, wrap] = cell._style
    return arrays[bold, wrap]


def plan_export_xlsx(plan: Plan) -> bytes:
    workbook = Workbook(write_only=True)
    sheets = {}
    for name, row in plan_annex_rows(plan):
        if name not in sheets:
            sheets[name] = workbook.create_sheet(title=name[:31])
            for index, width in enumerate(WIDTHS):
                sheets[name].column_dimensions[chr(ord("A") + index)].width = width
        sheet = sheets[name]
        bold = row.kind in {"title", "header", "section"}
        sheet.append([safe_cell(sheet, v, bold=bold, wrap=row.kind == "task") for v in row.values])
    if not sheets:
        sheet = workbook.create_sheet("Phụ lục")
        sheet.append(HEADER)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ASSIGNMENT_HEADER = [
    "Kế hoạch",
    "Mục",
    "TT",
    "Nhiệm vụ",
    "Cơ quan",
    "Vai trò",
    "Tiến độ",
    "Ngày hoàn thành",
    "Hạn hoàn thành",
    "Thời gian thực hiện (nguyên văn)",
    "Thời hạn",
    # The due date Sở Nội vụ granted the agency (gia hạn), which "Thời hạn" counts against;
    # "Hạn hoàn thành" stays the plan's. Last, so the earlier columns keep their places.
    "Gia hạn đến",
]


def assignments_export_xlsx(assignments, *, today, provinces: bool = False) -> bytes:
    """The task list as a workbook: one row per assignment, the same rows as the page. With
    `provinces` (the user sees more than one, `plans.selectors.list_shows_province`), the
    "Kế hoạch" cell names the plan's province as the page does: plan numbers restart in
    every province.

    Read as tuples rather than model instances and written by `SheetRows` rather than a cell
    object per value: 35,000 rows of a province in about a second (see README, Performance)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhiệm vụ")
    for index, width in enumerate([16, 30, 7, 70, 30, 10, 16, 14, 14, 24, 22, 14]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    with SheetRows(sheet) as out:
        out.append(ASSIGNMENT_HEADER, bold=True)
        _assignment_rows(out, assignments, provinces=provinces)
    return workbook_bytes(workbook)


def _assignment_rows(out: SheetRows, assignments, *, provinces: bool) -> None:
    # About a hundred provinces (old and new), read once rather than joined to every row.
    names = {p.pk: p.short_label() for p in Province.objects.all()} if provinces else {}
    roles, statuses = dict(Assignment.Role.choices), dict(Assignment.Status.choices)
    roles = {k: str(v) for k, v in roles.items()}
    statuses = {k: str(v) for k, v in statuses.items()}
    labels = {k: str(v) for k, v in TIMELINESS_LABELS.items()}
    rows = assignments.values_list(
        "task__plan__number",
        "task__plan__year",
        "task__plan__province_id",
        "task__section__number",
        "task__section__title",
        "task__section__position",
        "task__number",
        "task__description",
        "agency__name",
        "role",
        "status",
        "completed_on",
        "task__due_on",
        "extended_to",
        "task__deadline_text",
        "timeliness",
    )
    for (
        plan_number,
        plan_year,
        province_id,
        section_number,
        section_title,
        section_position,
        number,
        description,
        agency,
        role,
        status,
        completed_on,
        due_on,
        extended_to,
        deadline_text,
        timeliness,
    ) in rows.iterator(chunk_size=2000):
        # As Section.__str__ shows it.
        section = " ".join(p for p in (section_number, section_title) if p) or (
            f"Mục {section_position}"
        )
        plan = f"{plan_number} ({plan_year})"
        if provinces:
            plan = f"{plan} – {names[province_id]}"  # as Plan.picker_label
        out.append(
            (
                plan,
                section,
                number,
                description,
                agency,
                roles[role],
                statuses[status],
                completed_on,
                due_on,
                deadline_text,
                labels[timeliness],
                extended_to,
            )
        )
