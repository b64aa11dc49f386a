"""Reporting periods (kỳ báo cáo): quý I, 6 tháng, 9 tháng, năm, coded "2024-Q1", "2024-H1",
"2024-9M", "2024-Y"."""

import datetime
import re

from django.conf import settings

# The years a user may ask for (plan years, periods, the task list's dates), as the forms'
# 2000–2100: a URL with year 0 or 99999 is answered "invalid", not with a date that cannot exist.
YEARS = range(2000, 2101)
_CODE = re.compile(r"(?P<year>[0-9]{4})-(?P<kind>.+)")

PERIOD_KINDS = [
    ("Q1", "Quý I/{year}"),
    ("H1", "6 tháng {year}"),
    ("9M", "9 tháng {year}"),
    ("Y", "Năm {year}"),
]


def period_choices(years) -> list[tuple[str, str]]:
    return [
        (f"{year}-{code}", label.format(year=year))
        for year in sorted(set(years))
        for code, label in PERIOD_KINDS
    ]


def current_period(today: datetime.date) -> str:
    """The period a report written today most likely belongs to."""
    code = {1: "Q1", 2: "Q1", 3: "Q1", 4: "H1", 5: "H1", 6: "H1", 7: "9M", 8: "9M", 9: "9M"}.get(
        today.month, "Y"
    )
    return f"{today.year}-{code}"


def period_of_day(today: datetime.date) -> str:
    """The period whose data window holds `today`, so that it is read as of today: the current
    period, except from a cut-off to the end of its month (15–31/12 is already the next
    year's quý I, whose window starts on 15/12)."""
    code = current_period(today)
    if period_bounds(code)[1] >= today:
        return code
    kinds = [kind for kind, _label in PERIOD_KINDS]
    kind = code.partition("-")[2]
    if kind == kinds[-1]:
        return f"{today.year + 1}-{kinds[0]}"
    return f"{today.year}-{kinds[kinds.index(kind) + 1]}"


def period_label(code: str) -> str:
    """ "2024-H1" → "6 tháng 2024"; unknown codes are shown as they are."""
    year, _, kind = code.partition("-")
    labels = dict(PERIOD_KINDS)
    return labels[kind].format(year=year) if kind in labels and year.isdigit() else code


def period_bounds(code: str) -> tuple[datetime.date, datetime.date]:
    """The data window of a period, from the settings' cut-offs: "2024-H1" → 15/12/2023–14/06/2024."""
    match = _CODE.fullmatch(code)
    if (
        not match
        or int(match["year"]) not in YEARS
        or match["kind"] not in settings.PARINDEX_PERIOD_CUTOFFS
    ):
        shown = code if len(code) <= 20 else code[:20] + "…"
        raise ValueError(
            f"Kỳ báo cáo “{shown}” không hợp lệ (ví dụ 2024-Q1, 2024-H1, 2024-9M, 2024-Y; "
            f"năm từ {YEARS[0]} đến {YEARS[-1]})."
        )
    year = int(match["year"])
    start_day, start_month = settings.PARINDEX_PERIOD_START
    end_day, end_month = settings.PARINDEX_PERIOD_CUTOFFS[match["kind"]]
    return (
        datetime.date(year - 1, start_month, start_day),
        datetime.date(year, end_month, end_day),
    )
