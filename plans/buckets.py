"""Intervals of days: what the coarse dashboard counters (`plans.tallies`) keep instead of a
completion day or a last report day, so their rows do not grow with the number of days.

Every month is cut at its 1st and at the day after each reporting cut-off's day of the month
(`PARINDEX_PERIOD_CUTOFFS`, `PARINDEX_PERIOD_START`; with the 14th: 1st–14th and 15th–end).
A period's window starts on an interval's first day and its cut-off is an interval's last day,
so a closed period is decided by the intervals alone; a reading day inside an interval leaves
that one interval undecided, and the dashboard reads its rows from the exact counters.

An interval is coded yyyymmk, an integer (k: its position in the month, from 0): 15/06/2026 →
2026061. Its month is the code // 10; codes sort as the days do.
"""

import calendar
import datetime

from django.conf import settings
from django.db import connection


def _starts() -> list[int]:
    """The days of a month an interval starts on, the 1st first (a day after the 28th only
    starts one in the months that have it)."""
    after_cutoffs = {day + 1 for day, _month in settings.PARINDEX_PERIOD_CUTOFFS.values()}
    days = {1, settings.PARINDEX_PERIOD_START[0], *after_cutoffs}
    return sorted(day for day in days if day <= 31)


def bucket_of(day: datetime.date) -> int:
    position = sum(day.day >= start for start in _starts()) - 1
    return day.year * 1000 + day.month * 10 + position


def bucket_bounds(code: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of an interval."""
    year, month, position = code // 1000, code // 10 % 100, code % 10
    starts = _starts()
    last_of_month = calendar.monthrange(year, month)[1]
    following = [start for start in starts[position + 1 :] if start <= last_of_month]
    last = following[0] - 1 if following else last_of_month
    return datetime.date(year, month, starts[position]), datetime.date(year, month, last)


def before(day: datetime.date) -> tuple[int, bool]:
    """(code, undecided) for "a day earlier than `day`": an interval coded below `code` is
    wholly earlier, one coded above it wholly not; the one coded `code` holds `day`, so it is
    undecided unless `day` is its first day."""
    code = bucket_of(day)
    return code, bucket_bounds(code)[0] != day


def bucket_sql(column: str) -> str:
    """The interval code of a date column in SQL (NULL for NULL), for the refresh's
    INSERT ... SELECT."""

    def part(lookup: str) -> str:
        if connection.vendor == "postgresql":
            return f"EXTRACT({lookup.upper()} FROM {column})"
        return f"django_date_extract('{lookup}', {column})"  # Django's own SQLite function

    position = " + ".join(
        f"CASE WHEN {part('day')} >= {start} THEN 1 ELSE 0 END" for start in _starts()[1:]
    )
    return f"CAST({part('year')} * 1000 + {part('month')} * 10 + {position or '0'} AS INTEGER)"
