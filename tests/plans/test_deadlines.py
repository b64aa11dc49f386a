"""parse_deadline: every way a "Thời gian thực hiện" cell is written in the real annexes.

Rows come from the deadline table in docs/domain.md, every distinct deadline cell of seed 000
(Phụ lục I and II), seed 002 (Phụ lục) and the three annex workbooks, the forms the plans use in
their own text ("trước ngày 20/6/2024", "trước tháng 12/2024"), and the edge cases the importer
must not guess at.
"""

import dataclasses
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from plans.importing.deadlines import Deadline, DeadlineKind, Recurrence, parse_deadline

FIXED = DeadlineKind.FIXED
RANGE = DeadlineKind.RANGE
ONGOING = DeadlineKind.ONGOING
RECURRING = DeadlineKind.RECURRING
EVENT = DeadlineKind.EVENT
UNPARSED = DeadlineKind.UNPARSED

ROWS = [
    # (value, plan_year, kind, start, due, recurrence)
    # --- domain.md, "Deadlines (thời gian thực hiện) as written" ---------------------------------
    ("Thường xuyên", 2022, ONGOING, date(2022, 1, 1), None, None),
    ("Định kỳ hàng quý", None, RECURRING, None, None, Recurrence.QUARTERLY),
    ("hàng năm", None, RECURRING, None, None, Recurrence.YEARLY),
    ("theo kỳ báo cáo", None, RECURRING, None, None, Recurrence.REPORTING_PERIOD),
    ("Quý IV/2022", None, RANGE, date(2022, 10, 1), date(2022, 12, 31), None),
    ("Quý III-IV/2022", None, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    ("Quý III- IV/2022", None, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    ("Quý II-III/2018", None, RANGE, date(2018, 4, 1), date(2018, 9, 30), None),
    ("Quý II, III năm 2018", None, RANGE, date(2018, 4, 1), date(2018, 9, 30), None),
    ("Quý III năm 2018", None, RANGE, date(2018, 7, 1), date(2018, 9, 30), None),
    ("Tháng 01/2023", None, RANGE, date(2023, 1, 1), date(2023, 1, 31), None),
    ("hết tháng 12/2022", None, FIXED, None, date(2022, 12, 31), None),
    ("trước ngày 20/6/2024", None, FIXED, None, date(2024, 6, 20), None),
    ("6 tháng cuối năm 2023", None, RANGE, date(2023, 7, 1), date(2023, 12, 31), None),
    (
        "Thực hiện báo cáo theo kỳ báo cáo; Tổ chức kiểm tra: Quý III-IV/2022",
        None,
        RANGE,
        date(2022, 7, 1),
        date(2022, 12, 31),
        Recurrence.REPORTING_PERIOD,
    ),
    ("Khi Bộ Nội vụ xây dựng bộ tiêu chí mới", None, EVENT, None, None, None),
    ("Sau khi được phê duyệt", None, EVENT, None, None, None),
    ("Trước và quá trình bầu cử", None, EVENT, None, None, None),
    ("Theo quy định tại Nghị định số 90/2013/NĐ-CP", None, EVENT, None, None, None),
    ("Quý III", 2022, RANGE, date(2022, 7, 1), date(2022, 9, 30), None),
    ("Tháng 6", 2023, RANGE, date(2023, 6, 1), date(2023, 6, 30), None),
    (date(2023, 5, 15), None, FIXED, None, date(2023, 5, 15), None),
    # --- the seeds and workbooks, cells not already above ----------------------------------------
    ("Thường xuyên", None, ONGOING, None, None, None),
    ("Thường xuyên", 2018, ONGOING, date(2018, 1, 1), None, None),
    ("Quý II/2018", None, RANGE, date(2018, 4, 1), date(2018, 6, 30), None),
    ("Quý II-IV năm 2018", None, RANGE, date(2018, 4, 1), date(2018, 12, 31), None),
    # --- recurring -------------------------------------------------------------------------------
    ("Hằng năm", None, RECURRING, None, None, Recurrence.YEARLY),
    ("hàng quý", None, RECURRING, None, None, Recurrence.QUARTERLY),
    ("hàng tháng", None, RECURRING, None, None, Recurrence.MONTHLY),
    ("hàng tuần", None, RECURRING, None, None, Recurrence.WEEKLY),
    ("6 tháng một lần", None, RECURRING, None, None, Recurrence.HALF_YEARLY),
    ("định kỳ 6 tháng", None, RECURRING, None, None, Recurrence.HALF_YEARLY),
    ("sáu tháng một lần", None, RECURRING, None, None, Recurrence.HALF_YEARLY),
    ("Thực hiện báo cáo theo kỳ báo cáo", None, RECURRING, None, None, Recurrence.REPORTING_PERIOD),
    ("theo định kỳ", None, RECURRING, None, None, Recurrence.REPORTING_PERIOD),
    ("Định kỳ", None, RECURRING, None, None, Recurrence.REPORTING_PERIOD),
    # "hàng tuần, hàng tháng" names two periods: the first one written is kept.
    ("định kỳ hàng tuần, hàng tháng", None, RECURRING, None, None, Recurrence.WEEKLY),
    # --- ongoing ---------------------------------------------------------------------------------
    ("Thường xuyên, liên tục", 2023, ONGOING, date(2023, 1, 1), None, None),
    # --- quarters --------------------------------------------------------------------------------
    ("Quý 3/2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    ("quý I và quý II năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 6, 30), None),
    ("Quý 2-3/2023", None, RANGE, date(2023, 4, 1), date(2023, 9, 30), None),
    ("quý 3-2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    ("Quý IV 2022", None, RANGE, date(2022, 10, 1), date(2022, 12, 31), None),
    ("Hoàn thành trong quý III/2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    ("Đến hết quý III/2023", None, FIXED, None, date(2023, 9, 30), None),
    ("Trước quý III/2023", None, FIXED, None, date(2023, 6, 30), None),
    ("Quý IV/2022 - Quý I/2023", None, RANGE, date(2022, 10, 1), date(2023, 3, 31), None),
    ("Quý III-IV", 2022, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    # --- months ----------------------------------------------------------------------------------
    ("Tháng 3-5/2023", None, RANGE, date(2023, 3, 1), date(2023, 5, 31), None),
    ("tháng 6 năm 2023", None, RANGE, date(2023, 6, 1), date(2023, 6, 30), None),
    ("Tháng 02/2024", None, RANGE, date(2024, 2, 1), date(2024, 2, 29), None),
    ("Tháng 12/2022-01/2023", None, RANGE, date(2022, 12, 1), date(2023, 1, 31), None),
    ("Từ tháng 7 đến tháng 9/2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    ("Từ tháng 7/2023 đến tháng 9/2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    # "Trước tháng 12/2024" is due before December starts.
    ("Trước tháng 12/2024", None, FIXED, None, date(2024, 11, 30), None),
    ("cuối tháng 6/2024", None, FIXED, None, date(2024, 6, 30), None),
    ("Trước 3/2024", None, FIXED, None, date(2024, 2, 29), None),
    # --- days ------------------------------------------------------------------------------------
    ("Trước 30/6/2024", None, FIXED, None, date(2024, 6, 30), None),
    ("chậm nhất ngày 15/11/2023", None, FIXED, None, date(2023, 11, 15), None),
    ("20/6/2024", None, FIXED, None, date(2024, 6, 20), None),
    ("20-6-2024", None, FIXED, None, date(2024, 6, 20), None),
    ("20.6.2024", None, FIXED, None, date(2024, 6, 20), None),
    ("ngày 20 tháng 6 năm 2024", None, FIXED, None, date(2024, 6, 20), None),
    (
        "Từ ngày 01/7/2023 đến ngày 30/9/2023",
        None,
        RANGE,
        date(2023, 7, 1),
        date(2023, 9, 30),
        None,
    ),
    ("01/7/2023 - 30/9/2023", None, RANGE, date(2023, 7, 1), date(2023, 9, 30), None),
    ("trước ngày 15/12 hàng năm", 2023, FIXED, None, date(2023, 12, 15), Recurrence.YEARLY),
    ("Trước 15/12 hàng năm", 2023, FIXED, None, date(2023, 12, 15), Recurrence.YEARLY),
    # --- parts of a year, years ------------------------------------------------------------------
    ("6 tháng đầu năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 6, 30), None),
    ("6 tháng cuối năm", 2024, RANGE, date(2024, 7, 1), date(2024, 12, 31), None),
    ("nửa cuối năm 2023", None, RANGE, date(2023, 7, 1), date(2023, 12, 31), None),
    ("Sáu tháng đầu năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 6, 30), None),
    ("9 tháng năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 9, 30), None),
    ("Năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 12, 31), None),
    ("trong năm 2023", None, RANGE, date(2023, 1, 1), date(2023, 12, 31), None),
    ("2022-2025", None, RANGE, date(2022, 1, 1), date(2025, 12, 31), None),
    ("Giai đoạn 2021-2025", None, RANGE, date(2021, 1, 1), date(2025, 12, 31), None),
    ("Từ năm 2021 đến năm 2025", None, RANGE, date(2021, 1, 1), date(2025, 12, 31), None),
    ("2023", None, RANGE, date(2023, 1, 1), date(2023, 12, 31), None),
    (2023, None, RANGE, date(2023, 1, 1), date(2023, 12, 31), None),
    ("Cuối năm 2023", None, FIXED, None, date(2023, 12, 31), None),
    ("cuối năm", 2023, FIXED, None, date(2023, 12, 31), None),
    # --- compound --------------------------------------------------------------------------------
    ("Thường xuyên; trước 30/6/2024", 2024, FIXED, None, date(2024, 6, 30), None),
    ("Thường xuyên\nQuý IV/2023", 2023, RANGE, date(2023, 10, 1), date(2023, 12, 31), None),
    (
        "- Báo cáo: hàng quý\n- Kiểm tra: Quý IV/2023",
        None,
        RANGE,
        date(2023, 10, 1),
        date(2023, 12, 31),
        Recurrence.QUARTERLY,
    ),
    ("hết tháng 12/2022; trước ngày 20/6/2024", None, FIXED, None, date(2024, 6, 20), None),
    # --- events, and document references that are not deadlines ----------------------------------
    ("Khi có văn bản hướng dẫn", None, EVENT, None, None, None),
    ("Theo yêu cầu", None, EVENT, None, None, None),
    ("Theo kế hoạch", None, EVENT, None, None, None),
    ("Ngay sau khi có kết quả", None, EVENT, None, None, None),
    ("Kịp thời", None, EVENT, None, None, None),
    ("Theo Nghị định số 90/2013/NĐ-CP ngày 08/8/2013 của Chính phủ", None, EVENT, None, None, None),
    ("Theo Kế hoạch số 22/KH-UBND ngày 22 tháng 01 năm 2018", None, EVENT, None, None, None),
    ("Khi có kết quả Chỉ số CCHC năm 2023", None, EVENT, None, None, None),
    ("Sau 30/6/2024", None, EVENT, None, None, None),
    ("Sau tháng 6/2024", None, EVENT, None, None, None),
    (
        "Sau khi được phê duyệt, chậm nhất ngày 30/6/2024",
        None,
        FIXED,
        None,
        date(2024, 6, 30),
        None,
    ),
    # a document reference in a cell that is not an event: its dates are still not deadlines
    (
        "Thực hiện nghiêm Nghị định số 90/2013/NĐ-CP ngày 08/8/2013 của Chính phủ",
        None,
        UNPARSED,
        None,
        None,
        None,
    ),
    (
        "Theo Chỉ thị số 03/CT-UBND ngày 21/5/2020; Quý IV/2022",
        None,
        RANGE,
        date(2022, 10, 1),
        date(2022, 12, 31),
        None,
    ),
    # --- never guess -----------------------------------------------------------------------------
    ("Quý III", None, UNPARSED, None, None, None),
    ("Tháng 6", None, UNPARSED, None, None, None),
    ("6 tháng đầu năm", None, UNPARSED, None, None, None),
    ("Thực hiện báo cáo theo kỳ báo cáo; Tổ chức kiểm tra: Quý III", None, UNPARSED, *[None] * 3),
    ("31/02/2023", None, UNPARSED, None, None, None),
    ("Quý V/2023", None, UNPARSED, None, None, None),
    ("Tháng 13/2023", None, UNPARSED, None, None, None),
    ("Từ ngày 30/9/2023 đến ngày 01/7/2023", None, UNPARSED, None, None, None),
    ("Từ tháng 7/2023", None, UNPARSED, None, None, None),
    ("đầu năm 2023", None, UNPARSED, None, None, None),
    ("nửa năm 2023", None, UNPARSED, None, None, None),
    ("Năm 2022 và các năm tiếp theo", None, UNPARSED, None, None, None),
    ("ISO 9001-2015", None, UNPARSED, None, None, None),
    ("20/6/24", None, UNPARSED, None, None, None),
    ("Quý IV/22", 2023, UNPARSED, None, None, None),
    ("6 tháng đầu năm 23", 2023, UNPARSED, None, None, None),
    ("trước ngày 20/6/24 hàng năm", 2023, UNPARSED, None, None, None),
    ("Đã hoàn thành", None, UNPARSED, None, None, None),
    ("45000", None, UNPARSED, None, None, None),
    # --- empty -----------------------------------------------------------------------------------
    (None, 2023, UNPARSED, None, None, None),
    ("", 2023, UNPARSED, None, None, None),
    ("   ", 2023, UNPARSED, None, None, None),
    # --- how staff type: Excel dates, capitals, no diacritics, odd dashes and spaces -------------
    (datetime(2023, 5, 15, 0, 0), None, FIXED, None, date(2023, 5, 15), None),
    (datetime(2023, 5, 15, 17, 30), None, FIXED, None, date(2023, 5, 15), None),
    ("QUÝ IV/2022", None, RANGE, date(2022, 10, 1), date(2022, 12, 31), None),
    ("THƯỜNG XUYÊN", 2022, ONGOING, date(2022, 1, 1), None, None),
    ("quy III-IV/2022", None, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    ("thuong xuyen", 2022, ONGOING, date(2022, 1, 1), None, None),
    ("dinh ky hang quy", None, RECURRING, None, None, Recurrence.QUARTERLY),
    ("Quý III–IV/2022", None, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    ("Quý III — IV/2022", None, RANGE, date(2022, 7, 1), date(2022, 12, 31), None),
    ("Giai đoạn 2021–2025", None, RANGE, date(2021, 1, 1), date(2025, 12, 31), None),
    ("Tháng\u00a001/2023", None, RANGE, date(2023, 1, 1), date(2023, 1, 31), None),
    ("  Quý IV/2022\n", None, RANGE, date(2022, 10, 1), date(2022, 12, 31), None),
]


@pytest.mark.parametrize(("value", "plan_year", "kind", "start", "due", "recurrence"), ROWS)
def test_parse_deadline_reads_what_was_written(value, plan_year, kind, start, due, recurrence):
    deadline = parse_deadline(value, plan_year=plan_year)

    assert (deadline.kind, deadline.start, deadline.due, deadline.recurrence) == (
        kind,
        start,
        due,
        recurrence,
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Quý III- IV/2022", "Quý III- IV/2022"),
        ("  Thường xuyên \n", "Thường xuyên"),
        ("Tháng\u00a001/2023", "Tháng\u00a001/2023"),
        ("Khi Bộ Nội vụ xây dựng bộ tiêu chí mới", "Khi Bộ Nội vụ xây dựng bộ tiêu chí mới"),
        ("Quý V/2023", "Quý V/2023"),
        (
            "Thực hiện báo cáo theo kỳ báo cáo; Tổ chức kiểm tra: Quý III-IV/2022",
            "Thực hiện báo cáo theo kỳ báo cáo; Tổ chức kiểm tra: Quý III-IV/2022",
        ),
        (date(2023, 5, 1), "01/05/2023"),
        (datetime(2023, 5, 1, 8, 0), "01/05/2023"),
        (None, ""),
        ("", ""),
    ],
)
def test_parse_deadline_keeps_the_original_text(value, text):
    assert parse_deadline(value, plan_year=2023).text == text


def test_deadline_is_immutable():
    deadline = parse_deadline("Quý IV/2022")

    assert isinstance(deadline, Deadline)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.due = date(2023, 1, 1)


def test_dates_are_plain_dates():
    deadline = parse_deadline(datetime(2023, 5, 15, 17, 30))

    assert type(deadline.due) is date


def test_module_does_not_import_django():
    root = Path(__file__).resolve().parents[2]
    check = (
        "import sys, plans.importing.deadlines; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", check], cwd=root).returncode == 0
