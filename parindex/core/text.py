"""Text folding shared by agency matching and search.

Vietnamese names are typed with and without diacritics, in capitals or not, with odd spacing;
everything that compares names goes through `fold` so "SỞ NỘI VỤ", "so noi vu" and
"Sở  Nội vụ" are the same key.
"""

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d included) and collapse whitespace."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()
