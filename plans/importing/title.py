"""Plan details written in the title rows above an annex table.

"(Ban hành kèm theo Kế hoạch số 22/KH-UBND ngày 22 tháng 01 năm 2018 của Ủy ban nhân dân tỉnh
Bắc Kạn)" gives the number, the date and the province; "(Kèm theo Kế hoạch của UBND tỉnh Bắc Kạn,
tháng 7 năm 2022)" gives at least the year.
"""

import datetime
import re
from dataclasses import dataclass

from plans.importing.workbook import Sheet

_NUMBER = re.compile(
    r"(?:Kế hoạch|KH)\s+số[:\s]*(\d+\s*/\s*[A-Za-zĐđ]+(?:\s*-\s*[A-Za-zĐđ]+)*)", re.I
)
_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_DATE_SLASH = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.I)
_YEAR = re.compile(r"(?:năm|/)\s*((?:19|20)\d{2})\b", re.I)
_PROVINCE = re.compile(
    r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:tỉnh|thành phố)\s+([^,;)\n]+)", re.I
)


@dataclass
class TitleDetails:
    number: str = ""
    issued_on: datetime.date | None = None
    year: int | None = None
    province_name: str = ""
    annex: str = ""  # the first title line, e.g. "PHỤ LỤC I"


def title_lines(sheet: Sheet, header_first_row: int) -> list[str]:
    lines = []
    for row in sheet.rows[: max(header_first_row - 1, 0)]:
        seen = []
        for cell in row:
            if isinstance(cell.value, str) and cell.origin and cell.value not in seen:
                seen.append(cell.value)
        lines.extend(seen)
    return lines


def details_from_lines(lines: list[str]) -> TitleDetails:
    details = TitleDetails(annex=lines[0].strip() if lines else "")
    text = "\n".join(lines)
    if match := _NUMBER.search(text):
        details.number = re.sub(r"\s+", "", match[1])
    for pattern in (_DATE_WORDS, _DATE_SLASH):
        if match := pattern.search(text):
            try:
                details.issued_on = datetime.date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                continue
            break
    if details.issued_on:
        details.year = details.issued_on.year
    elif match := _YEAR.search(text):
        details.year = int(match[1])
    if match := _PROVINCE.search(text):
        details.province_name = match[1].strip()
    return details
