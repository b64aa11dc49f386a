"""What a search box query asks for: the standard abbreviations of Vietnamese administration,
and a query turned into the words a row must contain.

Staff write "CCHC" in one plan and "cải cách hành chính" in the next, "UBND tỉnh" and "Ủy ban
nhân dân tỉnh" in the same table; a search for either must find both. The table below is the
one place that knows which abbreviation stands for which words: `search_terms` reads a query
with it, both ways. Everything here is folded (`fold`: no case, no diacritics), like the
`search_text` columns the terms are looked for in.

A query is a list of terms, all required (AND). A term is a list of alternatives, any of which
will do (OR). An alternative is a list of strings, each of which must occur somewhere in the
row's text, in any order (AND): "cải cách hành chính" becomes one term with two alternatives,
("cai", "cach", "hanh", "chinh") or ("cchc",). That is a handful of substring tests per word,
which the database answers in one pass over the rows it already reads.
"""

import functools
import itertools
import re

from parindex.core.text import fold

# Each line: the forms that mean the same, abbreviation first. Where a phrase is written with
# or without punctuation ("cán bộ, công chức" / "cán bộ công chức"), both forms are listed:
# the rows are searched for the text as written.
ABBREVIATIONS: tuple[tuple[str, ...], ...] = (
    ("CCHC", "cải cách hành chính"),
    ("TTHC", "thủ tục hành chính"),
    ("VBQPPL", "văn bản quy phạm pháp luật", "văn bản QPPL"),
    ("QPPL", "quy phạm pháp luật"),
    ("UBND", "ủy ban nhân dân"),
    ("HĐND", "hội đồng nhân dân"),
    ("CBCCVC", "cán bộ, công chức, viên chức", "cán bộ công chức viên chức", "CBCC, VC"),
    ("CBCC", "cán bộ, công chức", "cán bộ công chức"),
    ("CCVC", "công chức, viên chức", "công chức viên chức"),
    ("DVC", "dịch vụ công"),
    ("DVCTT", "dịch vụ công trực tuyến", "DVC trực tuyến"),
    ("CNTT", "công nghệ thông tin"),
    ("PAR INDEX", "chỉ số cải cách hành chính", "chỉ số CCHC"),
    ("SIPAS", "chỉ số hài lòng"),
    ("PAPI", "chỉ số hiệu quả quản trị và hành chính công"),
    ("PCI", "chỉ số năng lực cạnh tranh cấp tỉnh"),
    ("KT-XH", "KTXH", "kinh tế - xã hội", "kinh tế-xã hội", "kinh tế xã hội"),
    ("ĐVHC", "đơn vị hành chính"),
    ("HCC", "hành chính công"),
    ("TTPVHCC", "trung tâm phục vụ hành chính công"),
    ("TTĐT", "thông tin điện tử"),
    ("CQĐT", "chính quyền điện tử"),
    ("CQS", "chính quyền số"),
    ("CSDL", "cơ sở dữ liệu"),
    ("NSNN", "ngân sách nhà nước"),
    ("BCĐ", "ban chỉ đạo"),
    ("MTTQ", "mặt trận tổ quốc"),
    ("BHXH", "bảo hiểm xã hội"),
    ("KH&ĐT", "kế hoạch và đầu tư"),
    ("TT&TT", "thông tin và truyền thông"),
    ("TN&MT", "tài nguyên và môi trường"),
    ("NN&PTNT", "nông nghiệp và phát triển nông thôn"),
    ("PTNT", "phát triển nông thôn"),
    ("GD&ĐT", "giáo dục và đào tạo"),
    ("KH&CN", "khoa học và công nghệ"),
    ("LĐ-TB&XH", "lao động - thương binh và xã hội", "lao động, thương binh và xã hội"),
    ("VH-TT&DL", "văn hóa, thể thao và du lịch", "văn hóa thể thao và du lịch"),
)

# More words than this is not a search any more (a pasted paragraph): each word is one more
# test on every row, so the form refuses it rather than letting one request scan for minutes.
MAX_WORDS = 16

# Punctuation around a word ("tỉnh," "(PCI)") is not part of it; inside it is ("1.1", "KT-XH",
# "TT&TT", "22/KH-UBND").
_EDGE = re.compile(r"^[^\w&]+|[^\w&]+$")

Alternative = tuple[str, ...]
Term = tuple[Alternative, ...]


def words(text: str) -> tuple[str, ...]:
    """The folded words of `text`, punctuation around them dropped."""
    stripped = (_EDGE.sub("", chunk) for chunk in fold(text).split(" "))
    return tuple(word for word in stripped if word)


@functools.cache
def _forms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each form as words → every form of its line, as text (folded)."""
    by_words = {}
    for line in ABBREVIATIONS:
        texts = tuple(dict.fromkeys(fold(form) for form in line))
        for text in texts:
            by_words[words(text)] = texts
    return by_words


def search_terms(query: str) -> list[Term]:
    """The terms a row must match for `query` (see the module's docstring); [] for a query
    of no words."""
    tokens = words(query)
    forms = _forms()
    longest = max(len(key) for key in forms)
    # Every run of the query's words that is one of the table's forms.
    matches: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + longest) + 1):
            texts = forms.get(tokens[start:end])
            if texts:
                matches.setdefault(start, []).append((end, texts))
    terms = []
    start = 0
    while start < len(tokens):
        # A term is a maximal stretch of words joined by overlapping forms, or one word.
        end = start + 1
        position = start
        while position < end:
            end = max([end, *(stop for stop, _ in matches.get(position, ()))])
            position += 1
        terms.append(_alternatives(tokens, start, end, matches))
        start = end
    return terms


def _alternatives(tokens, start, end, matches) -> Term:
    """The ways of reading tokens[start:end]: word by word, or with any of its runs that is a
    form replaced by each form of its line (searched for as a phrase)."""

    @functools.cache
    def ways(position: int) -> tuple[Alternative, ...]:
        if position == end:
            return ((),)
        found = [(tokens[position], *rest) for rest in ways(position + 1)]
        for stop, texts in matches.get(position, ()):
            if stop > end:
                continue
            for text in texts:
                # The words as typed are already required one by one above.
                if words(text) != tokens[position:stop]:
                    found.extend((text, *rest) for rest in ways(stop))
        return tuple(found)

    unique = dict.fromkeys(tuple(dict.fromkeys(way)) for way in ways(start))
    return tuple(itertools.islice(unique, 64))
