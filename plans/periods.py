"""Reporting periods (kỳ báo cáo): quý I, 6 tháng, 9 tháng, năm, coded "2024-Q1", "2024-H1",
"2024-9M", "2024-Y"."""

import datetime

from django.conf import settings

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


def period_label(code: str) -> str:
    """ "2024-H1" → "6 tháng 2024"; unknown codes are shown as they are."""
    year, _, kind = code.partition("-")
    labels = dict(PERIOD_KINDS)
    return labels[kind].format(year=year) if kind in labels and year.isdigit() else code


def period_bounds(code: str) -> tuple[datetime.date, datetime.date]:
    """The data window of a period, from the settings' cut-offs: "2024-H1" → 15/12/2023–14/06/2024."""
    year, _, kind = code.partition("-")
    if not year.isdigit() or kind not in settings.PARINDEX_PERIOD_CUTOFFS:
        raise ValueError(
            f"Kỳ báo cáo “{code}” không hợp lệ (ví dụ 2024-Q1, 2024-H1, 2024-9M, 2024-Y)."
        )
    start_day, start_month = settings.PARINDEX_PERIOD_START
    end_day, end_month = settings.PARINDEX_PERIOD_CUTOFFS[kind]
    return (
        datetime.date(int(year) - 1, start_month, start_day),
        datetime.date(int(year), end_month, end_day),
    )
