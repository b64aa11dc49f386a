"""The API's reads: who sees what, the task list's filters, cursor pages, tokens, throttling,
the schema and its documentation page."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.api.models import ApiToken, token_hash
from plans.filters import assignments_filtered
from plans.models import Assignment
from tests.conftest import agency
from tests.plans.api_world import TODAY, api_world, days, ids, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/assignments/"


@pytest.fixture
def world(bac_kan):
    return api_world(bac_kan)


# Tokens -------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_kept_only_as_its_hash(client, staff_tuphap, world):
    client.force_login(staff_tuphap)
    made = client.post(reverse("api_tokens"), {"name": "Hệ thống văn bản"})
    # Post/redirect/get: reloading the page that shows the token makes no second one.
    assert made.status_code == 302 and made["Location"] == reverse("api_tokens")
    response = client.get(reverse("api_tokens"))
    raw = response.context["created"]["raw"]
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=staff_tuphap)
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    # The page shows it no more, and the session keeps no copy.
    again = client.get(reverse("api_tokens"))
    assert raw not in again.content.decode()
    assert raw not in str(dict(client.session))
    assert ApiToken.objects.filter(user=staff_tuphap).count() == 1
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ids(api.get(URL)) == sorted(a.pk for k, a in world.rows.items() if k[1] == "tp")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_request_log_names_the_tokens_owner(staff_tuphap, world, caplog):
    with caplog.at_level("INFO", logger="parindex.request"):
        token_client(staff_tuphap).get(URL)
    assert f"user={staff_tuphap.pk} " in caplog.text


def test_a_revoked_token_is_refused(client, staff_tuphap, world):
    client.force_login(staff_tuphap)
    made = client.post(reverse("api_tokens"), {"name": "Cũ"}, follow=True)
    raw = made.context["created"]["raw"]
    token = ApiToken.objects.get(user=staff_tuphap)
    assert client.get(reverse("api_token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = api.get(URL)
    assert refused.status_code == 401
    assert "thu hồi" in refused.json()["detail"]


def test_a_token_needs_a_name(client, staff_tuphap):
    client.force_login(staff_tuphap)
    response = client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_no_credentials_is_401_with_the_scheme(world):
    response = Client().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"].startswith("Chưa xác thực")
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get(URL).status_code == 401


def test_throttled_per_token(staff_tuphap, settings, world):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    first, second = token_client(staff_tuphap), token_client(staff_tuphap)
    assert [first.get(URL).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "thử lại sau" in first.get(URL).json()["detail"]
    # Another token of the same person has its own count.
    assert second.get(URL).status_code == 200


# Visibility -----------------------------------------------------------------------------------


def test_each_person_sees_what_the_task_list_shows_them(
    world, staff_tuphap, staff_taichinh, reviewer, other_reviewer
):
    for user in (staff_tuphap, staff_taichinh, reviewer, other_reviewer):
        _, rows = assignments_filtered(user=user, params={}, today=TODAY)
        assert ids(token_client(user).get(URL)) == sorted(r.pk for r in rows), user
    assert ids(token_client(other_reviewer).get(URL)) == []
    other = world.rows[("3", "tc")]
    assert token_client(staff_tuphap).get(f"{URL}{other.pk}/").status_code == 404


# The task list's filters -------------------------------------------------------------------


def _params(world):
    tc = agency(world.plan.province, "Sở Tài chính")
    year = TODAY.year
    quarter = (days(3).month - 1) // 3 + 1
    return [
        {"plan": world.plan.pk},
        {"index": "PAPI"},
        {"index": "PAR"},
        {"section": world.section.pk},
        {"agency": tc.pk},
        {"role": "support"},
        {"status": "not_started"},
        {"timeliness": "overdue"},
        {"timeliness": "done_on_time"},
        {"timeliness": "no_deadline"},
        {"due_after": days(0).strftime("%d/%m/%Y"), "due_before": days(30).isoformat()},
        {"quarter": f"Q{quarter}/{days(3).year}"},
        {"criterion": world.criterion.pk},
        {"q": "cai cach hanh chinh"},
        {"q": "tai chinh"},
        {"province": world.plan.province_id, "year": year},
        {"review": "pending"},
        {"extension": "pending"},
    ]


def test_every_filter_gives_the_task_lists_rows(world, reviewer):
    api = token_client(reviewer)
    for params in _params(world):
        _, rows = assignments_filtered(user=reviewer, params=_querydict(params), today=TODAY)
        assert ids(api.get(URL, params)) == sorted(r.pk for r in rows), params


def test_filters_pick_the_rows_a_user_expects(world, reviewer):
    api = token_client(reviewer)
    rows = world.rows
    assert ids(api.get(URL, {"timeliness": "overdue"})) == [rows[("1", "tp")].pk]
    assert ids(api.get(URL, {"q": "cai cach"})) == sorted(
        [rows[("1", "tp")].pk, rows[("1", "tc")].pk]
    )
    assert ids(api.get(URL, {"criterion": world.criterion.pk})) == [rows[("3", "tc")].pk]
    assert ids(api.get(URL, {"section": world.section.pk})) == [rows[("3", "tc")].pk]
    row = api.get(URL, {"timeliness": "overdue"}).json()["results"][0]
    assert row["timeliness"] == "overdue"
    assert row["due_on"] == days(-10).isoformat()
    assert row["agency"]["name"] == "Sở Tư pháp"


def test_a_wrong_filter_is_a_400_naming_it(world, reviewer):
    api = token_client(reviewer)
    response = api.get(URL, {"quarter": "Quý V/2023", "status": "lost"})
    assert response.status_code == 400
    body = response.json()
    assert "Quý phải có dạng" in body["quarter"][0]
    assert "status" in body


def _querydict(params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = str(value)
    return query


# Cursor pages ------------------------------------------------------------------------------


def test_cursor_pages_read_every_row_once_in_id_order_while_rows_are_added(world, reviewer):
    api = token_client(reviewer)
    seen = []
    page = api.get(URL, {"page_size": 2}).json()
    seen += [r["id"] for r in page["results"]]
    # A row added while the client is paging: it comes later, nothing is read twice.
    from tests.factories import make_assignment

    added = make_assignment(world.tasks["4"], agency(world.plan.province, "Sở Tài chính"))
    while page["next"]:
        page = (
            Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"]).get(page["next"]).json()
        )
        seen += [r["id"] for r in page["results"]]
    everything = sorted([*(a.pk for a in world.rows.values()), added.pk])
    assert seen == everything


def _walk(api, params, link="next") -> list[int]:
    """Every id the pages show, following `link` from the first page reached."""
    page = api.get(URL, params).json()
    seen = [r["id"] for r in page["results"]]
    while page[link]:
        page = Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"]).get(page[link]).json()
        seen += [r["id"] for r in page["results"]]
    return seen


def test_a_provinces_pages_go_both_ways_in_id_order_for_its_reviewer_and_administrators(
    world, reviewer, leader, administrator, bac_kan
):
    """A province's rows are paged by their id as a value (`ProvinceCursorPagination`), the
    whole country's by the id column: the same rows in the same order either way, forwards
    and back, and the cursors of one are the positions of the other."""
    everything = sorted(a.pk for a in world.rows.values())
    for user, params in (
        (reviewer, {}),
        (leader, {}),
        (administrator, {"province": bac_kan.pk}),
        (administrator, {}),
    ):
        api = token_client(user)
        assert _walk(api, {**params, "page_size": 2}) == everything, user
        last = api.get(URL, {**params, "page_size": 2}).json()
        while last["next"]:
            last = (
                Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"])
                .get(last["next"])
                .json()
            )
        backwards = [r["id"] for r in last["results"]]
        while last["previous"]:
            last = (
                Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"])
                .get(last["previous"])
                .json()
            )
            backwards = [r["id"] for r in last["results"]] + backwards
        assert backwards == everything, user
    # A reviewer's cursor is a position an administrator's list reads the same way.
    second = token_client(reviewer).get(URL, {"page_size": 2}).json()["next"]
    cursor = parse_qs(urlsplit(second).query)["cursor"][0]
    assert (
        ids(token_client(administrator).get(URL, {"page_size": 2, "cursor": cursor}))
        == (everything[2:4])
    )


def test_a_page_size_over_the_limit_is_capped(world, reviewer):
    response = token_client(reviewer).get(URL, {"page_size": 5000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(world.rows)


# The other resources ----------------------------------------------------------------------------


def test_plans_sections_and_tasks_with_their_filters(world, staff_tuphap, other_reviewer):
    api = token_client(staff_tuphap)
    assert world.plan.pk in ids(api.get("/api/v1/plans/"))
    assert ids(token_client(other_reviewer).get("/api/v1/plans/")) == []
    assert ids(api.get("/api/v1/sections/", {"plan": world.plan.pk})) == sorted(
        world.plan.sections.values_list("pk", flat=True)
    )
    # Staff see the tasks with an assignment of their agency (as the task pages do).
    assert ids(api.get("/api/v1/tasks/")) == sorted(world.tasks[n].pk for n in ("1", "2", "4"))
    assert ids(api.get("/api/v1/tasks/", {"q": "so hoa"})) == [world.tasks["2"].pk]
    reviewer_api = token_client(other_reviewer)
    assert ids(reviewer_api.get("/api/v1/tasks/")) == []
    task = api.get(f"/api/v1/tasks/{world.tasks['1'].pk}/").json()
    assert task["description"] == "Cải cách hành chính"


def test_reference_data_and_results(world, staff_tuphap, reviewer):
    api = token_client(staff_tuphap)
    provinces = api.get("/api/v1/provinces/", {"page_size": 1000}).json()["results"]
    assert "Bắc Kạn" in {p["name"] for p in provinces}
    found = api.get("/api/v1/agencies/", {"q": "tu phap", "province": world.plan.province_id})
    assert [a["name"] for a in found.json()["results"]] == ["Sở Tư pháp"]
    editions = api.get("/api/v1/index-editions/").json()["results"]
    assert {"PAR", "SIPAS", "PAPI"} <= {e["index"] for e in editions}
    criteria = api.get("/api/v1/criteria/", {"index": "PAPI", "page_size": 1000}).json()
    assert world.criterion.pk in [c["id"] for c in criteria["results"]]
    # Results are the index page's: Sở Nội vụ sees them, agency staff do not.
    from parindex.indices.models import Index, Result

    papi = Index.objects.get(code="PAPI")
    result = Result.objects.create(province=world.plan.province, index=papi, year=2003, total=40)
    theirs = token_client(reviewer).get("/api/v1/results/", {"index": "PAPI", "year": 2003})
    assert ids(theirs) == [result.pk]
    assert sorted(ids(token_client(reviewer).get("/api/v1/results/"))) == sorted(
        Result.objects.filter(province=world.plan.province).values_list("pk", flat=True)
    )
    assert ids(api.get("/api/v1/results/")) == []


# The schema and its page ----------------------------------------------------------------------


def test_the_schema_is_valid_openapi_with_no_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/assignments/{id}/progress/" in text
    assert "Báo cáo tiến độ" in text


def test_the_schema_and_documentation_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "parindex API"
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert 'src="http' not in html and 'href="http' not in html


def test_the_assignment_timeliness_reads_as_of_a_day(world, reviewer):
    api = token_client(reviewer)
    row = world.rows[("2", "tp")]
    as_of = (timezone.localdate() + __import__("datetime").timedelta(days=10)).strftime("%d/%m/%Y")
    assert row.pk in ids(api.get(URL, {"timeliness": "overdue", "as_of": as_of}))
    assert Assignment.objects.filter(pk=row.pk).exists()
