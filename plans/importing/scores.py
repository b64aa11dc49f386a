"""Find the index scores a plan writes into its prose and task texts.

Plans quote results inline: "Chỉ số PAR INDEX năm 2021 đạt 84,69/100 điểm", "năm 2022 đạt
8,963/9,5 điểm", "đạt tỷ lệ 88,29%", "đạt 4,9544 điểm, thuộc nhóm “Trung bình cao”". This module
pulls those statements out so the importer can offer them as criterion or index results.

Choices:

- A statement starts at the word "đạt" and needs a unit: "điểm" for points, "%" or "phần trăm"
  for percentages. "đạt 03/5 tiêu chí" (a count) and "đạt 84,69/100" (no unit) give nothing;
  neither do numbers without "đạt" ("hoàn thành 100% nhiệm vụ", "xếp thứ 54/63", dates such as
  20/6/2024, document numbers such as 90/2013/NĐ-CP).
- Numbers use the Vietnamese decimal comma ("8,963" is 8.963). When a number has a comma, dots in
  it are thousands separators ("1.234,5" is 1234.5). Scores never need thousands, so a number
  with a single dot and no comma is read with the dot as decimal point ("8.963" is 8.963, as
  typed by English-locale spreadsheets); several dots and no comma are thousands ("1.234.567").
- A percentage's maximum is 100 unless written ("88,27/100%"); points without "/max" have no
  maximum. A written maximum smaller than the achieved value, or zero, is not a score.
- The year is the nearest "năm YYYY" (or a bare year right before "đạt") earlier in the same
  sentence or clause (sentences end at ";", a line break or ". " before a capital), skipping
  dates ("tháng 4 năm 2017") and comparisons ("so với năm 2020"). None when not written.
- The group is what follows "nhóm" after the score in the same sentence: quoted text in any
  quote style, or one of the PAPI groups written without quotes ("nhóm đạt điểm trung bình
  thấp"), or a band letter A–D.
- Targets and negations are not results: a statement preceded in its clause by "phấn đấu" (or
  the typo "phân đấu") is skipped, and so is "chưa đạt 100%" / "không đạt 5 điểm".
- Decimal everywhere, never float. Text is NFC-normalised first; `text` is the fragment from
  "đạt" to the unit (and through the group phrase when there is one) as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from parindex.core.numbers import parse_number
from parindex.core.text import fold

__all__ = ["ScoreStatement", "find_score_statements"]

_NUMBER = r"\d+(?:[.,]\d+)*"
_UNIT = r"điểm|%|phần\s+trăm"
_FILLER = r"(?:được|tỷ\s+lệ|tỉ\s+lệ|mức|kết\s+quả|số\s+điểm|điểm\s+số|tổng\s+điểm|là)"

_STATEMENT = re.compile(
    rf"(?<!\w)đạt(?:\s+{_FILLER})*\s*:?\s*"
    rf"(?P<achieved>{_NUMBER})"
    rf"(?:\s*(?P<unit1>{_UNIT})(?!\w))?"
    rf"(?:\s*/\s*(?P<maximum>{_NUMBER})(?![\d/]))?"
    rf"(?:\s*(?P<unit2>{_UNIT})(?!\w))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\w)năm\s+(?P<year>(?:19|20)\d{2})(?![\d/])", re.IGNORECASE)
_BARE_YEAR_BEFORE_DAT = re.compile(r"(?<![\w/])(?P<year>(?:19|20)\d{2})\s*$")
_DATE_BEFORE_YEAR = re.compile(r"(?:tháng\s+\d{1,2}|\d{1,2}/\d{1,2})\s*$", re.IGNORECASE)
_COMPARISON_BEFORE_YEAR = re.compile(r"(?:so\s+với|cùng\s+kỳ|từ)\s*$", re.IGNORECASE)
# Compared folded, so the common typo "phân đấu" counts too.
_TARGET = re.compile(r"(?<!\w)phan dau(?!\w)")
_NEGATION = re.compile(r"(?<!\w)(?:chưa|không|chẳng)\s*$", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»„"
_GROUP = re.compile(
    r"(?<!\w)nhóm\s*(?:(?:đạt\s+)?điểm\s+)?"
    rf"(?:[{_QUOTES}]\s*(?P<quoted>[^{_QUOTES}\n]{{1,40}}?)\s*[{_QUOTES}]"
    r"|(?P<known>trung\s+bình\s+cao|trung\s+bình\s+thấp|trung\s+bình|cao|thấp)(?!\w)"
    r"|(?P<band>(?-i:[A-D]))(?!\w))",
    re.IGNORECASE,
)
_GROUP_WINDOW = 160


@dataclass(frozen=True)
class ScoreStatement:
    text: str  # the matched fragment, as written
    achieved: Decimal
    maximum: Decimal | None  # 100 for percentages; None when not stated
    unit: str  # "points" or "percent"
    year: int | None
    group: str | None  # e.g. "Trung bình cao" when the text names the band/group


def find_score_statements(text: str | None) -> list[ScoreStatement]:
    """Return every "đạt <score>" statement in `text`, in order (see the module docstring)."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", str(text)).replace("\xa0", " ")
    matches = [m for m in _STATEMENT.finditer(text) if m.group("unit1") or m.group("unit2")]
    statements: list[ScoreStatement] = []
    previous_end = 0
    for position, match in enumerate(matches):
        clause_start = _clause_start(text, match.start())
        region_start = max(clause_start, previous_end)
        previous_end = match.end()
        before = text[region_start : match.start()]
        if _TARGET.search(fold(before)) or _NEGATION.search(before):
            continue
        statement = _statement(text, match, clause_start, matches[position + 1 :])
        if statement is not None:
            statements.append(statement)
    return statements


def _statement(
    text: str, match: re.Match[str], clause_start: int, later: list[re.Match[str]]
) -> ScoreStatement | None:
    achieved = parse_number(match.group("achieved"))
    if achieved is None:
        return None
    units = {(match.group("unit1") or "").lower(), (match.group("unit2") or "").lower()}
    percent = "%" in units or any(u.startswith("phần") for u in units)
    maximum = parse_number(match.group("maximum")) if match.group("maximum") else None
    if match.group("maximum") and maximum is None:
        return None
    if maximum is not None and (maximum <= 0 or achieved > maximum):
        return None
    if percent and maximum is None:
        maximum = Decimal(100)

    end = match.end()
    group, group_end = _find_group(text, end, later[0].start() if later else len(text))
    fragment_end = group_end if group_end is not None else end
    return ScoreStatement(
        text=text[match.start() : fragment_end].strip(),
        achieved=achieved,
        maximum=maximum,
        unit="percent" if percent else "points",
        year=_find_year(text, clause_start, match.start()),
        group=group,
    )


def _clause_start(text: str, position: int) -> int:
    """Start of the sentence or ";"-clause holding `position`."""
    start = 0
    for i in range(position - 1, -1, -1):
        ch = text[i]
        if ch in ";\n":
            start = i + 1
            break
        if ch == "." and _sentence_ends_at(text, i):
            start = i + 1
            break
    return start


def _sentence_ends_at(text: str, i: int) -> bool:
    """A "." ends a sentence when whitespace and a capital follow (not "8.963", not "...")."""
    rest = text[i + 1 :]
    stripped = rest.lstrip()
    if len(stripped) == len(rest):
        return False  # no whitespace after: a decimal point or an abbreviation
    return not stripped or stripped[0].isupper()


def _clause_end(text: str, position: int, limit: int) -> int:
    for i in range(position, min(limit, len(text))):
        ch = text[i]
        if ch in ";\n" or (ch == "." and _sentence_ends_at(text, i)):
            return i
    return min(limit, len(text))


def _find_year(text: str, clause_start: int, position: int) -> int | None:
    before = text[clause_start:position]
    bare = _BARE_YEAR_BEFORE_DAT.search(before)
    if bare:
        return int(bare.group("year"))
    for found in reversed(list(_YEAR.finditer(before))):
        ahead = before[: found.start()]
        if _DATE_BEFORE_YEAR.search(ahead) or _COMPARISON_BEFORE_YEAR.search(ahead):
            continue
        return int(found.group("year"))
    return None


def _find_group(text: str, start: int, next_statement: int) -> tuple[str | None, int | None]:
    end = _clause_end(text, start, min(next_statement, start + _GROUP_WINDOW))
    found = _GROUP.search(text, start, end)
    if found is None:
        return None, None
    group = found.group("quoted") or found.group("known") or found.group("band")
    return re.sub(r"\s+", " ", group).strip(), found.end()
