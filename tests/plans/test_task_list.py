"""The task list finds things: search by words with abbreviations on real annex rows, open work
first, the section with the number, quarters as written, the review queue, active filters as
chips kept when refining, and no agency column for staff of one agency."""

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.services import user_with_membership_upsert
from plans.models import Assignment, Plan, Section, Task
from plans.views import tasks as task_views
from tests.conftest import PASSWORD, agency
from tests.downloads import fetch_file
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PLAN_2022 = (
    Path(__file__).resolve().parents[2]
    / "fixtures/annexes/bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx"
)


def listed(client, per_page=500, **params) -> list:
    """The rows the list shows, in order, across its pages."""
    rows, number = [], 1
    while True:
        response = client.get(
            reverse("plans:task_list"), {**params, "per_page": per_page, "page": number}
        )
        assert response.status_code == 200
        table = response.context["table"]
        if not table.page:
            return rows
        rows += [row.record for row in table.paginated_rows]
        if not table.page.has_next():
            return rows
        number += 1


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


# Search on the real annex -----------------------------------------------------------------


@pytest.fixture
def annex_2022(bac_kan):
    call_command(
        "import_annex",
        str(PLAN_2022),
        "--province",
        "Bắc Kạn",
        "--plan-number",
        "KH-2022",
        "--year",
        "2022",
        stdout=io.StringIO(),
    )
    return Assignment.objects.filter(task__plan__number="KH-2022")


def test_the_words_find_the_rows_that_say_cchc(as_reviewer, annex_2022):
    """The 2022 annex writes "CCHC" and never "cải cách hành chính": a search for the words
    found none of those rows."""
    saying_cchc = {a.pk for a in annex_2022.filter(task__search_text__contains="cchc")}
    assert len(saying_cchc) > 100
    found = {a.pk for a in listed(as_reviewer, q="cải cách hành chính")}
    assert saying_cchc <= found
    # The same rows, typed without diacritics, in capitals, or as the abbreviation.
    for query in ("cai cach hanh chinh", "CẢI CÁCH HÀNH CHÍNH", "CCHC", "cchc"):
        assert saying_cchc <= {a.pk for a in listed(as_reviewer, q=query)}, query


def test_the_abbreviation_finds_the_rows_that_spell_it_out(as_reviewer, annex_2022):
    spelled = {a.pk for a in annex_2022.filter(task__search_text__contains="dich vu cong")}
    assert spelled
    assert spelled <= {a.pk for a in listed(as_reviewer, q="DVC")}
    tthc = {a.pk for a in annex_2022.filter(task__search_text__contains="tthc")}
    assert tthc and tthc <= {a.pk for a in listed(as_reviewer, q="thủ tục hành chính")}


def test_words_in_any_order_each_required(as_reviewer, annex_2022):
    task = Task.objects.get(
        plan__number="KH-2022", search_text__startswith="6 tham dinh de an vi tri viec lam"
    )
    query = "ngạch viên chức đề án VỊ TRÍ"
    found = listed(as_reviewer, q=query)
    assert task.pk in {a.task_id for a in found}
    for row in found:
        text = row.task.search_text + " " + row.agency.search_name
        assert all(word in text for word in ("ngach", "vien", "chuc", "de", "an", "vi", "tri"))
    assert listed(as_reviewer, q=query + " xyzzy") == []


def test_a_search_of_too_many_words_is_refused_with_a_message(as_reviewer, annex_2022):
    response = as_reviewer.get(reverse("plans:task_list"), {"q": " ".join(["chỉ"] * 17)})
    assert "Hãy tìm bằng tối đa 16 từ (đã nhập 17 từ)." in response.text
    assert response.context["table"].paginator.count == 0


def test_the_search_box_is_outside_the_collapsed_filters(as_reviewer, annex_2022):
    page = as_reviewer.get(reverse("plans:task_list")).text
    search = page.index('id="id_q"')
    assert search < page.index("<details")
    assert 'type="search"' in page


def test_a_search_finding_more_rows_than_it_counts_says_more_than_and_pages_them_all(
    as_reviewer, annex_2022, monkeypatch
):
    """A search counts its rows up to `SEARCH_COUNTED` and says "Hơn N phân công" past it
    (counting tests every row's text), and still pages through the same rows in the same
    order, open work first, the page where open work ends included."""
    found = annex_2022.filter(task__search_text__contains="cchc")
    finished = [a.pk for a in found.order_by("pk")[::3]]
    Assignment.objects.filter(pk__in=finished).update(status="done", completed_on=TODAY - DAY)
    every = listed(as_reviewer, q="cchc")
    assert len(every) > 100
    page = as_reviewer.get(reverse("plans:task_list"), {"q": "cchc"}).text
    assert f"{len(every)} phân công ·" in page and "Hơn" not in page

    monkeypatch.setattr(task_views, "SEARCH_COUNTED", 30)
    page = as_reviewer.get(reverse("plans:task_list"), {"q": "cchc"}).text
    assert "Hơn 30 phân công · Trang 1 ·" in page
    assert listed(as_reviewer, per_page=25, q="cchc") == every
    # Up to the number counted, the count is exact.
    monkeypatch.setattr(task_views, "SEARCH_COUNTED", len(every))
    page = as_reviewer.get(reverse("plans:task_list"), {"q": "cchc"}).text
    assert f"{len(every)} phân công ·" in page and "Hơn" not in page


# Order and numbers ----------------------------------------------------------------------


@pytest.fixture
def mixed(bac_kan):
    """Tasks in every group, created in an order that is none of the expected ones."""
    tp = agency(bac_kan, "Sở Tư pháp")
    plan = make_plan(bac_kan, number="3/KH-UBND", year=TODAY.year)
    section = Section.objects.create(plan=plan, number="II", title="SỞ TƯ PHÁP CHỦ TRÌ", position=1)
    tasks = {
        "ongoing": make_task(plan, number="1", section=section, description="Thường xuyên"),
        "done": make_task(plan, number="2", section=section, due_on=TODAY - 30 * DAY),
        "on_track": make_task(plan, number="3", section=section, due_on=TODAY + 90 * DAY),
        "due_soon": make_task(plan, number="4", section=section, due_on=TODAY + 2 * DAY),
        "overdue": make_task(plan, number="5", section=section, due_on=TODAY - 3 * DAY),
        "overdue_long": make_task(plan, number="6", section=section, due_on=TODAY - 60 * DAY),
    }
    for name, task in tasks.items():
        make_assignment(task, tp, completed_on=TODAY - 40 * DAY if name == "done" else None)
    return tasks


def test_default_order_is_overdue_then_due_soon_then_the_rest(as_reviewer, mixed):
    numbers = [row.task.number for row in listed(as_reviewer)]
    by_name = {name: task.number for name, task in mixed.items()}
    assert numbers == [
        by_name[name]
        for name in ("overdue_long", "overdue", "due_soon", "on_track", "ongoing", "done")
    ]


def test_paging_in_the_default_order_shows_every_row_once(client, bac_kan, reviewer):
    """Open and done work are read from separate queries; the page where one ends and the
    other starts must neither skip nor repeat a row."""
    plan = make_plan(bac_kan, number="7/KH-UBND", year=TODAY.year)
    tp = agency(bac_kan, "Sở Tư pháp")
    expected = []
    for n in range(23):
        done = n % 3 == 0
        task = make_task(plan, number=str(n + 1), due_on=TODAY + (n % 5 - 2) * DAY)
        expected.append(make_assignment(task, tp, completed_on=TODAY - DAY if done else None))
    client.force_login(reviewer)
    seen = []
    for page in (1, 2, 3):
        response = client.get(
            reverse("plans:task_list"), {"plan": plan.pk, "per_page": 10, "page": page}
        )
        seen += [row.record for row in response.context["table"].paginated_rows]
    assert sorted(a.pk for a in seen) == sorted(a.pk for a in expected)
    statuses = [a.status for a in seen]
    assert statuses == sorted(statuses, key=lambda s: s == "done")  # open work, then done
    open_due = [a.task.due_on for a in seen if a.status != "done"]
    assert open_due == sorted(open_due)


def test_the_whole_country_pages_every_row_once_in_order(client, administrator, bac_kan, cao_bang):
    """The administrator's unfiltered list pages without a count; a page past the first finds
    its rows' ids first and joins only those (`plans.tables._page`): every row in force shows
    once, open work by due date, then done work, whichever page the parts meet on."""
    expected = []
    for province, offset in ((bac_kan, 0), (cao_bang, 1)):
        plan = make_plan(province, number="8/KH-UBND", year=TODAY.year)
        tp = agency(province, "Sở Tư pháp")
        for n in range(13):
            task = make_task(plan, number=str(n + 1), due_on=TODAY + ((n + offset) % 5 - 2) * DAY)
            done = TODAY - DAY if n % 4 == 0 else None
            expected.append(make_assignment(task, tp, completed_on=done))
    gone = make_task(plan, number="99", due_on=TODAY)
    make_assignment(gone, tp)
    gone.withdrawn_at = timezone.now()
    gone.save(update_fields=["withdrawn_at"])
    client.force_login(administrator)
    for per_page in (4, 7, 500):
        seen = listed(client, per_page=per_page)
        assert sorted(a.pk for a in seen) == sorted(a.pk for a in expected)
        assert [a.status == "done" for a in seen] == sorted(a.status == "done" for a in seen)
        opened = [
            (a.task.due_on, a.task.plan_id, a.task.position, a.pk)
            for a in seen
            if a.status != "done"
        ]
        assert opened == sorted(opened)
    assert "Trang 2" in client.get(reverse("plans:task_list"), {"per_page": 4, "page": 2}).text


def test_a_column_sort_still_orders_by_that_column(as_reviewer, mixed):
    rows = listed(as_reviewer, sort="-due")
    dated = [row.task.due_on for row in rows if row.task.due_on]
    assert dated == sorted(dated, reverse=True)


def test_the_number_shows_its_section(as_reviewer, mixed, bac_kan):
    page = as_reviewer.get(reverse("plans:task_list")).text
    assert "<td>II.5</td>" in page
    # A number that already carries its section's ("1.1" in section 1) stays as it is.
    plan = make_plan(bac_kan, number="4/KH-UBND", year=TODAY.year)
    section = Section.objects.create(plan=plan, number="1", title="Tham gia", position=0)
    task = make_task(plan, number="1.1", section=section, due_on=TODAY - DAY)
    make_assignment(task, agency(bac_kan, "Sở Tư pháp"))
    page = as_reviewer.get(reverse("plans:task_list"), {"plan": plan.pk}).text
    assert "<td>1.1</td>" in page and "1.1.1" not in page


# Quarters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["Quý III/2023", "quý 3/2023", "Quy III nam 2023", "Q3/2023", "3/2023", "2023-Q3", "III/2023"],
)
def test_the_quarter_is_read_as_people_write_it(as_reviewer, bac_kan, written):
    plan = make_plan(bac_kan, number="5/KH-UBND", year=2023)
    tp = agency(bac_kan, "Sở Tư pháp")
    inside = make_task(plan, number="1", due_on=datetime.date(2023, 9, 30))
    make_task(plan, number="2", due_on=datetime.date(2023, 10, 1))
    for task in Task.objects.filter(plan=plan):
        make_assignment(task, tp)
    assert [row.task_id for row in listed(as_reviewer, quarter=written)] == [inside.pk]
    chips = as_reviewer.get(reverse("plans:task_list"), {"quarter": written}).context["chips"]
    assert [(c.label, c.value) for c in chips] == [("Quý", "Quý III/2023")]


@pytest.mark.parametrize("wrong", ["Quý V/2023", "2023", "Q3/23", "quý ba"])
def test_a_quarter_not_understood_says_which_forms_are(as_reviewer, bac_kan, wrong):
    response = as_reviewer.get(reverse("plans:task_list"), {"quarter": wrong})
    assert "Quý phải có dạng Quý III/2023 (hoặc Q3/2023, 3/2023)" in response.text
    assert response.context["table"].paginator.count == 0


# Chips ----------------------------------------------------------------------------------


def test_a_dashboard_links_filters_show_as_chips(as_reviewer, mixed, bac_kan):
    params = {
        "province": bac_kan.pk,
        "year": TODAY.year,
        "timeliness": "overdue",
        "as_of": TODAY.isoformat(),
    }
    response = as_reviewer.get(reverse("plans:task_list"), params)
    chips = {c.label: c.value for c in response.context["chips"]}
    assert chips == {
        "Tỉnh": bac_kan.name,
        "Năm kế hoạch": str(TODAY.year),
        "Thời hạn": "Quá hạn",
        "Tính đến ngày": TODAY.strftime("%d/%m/%Y"),
    }
    page = response.text
    assert 'aria-label="Bỏ lọc Thời hạn"' in page


def test_removing_a_chip_keeps_the_other_filters(as_reviewer, mixed, bac_kan):
    params = {"province": bac_kan.pk, "timeliness": "overdue", "q": "thường", "page": "1"}
    chips = as_reviewer.get(reverse("plans:task_list"), params).context["chips"]
    without = {c.name: dict(re.findall(r"([^&=]+)=([^&]*)", c.query)) for c in chips}
    assert without["timeliness"] == {"province": str(bac_kan.pk), "q": "th%C6%B0%E1%BB%9Dng"}
    assert "page" not in without["q"] and "timeliness" in without["q"]


def test_refining_keeps_the_filters_the_form_has_no_field_for(as_reviewer, mixed, bac_kan):
    """A dashboard link's province, year and day ride along as hidden fields: changing the
    status in the form must not drop them (1,300 rows became 0)."""
    params = {
        "province": bac_kan.pk,
        "year": TODAY.year,
        "as_of": TODAY.isoformat(),
        "timeliness": "overdue",
        "sort": "due",
    }
    page = as_reviewer.get(reverse("plans:task_list"), params).text
    start = page.index('<form method="get"')
    form = page[start : page.index("</form>", start)]
    for name, value in (
        ("province", bac_kan.pk),
        ("year", TODAY.year),
        ("as_of", TODAY.isoformat()),
        ("sort", "due"),
    ):
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    # The visible fields are not repeated as hidden ones (a changed choice would lose).
    assert 'type="hidden" name="timeliness"' not in form
    assert 'name="q"' in form


# Review queue ---------------------------------------------------------------------------


@pytest.fixture
def reviews(bac_kan, mixed):
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    done = Assignment.objects.get(task=mixed["done"], agency=tp)
    done.review = Assignment.Review.PENDING
    done.save()
    other = make_assignment(mixed["overdue"], tc, completed_on=TODAY - DAY)
    other.review = Assignment.Review.PENDING
    other.save()
    # A "pending" left on work set back to in progress awaits nobody.
    stale = Assignment.objects.get(task=mixed["on_track"], agency=tp)
    stale.review = Assignment.Review.PENDING
    stale.status = Assignment.Status.IN_PROGRESS
    stale.save()
    returned = Assignment.objects.get(task=mixed["due_soon"], agency=tp)
    returned.review = Assignment.Review.RETURNED
    returned.save()
    return {"tp": done, "tc": other, "returned": returned}


def test_the_review_queue_lists_completions_awaiting_confirmation(as_reviewer, reviews):
    assert {a.pk for a in listed(as_reviewer, review="pending")} == {
        reviews["tp"].pk,
        reviews["tc"].pk,
    }
    assert [a.pk for a in listed(as_reviewer, review="returned")] == [reviews["returned"].pk]
    page = as_reviewer.get(reverse("plans:task_list"), {"review": "pending"})
    assert '<option value="pending" selected>Chờ xác nhận</option>' in page.text
    assert [(c.label, c.value) for c in page.context["chips"]] == [("Xác nhận", "Chờ xác nhận")]


def test_staff_see_only_their_own_completions_awaiting_confirmation(client, staff_tuphap, reviews):
    client.force_login(staff_tuphap)
    assert [a.pk for a in listed(client, review="pending")] == [reviews["tp"].pk]


def test_other_provinces_reviewer_sees_none_of_the_queue(client, other_reviewer, reviews):
    client.force_login(other_reviewer)
    assert listed(client, review="pending") == []


# The agency column ----------------------------------------------------------------------


def test_staff_of_one_agency_get_no_agency_column_nor_filter(client, staff_tuphap, mixed):
    client.force_login(staff_tuphap)
    response = client.get(reverse("plans:task_list"))
    assert "agency" not in [c.name for c in response.context["table"].columns]
    page = response.text
    assert ">Cơ quan</th>" not in page and 'id="agency-picker"' not in page
    assert "<td>Sở Tư pháp</td>" not in page
    assert 'class="list tasks no-agency"' in page


def test_reviewers_keep_the_agency_column(as_reviewer, mixed):
    page = as_reviewer.get(reverse("plans:task_list")).text
    assert "<td>Sở Tư pháp</td>" in page and 'id="agency-picker"' in page


def test_staff_acting_for_a_merged_agency_keep_the_agency_column(client, bac_kan, mixed):
    """Staff of an agency that took over another's work see rows of both: which one is shown."""
    tp = agency(bac_kan, "Sở Tư pháp")
    successor = agency(bac_kan, "Sở Tài chính")
    tp.successor = successor
    tp.save()
    user = user_with_membership_upsert(
        username="taichinh2",
        password=PASSWORD,
        full_name="Tài chính",
        role=Membership.Role.STAFF,
        agency=successor,
    )
    client.force_login(user)
    page = client.get(reverse("plans:task_list")).text
    assert "<td>Sở Tư pháp</td>" in page


@pytest.mark.parametrize("extra", [0, 40])
def test_the_list_with_chips_makes_a_fixed_number_of_queries(
    client, reviewer, mixed, bac_kan, extra, django_assert_max_num_queries
):
    plan = mixed["done"].plan
    for i in range(extra):
        task = make_task(plan, number=f"x{i}", due_on=TODAY + (i % 9 - 4) * DAY)
        make_assignment(task, agency(bac_kan, "Sở Tư pháp"), completed_on=TODAY if i % 2 else None)
    tp = agency(bac_kan, "Sở Tư pháp")
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, the plan chosen, count of rows and
    # of open ones, page of rows, the agency's name for its chip, plans for the filter form.
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("plans:task_list"),
            {
                "q": "nhiệm vụ",
                "plan": plan.pk,
                "agency": tp.pk,
                "timeliness": "overdue",
            },
        )
    assert response.status_code == 200


# The plan filter -------------------------------------------------------------------------


def _plan_options(page: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select name="plan" id="id_plan">(.*?)</select>', page, re.S)
    assert select, "the plan filter is missing"
    return [
        (value, label, bool(chosen))
        for value, chosen, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1]
        )
    ]


def test_the_plan_filter_offers_the_province_plans_newest_first_and_keeps_the_choice(
    as_reviewer, bac_kan, cao_bang
):
    older = make_plan(bac_kan, number="2/KH-UBND", year=TODAY.year - 1)
    newer = make_plan(bac_kan, number="9/KH-UBND", year=TODAY.year)
    make_plan(cao_bang, number="5/KH-UBND", year=TODAY.year)  # another province's
    page = as_reviewer.get(reverse("plans:task_list")).text
    assert _plan_options(page) == [
        ("", "Tất cả", True),
        (str(newer.pk), f"Kế hoạch 9/KH-UBND ({TODAY.year})", False),
        (str(older.pk), f"Kế hoạch 2/KH-UBND ({TODAY.year - 1})", False),
    ]
    page = as_reviewer.get(reverse("plans:task_list"), {"plan": older.pk}).text
    assert [chosen for *_, chosen in _plan_options(page)] == [False, False, True]
    assert f"Kế hoạch: <strong>2/KH-UBND ({TODAY.year - 1}) – Bắc Kạn</strong>" in page


def test_an_administrator_is_offered_every_province_plans(client, administrator, bac_kan, cao_bang):
    ours = make_plan(bac_kan, number="1/KH-UBND", year=TODAY.year)
    theirs = make_plan(cao_bang, number="1/KH-UBND", year=TODAY.year)
    client.force_login(administrator)
    values = [value for value, *_ in _plan_options(client.get(reverse("plans:task_list")).text)]
    assert sorted(values) == sorted(["", str(ours.pk), str(theirs.pk)])


def test_a_plan_name_is_escaped_in_the_filter(as_reviewer, bac_kan):
    make_plan(bac_kan, number='<b>"1"</b>', year=TODAY.year)
    page = as_reviewer.get(reverse("plans:task_list")).text
    assert "<b>" not in page.split('id="id_plan"')[1].split("</select>")[0]
    assert f"Kế hoạch &lt;b&gt;&quot;1&quot;&lt;/b&gt; ({TODAY.year})" in page


def test_the_quick_select_writes_what_django_select_writes():
    """The plan filter's select is written without Django's templates: it must stay the
    markup Django writes (the page was compared whole before and after)."""
    from django import forms

    from parindex.core.widgets import QuickSelect

    choices = [("", "Tất cả"), (1, "Kế hoạch <1> (2026)"), (2, "B & C"), (3, "x")]
    attrs = {"id": "id_plan", "aria-invalid": "true", "disabled": True, "hidden": False}
    for value in (None, "", 2, "3", "9"):
        assert QuickSelect(choices=choices).render("plan", value, attrs) == forms.Select(
            choices=choices
        ).render("plan", value, attrs)


# The plan's province --------------------------------------------------------------------


@pytest.fixture
def two_plans_22(bac_kan, cao_bang):
    """Plan 22/KH-UBND of 2018 in two provinces (numbers restart in every province)."""
    for province in (bac_kan, cao_bang):
        plan = make_plan(province, number="22/KH-UBND", year=2018)
        make_assignment(make_task(plan, due_on=TODAY + DAY), agency(province, "Sở Tư pháp"))


def _plan_cells(page: str) -> set[str]:
    return set(re.findall(r"<td>(22/KH-UBND \(2018\)[^<]*)</td>", page))


def test_an_administrator_sees_which_province_each_plan_is_of(client, administrator, two_plans_22):
    client.force_login(administrator)
    page = client.get(reverse("plans:task_list")).text
    assert _plan_cells(page) == {"22/KH-UBND (2018) – Bắc Kạn", "22/KH-UBND (2018) – Cao Bằng"}
    # A filtered list (counted, another paginator) names them too.
    page = client.get(reverse("plans:task_list"), {"q": "nhiệm vụ"}).text
    assert _plan_cells(page) == {"22/KH-UBND (2018) – Bắc Kạn", "22/KH-UBND (2018) – Cao Bằng"}


def test_a_reviewer_of_one_province_reads_the_plan_without_its_province(as_reviewer, two_plans_22):
    assert _plan_cells(as_reviewer.get(reverse("plans:task_list")).text) == {"22/KH-UBND (2018)"}


def test_a_reviewer_of_a_merged_province_sees_which_province_each_plan_is_of(
    client, reviewer, bac_kan, cao_bang, two_plans_22
):
    cao_bang.merged_into, cao_bang.valid_to = bac_kan, datetime.date(2025, 6, 30)
    cao_bang.save()
    client.force_login(reviewer)
    page = client.get(reverse("plans:task_list")).text
    assert _plan_cells(page) == {"22/KH-UBND (2018) – Bắc Kạn", "22/KH-UBND (2018) – Cao Bằng"}


def test_staff_who_took_over_another_provinces_agency_see_each_plans_province(
    client, staff_tuphap, bac_kan, cao_bang, two_plans_22
):
    old = agency(cao_bang, "Sở Tư pháp")
    old.successor = agency(bac_kan, "Sở Tư pháp")
    old.save()
    client.force_login(staff_tuphap)
    page = client.get(reverse("plans:task_list")).text
    assert _plan_cells(page) == {"22/KH-UBND (2018) – Bắc Kạn", "22/KH-UBND (2018) – Cao Bằng"}


def test_the_administrators_export_names_each_plans_province(client, administrator, two_plans_22):
    client.force_login(administrator)
    response = fetch_file(client, reverse("plans:task_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    assert sheet["A1"].value == "Kế hoạch"
    assert sorted(row[0].value for row in sheet.iter_rows(min_row=2)) == [
        "22/KH-UBND (2018) – Bắc Kạn",
        "22/KH-UBND (2018) – Cao Bằng",
    ]


@pytest.mark.parametrize("extra", [25, 60])
def test_the_administrators_list_makes_a_fixed_number_of_queries(
    client, administrator, two_plans_22, bac_kan, extra, django_assert_num_queries
):
    plan = make_plan(bac_kan, number="9/KH-UBND", year=TODAY.year)
    for i in range(extra):
        make_assignment(make_task(plan, number=f"x{i}"), agency(bac_kan, "Sở Tư pháp"))
    client.force_login(administrator)
    # session, user, membership, plans for the filter form, PostgreSQL's estimate of the rows,
    # the page (open work only), its plans and provinces joined: no query per row or province.
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 5):
        page = client.get(reverse("plans:task_list")).text
    assert "22/KH-UBND (2018) – Cao Bằng" in page


# The whole country's estimate -----------------------------------------------------------


def test_the_whole_countrys_estimate_counts_the_rows_the_list_shows(client, administrator, bac_kan):
    """The administrator's unfiltered list is not counted (a million rows): it says "Khoảng"
    PostgreSQL's estimate of its rows, which leaves out, as the list does, the assignments of
    withdrawn tasks and those a revised annex no longer names (here 440 of 1,000 rows)."""
    plan = make_plan(bac_kan, number="30/KH-UBND", year=TODAY.year)
    agencies = list(Agency.objects.filter(province=bac_kan).order_by("pk")[:10])
    section = Section.objects.create(plan=plan, title="Mục", position=0)
    now = timezone.now()
    tasks = Task.objects.bulk_create(
        Task(
            plan=plan,
            section=section,
            number=str(n),
            position=n,
            description=f"Nhiệm vụ {n}",
            deadline_kind=Task.DeadlineKind.ONGOING,
            withdrawn_at=now if n % 10 < 3 else None,  # 30 of 100 withdrawn
        )
        for n in range(100)
    )
    Assignment.objects.bulk_create(
        Assignment(task=task, agency=a, unassigned_at=now if i < 2 else None)  # 2 of 10
        for task in tasks
        for i, a in enumerate(agencies)
    )
    shown = Assignment.objects.in_force().count()
    assert shown == 70 * 8
    client.force_login(administrator)
    if connection.vendor != "postgresql":  # no estimate: the page says only its number
        page = client.get(reverse("plans:task_list")).text
        assert "Khoảng" not in page and "Trang 1 ·" in page
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE plans_assignment, plans_task")
    page = client.get(reverse("plans:task_list")).text
    estimate = int(re.search(r"Khoảng ([\d.]+) phân công", page)[1].replace(".", ""))
    assert abs(estimate - shown) <= shown // 10, estimate


def test_the_whole_country_on_one_page_says_its_exact_number(client, administrator, two_plans_22):
    """A new installation's few rows fit on the first page: their number is known, with no
    estimate (the planner's guess for a table just filled can be far off)."""
    client.force_login(administrator)
    page = client.get(reverse("plans:task_list")).text
    assert "2 phân công ·" in page and "Khoảng" not in page


# Due dates through extensions -------------------------------------------------------------


@pytest.fixture
def extended(bac_kan):
    """Three tasks of 2024; the first one's date was extended for Sở Tư pháp (gia hạn) from
    15/03/2024 to 15/05/2024, and not for Sở Tài chính."""
    tp, tc = agency(bac_kan, "Sở Tư pháp"), agency(bac_kan, "Sở Tài chính")
    plan = make_plan(bac_kan, number="40/KH-UBND", year=2024)
    moved = make_task(plan, number="1", due_on=datetime.date(2024, 3, 15))
    rows = {
        "extended": make_assignment(moved, tp),
        "not_extended": make_assignment(moved, tc),
        "march": make_assignment(
            make_task(plan, number="2", due_on=datetime.date(2024, 3, 20)), tp
        ),
        "may": make_assignment(make_task(plan, number="3", due_on=datetime.date(2024, 5, 10)), tp),
    }
    Assignment.objects.filter(pk=rows["extended"].pk).update(
        extended_to=datetime.date(2024, 5, 15), extension_status="granted"
    )
    return {name: a.pk for name, a in rows.items()}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"due_after": "01/03/2024"}, {"extended", "not_extended", "march", "may"}),
        ({"due_after": "01/04/2024"}, {"extended", "may"}),
        ({"due_before": "31/03/2024"}, {"not_extended", "march"}),
        ({"due_after": "01/04/2024", "due_before": "12/05/2024"}, {"may"}),
        ({"due_after": "13/05/2024", "due_before": "31/05/2024"}, {"extended"}),
        ({"quarter": "Quý II/2024"}, {"extended", "may"}),
        ({"quarter": "Quý I/2024"}, {"not_extended", "march"}),
    ],
)
def test_the_due_date_filters_read_the_agencys_extended_date(
    as_reviewer, extended, params, expected
):
    """An agency granted a later date (gia hạn) is due by it, as its timeliness and the
    dashboard count it: the list's date filters find it by the new date, not the annex's."""
    names = {pk: name for name, pk in extended.items()}
    assert {names[a.pk] for a in listed(as_reviewer, **params)} == expected


def test_sorting_by_plan_keeps_each_provinces_plan_together(client, administrator, two_plans_22):
    client.force_login(administrator)
    for province in ("Bắc Kạn", "Cao Bằng"):  # a second agency on each plan
        plan = Plan.objects.get(number="22/KH-UBND", province__name=province)
        make_assignment(plan.tasks.get(), agency(plan.province, "Sở Tài chính"))
    rows = listed(client, sort="plan")
    assert [a.task.plan.province.name for a in rows] in (
        ["Bắc Kạn", "Bắc Kạn", "Cao Bằng", "Cao Bằng"],
        ["Cao Bằng", "Cao Bằng", "Bắc Kạn", "Bắc Kạn"],
    )
