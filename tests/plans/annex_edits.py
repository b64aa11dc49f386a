"""Revising a real annex workbook the way staff do: insert, delete and move rows, renumber,
retype a cell, rename the sheet, and save a copy.

openpyxl's insert_rows and delete_rows leave merged ranges where they were, so a sheet is read
here into a list of rows, each carrying its cells' values and styles and its part of the merged
ranges, edited as a list, and written back with the ranges rebuilt from the rows:
- a range merged across one row (a section title over B:D, a title row) moves with its row;
- a range merged down a column (a deadline shared by several tasks) is remembered on each of
  its rows as one block; rows of a block that end up next to each other are merged again, and a
  row that leaves its block (moved, or its neighbour deleted or a row inserted between) keeps
  the block's value as its own cell.
"""

import copy
import string
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

NUMBER, DESCRIPTION = 0, 1  # columns A and B, in both annex layouts


@dataclass
class Row:
    values: list  # one per column; each row of a block merged down holds the block's value
    styles: list  # openpyxl's style of each cell
    height: float | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # (first, last) column, 1-based
    down: dict[int, object] = field(default_factory=dict)  # column → its block merged down

    @property
    def number(self) -> str:
        value = self.values[NUMBER]
        return "" if value is None else str(value).strip()

    @property
    def description(self) -> str:
        return self.values[DESCRIPTION] or ""

    @property
    def is_section(self) -> bool:
        """A section row: its title merged across the table from column B."""
        return any(first == DESCRIPTION + 1 for first, _last in self.spans)


class AnnexSheet:
    def __init__(self, worksheet):
        self.worksheet = worksheet
        self.width = worksheet.max_column
        self.rows: list[Row] = []
        for cells in worksheet.iter_rows(min_row=1, max_row=worksheet.max_row, max_col=self.width):
            self.rows.append(
                Row(
                    values=[cell.value for cell in cells],
                    styles=[copy.copy(cell._style) for cell in cells],
                    height=worksheet.row_dimensions[cells[0].row].height,
                )
            )
        for merged in worksheet.merged_cells.ranges:
            if merged.min_row == merged.max_row:
                self.rows[merged.min_row - 1].spans.append((merged.min_col, merged.max_col))
            elif merged.min_col == merged.max_col:
                block = object()
                value = self.rows[merged.min_row - 1].values[merged.min_col - 1]
                for index in range(merged.min_row - 1, merged.max_row):
                    self.rows[index].down[merged.min_col] = block
                    self.rows[index].values[merged.min_col - 1] = value
            else:
                raise ValueError(f"a range merged both ways is not handled: {merged.coord}")
        self.header = next(i for i, row in enumerate(self.rows) if row.number == "TT")

    # Finding rows --------------------------------------------------------------------------

    def sections(self) -> list[int]:
        """Indexes of the section rows, top to bottom."""
        return [i for i in range(self.header + 1, len(self.rows)) if self.rows[i].is_section]

    def section(self, ordinal: int) -> int:
        """The index of the section row of the `ordinal`-th section (1-based, in sheet order)."""
        return self.sections()[ordinal - 1]

    def block(self, ordinal: int) -> range:
        """The section's rows: its section row and its tasks."""
        start = self.section(ordinal)
        end = start + 1
        while end < len(self.rows) and not self.rows[end].is_section:
            end += 1
        return range(start, end)

    def tasks(self, ordinal: int) -> list[int]:
        """The section's task rows (a row inserted without a number yet counts)."""
        return [
            i for i in self.block(ordinal)[1:] if self.rows[i].number or self.rows[i].description
        ]

    def task(self, ordinal: int, k: int) -> int:
        """The index of the `k`-th task (1-based) of the `ordinal`-th section."""
        return self.tasks(ordinal)[k - 1]

    def find(self, start: str) -> int:
        found = [i for i, row in enumerate(self.rows) if row.description.startswith(start)]
        assert len(found) == 1, (start, found)
        return found[0]

    # Editing -------------------------------------------------------------------------------

    def set(self, index: int, column: str, value) -> None:
        """Type a cell; a cell merged down is set for this row alone (its block is split)."""
        col = string.ascii_uppercase.index(column) + 1
        row = self.rows[index]
        row.values[col - 1] = value
        row.down.pop(col, None)

    def insert(self, index: int, values: list, *, like: int) -> int:
        """A new row at `index`, styled like the row at `like` (its merges are not copied)."""
        template = self.rows[like]
        values = list(values) + [None] * (self.width - len(values))
        self.rows.insert(
            index,
            Row(
                values=values,
                styles=[copy.copy(s) for s in template.styles],
                height=template.height,
            ),
        )
        return index

    def delete(self, index: int) -> Row:
        return self.rows.pop(index)

    def move(self, index: int, to: int) -> None:
        """Move the row at `index` so that it is at `to` once removed from where it was."""
        self.rows.insert(to, self.rows.pop(index))

    def move_block(self, ordinal: int, before_ordinal: int | None) -> None:
        """Move a whole section (its row and its tasks) before another section, or to the end."""
        block = self.block(ordinal)
        rows = self.rows[block.start : block.stop]
        del self.rows[block.start : block.stop]
        to = self.section(before_ordinal) if before_ordinal is not None else len(self.rows)
        self.rows[to:to] = rows

    def renumber_sections(self, number) -> None:
        """`number(ordinal)` → the section's new number."""
        for ordinal, index in enumerate(self.sections(), start=1):
            self.rows[index].values[NUMBER] = number(ordinal)

    def renumber_tasks(self, number) -> None:
        """`number(section_number, k)` → the k-th task's new number (1-based)."""
        for ordinal, index in enumerate(self.sections(), start=1):
            section_number = self.rows[index].number
            for k, task in enumerate(self.tasks(ordinal), start=1):
                self.rows[task].values[NUMBER] = number(section_number, k)

    # Writing -------------------------------------------------------------------------------

    def write(self) -> None:
        sheet = self.worksheet
        for merged in list(sheet.merged_cells.ranges):
            sheet.unmerge_cells(merged.coord)
        sheet.delete_rows(1, sheet.max_row)
        for r, row in enumerate(self.rows, start=1):
            for c in range(1, self.width + 1):
                cell = sheet.cell(r, c)
                cell.value = row.values[c - 1]
                cell._style = copy.copy(row.styles[c - 1])
            sheet.row_dimensions[r].height = row.height
            for first, last in row.spans:
                sheet.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
        for c in range(1, self.width + 1):
            start = 0
            while start < len(self.rows):
                block = self.rows[start].down.get(c)
                end = start
                while (
                    block is not None
                    and end + 1 < len(self.rows)
                    and self.rows[end + 1].down.get(c) is block
                ):
                    end += 1
                if end > start:  # rows of one block still together: one range again
                    sheet.merge_cells(
                        start_row=start + 1, start_column=c, end_row=end + 1, end_column=c
                    )
                start = end + 1


class AnnexWorkbook:
    """An annex workbook opened for revision: `sheet(name)` to edit, `save(path)` to write."""

    def __init__(self, path: Path):
        self.workbook = openpyxl.load_workbook(path)
        self._sheets: dict[str, AnnexSheet] = {}

    def sheet(self, name: str) -> AnnexSheet:
        if name not in self._sheets:
            self._sheets[name] = AnnexSheet(self.workbook[name])
        return self._sheets[name]

    def rename(self, name: str, new_name: str) -> None:
        self.workbook[name].title = new_name

    def save(self, path: Path) -> Path:
        for sheet in self._sheets.values():
            sheet.write()
        self.workbook.save(path)
        return path
