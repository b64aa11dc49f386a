"""find_score_statements on the scores plans write into their text and task cells.

Rows: the forms in docs/domain.md and the brief ("năm 2022 đạt 8,963/9,5 điểm", "đạt tỷ lệ
88,29%", "thuộc nhóm 'Trung bình cao'"), the sentences of seeds 000, 002 and 004 that state a
result, and text that looks numeric but states no score (dates, document numbers, targets).
"""

import dataclasses
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from plans.importing.scores import ScoreStatement, find_score_statements

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
POINTS = "points"
PERCENT = "percent"

STATEMENTS = [
    # (text, [(fragment, achieved, maximum, unit, year, group), ...])
    # --- docs/domain.md and the brief -------------------------------------------------------------
    (
        "Tiêu chí 1.1.1: năm 2022 đạt 8,963/9,5 điểm, còn lại 0,537 điểm chưa đạt được",
        [("đạt 8,963/9,5 điểm", D("8.963"), D("9.5"), POINTS, 2022, None)],
    ),
    (
        "Chỉ số SIPAS đạt tỷ lệ 88,29%",
        [("đạt tỷ lệ 88,29%", D("88.29"), D("100"), PERCENT, None, None)],
    ),
    (
        "Chỉ số PAPI đạt 4,9544 điểm, thuộc nhóm 'Trung bình cao'",
        [
            (
                "đạt 4,9544 điểm, thuộc nhóm 'Trung bình cao'",
                D("4.9544"),
                None,
                POINTS,
                None,
                "Trung bình cao",
            )
        ],
    ),
    (
        "Chỉ số PAPI đạt 4,9544 điểm, xếp thứ 20/63 tỉnh, thành phố, "
        "nằm trong nhóm “Trung bình cao”.",
        [
            (
                "đạt 4,9544 điểm, xếp thứ 20/63 tỉnh, thành phố, nằm trong nhóm “Trung bình cao”",
                D("4.9544"),
                None,
                POINTS,
                None,
                "Trung bình cao",
            )
        ],
    ),
    (
        'đạt 4,9544 điểm ... nhóm "Trung bình cao"',
        [
            (
                'đạt 4,9544 điểm ... nhóm "Trung bình cao"',
                D("4.9544"),
                None,
                POINTS,
                None,
                "Trung bình cao",
            )
        ],
    ),
    (
        "đạt 4,9544 điểm, thuộc nhóm ‘Trung bình thấp’",
        [
            (
                "đạt 4,9544 điểm, thuộc nhóm ‘Trung bình thấp’",
                D("4.9544"),
                None,
                POINTS,
                None,
                "Trung bình thấp",
            )
        ],
    ),
    (
        "Chỉ số PAR INDEX năm 2021 đạt 84,69/100 điểm",
        [("đạt 84,69/100 điểm", D("84.69"), D("100"), POINTS, 2021, None)],
    ),
    ("Tiêu chí này đạt 0/1 điểm", [("đạt 0/1 điểm", D("0"), D("1"), POINTS, None, None)]),
    ("tỉnh Bắc Kạn đạt 35,61 điểm", [("đạt 35,61 điểm", D("35.61"), None, POINTS, None, None)]),
    # --- seed 000 ---------------------------------------------------------------------------------
    (
        "Theo kết quả công bố Chỉ số CCHC năm 2021, tỉnh Bắc Kạn xếp thứ 54/63 tỉnh, thành phố, "
        "đạt 84,69/100 điểm, tăng 05 bậc và tăng 6,12 điểm so với năm 2020; kết quả Chỉ số hài "
        "lòng về sự phục vụ hành chính năm 2021 đạt 88,27/100%, xếp thứ 20/63 tỉnh, thành phố, "
        "giảm 0,27% và giảm 03 bậc so với năm 2020.",
        [
            ("đạt 84,69/100 điểm", D("84.69"), D("100"), POINTS, 2021, None),
            ("đạt 88,27/100%", D("88.27"), D("100"), PERCENT, 2021, None),
        ],
    ),
    # --- seed 002: the year is the index year, not the publication date --------------------------
    (
        "Căn cứ chỉ số hiệu quả quản trị và hành chính công (PAPI) tỉnh Bắc Kạn năm 2016 do Trung "
        "tâm Nghiên cứu phát triển và Hỗ trợ cộng đồng (CECODES), Chương trình Phát triển Liên hợp "
        "quốc (UNDP), Trung tâm Bồi dưỡng cán bộ và Nghiên cứu khoa học Mặt trận Tổ quốc Việt Nam "
        "công bố tháng 4 năm 2017 thì tỉnh Bắc Kạn đạt 35,61/60 điểm, thuộc nhóm đạt điểm trung "
        "bình thấp, xếp thứ 35/63 tỉnh, thành phố. Được đánh giá theo 6 nội dung: Tham gia của "
        "người dân đạt 5,35/10 điểm; Công khai minh bạch đạt 4,45/10 điểm; Trách nhiệm giải trình "
        "với người dân đạt 5,45/10 điểm; Kiểm soát tham nhũng trong khu vực công đạt 5,9/10 điểm; "
        "Thủ tục hành chính công đạt 7,19/10 điểm; Cung ứng dịch vụ công đạt 6,68/10 điểm.",
        [
            (
                "đạt 35,61/60 điểm, thuộc nhóm đạt điểm trung bình thấp",
                D("35.61"),
                D("60"),
                POINTS,
                2016,
                "trung bình thấp",
            ),
            ("đạt 5,35/10 điểm", D("5.35"), D("10"), POINTS, None, None),
            ("đạt 4,45/10 điểm", D("4.45"), D("10"), POINTS, None, None),
            ("đạt 5,45/10 điểm", D("5.45"), D("10"), POINTS, None, None),
            ("đạt 5,9/10 điểm", D("5.9"), D("10"), POINTS, None, None),
            ("đạt 7,19/10 điểm", D("7.19"), D("10"), POINTS, None, None),
            ("đạt 6,68/10 điểm", D("6.68"), D("10"), POINTS, None, None),
        ],
    ),
    # --- seed 004: a result, a negation and a target in one clause list ---------------------------
    (
        "tỷ lệ cán bộ cấp xã chuẩn về chuyên môn theo quy định chưa đạt 100%; tỷ lệ văn bản trao "
        "đổi giữa các cơ quan hành chính nhà nước dưới dạng điện tử đạt 92%, phân đấu đạt 100%;",
        [("đạt 92%", D("92"), D("100"), PERCENT, None, None)],
    ),
    # --- other ways of writing --------------------------------------------------------------------
    (
        "ĐẠT 84,69/100 ĐIỂM",
        [("ĐẠT 84,69/100 ĐIỂM", D("84.69"), D("100"), POINTS, None, None)],
    ),
    ("đạt 88,27 %", [("đạt 88,27 %", D("88.27"), D("100"), PERCENT, None, None)]),
    ("đạt 70 phần trăm", [("đạt 70 phần trăm", D("70"), D("100"), PERCENT, None, None)]),
    (
        "đạt 84,69 / 100 điểm",
        [("đạt 84,69 / 100 điểm", D("84.69"), D("100"), POINTS, None, None)],
    ),
    (
        "đạt 8,963 điểm/9,5 điểm",
        [("đạt 8,963 điểm/9,5 điểm", D("8.963"), D("9.5"), POINTS, None, None)],
    ),
    (
        "Chỉ số đạt được 84,69 điểm",
        [("đạt được 84,69 điểm", D("84.69"), None, POINTS, None, None)],
    ),
    (
        "đạt mức 88,29%",
        [("đạt mức 88,29%", D("88.29"), D("100"), PERCENT, None, None)],
    ),
    (
        "PAPI 2016 đạt 35,61/60 điểm",
        [("đạt 35,61/60 điểm", D("35.61"), D("60"), POINTS, 2016, None)],
    ),
    (
        "năm 2021 đạt 84,69 điểm, năm 2022 đạt 86,1 điểm",
        [
            ("đạt 84,69 điểm", D("84.69"), None, POINTS, 2021, None),
            ("đạt 86,1 điểm", D("86.1"), None, POINTS, 2022, None),
        ],
    ),
    (
        "Năm 2021 đạt 84,69 điểm, tăng 6,12 điểm so với năm 2020, SIPAS đạt 88,27%",
        [
            ("đạt 84,69 điểm", D("84.69"), None, POINTS, 2021, None),
            ("đạt 88,27%", D("88.27"), D("100"), PERCENT, 2021, None),
        ],
    ),
    (
        "Ngày 25 tháng 5 năm 2022, Bộ Nội vụ công bố: tỉnh đạt 84,69 điểm",
        [("đạt 84,69 điểm", D("84.69"), None, POINTS, None, None)],
    ),
    (
        "Chỉ số PAR INDEX đạt 84,69 điểm, xếp nhóm B",
        [("đạt 84,69 điểm, xếp nhóm B", D("84.69"), None, POINTS, None, "B")],
    ),
    # Dot as decimal point when there is no comma (English-locale spreadsheets).
    ("đạt 8.963/9,5 điểm", [("đạt 8.963/9,5 điểm", D("8.963"), D("9.5"), POINTS, None, None)]),
    ("đạt 8.963 điểm", [("đạt 8.963 điểm", D("8.963"), None, POINTS, None, None)]),
    # With a comma, dots are thousands separators.
    ("đạt 1.234,5 điểm", [("đạt 1.234,5 điểm", D("1234.5"), None, POINTS, None, None)]),
    # --- no score ---------------------------------------------------------------------------------
    ("báo cáo trước ngày 20/6/2024", []),
    ("Theo quy định tại Nghị định số 90/2013/NĐ-CP", []),
    ("để đến hết tháng 12/2022 hoàn thành 100% nhiệm vụ đề ra", []),
    ("Khắc phục kịp thời 100% tồn tại, hạn chế do đoàn thanh tra, kiểm tra kiến nghị", []),
    ("xếp thứ 54/63 tỉnh, thành phố, tăng 6,12 điểm so với năm 2020", []),
    ("giảm 0,27% và giảm 03 bậc", []),
    ("đạt 20/6/2024", []),
    ("đạt chuẩn theo Nghị định 90/2013/NĐ-CP", []),
    ("03/5 tiêu chí giảm điểm; đạt 04/10 tiêu chí", []),
    ("đạt 84,69/100", []),
    ("chưa đạt điểm tối đa", []),
    ("không đạt 5 điểm", []),
    ("Phấn đấu năm 2023 đạt 90 điểm", []),
    ("với mục tiêu phấn đấu các TC, TCTP đạt 90% trở lên", []),
    ("đạt 12/10 điểm", []),
    ("đạt 5/0 điểm", []),
    ("", []),
    (None, []),
]


@pytest.mark.parametrize(("text", "expected"), STATEMENTS)
def test_find_score_statements(text, expected):
    found = [
        (s.text, s.achieved, s.maximum, s.unit, s.year, s.group)
        for s in find_score_statements(text)
    ]

    assert found == expected


def test_values_are_decimals_never_floats():
    (statement,) = find_score_statements("năm 2022 đạt 8,963/9,5 điểm")

    assert type(statement.achieved) is Decimal
    assert type(statement.maximum) is Decimal
    assert statement.achieved == Decimal("8.963")
    assert statement.maximum - statement.achieved == Decimal("0.537")


def test_percent_maximum_is_one_hundred():
    (statement,) = find_score_statements("đạt tỷ lệ 88,29%")

    assert statement.maximum == Decimal(100)
    assert statement.unit == "percent"


def test_statement_is_immutable():
    (statement,) = find_score_statements("đạt 35,61 điểm")

    assert isinstance(statement, ScoreStatement)
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.achieved = Decimal(1)


def test_module_does_not_import_django():
    check = (
        "import sys, plans.importing.scores; "
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", check], cwd=ROOT).returncode == 0
