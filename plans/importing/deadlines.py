"""Read the free-text "Thời gian thực hiện" cell of an annex table.

Provinces write deadlines as prose: "Thường xuyên", "Định kỳ hàng quý", "Quý III-IV/2022",
"hết tháng 12/2022", "Khi Bộ Nội vụ xây dựng bộ tiêu chí mới". `parse_deadline` turns one cell
into a `Deadline` that keeps the original text beside what was understood from it.

It never guesses. A quarter or month without a year takes the plan's year or stays unparsed; an
impossible date ("31/02/2023", "Quý V/2023") or a vague one ("đầu năm 2023", "từ tháng 7/2023"
with no end) leaves the whole cell unparsed for a reviewer; and a date that belongs to a
document reference ("Nghị định số 90/2013/NĐ-CP ngày 08/8/2013 của Chính phủ") is never read as
a deadline.

How a cell is read:

1. split into clauses on ";" and line breaks ("Thực hiện báo cáo theo kỳ báo cáo; Tổ chức kiểm
   tra: Quý III-IV/2022" is two clauses);
2. fold each clause (lower case, no diacritics, one space) and blank out document references;
3. find the dated parts (days, quarters, months, parts of a year, years), join "X - Y" / "từ X
   đến Y" pairs, and read each part with the word in front of it ("trước", "hết", "từ", ...);
4. note recurring phrases ("hàng quý"), ongoing ones ("thường xuyên") and events ("khi ...");
5. combine: dated parts win (start = earliest start, due = latest due), then recurrence, then
   ongoing, then event.

Pure Python on purpose, no Django import: the importer, a review form and the tests all call it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from parindex.core.text import fold
from plans.importing.workbook import cell_text


class DeadlineKind:
    FIXED = "fixed"  # a due date, no known start: "trước ngày 20/6/2024", "hết tháng 12/2022"
    RANGE = "range"  # a window: "Quý IV/2022", "Tháng 01/2023", "Giai đoạn 2021-2025"
    ONGOING = "ongoing"  # "Thường xuyên": through the plan year, never overdue
    RECURRING = "recurring"  # "Định kỳ hàng quý", "theo kỳ báo cáo"
    EVENT = "event"  # "Sau khi được phê duyệt": no date until a reviewer sets one
    UNPARSED = "unparsed"  # empty, or not understood: kept as text for review


class Recurrence:
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    REPORTING_PERIOD = "reporting_period"


@dataclass(frozen=True)
class Deadline:
    text: str
    kind: str
    start: date | None
    due: date | None
    recurrence: str | None


# Years outside this window are typing mistakes or not years at all ("ISO 9001-2015").
_FIRST_YEAR = 1990
_LAST_YEAR = 2100

_DASHES = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"}
)
_CLAUSE_SPLIT = re.compile(r"[;\n\r]+")
_BULLET = re.compile(r"^[\s\-+*\u2022\u00b7]+")
_BLANK = "#"  # fills what has been read, so no later pattern reads it again

# --- Document references: "Nghị định số 90/2013/NĐ-CP ngày 08/8/2013 của Chính phủ" -----------

_ANY_DATE = r"\d{1,2}(?:[/.-]\d{1,2}[/.-]|\s*thang\s*\d{1,2}\s*nam\s*)\d{4}"
# A document number always ends in letter groups joined by "-" or "/": 90/2013/NĐ-CP, 22/KH-UBND,
# 08-NQ-TU, 22-NQ/TU. A deadline never does.
_DOC_NUMBER = r"\d+(?:[/-]\d+)*[/-][a-z]+(?:[/-][a-z]+)+\b"
_DOC_KEYWORD = (
    r"nghi dinh|quyet dinh|thong tu(?: lien tich)?|nghi quyet|chi thi|ke hoach|cong van"
    r"|van ban|thong bao|phap lenh|luat"
)
_DOC_REFERENCE = re.compile(
    rf"(?:\b(?:{_DOC_KEYWORD})\b\s*(?:so\s*)?|\bso\s*(?=\d))"  # "Nghị định số", "số"
    rf"(?:{_DOC_NUMBER}|\d[\w./-]*)?(?:\s*,?\s*ngay\s*{_ANY_DATE})?"  # its number, its date
    rf"|{_DOC_NUMBER}(?:\s*,?\s*ngay\s*{_ANY_DATE})?"  # "876/QĐ-BNV ngày ..." without keyword
    rf"|\bngay\s*{_ANY_DATE}(?=\s*cua\b)"  # "ngày 08/8/2013 của Chính phủ"
)

# --- Dated parts, tried in this order ------------------------------------------------------------

_LIST_JOINER = r"\s*(?:-|,|va|den|toi|&)\s*"  # "III-IV", "II, III", "I và II", "7 đến 9"
_YEAR_SEPARATOR = r"\s*(?:/|-|,|nam)?\s*"  # "Quý IV/2022", "Quý III năm 2018", "tháng 6 2023"
_QUARTER_NUMBER = r"(?:[ivx]+|\d{1,2})\b"

_WRITTEN_DATE = re.compile(
    r"\b(?:ngay\s*)?(?P<day>\d{1,2})\s*thang\s*(?P<month>\d{1,2})\s*nam\s*(?P<year>\d{4})(?!\d)"
)
# One separator throughout: "20/6/2024", "20-6-2024", "20.6.2024"; "tháng 3-5/2023" is months.
_NUMERIC_DATE = re.compile(
    r"(?<![\d/.-])(?<!thang )(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4})(?!\d)"
)
# "ngày 15/12" with no year: only after "ngày", "trước" or "hạn"; a bare "15/12" could be anything.
_DAY_WITHOUT_YEAR = re.compile(
    r"(?:(?<=ngay )|(?<=truoc )|(?<=han ))"
    r"(?P<day>\d{1,2})(?:[/.-]|\s*thang\s*)(?P<month>\d{1,2})(?![/.-]?\d)"
)
_QUARTERS = re.compile(
    rf"\bquy\s*(?P<items>{_QUARTER_NUMBER}(?:{_LIST_JOINER}(?:quy\s*)?{_QUARTER_NUMBER})*)"
    rf"(?:{_YEAR_SEPARATOR}(?P<year>\d+))?"
)
_MONTHS = re.compile(
    rf"\bthang\s*(?P<items>\d{{1,2}}(?!\d)(?:{_LIST_JOINER}(?:thang\s*)?\d{{1,2}}(?!\d))*)"
    rf"(?:{_YEAR_SEPARATOR}(?P<year>\d+))?"
)
_BARE_MONTH = re.compile(r"(?<![\d/.])(?P<month>\d{1,2})/(?P<year>\d{4})(?![\d/])")  # "01/2023"
# "6 tháng đầu năm 2023", "sáu tháng cuối năm", "nửa đầu năm 2023", "9 tháng năm 2023".
_PART_OF_YEAR = re.compile(
    r"\b(?:(?P<months>\d{1,2}|sau)\s*thang|(?P<half>nua))\s*(?P<which>dau|cuoi)?\s*(?:cua\s*)?"
    r"nam\b(?:\s*(?P<year>\d+))?"
)
_YEAR_RANGE = re.compile(
    r"(?<![\d/.-])(?:nam\s*)?(?P<first>\d{4})\s*(?:-|den|toi)\s*(?:nam\s*)?(?P<last>\d{4})(?![\d/])"
)
_END_OF_YEAR = re.compile(r"(?<=cuoi )nam\b(?!\s*(?:/|nam)?\s*\d)")  # "cuối năm", no year
_YEAR = re.compile(r"\bnam\s*(?P<year>\d{4})(?!\d)")
_WHOLE_YEAR = re.compile(r"^\s*(?P<year>\d{4})\s*\.?\s*$")  # a cell that is just "2023"

# --- The word in front of a dated part, and what it does to it ------------------------------------

_PREFIX = re.compile(
    r"(?:^|[^a-z])(?P<word>cham nhat|den het|truoc|het|den|toi|tu|han|cuoi|dau|giua)"
    r"(?:\s*[:,]?\s*(?:ngay|la|vao|trong))*\s*[:,]?\s*$"
)
_BEFORE = {"truoc"}
_BY_END = {"cham nhat", "den het", "het", "den", "toi", "han", "cuoi"}
_FROM = {"tu"}
_VAGUE = {"dau", "giua"}  # "đầu năm 2023", "giữa tháng 6": no day anyone could hold to
_RANGE_JOINER = re.compile(r"^\s*(?:-|den|toi)(?:\s*(?:het|ngay))*\s*$")
_OPEN_ENDED = re.compile(r"\b(?:tiep theo|tro di|tro ve sau)\b")  # "năm 2023 và các năm tiếp theo"
# Digits around a "/" that no pattern could read ("20/6/24", "Quý IV/22"): a date typed wrong.
_LEFTOVER_DATE = re.compile(r"\d\s*[/.-]\s*\d")

# --- Recurring, ongoing, events -----------------------------------------------------------------

_RECURRENCES = (
    (
        Recurrence.HALF_YEARLY,
        re.compile(
            r"\b(?:0?6|sau) thang\s*(?:mot|1|/)\s*lan\b|\b(?:dinh ky|moi|hang) (?:0?6|sau) thang\b"
        ),
    ),
    (Recurrence.WEEKLY, re.compile(r"\b(?:hang|moi) tuan\b")),
    (Recurrence.MONTHLY, re.compile(r"\b(?:hang|moi) thang\b")),
    (Recurrence.QUARTERLY, re.compile(r"\b(?:hang|moi) quy\b")),
    (Recurrence.YEARLY, re.compile(r"\b(?:hang|moi) nam\b")),
)
# Only when no period is named: "Định kỳ hàng quý" is quarterly, a bare "định kỳ" is per report.
_REPORTING_PERIOD = re.compile(r"\bky bao cao\b|\bdinh ky\b")
_ONGOING = re.compile(r"\bthuong xuyen\b|\blien tuc\b")
_EVENT_LEAD = re.compile(
    # "sau" is also "sáu" (six): "Sáu tháng đầu năm 2023", "sáu tháng một lần" are not "after".
    r"^(?:khi|sau(?! thang (?:(?:dau |cuoi )?(?:cua )?nam|(?:mot|1|/)\s*lan))"
    r"|ngay sau|ngay khi|truoc va|trong qua trinh|kip thoi"
    rf"|theo (?:quy dinh|yeu cau|huong dan|chi dao|tien do|{_DOC_KEYWORD}))\b"
)

_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class _Unreadable(Exception):
    """A dated part we refuse to guess at."""


@dataclass(frozen=True)
class _Part:
    """A dated part of a clause: the days it covers and where it was written."""

    begin: int
    end: int
    first: date
    last: date
    is_day: bool = False  # one calendar day ("20/6/2024"), not a period ("Quý IV/2022")
    is_span: bool = False  # already written as a from-to ("Quý II-IV", "2021-2025")


@dataclass
class _Clause:
    dated: list[tuple[date | None, date]] = field(default_factory=list)
    recurrence: str | None = None
    ongoing: bool = False
    event: bool = False
    unreadable: bool = False


def parse_deadline(value, plan_year: int | None = None) -> Deadline:
    """Read one deadline cell: a string, an Excel date, or nothing."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return Deadline(f"{value:%d/%m/%Y}", DeadlineKind.FIXED, None, value, None)
    text = cell_text(value)
    if not text:
        return Deadline("", DeadlineKind.UNPARSED, None, None, None)

    clauses = [_read_clause(piece, plan_year) for piece in _CLAUSE_SPLIT.split(text)]
    if any(clause.unreadable for clause in clauses):
        return Deadline(text, DeadlineKind.UNPARSED, None, None, None)

    recurrence = next((c.recurrence for c in clauses if c.recurrence), None)
    dated = [window for clause in clauses for window in clause.dated]
    if dated:
        starts = [start for start, _ in dated if start is not None]
        start = min(starts) if starts else None
        due = max(due for _, due in dated)
        kind = DeadlineKind.RANGE if start else DeadlineKind.FIXED
        return Deadline(text, kind, start, due, recurrence)
    if recurrence:
        return Deadline(text, DeadlineKind.RECURRING, None, None, recurrence)
    if any(clause.ongoing for clause in clauses):
        start = date(plan_year, 1, 1) if plan_year else None
        return Deadline(text, DeadlineKind.ONGOING, start, None, None)
    if any(clause.event for clause in clauses):
        return Deadline(text, DeadlineKind.EVENT, None, None, None)
    return Deadline(text, DeadlineKind.UNPARSED, None, None, None)


def _read_clause(piece: str, plan_year: int | None) -> _Clause:
    folded = _BULLET.sub("", fold(piece.translate(_DASHES)))
    clause = _Clause()
    if not folded:
        return clause
    after_label = folded.split(":", 1)[-1].strip()  # "Tổ chức kiểm tra: Quý III-IV/2022"
    clause.event = bool(_EVENT_LEAD.match(folded) or _EVENT_LEAD.match(after_label))

    work = _DOC_REFERENCE.sub(lambda m: _BLANK * len(m.group()), folded)
    parts, unreadable = _find_parts(work, plan_year)
    clause.recurrence = _recurrence(work)
    clause.ongoing = bool(_ONGOING.search(work))

    if clause.event:
        # The dates in "Khi có kết quả Chỉ số năm 2023" describe the event, not a deadline; only
        # a date the text plainly sets as a limit ("sau khi phê duyệt, chậm nhất 30/6/2024")
        # counts. Recurring and ongoing words in an event clause describe the event too.
        clause.recurrence, clause.ongoing = None, False
        for part, prefix in _with_prefixes(work, parts):
            if prefix in _BEFORE | _BY_END:
                clause.dated.append(_window(part, prefix))
        return clause

    if unreadable or (parts and _OPEN_ENDED.search(work)):
        clause.unreadable = True
        return clause
    try:
        clause.dated = _windows(work, parts)
    except _Unreadable:
        clause.unreadable = True
    return clause


def _find_parts(work: str, plan_year: int | None) -> tuple[list[_Part], bool]:
    """Every dated part of a folded clause, and whether one of them could not be read."""
    readers = (
        (_WRITTEN_DATE, _day),
        (_NUMERIC_DATE, _day),
        (_DAY_WITHOUT_YEAR, _day),
        (_QUARTERS, _quarters),
        (_MONTHS, _months),
        (_BARE_MONTH, _months),
        (_PART_OF_YEAR, _part_of_year),
        (_YEAR_RANGE, _year_range),
        (_END_OF_YEAR, _year),
        (_YEAR, _year),
        (_WHOLE_YEAR, _year),
    )
    parts: list[_Part] = []
    unreadable = False
    for pattern, reader in readers:
        for match in pattern.finditer(work):
            try:
                parts.append(reader(match, plan_year))
            except _Unreadable:
                unreadable = True
        work = pattern.sub(lambda m: _BLANK * len(m.group()), work)
    if _LEFTOVER_DATE.search(work):
        unreadable = True
    parts.sort(key=lambda part: part.begin)
    return parts, unreadable


def _with_prefixes(work: str, parts: list[_Part]) -> list[tuple[_Part, str | None]]:
    """Each part with the word written just before it ("trước", "hết", "từ", ...)."""
    result = []
    previous_end = 0
    for part in parts:
        found = _PREFIX.search(work[previous_end : part.begin])
        result.append((part, found.group("word") if found else None))
        previous_end = part.end
    return result


def _windows(work: str, parts: list[_Part]) -> list[tuple[date | None, date]]:
    """(start, due) of each part, "X - Y" and "từ X đến Y" joined into one window."""
    windows = []
    prefixed = _with_prefixes(work, parts)
    index = 0
    while index < len(prefixed):
        part, prefix = prefixed[index]
        following = prefixed[index + 1][0] if index + 1 < len(prefixed) else None
        if following and _RANGE_JOINER.match(work[part.end : following.begin]):
            if prefix not in (None, *_FROM) or following.last < part.first:
                raise _Unreadable
            windows.append((part.first, following.last))
            index += 2
            continue
        windows.append(_window(part, prefix))
        index += 1
    return windows


def _window(part: _Part, prefix: str | None) -> tuple[date | None, date]:
    if prefix in _FROM and not part.is_span:
        raise _Unreadable  # "từ tháng 7/2023" with no end: open-ended, not due in July
    if part.is_day:
        return None, part.first  # "trước ngày 20/6/2024" is due on the 20th, as staff read it
    if prefix in _BEFORE:
        # "Trước tháng 12/2024" must be done before December starts, so it is due on 30/11/2024.
        return None, part.first - timedelta(days=1)
    if prefix in _BY_END:
        return None, part.last  # "hết tháng 12/2022", "cuối năm 2023", "chậm nhất quý III"
    if prefix in _VAGUE:
        raise _Unreadable
    return part.first, part.last


# --- Readers: one regex match to one _Part, or _Unreadable ---------------------------------------


def _day(match: re.Match, plan_year: int | None) -> _Part:
    year = _year_of(match, plan_year)
    try:
        day = date(year, int(match["month"]), int(match["day"]))
    except ValueError as error:
        raise _Unreadable from error
    return _Part(match.start(), match.end(), day, day, is_day=True)


def _quarters(match: re.Match, plan_year: int | None) -> _Part:
    year = _year_of(match, plan_year)
    numbers = []
    for item in re.findall(r"\b(?:[ivx]+|\d+)\b", match["items"]):
        number = _ROMAN_QUARTERS.get(item) or (int(item) if item.isdigit() else 0)
        if not 1 <= number <= 4:
            raise _Unreadable  # "Quý V/2023"
        numbers.append(number)
    first, last = min(numbers), max(numbers)
    return _Part(
        match.start(),
        match.end(),
        date(year, 3 * first - 2, 1),
        _month_end(year, 3 * last),
        is_span=len(numbers) > 1,
    )


def _months(match: re.Match, plan_year: int | None) -> _Part:
    year = _year_of(match, plan_year)
    items = match.groupdict().get("items") or match["month"]
    numbers = [int(item) for item in re.findall(r"\d+", items)]
    if not all(1 <= number <= 12 for number in numbers):
        raise _Unreadable
    return _Part(
        match.start(),
        match.end(),
        date(year, min(numbers), 1),
        _month_end(year, max(numbers)),
        is_span=len(numbers) > 1,
    )


def _part_of_year(match: re.Match, plan_year: int | None) -> _Part:
    year = _year_of(match, plan_year)
    months = 6 if match["half"] or match["months"] == "sau" else int(match["months"])
    if not 1 <= months <= 12 or (match["half"] and not match["which"]):
        raise _Unreadable  # "nửa năm": which half?
    if match["which"] == "cuoi":
        first, last = date(year, 13 - months, 1), date(year, 12, 31)
    else:
        # "6 tháng năm 2023" is the reporting period of the first six months, as in the
        # "báo cáo 6 tháng" every province sends; "đầu năm" only makes it explicit.
        first, last = date(year, 1, 1), _month_end(year, months)
    return _Part(match.start(), match.end(), first, last, is_span=True)


def _year_range(match: re.Match, plan_year: int | None) -> _Part:
    first, last = _checked_year(match["first"]), _checked_year(match["last"])
    if last < first:
        raise _Unreadable
    return _Part(match.start(), match.end(), date(first, 1, 1), date(last, 12, 31), is_span=True)


def _year(match: re.Match, plan_year: int | None) -> _Part:
    year = _year_of(match, plan_year)
    return _Part(match.start(), match.end(), date(year, 1, 1), date(year, 12, 31))


def _year_of(match: re.Match, plan_year: int | None) -> int:
    written = match.groupdict().get("year")
    if written:
        return _checked_year(written)
    if plan_year is None:
        raise _Unreadable  # "Quý III" in a plan of unknown year: never guess the year
    return plan_year


def _checked_year(text: str) -> int:
    year = int(text)
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise _Unreadable
    return year


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _recurrence(work: str) -> str | None:
    """The first recurring period named in the clause ("hàng tuần, hàng tháng" is weekly)."""
    found = [
        (match.start(), recurrence)
        for recurrence, pattern in _RECURRENCES
        if (match := pattern.search(work))
    ]
    if found:
        return min(found)[1]
    if _REPORTING_PERIOD.search(work):
        return Recurrence.REPORTING_PERIOD
    return None
