"""The dashboard: exact counts for a small province, group boundaries as of a period's cut-off,
and every number linking to a task list of exactly that many rows."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parindex.indices.models import Criterion
from plans.dashboard import DashboardScope, dashboard_deadlines
from plans.models import Assignment, ProgressUpdate
from tests.conftest import agency
from tests.factories import day, make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

DONE, OPEN = Assignment.Status.DONE, Assignment.Status.IN_PROGRESS
# The 6-month period of 2024 is read as of its cut-off, 14/06/2024 (settings).


def get_dashboard(client, bac_kan, **params):
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1", **params}
    )
    assert response.status_code == 200
    return response.context


def test_counts_in_the_official_groups_as_of_the_cut_off(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    totals = get_dashboard(client, bac_kan)["totals"]
    assert {
        k: totals[k]
        for k in (
            "total",
            "done_on_time",
            "done_late",
            "on_track",
            "due_soon",
            "overdue",
            "no_deadline",
            "not_reported",
        )
    } == {
        "total": 9,
        "done_on_time": 2,
        "done_late": 1,
        "on_track": 1,
        "due_soon": 3,
        "overdue": 1,
        "no_deadline": 1,
        "not_reported": 7,
    }
    assert totals["completion_rate"] == 33.3


def test_per_agency_table_with_laggards_first(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    agencies = get_dashboard(client, bac_kan)["agencies"]
    assert [row["agency__name"] for row in agencies] == ["Sở Tài chính", "Sở Tư pháp"]
    tc, tp = agencies
    assert (
        tc["led"],
        tc["supported"],
        tc["overdue"],
        tc["done_late"],
        tc["on_track"],
        tc["not_reported"],
    ) == (3, 1, 1, 1, 1, 3)
    assert (
        tp["led"],
        tp["supported"],
        tp["due_soon"],
        tp["done_on_time"],
        tp["no_deadline"],
        tp["not_reported"],
    ) == (4, 1, 3, 1, 1, 4)
    assert tp["last_update"] is not None and tc["last_update"] is not None


def _list_count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["table"].paginator.count


def test_every_number_links_to_exactly_its_rows(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    context = get_dashboard(client, bac_kan)
    checked = 0
    for row in [
        context["totals"],
        *context["agencies"],
        *context["by_plan"],
        *context["by_section"],
    ]:
        for key, url in row["links"].items():
            assert _list_count(client, url) == row[key], (key, url)
            checked += 1
    assert checked > 40


def test_plan_and_index_narrow_the_dashboard(client, reviewer, bac_kan, province):
    other = make_plan(bac_kan, number="6/KH-UBND", year=2024)
    make_assignment(make_task(other, number="Z", due_on=datetime.date(2024, 1, 1)), province["tp"])
    client.force_login(reviewer)
    assert get_dashboard(client, bac_kan)["totals"]["total"] == 10
    assert get_dashboard(client, bac_kan, plan=province["plan"].pk)["totals"]["total"] == 9


def test_who_may_open_the_dashboard(
    client, bac_kan, province, staff_tuphap, leader, other_reviewer
):
    client.force_login(staff_tuphap)
    assert client.get(reverse("plans:dashboard")).status_code == 403
    client.force_login(leader)
    assert get_dashboard(client, bac_kan)["totals"]["total"] == 9
    client.force_login(other_reviewer)  # another province cannot be chosen
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("extra", [0, 40])
def test_dashboard_makes_a_fixed_number_of_queries(
    client, reviewer, bac_kan, province, extra, django_assert_max_num_queries
):
    # Linked to the SIPAS criteria, so the points at stake read the tasks' leads too.
    criteria = list(
        Criterion.objects.filter(edition__index__code="SIPAS", edition__first_year=2017)
    )
    for i in range(extra):
        task = make_task(province["plan"], number=f"x{i}", due_on=day("01/05/2024"))
        task.criteria.add(criteria[i % len(criteria)])
        make_assignment(
            task, bac_kan.agencies.exclude(name__in=["Sở Tư pháp", "Sở Tài chính"])[i % 15]
        )
    client.force_login(reviewer)
    # session, user, membership, agency, merged provinces, form (provinces, latest year, plan
    # choices, chosen province); one grouped pass over the counters (plans.tallies) for the
    # totals, plans, sections, indices, completions per month and agencies (read as of today,
    # the stale ones too), the period's reported counters, the stale open assignments (a past
    # day, as here), with the sections' labels and the plans' indices; the counted agencies'
    # names, their last updates (counters); the scope's plans with their earliest due dates;
    # upcoming (the soonest tasks due in the window, and with an extension in it, then their
    # lines), overdue (without an extension, with one).
    # Points at stake (plans.criteria.selectors.points_at_stake): the results before the plan
    # year, their editions, the editions' criteria, the plan year's tasks linked to them, the
    # tasks' leads, the scores.
    with django_assert_max_num_queries(23 + 6):
        client.get(
            reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
        )


def test_upcoming_and_overdue_lists_as_of_the_cut_off(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    deadlines = get_dashboard(client, bac_kan)["deadlines"]
    assert [(t["task__number"], t["agency_name"]) for t in deadlines["upcoming"]] == [
        ("A", "Sở Tư pháp"),
        ("B", "Sở Tư pháp"),
        ("G", "Sở Tư pháp"),
    ]
    assert [(a.task.number, a.agency.name) for a in deadlines["overdue"]] == [("D", "Sở Tài chính")]


def test_chart_data_matches_the_tables(client, reviewer, bac_kan, province):
    client.force_login(reviewer)
    context = get_dashboard(client, bac_kan)
    charts = context["charts"]
    assert {g["code"]: g["count"] for g in charts["groups"]}["overdue"] == 1
    assert [a["name"] for a in charts["agencies"]] == ["Sở Tài chính", "Sở Tư pháp"]
    # Completed within 15/12/2023–14/06/2024: one in May, two in June (not F, done in July).
    assert charts["completions"] == [
        {"month": "05/2024", "count": 1},
        {"month": "06/2024", "count": 2},
    ]
    page = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    ).text
    assert 'id="chart-data"' in page and "vendor/chart.umd.min.js" in page


def test_administrators_see_every_province_at_once(
    client, administrator, reviewer, bac_kan, cao_bang, province
):
    other = make_plan(cao_bang, number="7/KH-UBND", year=2024)
    make_assignment(
        make_task(other, number="K", due_on=day("01/04/2024")), agency(cao_bang, "Sở Nội vụ")
    )
    client.force_login(administrator)
    response = client.get(
        reverse("plans:dashboard"), {"province": "", "year": 2024, "period": "H1"}
    )
    assert response.status_code == 200
    context = response.context
    assert context["totals"]["total"] == 10 and context["totals"]["overdue"] == 2
    assert sorted((r["label"], r["total"]) for r in context["by_province"]) == [
        ("Bắc Kạn", 9),
        ("Cao Bằng", 1),
    ]
    for row in [context["totals"], *context["by_province"]]:
        for key, url in row["links"].items():
            assert client.get(url).context["table"].paginator.count == row[key], (key, url)
    # A reviewer cannot ask for the whole country.
    client.force_login(reviewer)
    response = client.get(
        reverse("plans:dashboard"), {"province": "", "year": 2024, "period": "H1"}
    )
    assert response.status_code == 400


def test_the_national_plan_filter_names_each_plans_province(
    client, administrator, reviewer, bac_kan, cao_bang, province
):
    """Plan numbers restart in every province: across the country the plan filter says whose
    plan each one is (a reviewer's, of one province, does not need to), and picking one
    narrows the country's numbers to it."""
    same_number = province["plan"].number
    other = make_plan(cao_bang, number=same_number, year=2024)
    make_assignment(
        make_task(other, number="K", due_on=day("01/04/2024")), agency(cao_bang, "Sở Nội vụ")
    )
    client.force_login(administrator)
    national = {"province": "", "year": 2024, "period": "H1"}
    page = client.get(reverse("plans:dashboard"), national).content.decode()
    options = re.findall(
        r'<option value="(\d+)"[^>]*>([^<]*)</option>',
        page.split('name="plan"')[1].split("</select>")[0],
    )
    assert sorted(html.unescape(label) for _, label in options) == [
        f"{same_number} (2024) – Bắc Kạn",
        f"{same_number} (2024) – Cao Bằng",
    ]
    chosen = {html.unescape(label): pk for pk, label in options}[f"{same_number} (2024) – Cao Bằng"]
    response = client.get(reverse("plans:dashboard"), {**national, "plan": chosen})
    assert response.context["totals"]["total"] == 1
    assert f'<option value="{chosen}" selected>' in response.content.decode()
    client.force_login(reviewer)
    page = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    ).content.decode()
    assert f"Kế hoạch {same_number} (2024)</option>" in page
    assert "Cao Bằng" not in page.split('name="plan"')[1].split("</select>")[0]


def test_index_table_counts_a_plan_under_each_of_its_indices(client, reviewer, bac_kan, province):
    from parindex.indices.models import Index

    province["plan"].indices.set(Index.objects.filter(code__in=["PAR", "SIPAS"]))
    other = make_plan(bac_kan, number="6/KH-UBND", year=2024)  # no index
    make_assignment(make_task(other, number="Z", due_on=day("01/05/2024")), province["tp"])
    # A second report in the same period still counts the assignment once as reported.
    done = Assignment.objects.get(task__number="A", agency=province["tc"])
    ProgressUpdate.objects.create(assignment=done, status=DONE, period="2024-H1", note="Lần 2")
    client.force_login(reviewer)
    context = get_dashboard(client, bac_kan)
    assert [(r["label"], r["total"], r["not_reported"]) for r in context["by_index"]] == [
        ("PAR", 9, 7),
        ("SIPAS", 9, 7),
        (None, 1, 1),
    ]
    assert context["totals"]["total"] == 10 and context["totals"]["not_reported"] == 8
    for row in context["by_index"][:2]:
        for key, url in row["links"].items():
            assert _list_count(client, url) == row[key], (key, url)


def test_deadline_lists_cut_at_the_soonest_whichever_date_is_the_agencys(bac_kan, province):
    """The lists keep the soonest lines whether an agency's date is its task's or the
    extension granted it, and a task's line counts every open agency due in the window, by
    either date, even when the cut leaves out that agency's extension (as of 14/06/2024)."""
    plan, tp, tc = province["plan"], province["tp"], province["tc"]

    def task(number, due, extended=()):
        made = make_task(plan, number=number, due_on=day(due))
        for who, to in [(tp, None), *extended]:
            assignment = make_assignment(made, who)
            if to:
                Assignment.objects.filter(pk=assignment.pk).update(extended_to=day(to))
        return made

    task("H", "10/06/2024", [(tc, "16/06/2024")])  # tp overdue; tc due 16/06 by its extension
    task("K", "01/06/2024", [(tc, "18/06/2024")])
    # Due on the cut-off day, like A but after it in the plan; tc's extension is the latest.
    task("X", "14/06/2024", [(tc, "12/07/2024")])
    task("L", "01/04/2024", [(tc, "01/05/2024")])  # tc's extension is past too: overdue
    scope = DashboardScope(
        province_id=bac_kan.pk, year=2024, period="2024-H1", today=timezone.localdate()
    )

    lines = dashboard_deadlines(scope, limit=50)
    assert [(t["task__number"], t["due"], t["open_agencies"]) for t in lines["upcoming"]] == [
        ("A", day("14/06/2024"), 1),
        ("X", day("14/06/2024"), 2),
        ("B", day("15/06/2024"), 1),
        ("H", day("16/06/2024"), 1),
        ("K", day("18/06/2024"), 1),
        ("G", day("20/06/2024"), 1),
    ]
    # Oldest first, one line per agency, each by its own date.
    assert [(a.task.number, a.agency.name, a.due_on) for a in lines["overdue"]] == [
        ("D", "Sở Tài chính", day("31/03/2024")),
        ("L", "Sở Tư pháp", day("01/04/2024")),
        ("L", "Sở Tài chính", day("01/05/2024")),
        ("K", "Sở Tư pháp", day("01/06/2024")),
        ("H", "Sở Tư pháp", day("10/06/2024")),
    ]

    cut = dashboard_deadlines(scope, limit=2)
    # X's extended agency is not among the two soonest extensions (H's, K's), yet it counts.
    assert [(t["task__number"], t["open_agencies"]) for t in cut["upcoming"]] == [
        ("A", 1),
        ("X", 2),
    ]
    assert [(a.task.number, a.due_on) for a in cut["overdue"]] == [
        ("D", day("31/03/2024")),
        ("L", day("01/04/2024")),
    ]


def test_every_number_of_the_page_tables_opens_its_rows(client, reviewer, bac_kan, province):
    """What the user clicks: each number in the page's tables, as rendered, opens a list of
    exactly that many rows; rates and dates read the Vietnamese way."""
    client.force_login(reviewer)
    response = client.get(
        reverse("plans:dashboard"), {"province": bac_kan.pk, "year": 2024, "period": "H1"}
    )
    tables = re.findall(r'<table class="list dashboard">.*?</table>', response.text, re.S)
    assert len(tables) == 4  # agencies, indices, plans, sections
    agencies = tables[0]
    assert re.findall(r"<tr><td>([^<]+)</td>", agencies) == ["Sở Tài chính", "Sở Tư pháp"]
    # Done by the cut-off: Sở Tài chính A and C of its 4, Sở Tư pháp C of its 5; each has
    # reported once, today.
    assert re.findall(r'<td class="num">([^<]+%)</td>', agencies) == ["50,0%", "20,0%"]
    assert (
        re.findall(r"<td>(\d\d/\d\d/\d{4})</td>", agencies)
        == [timezone.localdate().strftime("%d/%m/%Y")] * 2
    )
    checked = 0
    for table in tables:
        for href, count in re.findall(r'<a href="([^"]+)">(\d+)</a>', table):
            assert _list_count(client, html.unescape(href)) == int(count), href
            checked += 1
    # Two agencies (led, supported, six groups, not reported); one index ("—"), plan and
    # section (six groups, not reported).
    assert checked == 2 * 9 + 3 * 7
