"""Turn a free-text agency cell of a remediation-plan annex into the agency names it holds.

Annex tables (kế hoạch khắc phục) write their "Cơ quan chủ trì" / "Cơ quan phối hợp" cells by
hand, so one cell can hold one agency, a list split by ";" or "," or by line breaks, a factored
list ("Các Sở: Tư pháp; Tài chính"), a level list ("UBND cấp huyện, cấp xã"), a collective
name ("Các sở, ban, ngành") whose commas are part of the name, or an agency joined to a collective
by "và" ("Sở Nội vụ và các sở, ban, ngành liên quan"). This module only reads the text;
matching the names against the agency table is done elsewhere, so every name is returned as
written (whitespace collapsed, bullets and trailing punctuation removed, first letter
capitalised), never dropped because it is unknown.

No Django here: the importer and the tests call these functions on plain strings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from parindex.core.text import fold

__all__ = ["lead_from_section_title", "split_agency_text"]

# Words that open an agency name. A "," is a separator only when the next piece starts with one
# of these; otherwise the comma belongs to the name ("Sở Văn hóa, Thể thao và Du lịch").
# Compared on the lower-cased text with diacritics, so "sở" is not confused with "số" nor "đài"
# with "đại"; text typed without any diacritics is compared on its folded form.
_HEADS_ANY_CASE = (
    "sở",
    "ubnd",
    "ủy ban",
    "uỷ ban",
    "ubmttq",
    "ubmt",
    "mttq",
    "mặt trận",
    "văn phòng",
    "vp",
    "thanh tra",
    "công an",
    "bảo hiểm",
    "bhxh",
    "chi cục",
    "cục",
    "kho bạc",
    "kbnn",
    "bưu điện",
    "điện lực",
    "liên đoàn",
    "lđlđ",
    "tỉnh đoàn",
    "huyện đoàn",
    "thành đoàn",
    "đoàn thanh niên",
    "lãnh đạo",
    "các",
    "viettel",
    "vnpt",
    "mobifone",
    "ngân hàng",
    "bệnh viện",
    "học viện",
    "hđnd",
    "hội đồng nhân dân",
    "tòa án",
    "toà án",
    "viện kiểm sát",
    "bộ chỉ huy",
    "ban chỉ huy",
    "bchqs",
    "chủ tịch",
    "thủ trưởng",
    "người đứng đầu",
    "tỉnh ủy",
    "tỉnh uỷ",
    "huyện ủy",
    "huyện uỷ",
    "thành ủy",
    "thành uỷ",
    "đảng ủy",
    "đảng uỷ",
    "công ty",
    "tổng công ty",
    "cổng thông tin",
    "bcđ",
)
# Words that open an agency only when written with a capital ("Trung tâm Phục vụ hành chính
# công", but "cơ quan, đơn vị" is one collective phrase).
_HEADS_CAPITALISED = (
    "trung tâm",
    "đơn vị",
    "cơ quan",
    "hội",
    "phòng",
    "đài",
    "báo",
    "trường",
    "đại học",
    "tổ chức",
)
_LEVEL_WORDS = ("huyện", "xã", "phường", "thị trấn", "thị xã", "thành phố", "tỉnh", "quận")
_LEVEL_WORDS_FOLDED = tuple(fold(w) for w in _LEVEL_WORDS)

# Collective phrases whose commas never separate agencies, on top of the caller's `protected`.
_BUILTIN_PROTECTED = (
    "các sở, ban, ngành",
    "các sở, ban ngành",
    "các sở, ngành",
    "các sở, các ngành",
    "sở, ban, ngành",
    "sở, ngành",
    "các ban, ngành",
    "ban, ngành",
    "các cấp, các ngành",
    "các ngành, các cấp",
    "các huyện, thành phố",
    "các huyện, thị xã, thành phố",
    "huyện, thị xã, thành phố",
    "huyện, thành phố",
    "quận, huyện",
    "các xã, phường, thị trấn",
    "xã, phường, thị trấn",
    "xã, phường",
    "phường, xã",
    "cơ quan, đơn vị, địa phương",
    "cơ quan, đơn vị",
    "cơ quan, địa phương",
    "đơn vị, địa phương",
    "văn hóa, thể thao và du lịch",
    "văn hóa, thể thao",
    "vh, tt&dl",
    "vh, tt và dl",
    "lao động, thương binh và xã hội",
)
_BUILTIN_PROTECTED_FOLDED = tuple(fold(p) for p in _BUILTIN_PROTECTED)

# Prefix words after which a capitalised "Các" continues the same name ("Lãnh đạo Các sở").
_RUN_ON_STOP_WORDS = frozenset(
    fold(w)
    for w in (
        "và",
        "của",
        "với",
        "cho",
        "tại",
        "thuộc",
        "trong",
        "gồm",
        "là",
        "đạo",  # lãnh đạo
        "trưởng",  # thủ trưởng
        "diện",  # đại diện
        "đầu",  # người đứng đầu
        "tịch",  # chủ tịch
    )
)
_PLACEHOLDERS = frozenset({"", "x", "-", "khong", "khong co", "n/a", "na", "..."})

# Used with .match(), which anchors at the given position.
_BULLET = re.compile(r"\s*(?:[-+*•·–—]+|\d{1,2}[.)](?=\s)|[a-zđ]\)(?=\s))\s*")
_TRAILING_PUNCT = re.compile(r"[\s.;,:…]+$")
_SPACES = re.compile(r"\s+")
_RUN_ON_CAC = re.compile(r" +(?=Các\s)")
_LEVEL_PIECE = re.compile(
    r"^(?:cap \w|cac (?:" + "|".join(_LEVEL_WORDS_FOLDED) + r")(?!\w))",
)
_LEVEL_IN_NAME = re.compile(
    r"(?<!\w)(?:cap(?= \w)|cac(?= (?:" + "|".join(_LEVEL_WORDS_FOLDED) + r")(?!\w)))",
)
_CAC_WORD = re.compile(r"(?<!\w)các\s+", re.IGNORECASE)
# "và" joins two agencies only when what follows it opens a collective or a level ("Sở Nội vụ và
# các sở, ban, ngành", "UBND cấp huyện và cấp xã") or another sở; "HĐND và UBND tỉnh", "Sở Văn
# hóa, Thể thao và Du lịch" are one name. Compared on the folded text.
_AND = re.compile(r"(?<!\w)va(?!\w)")
_JOINED_BY_AND = re.compile(r"^(?:cac|(?:ubnd|uy ban nhan dan) (?:cap|cac))(?!\w)")


# --------------------------------------------------------------------------------------------
# Folding with a map back to the original text


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """`fold(text)` plus, for every folded character, the index of its source character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                index.append(i)
            continue
        for folded_ch in fold(ch):
            out.append(folded_ch)
            index.append(i)
    return "".join(out), index


def _has_diacritics(word: str) -> bool:
    return fold(word) != word.lower()


# --------------------------------------------------------------------------------------------
# Head words


def _head_length(piece: str) -> int:
    """Length (in `piece`) of the agency head word `piece` starts with, or 0."""
    piece = piece.lstrip()
    if not piece:
        return 0
    lower = piece.lower()
    first_word = re.match(r"\S+", piece).group(0)
    plain = not _has_diacritics(first_word)
    folded_lower = fold(lower) if plain else ""

    def starts(head: str) -> bool:
        if plain:
            head = fold(head)
            target = folded_lower
        else:
            target = lower
        if not target.startswith(head):
            return False
        return len(target) == len(head) or not target[len(head)].isalnum()

    for head in _HEADS_ANY_CASE:
        if starts(head):
            return len(head)
    if piece[0].isupper():
        for head in _HEADS_CAPITALISED:
            if starts(head):
                return len(head)
        # "Ban Dân tộc", "BAN CHỈ ĐẠO" open an agency; "Ban, ngành" and "BAN NGÀNH" do not.
        if starts("ban"):
            rest = piece[3:]
            next_word = re.match(r" +(\w+)", rest)
            if (
                next_word
                and next_word.group(1)[0].isupper()
                and fold(next_word.group(1)) != "nganh"
            ):
                return 3
    return 0


def _starts_new_agency(piece: str) -> bool:
    return _head_length(piece) > 0


# --------------------------------------------------------------------------------------------
# Protected spans


def _protected_keys(protected: Iterable[str]) -> list[str]:
    # Callers pass the same (long) list of known names for every cell of an import.
    frozen = tuple(protected or ())
    return list(_protected_keys_cached(frozen))


@functools.lru_cache(maxsize=8)
def _protected_keys_cached(protected: tuple[str, ...]) -> tuple[str, ...]:
    keys = list(_BUILTIN_PROTECTED_FOLDED)
    for name in protected or ():
        if not name:
            continue
        name = unicodedata.normalize("NFC", str(name)).strip()
        if not any(sep in name for sep in ",;:") and not _AND.search(fold(name)):
            continue  # nothing in it could be split
        keys.append(fold(name))
        # "Sở Văn hóa, Thể thao và Du lịch" also protects "Văn hóa, Thể thao và Du lịch" for
        # factored lists such as "Các Sở: Tư pháp, Văn hóa, Thể thao và Du lịch".
        head = _head_length(name)
        if head:
            tail = name[head:].strip()
            if any(sep in tail for sep in ",;:"):
                keys.append(fold(tail))
    return tuple(keys)


def _protected_mask(text: str, keys: list[str]) -> list[bool]:
    mask = [False] * len(text)
    folded, index = _fold_with_map(text)
    for key in keys:
        if not key or key not in folded:
            continue
        for match in re.finditer(r"(?<!\w)" + re.escape(key) + r"(?!\w)", folded):
            start = index[match.start()]
            end = index[match.end() - 1] + 1
            for k in range(start, end):
                mask[k] = True
    return mask


# --------------------------------------------------------------------------------------------
# Tokenising


@dataclass
class _Piece:
    start: int
    end: int
    sep: str  # separator before the piece: "", ";", ",", "\n"
    bullet: bool = False


def _raw_pieces(text: str, mask: list[bool]) -> list[_Piece]:
    pieces: list[_Piece] = []
    depth = 0
    start = 0
    sep = ""
    for i, ch in enumerate(text):
        if ch == "\n":
            pieces.append(_Piece(start, i, sep))
            start, sep, depth = i + 1, "\n", 0
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch in ";," and depth == 0 and not mask[i]:
            pieces.append(_Piece(start, i, sep))
            start, sep = i + 1, ch
    pieces.append(_Piece(start, len(text), sep))
    return pieces


def _clean_piece(text: str, piece: _Piece) -> _Piece | None:
    """Trim whitespace and a leading bullet; None when nothing is left."""
    start, end = piece.start, piece.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    bullet = False
    match = _BULLET.match(text, start, end)
    if match and match.end() > start:
        bullet = True
        start = match.end()
    if start >= end:
        return None
    return _Piece(start, end, piece.sep, bullet)


def _split_run_on(text: str, piece: _Piece, mask: list[bool]) -> list[_Piece]:
    """Split "Các cơ quan thông tấn báo chí Các tổ chức đoàn thể" (a lost line break)."""
    segment = text[piece.start : piece.end]
    for match in _RUN_ON_CAC.finditer(segment):
        cut = piece.start + match.start()
        before = text[piece.start : cut]
        if (
            not before
            or not before[-1].islower()
            or mask[cut]
            or before.count("(") > before.count(")")
        ):
            continue
        last_word = fold(before.split()[-1])
        if last_word in _RUN_ON_STOP_WORDS or not _starts_new_agency(before):
            continue
        second = _Piece(piece.start + match.end(), piece.end, "\n")
        return [
            _Piece(piece.start, cut, piece.sep, piece.bullet),
            *_split_run_on(text, second, mask),
        ]
    return [piece]


def _pieces(text: str, mask: list[bool]) -> list[_Piece]:
    result: list[_Piece] = []
    for raw in _raw_pieces(text, mask):
        piece = _clean_piece(text, raw)
        if piece is not None:
            result.extend(_split_run_on(text, piece, mask))
    return result


# --------------------------------------------------------------------------------------------
# Factored lists


def _factor_colon(text: str, piece: _Piece, mask: list[bool]) -> tuple[str, int] | None:
    """For "các Sở: Tư pháp" return ("Sở", index of the first item); None when not a factor."""
    depth = 0
    for i in range(piece.start, piece.end):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0 and not mask[i]:
            head = text[piece.start : i].strip()
            display = _factor_display(head)
            if display is None:
                return None
            return display, i + 1
    return None


def _factor_display(head: str) -> str | None:
    """ "các Sở" → "Sở", "UBND các huyện" → "UBND huyện"; None if `head` is not a factor."""
    if not head:
        return None
    has_cac = bool(_CAC_WORD.search(head))
    display = _SPACES.sub(" ", _CAC_WORD.sub("", head)).strip()
    if not display:
        return None
    display = display[0].upper() + display[1:]
    head_len = _head_length(display)
    if not head_len and has_cac and fold(display.split()[0]) == "ban":
        head_len = 3  # "Các Ban: Dân tộc; Quản lý dự án" (a bare "Ban" is otherwise no head)
    if not head_len:
        return None
    if has_cac:
        if len(display.split()) > 4:
            return None
    else:
        # Without "các" only a bare head, optionally with a level word, is a factor
        # ("UBND huyện: Ba Bể, Na Rì"); "Sở Nội vụ: ..." is not.
        rest = fold(display[head_len:])
        if rest and rest not in _LEVEL_WORDS_FOLDED:
            return None
    return display


def _level_prefix(name: str) -> str | None:
    """ "UBND cấp huyện" → "UBND", so that "cấp xã" after it reads "UBND cấp xã"."""
    folded, index = _fold_with_map(name)
    matches = list(_LEVEL_IN_NAME.finditer(folded))
    if not matches:
        return None
    prefix = name[: index[matches[-1].start()]].strip()
    return prefix or None


def _is_level_piece(piece: str) -> bool:
    return bool(_LEVEL_PIECE.match(fold(piece)))


# --------------------------------------------------------------------------------------------
# Public API


@dataclass
class _Name:
    prefix: str
    start: int
    end: int


@dataclass
class _Factor:
    display: str
    head_start: int
    head_end: int
    item_sep: str
    items: int = 0


def split_agency_text(text: str | None, protected: Iterable[str] = ()) -> list[str]:
    """Return the agency names written in an annex cell, in order and without duplicates.

    Separators are ";" and line breaks; a "," separates only when the next piece starts a new
    agency (a head word such as Sở, UBND, Văn phòng, Thanh tra, Công an, Các, ...). Collective
    phrases ("Các sở, ban, ngành", "UBND các xã, phường, thị trấn") and every name in
    `protected` (compared folded) are never split. Factored lists are expanded: "Các Sở: Tư
    pháp; Tài chính" → ["Sở Tư pháp", "Sở Tài chính"], "UBND cấp huyện, cấp xã" → ["UBND cấp
    huyện", "UBND cấp xã"]. Bullets, trailing "." ";" "," and extra spaces are removed and the
    first letter is capitalised; duplicates (same folded form) are dropped. Empty cells and
    placeholders ("-", "x", "không") give [].
    """
    if text is None:
        return []
    text = unicodedata.normalize("NFC", str(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\t", " ")
    if not text.strip():
        return []

    mask = _protected_mask(text, _protected_keys(protected))
    pieces = _pieces(text, mask)

    names: list[_Name] = []
    current: _Name | None = None
    factor: _Factor | None = None

    def name_text(name: _Name) -> str:
        return _SPACES.sub(" ", name.prefix + text[name.start : name.end]).strip()

    def start_name(prefix: str, start: int, end: int) -> _Name:
        name = _Name(prefix, start, end)
        names.append(name)
        return name

    def close_factor() -> None:
        nonlocal factor
        if factor is not None and factor.items == 0:
            # "Các Sở:" with nothing after it: keep what was written.
            start_name("", factor.head_start, factor.head_end)
        factor = None

    for position, piece in enumerate(pieces):
        segment = text[piece.start : piece.end]
        is_head = _starts_new_agency(segment)

        colon = _factor_colon(text, piece, mask)
        if colon is not None:
            close_factor()
            display, item_start = colon
            following = pieces[position + 1].sep if position + 1 < len(pieces) else ";"
            factor = _Factor(display, piece.start, item_start - 1, following)
            item = _clean_piece(text, _Piece(item_start, piece.end, ""))
            if item is not None:
                current = start_name(display + " ", item.start, item.end)
                factor.items += 1
            else:
                current = None
            continue

        if current is not None and _is_level_piece(segment):
            prefix = _level_prefix(name_text(current))
            if prefix is not None:
                close_factor()
                current = start_name(prefix + " ", piece.start, piece.end)
                continue

        if piece.sep == "," and current is not None and not is_head:
            if factor is not None and factor.item_sep == ",":
                current = start_name(factor.display + " ", piece.start, piece.end)
                factor.items += 1
            else:
                current.end = piece.end
            continue

        if (
            piece.sep == "\n"
            and current is not None
            and factor is None
            and not is_head
            and not piece.bullet
            and segment[0].islower()
            and text[: piece.start].rstrip()[-1:] not in (";", ",", ":", ".")
        ):
            # A line wrapped inside a name: "Sở Tài nguyên và Môi\ntrường".
            current.end = piece.end
            continue

        if factor is not None and not is_head:
            current = start_name(factor.display + " ", piece.start, piece.end)
            factor.items += 1
            continue

        close_factor()
        current = start_name("", piece.start, piece.end)

    close_factor()

    result: list[str] = []
    seen: set[str] = set()
    keys = None
    for name in names:
        written = name_text(name)
        if _AND.search(fold(written)):
            keys = keys if keys is not None else _protected_keys(protected)
            parts = _split_on_and(written, keys)
        else:
            parts = [written]
        for part in parts:
            cleaned = _finish_name(part)
            key = fold(cleaned)
            if key in _PLACEHOLDERS or not any(ch.isalpha() for ch in cleaned) or key in seen:
                continue
            seen.add(key)
            result.append(cleaned)
    return result


def _split_on_and(name: str, keys: list[str]) -> list[str]:
    """["Sở Nội vụ", "các sở, ban, ngành"] for "Sở Nội vụ và các sở, ban, ngành": an agency
    joined by "và" to a collective, a level or another sở. A "và" inside a protected name or in
    brackets, or after text that does not open an agency, is part of the name."""
    folded, index = _fold_with_map(name)
    mask = _protected_mask(name, keys)
    for match in _AND.finditer(folded):
        cut, after_start = index[match.start()], index[match.end() - 1] + 1
        before, after = name[:cut].rstrip(), name[after_start:].lstrip()
        if (
            mask[cut]
            or not before
            or not after
            or before.count("(") > before.count(")")
            or not _starts_new_agency(before)
        ):
            continue
        if _is_level_piece(after):
            prefix = _level_prefix(before)
            if prefix is None:
                continue
            after = f"{prefix} {after}"
        elif not (_JOINED_BY_AND.match(fold(after)) or after.split()[0].lower() in ("sở", "so")):
            continue
        return [before, *_split_on_and(after, keys)]
    return [name]


def _finish_name(name: str) -> str:
    name = _TRAILING_PUNCT.sub("", name)
    bullet = _BULLET.match(name)
    if bullet:
        name = name[bullet.end() :]
    name = name.strip()
    if name and name[0].islower():
        name = name[0].upper() + name[1:]
    return name


# --------------------------------------------------------------------------------------------
# Section titles

_SECTION_NUMBER = re.compile(
    r"^\s*(?:(?i:phần|mục|phụ lục)\s+)?"
    r"(?:[IVXLC]+(?:[.):\-]\s*|\s+)|\d+(?:\.\d+)*(?:[.):\-]\s*|\s+)|[A-ZĐ][.)]\s*)",
)
_CHU_TRI = re.compile(r"(?<!\w)chu tri(?!\w)")
_LEAD_MARKERS = re.compile(r"(?<!\w)(?:do|giao|giao cho|cho|duoc giao)\s+(?=\S)")
_LEAD_LABELS = frozenset({"co quan", "don vi", "co quan, don vi", "nhiem vu", "nganh", ""})
_LEAD_TRAILING = re.compile(
    r"(?:\s+(?:là cơ quan|là đơn vị|là|được giao|giữ vai trò|làm))+\s*$", re.IGNORECASE
)
_COOPERATION = re.compile(r"(?:(?<!\w)(?:co quan|don vi)\s+)?(?<!\w)phoi hop(?!\w)")


def lead_from_section_title(title: str) -> str | None:
    """Return the lead agency a section title names, or None when it names none.

    "SỞ TƯ PHÁP CHỦ TRÌ THỰC HIỆN" → "SỞ TƯ PHÁP"; "I. SỞ NỘI VỤ CHỦ TRÌ THỰC HIỆN" →
    "SỞ NỘI VỤ"; "Nhiệm vụ do Sở Nội vụ chủ trì" → "Sở Nội vụ"; "Cơ quan chủ trì: Sở Nội vụ" →
    "Sở Nội vụ"; "Tham gia của người dân ở cấp cơ sở" → None. The text is returned as written
    (capitals kept); split it with `split_agency_text` when it lists several agencies.
    """
    if not title:
        return None
    title = unicodedata.normalize("NFC", str(title))
    title = _SPACES.sub(" ", title.replace("\xa0", " ")).strip()
    number = _SECTION_NUMBER.match(title)
    if number and number.end() < len(title):
        title = title[number.end() :].strip()

    folded, index = _fold_with_map(title)
    match = _CHU_TRI.search(folded)
    if match is None:
        return None
    cut = index[match.start()]
    after_start = index[match.end() - 1] + 1
    before = title[:cut].strip()
    after = title[after_start:]

    # "Cải cách thể chế (Sở Tư pháp chủ trì)"
    if before.count("(") > before.count(")"):
        before = before[before.rfind("(") + 1 :].strip()
    before = _LEAD_TRAILING.sub("", before).strip(" -–:,;(")

    label = fold(before).strip(" ()")
    if label in _LEAD_LABELS:
        # "Cơ quan chủ trì: Sở Nội vụ", "Đơn vị chủ trì Sở Nội vụ"; a task that starts with
        # "Chủ trì, phối hợp ..." names no lead.
        after = after.strip()
        if after.startswith(":"):
            after = after[1:]
        elif not (label and _starts_new_agency(after)):
            return None
        return _cut_lead_after(after)

    return _trim_lead_before(before)


def _trim_lead_before(before: str) -> str | None:
    if not _starts_new_agency(before):
        folded, index = _fold_with_map(before)
        # "Nhiệm vụ do Sở Nội vụ", "Giao Sở Nội vụ"
        for marker in _LEAD_MARKERS.finditer(folded):
            start = index[marker.end()]
            if _starts_new_agency(before[start:]):
                return before[start:].strip() or None
        # "Cải cách thể chế - Sở Tư pháp"
        for word in re.finditer(r"(?<!\w)\w", before):
            if word.start() and _starts_new_agency(before[word.start() :]):
                return before[word.start() :].strip() or None
    return before or None


def _cut_lead_after(after: str) -> str | None:
    folded, index = _fold_with_map(after)
    cooperation = _COOPERATION.search(folded)
    if cooperation is not None:
        after = after[: index[cooperation.start()]]
    if ")" in after and after.count(")") > after.count("("):
        after = after[: after.find(")")]
    after = after.strip().strip(" -–:,;.").strip()
    return after or None
