"""Numbers as Vietnamese readers write them: the decimal comma and the thousands dot.

One module for both directions, so what a page shows ("4,5") is what a form or a workbook may
hold and what is read back. Ground floor: imports nothing but the standard library.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

__all__ = [
    "as_decimal",
    "format_decimal",
    "format_integer",
    "format_percent",
    "format_size",
    "parse_number",
    "parse_shown",
    "parse_typed",
]


# Writing ---------------------------------------------------------------------------------


def format_decimal(value) -> str:
    """A score with the decimal comma and only the decimals it has: 5,55; 10; 0,537.
    None or "" give "" (an empty cell, not a zero)."""
    if value is None or value == "":
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def format_integer(value: int) -> str:
    """20000 → "20.000" (the thousands dot)."""
    return f"{value:,}".replace(",", ".")


def format_percent(part: int, whole: int) -> str:
    """The share of `part` in `whole` with one decimal, as the reports print it: "66,7%";
    "0%" when there is nothing to share."""
    return f"{100 * part / whole:.1f}".replace(".", ",") + "%" if whole else "0%"


def format_size(size: int) -> str:
    """Bytes as the user reads them: "20 MB", "25,3 MB", "512 KB"."""
    if size >= 1024 * 1024:
        megabytes = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
        return f"{megabytes.replace('.', ',')} MB"
    return f"{max(1, math.ceil(size / 1024))} KB"


# Reading ---------------------------------------------------------------------------------


def parse_number(raw: str) -> Decimal | None:
    """ "8,963" → 8.963; "1.234,5" → 1234.5; "8.963" → 8.963; "1.234.567" → 1234567.
    None when `raw` is not a number. A lone dot is a decimal point, as in the statements
    ministries publish ("đạt 8.963 điểm")."""
    try:
        if "," in raw:
            if raw.count(",") > 1:
                return None
            whole, fraction = raw.split(",")
            return Decimal(f"{whole.replace('.', '')}.{fraction}")
        if raw.count(".") > 1:
            return Decimal(raw.replace(".", ""))
        return Decimal(raw)
    except InvalidOperation:
        return None


def parse_typed(text: str | None) -> Decimal | None:
    """A number a person typed in a form or a cell: spaces ignored, None when blank.
    Raises ValueError when it is not a number; it must start with a digit, so "-1", "+1",
    "NaN" and "Infinity" (which `Decimal` would take) are refused."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    number = parse_number(text)
    if number is None or not text[:1].isdigit():
        raise ValueError(text)
    return number


def as_decimal(value) -> Decimal | None:
    """A stored value (a fixture's 84.69, a string "84.69") as a Decimal; None or "" stay None."""
    return None if value in (None, "") else Decimal(str(value))


def parse_shown(text: str | None) -> Decimal | None:
    """Read back what `format_decimal` wrote ("4,5" → 4.5; "" → None)."""
    return as_decimal(text.replace(",", ".") if text else text)
