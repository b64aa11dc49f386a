"""Walking an annex sheet's rows, below its header, into sections and tasks.

What real tables do, and how each is read:
- a section row opens a section: a row merged across the table ("I | SỞ NỘI VỤ CHỦ TRÌ THỰC
  HIỆN" over B:D), a Roman or plain number with only a title, a bold title with no agency or
  deadline, or number and title in one cell ("3 Trách nhiệm giải trình với nhân dân");
- a section title that names a lead gives that lead to its tasks when a task has none;
- a repeated header row, or the "(1) (2) (3)" row under it, is skipped;
- a row with no number directly under a task continues that task's cells;
- cells merged down a column (a deadline shared by several tasks) belong to every row.
"""

import datetime
import re
from dataclasses import dataclass, field

from plans.importing.agency_text import lead_from_section_title
from plans.importing.header import Header, is_column_number_row, is_repeated_header
from plans.importing.workbook import Cell, Sheet, cell_text

_ROMAN = re.compile(r"^[IVXLC]+$")
_NUMBER_AND_TITLE = re.compile(
    r"^(?P<number>[IVXLC]+|\d+(?:\.\d+)*)[.):]?\s+(?P<title>\S.*)$", re.S
)
_TEXT_ROLES = ("description", "expected_result", "lead", "support")


@dataclass
class Warning:
    sheet: str
    cell: str
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "cell": self.cell, "message": self.message}


@dataclass
class ParsedSection:
    sheet: str
    row: int
    number: str
    title: str
    position: int
    lead_text: str | None  # the lead named by the title ("SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN")


@dataclass
class ParsedTask:
    sheet: str
    row: int
    section: ParsedSection
    number: str
    description: str = ""
    expected_result: str = ""
    lead_text: str = ""
    support_text: str = ""
    lead_from_section: bool = False
    deadline_value: str | datetime.date | None = None
    deadline_cell: str = ""
    description_cell: str = ""


@dataclass
class SheetWalk:
    sheet: str
    header: Header
    annex: str = ""  # the annex's own title ("PHỤ LỤC I"), from the rows above the header
    sections: list[ParsedSection] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


def _number(value) -> str:
    return cell_text(value).rstrip(".").strip()


def _is_blank(value) -> bool:
    return cell_text(value) in {"", "-", "–"}


class _Row:
    def __init__(self, sheet: Sheet, row: int, header: Header):
        self.index = row
        self.cells: dict[str, Cell] = {
            role: sheet.cell(row, col) for role, col in header.columns.items()
        }
        self.header = header
        self.sheet = sheet

    def value(self, role: str):
        cell = self.cells.get(role)
        return None if cell is None else cell.value

    def text(self, role: str) -> str:
        return cell_text(self.value(role))

    def filled(self, roles) -> list[str]:
        return [role for role in roles if role in self.cells and not _is_blank(self.value(role))]

    def own_filled(self, roles) -> list[str]:
        """Filled cells that are not copies of a range merged from a row above."""
        return [
            role
            for role in self.filled(roles)
            if self.cells[role].origin or not self._merged_from_above(role)
        ]

    def _merged_from_above(self, role: str) -> bool:
        merge = self.cells[role].merge
        return merge is not None and merge[0] < self.index

    def spans_table(self) -> bool:
        """All non-number cells of the row are one range merged across columns."""
        others = [cell for role, cell in self.cells.items() if role != "number"]
        merges = {cell.merge for cell in others}
        if len(merges) != 1 or None in merges:
            return False
        merge = next(iter(merges))
        return merge[0] == merge[2] == self.index and merge[3] > merge[1]

    def bold(self, role: str) -> bool:
        cell = self.cells.get(role)
        return bool(cell and cell.bold)

    def ref(self, role: str) -> str:
        return Sheet.ref(self.index, self.header.columns[role])


def _section_from_row(row: _Row) -> tuple[str, str] | None:
    """(number, title) when the row opens a section, else None."""
    number = _number(row.value("number"))
    description = row.text("description")
    details = row.own_filled(("expected_result", "lead", "support", "deadline"))

    if row.spans_table() and (number or description):
        title = description or cell_text(
            next(iter(c.value for r, c in row.cells.items() if r != "number"))
        )
        return _split_number_title(number, title)
    if details:
        return None
    if number and description and _ROMAN.match(number):
        return number, description
    if not number and description:
        match = _NUMBER_AND_TITLE.match(description)
        if match and (row.bold("description") or _ROMAN.match(match["number"])):
            return match["number"], match["title"].strip()
    if number and not description:
        match = _NUMBER_AND_TITLE.match(number)
        if match:
            return match["number"], match["title"].strip()
    if description and row.bold("description") and "." not in number:
        return number, description
    return None


def _split_number_title(number: str, title: str) -> tuple[str, str]:
    if not number:
        match = _NUMBER_AND_TITLE.match(title)
        if match:
            return match["number"], match["title"].strip()
    return number, title


def walk_sheet(sheet: Sheet, header: Header, *, position_start: int = 0) -> SheetWalk:
    result = SheetWalk(sheet=sheet.name, header=header)
    section: ParsedSection | None = None
    previous_task: ParsedTask | None = None  # the task on the row just above, if any

    def open_section(row: int, number: str, title: str) -> ParsedSection:
        new = ParsedSection(
            sheet=sheet.name,
            row=row,
            number=number,
            title=title,
            position=position_start + len(result.sections),
            lead_text=lead_from_section_title(title),
        )
        result.sections.append(new)
        return new

    for index in range(header.row + 1, len(sheet.rows) + 1):
        row = _Row(sheet, index, header)
        if not row.filled(header.columns):
            previous_task = None
            continue
        if is_repeated_header(sheet, index, header) or is_column_number_row(sheet, index):
            previous_task = None
            continue

        found = _section_from_row(row)
        if found:
            section = open_section(index, *found)
            previous_task = None
            continue

        number = _number(row.value("number"))
        if not number and previous_task is not None:
            _continue_task(previous_task, row)
            continue

        if section is None:
            # Tasks before any section row: the sheet itself is their section.
            section = open_section(index, "", "")
        task = _task_from_row(row, section, number)
        if not number:
            result.warnings.append(
                Warning(sheet.name, row.ref("description"), "Nhiệm vụ không có số thứ tự.")
            )
        if not task.description:
            result.warnings.append(
                Warning(
                    sheet.name,
                    Sheet.ref(index, header.columns["description"]),
                    "Dòng có số thứ tự nhưng không có nội dung nhiệm vụ.",
                )
            )
        result.tasks.append(task)
        previous_task = task
    return result


def _task_from_row(row: _Row, section: ParsedSection, number: str) -> ParsedTask:
    task = ParsedTask(
        sheet=row.sheet.name,
        row=row.index,
        section=section,
        number=number,
        description=row.text("description"),
        expected_result=row.text("expected_result"),
        lead_text=row.text("lead"),
        support_text=row.text("support"),
        description_cell=row.ref("description"),
    )
    if not task.lead_text and section.lead_text:
        task.lead_text = section.lead_text
        task.lead_from_section = True
    if "deadline" in row.cells:
        value = row.value("deadline")
        task.deadline_value = value if isinstance(value, datetime.date) else cell_text(value)
        task.deadline_cell = row.ref("deadline")
    return task


def _continue_task(task: ParsedTask, row: _Row) -> None:
    """Append the row's own cells (not merged copies) to the task above."""
    for role in row.own_filled(_TEXT_ROLES):
        attribute = {"lead": "lead_text", "support": "support_text"}.get(role, role)
        if role == "lead" and task.lead_from_section:
            task.lead_text, task.lead_from_section = "", False
        current = getattr(task, attribute)
        setattr(task, attribute, f"{current}\n{row.text(role)}".strip())
    if "deadline" in row.own_filled(("deadline",)) and not _is_blank(row.value("deadline")):
        value = row.value("deadline")
        if isinstance(value, datetime.date) or not task.deadline_value:
            task.deadline_value = (
                value if isinstance(value, datetime.date) else row.text("deadline")
            )
        else:
            task.deadline_value = f"{task.deadline_value}\n{row.text('deadline')}"
