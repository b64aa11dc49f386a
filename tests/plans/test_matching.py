"""Matching a revised annex's rows to stored tasks, on its own (no database)."""

from plans.importing.matching import (
    CHOSEN,
    EXACT,
    NEAR,
    Signature,
    match_sections,
    match_tasks,
    normalise_number,
)

A = "tuyen truyen, pho bien phap luat ve dan chu o co so cho nguoi dan tai cac thon ban"
B = "cong khai danh sach ho ngheo, ho can ngheo va cac che do chinh sach doi voi ho ngheo"
C = "kiem tra, don doc viec thuc hien quy che dan chu o co so tai cac xa phuong thi tran"


def row(key, text, section="muc 1", number="", position=0.0, leads=()):
    return Signature(key, text, section, number, "phu luc", frozenset(leads), position)


def task(key, text, section="muc 1", number="", position=0.0, leads=(), worked=False, live=True):
    return Signature(
        key, text, section, number, "phu luc", frozenset(leads), position, worked, live
    )


def test_numbers_differing_only_in_spacing_and_dots_are_one_number():
    assert normalise_number("5. 1") == normalise_number("5.1.") == "5.1"


def test_an_inserted_row_renumbering_the_rest_moves_no_task():
    stored = [task(1, A, number="1.1"), task(2, B, number="1.2"), task(3, C, number="1.3")]
    rows = [
        row("r0", "nhiem vu moi chen vao dau muc", number="1.1"),
        row("r1", A, number="1.2"),
        row("r2", B, number="1.3"),
        row("r3", C, number="1.4"),
    ]
    result = match_tasks(rows, stored)
    assert {k: m.task for k, m in result.matches.items()} == {"r1": 1, "r2": 2, "r3": 3}
    assert all(m.how == EXACT for m in result.matches.values())
    assert result.suggestions == {}


def test_duplicate_texts_are_told_apart_by_their_section_and_number():
    stored = [task(1, A, section="muc 1", number="1.1"), task(2, A, section="muc 2", number="2.1")]
    rows = [row("x", A, section="muc 2", number="2.1"), row("y", A, section="muc 1", number="1.1")]
    result = match_tasks(rows, stored)
    assert result.task_of("x") == 2 and result.task_of("y") == 1


def test_a_corrected_word_is_the_same_task_and_a_rewrite_is_only_a_suggestion():
    stored = [task(1, A), task(2, B)]
    corrected = A.replace("nguoi dan", "nhan dan")
    rewritten = "niem yet cong khai danh sach ho ngheo tai nha van hoa thon va tren trang tin"
    result = match_tasks([row("a", corrected), row("b", rewritten)], stored)
    assert result.matches["a"].task == 1 and result.matches["a"].how == NEAR
    assert "b" not in result.matches
    assert result.suggestions["b"].task == 2
    assert 60 <= result.suggestions["b"].similarity < 90


def test_the_reviewers_choice_and_accepting_suggestions_decide_uncertain_rows():
    stored = [task(1, A), task(2, B)]
    rewritten = "niem yet cong khai danh sach ho ngheo tai nha van hoa thon va tren trang tin"
    chosen = match_tasks([row("b", rewritten)], stored, chosen={"b": 2})
    assert chosen.matches["b"].task == 2 and chosen.matches["b"].how == CHOSEN
    new = match_tasks([row("b", rewritten)], stored, chosen={"b": None})
    assert new.matches == {} and new.suggestions == {}
    accepted = match_tasks([row("b", rewritten)], stored, accept_suggestions=True)
    assert accepted.matches["b"].task == 2


def test_the_assignment_is_optimal_over_the_plan_not_greedy_row_by_row():
    # Row p is closest to task 1, but task 1 is row q's only candidate: greedy gives p task 1
    # and leaves q new; the optimum gives q task 1 and p task 2.
    base = "bao cao ket qua thuc hien ke hoach cai cach hanh chinh dinh ky hang quy"
    t1 = base + " gui so noi vu"
    t2 = base + " gui uy ban nhan dan tinh va so noi vu truoc ngay 15"
    p = base + " gui so noi vu tong hop"
    q = t1 + "."
    result = match_tasks(
        [row("p", p), row("q", q)], [task(1, t1), task(2, t2)], accept_suggestions=True
    )
    assert result.task_of("q") == 1 and result.task_of("p") == 2


def test_recorded_work_wins_between_a_withdrawn_original_and_its_empty_twin():
    stored = [task(1, A, worked=True, live=False), task(2, A, worked=False, live=True)]
    assert match_tasks([row("r", A)], stored).task_of("r") == 1


def test_sections_follow_their_tasks_and_titles_not_their_numbers():
    imported = [
        Signature(0, "tham gia cua nguoi dan", "", "i", "phu luc"),
        Signature(1, "cong khai minh bach", "", "ii", "phu luc"),
    ]
    stored = [
        Signature(10, "cong khai minh bach", "", "2", "phu luc"),
        Signature(20, "tham gia cua nguoi dan o cap co so", "", "1", "phu luc"),
    ]
    assert match_sections(imported, stored, {(0, 20): 5}) == {0: 20, 1: 10}
