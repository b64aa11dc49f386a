"""Plan details written in the title rows above an annex table, or in a Word plan's heading.

"(Ban hành kèm theo Kế hoạch số 22/KH-UBND ngày 22 tháng 01 năm 2018 của Ủy ban nhân dân tỉnh
Bắc Kạn)" gives the number, the date and the province; "(Kèm theo Kế hoạch của UBND tỉnh Bắc Kạn,
tháng 7 năm 2022)" gives at least the year. A Word plan's heading block gives its number ("Số:
153/KH-UBND"), its place and date ("Yên Bái, ngày 03 tháng 7 năm 2023") and, under "KẾ HOẠCH",
its title (`details_from_body`).
"""

import contextlib
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
    place: str = ""  # where a Word plan says it was issued ("Yên Bái")
    title: str = ""  # a Word plan's title, the lines under "KẾ HOẠCH"


def title_lines(sheet: Sheet, header_first_row: int) -> list[str]:
    lines = list(sheet.heading)
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


_BODY_NUMBER = re.compile(
    r"^\s*Số\s*:?\s*(\d+[^\s/]*\s*/\s*[A-Za-zĐđ]+(?:\s*-\s*[A-Za-zĐđ]+)*)", re.I
)
_BODY_PLACE_DATE = re.compile(
    r"^\s*(?P<place>[^\W\d][^\d,\n]{1,40}?)\s*,\s*ngày\s*(?P<day>\d{1,2})?\s*"
    r"tháng\s*(?P<month>\d{1,2})?\s*năm\s*(?P<year>\d{4})",
    re.I,
)
_PLAN_WORD = "KẾ HOẠCH"
_RULE = re.compile(r"^[\s\-_–—*=.]{3,}$")


def details_from_body(lines: list[str]) -> TitleDetails:
    """A Word plan's number, place, date and title from its heading block and title lines
    (`Workbook.front_lines`): "Số: 153/KH-UBND", "Yên Bái, ngày 03 tháng 7 năm 2023", and the
    lines under "KẾ HOẠCH" down to a blank line or a rule."""
    details = TitleDetails()
    for line in lines:
        if not details.number and (match := _BODY_NUMBER.match(line)):
            details.number = re.sub(r"\s+", "", match[1])
        if not details.place and (match := _BODY_PLACE_DATE.match(line)):
            details.place = match["place"].strip()
            details.year = int(match["year"])
            if match["day"] and match["month"]:
                with contextlib.suppress(ValueError):
                    details.issued_on = datetime.date(
                        details.year, int(match["month"]), int(match["day"])
                    )
    starts = [i for i, line in enumerate(lines) if line.strip().upper() == _PLAN_WORD]
    if starts:
        title: list[str] = []
        for line in lines[starts[0] + 1 :]:
            text = line.strip()
            if not text or _RULE.match(text):
                if title:
                    break
                continue
            title.append(text)
        details.title = re.sub(r"\s+", " ", " ".join(title)).strip()
    return details
