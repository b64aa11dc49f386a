"""Opt-in instrumentation for the benchmark: never installed unless PARINDEX_QUERY_COUNT_HEADER=1.

`manage.py benchmark` and `manage.py loadtest` start their own gunicorn with that variable set,
so they can read each page's number of database queries over real HTTP (X-Query-Count).
"""

from django.db import connection


class QueryCountMiddleware:
    """Counts every query run while handling the request (sessions, auth, view, template)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
