"""Score statements found by the annex import ("năm 2016 đạt 5,2/10 điểm"), accepted on the
index page as a criterion's score or the total, or dismissed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.indices.models import Criterion, Result, StatementDecision
from plans.models import Task
from tests.plans.test_import import build_workbook, run_import

pytestmark = pytest.mark.django_db

HEADER = [
    "STT",
    "Nhiệm vụ, giải pháp",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
]


@pytest.fixture
def imported(tmp_path, bac_kan):
    """A 2018 plan imported from a workbook whose tasks quote the 2016 PAPI scores."""
    path = build_workbook(
        tmp_path,
        [
            ["KẾ HOẠCH KHẮC PHỤC CHỈ SỐ PAPI"],
            HEADER,
            ["1", "Công khai, minh bạch"],
            [
                "1.1",
                "Nội dung công khai, minh bạch năm 2016 đạt 5,2/10 điểm; cần công khai ngân sách xã",
                "Sở Tài chính",
                None,
                "Quý II/2018",
            ],
            [
                "1.2",
                "Chỉ số PAPI năm 2016 đạt 36,1/60 điểm, thuộc nhóm “Trung bình thấp”",
                "Sở Nội vụ",
                None,
                "Thường xuyên",
            ],
            ["1.3", "Năm 2015 đạt 4/10 điểm ở nội dung này", "Sở Nội vụ", None, "Thường xuyên"],
        ],
        bold_rows=(3,),
    )
    run_import(path, "--plan-number", "22/KH-UBND", "--year", "2018")
    return {"path": path, "tasks": {t.number: t for t in Task.objects.all()}}


def page(client, bac_kan, year=2016):
    return client.get(reverse("indices"), {"province": bac_kan.pk, "index": "PAPI", "year": year})


def decide(client, task, text, target="", decision="accept", year=2016):
    return client.post(
        reverse("statement_decide"),
        {
            "task": task.pk,
            "text": text,
            "index": "PAPI",
            "year": year,
            "target": target,
            "decision": decision,
        },
    )


def test_pending_statements_of_the_year_are_listed_with_the_suggested_criterion(
    client, reviewer, bac_kan, imported
):
    transparency = Criterion.objects.get(
        edition__index__code="PAPI", edition__first_year=2011, code="2"
    )
    imported["tasks"]["1.1"].criteria.add(transparency)
    client.force_login(reviewer)
    response = page(client, bac_kan)
    statements = [
        (s["task"].number, s["text"], s["suggested"]) for s in response.context["statements"]
    ]
    assert statements == [
        ("1.1", "đạt 5,2/10 điểm", transparency.pk),
        ("1.2", "đạt 36,1/60 điểm, thuộc nhóm “Trung bình thấp”", None),
    ]  # the 2015 statement belongs to another year
    assert "“đạt 5,2/10 điểm”: 5,2/10" in response.text
    assert f'<option value="{transparency.pk}" selected>' in response.text
    assert [s["task"].number for s in page(client, bac_kan, year=2015).context["statements"]] == [
        "1.3"
    ]


def test_accepting_a_statement_records_the_criterion_score_and_survives_a_reimport(
    client, reviewer, bac_kan, imported
):
    transparency = Criterion.objects.get(
        edition__index__code="PAPI", edition__first_year=2011, code="2"
    )
    client.force_login(reviewer)
    response = decide(client, imported["tasks"]["1.1"], "đạt 5,2/10 điểm", str(transparency.pk))
    assert response.status_code == 302
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    score = result.scores.get(criterion=transparency)
    assert (score.achieved, score.maximum) == (Decimal("5.2"), Decimal("10"))
    after = client.get(response.url)
    assert "Đã ghi “đạt 5,2/10 điểm” làm điểm tiêu chí 2 năm 2016" in after.text
    assert [s["task"].number for s in after.context["statements"]] == ["1.2"]
    decision = StatementDecision.objects.get()
    assert (decision.decision, decision.score, decision.decided_by) == ("accepted", score, reviewer)
    # Importing the same workbook again rewrites Task.score_statements; the decision stays.
    run_import(imported["path"], "--plan-number", "22/KH-UBND", "--year", "2018")
    assert [s["task"].number for s in page(client, bac_kan).context["statements"]] == ["1.2"]


def test_a_statement_can_be_accepted_as_the_total_or_dismissed(client, reviewer, bac_kan, imported):
    client.force_login(reviewer)
    text = "đạt 36,1/60 điểm, thuộc nhóm “Trung bình thấp”"
    decide(client, imported["tasks"]["1.2"], text, "total")
    result = Result.objects.get(province=bac_kan, index__code="PAPI", year=2016)
    assert (result.total, result.maximum, result.band) == (
        Decimal("36.1"),
        Decimal("60"),
        "Trung bình thấp",
    )
    decide(client, imported["tasks"]["1.1"], "đạt 5,2/10 điểm", decision="dismiss")
    assert page(client, bac_kan).context["statements"] == []
    assert result.scores.get(criterion__code="2").achieved == Decimal("4.45")  # untouched
    assert set(StatementDecision.objects.values_list("decision", flat=True)) == {
        "accepted",
        "dismissed",
    }


def test_accepting_needs_a_criterion_of_that_year_and_happens_once(
    client, reviewer, bac_kan, imported
):
    client.force_login(reviewer)
    task = imported["tasks"]["1.1"]
    response = decide(client, task, "đạt 5,2/10 điểm")
    assert "Hãy chọn tiêu chí" in client.get(response.url).text
    newer = Criterion.objects.get(edition__index__code="PAPI", edition__first_year=2018, code="2")
    response = decide(client, task, "đạt 5,2/10 điểm", str(newer.pk))
    assert "không thuộc PAPI năm 2016" in client.get(response.url).text
    assert not StatementDecision.objects.exists()
    decide(client, task, "đạt 5,2/10 điểm", decision="dismiss")
    response = decide(client, task, "đạt 5,2/10 điểm", decision="dismiss")
    assert "đã được xử lý" in client.get(response.url).text
    response = decide(client, task, "đạt 9/10 điểm", decision="dismiss")
    assert "Không tìm thấy điểm số này" in client.get(response.url).text
    assert StatementDecision.objects.count() == 1


def test_only_reviewers_of_the_province_and_administrators_decide(
    client, bac_kan, imported, leader, staff_taichinh, other_reviewer, administrator
):
    task = imported["tasks"]["1.1"]
    client.force_login(leader)
    assert page(client, bac_kan).context["statements"] == []  # leaders do not see them
    assert decide(client, task, "đạt 5,2/10 điểm", decision="dismiss").status_code == 403
    assert client.get(reverse("statement_decide")).status_code == 405
    client.force_login(staff_taichinh)
    assert decide(client, task, "đạt 5,2/10 điểm", decision="dismiss").status_code == 403
    client.force_login(other_reviewer)
    assert decide(client, task, "đạt 5,2/10 điểm", decision="dismiss").status_code == 404
    assert not StatementDecision.objects.exists()
    client.force_login(administrator)
    assert decide(client, task, "đạt 5,2/10 điểm", decision="dismiss").status_code == 302
