"""The benchmark's opt-in query counter: a header with the request's number of queries, only
when PARINDEX_QUERY_COUNT_HEADER installs the middleware."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_no_query_count_header_by_default(client, administrator):
    assert "parindex.middleware.QueryCountMiddleware" not in settings.MIDDLEWARE
    client.force_login(administrator)
    assert "X-Query-Count" not in client.get(reverse("plans:task_list"))


def test_header_counts_every_query_of_the_request(client, administrator):
    client.force_login(administrator)
    middleware = ["parindex.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware), CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("plans:task_list"))
    assert response.status_code == 200
    assert int(response["X-Query-Count"]) == len(captured.captured_queries) > 0


def test_explain_header_gives_the_time_of_the_pages_sql_on_postgresql(client, administrator):
    # The benchmark's page / SQL ratio: the page's SELECTs run again under EXPLAIN ANALYZE.
    client.force_login(administrator)
    middleware = ["parindex.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        plain = client.get(reverse("plans:dashboard"))
        explained = client.get(reverse("plans:dashboard"), headers={"X-Explain-Sql": "1"})
    assert plain.status_code == explained.status_code == 200
    assert "X-Sql-Ms" not in plain
    if connection.vendor == "postgresql":
        assert float(explained["X-Sql-Ms"]) > 0
        # The extra EXPLAINs run after the count: the page's own queries are what is counted.
        assert explained["X-Query-Count"] == plain["X-Query-Count"]
    else:
        assert "X-Sql-Ms" not in explained  # EXPLAIN ANALYZE's JSON is PostgreSQL's
