"""Request logging, the client's address as every part of the app should read it, and the
benchmark's opt-in query counter.
"""

import logging
import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.db import connection
from django.utils.functional import LazyObject, SimpleLazyObject

logger = logging.getLogger("parindex.request")


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind nginx the X-Forwarded-For it sets.

    deploy/nginx-parindex.conf overwrites X-Forwarded-For with the address it saw, so the header
    cannot be forged by the client; without a proxy (BEHIND_PROXY=0) the header is ignored.
    Login throttling (django-axes) counts failures per this address.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


class RequestLogMiddleware:
    """One line per request: method, path, status, duration, user id, client address.

    The user is named only when the view already loaded it, so logging never adds a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        elapsed_ms = (time.monotonic() - started) * 1000
        user = getattr(request, "_cached_user", None)  # set by django.contrib.auth when loaded
        if user is None and not isinstance(request.__dict__.get("user"), LazyObject):
            user = request.__dict__.get("user")  # set by the API's token authentication
        user_id = user.pk if user is not None and user.is_authenticated else "-"
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %.0fms user=%s ip=%s",
            request.method,
            request.get_full_path()[:500],
            response.status_code,
            elapsed_ms,
            user_id,
            client_ip(request) or "-",
        )
        return response


class QueryCountMiddleware:
    """Opt-in instrumentation for the benchmark: never installed unless
    PARINDEX_QUERY_COUNT_HEADER=1. `manage.py benchmark` and `manage.py loadtest` start their own
    gunicorn with that variable set, so they can read each page's number of database queries
    over real HTTP (X-Query-Count): every query run while handling the request (sessions, auth,
    view, template).

    A request that also sends `X-Explain-Sql: 1` (on PostgreSQL) gets `X-Sql-Ms`: each of the
    page's SELECTs run again under EXPLAIN ANALYZE after the response is built, their planning
    and execution times summed, the time the database alone needs for the page. The benchmark
    asks for it once per scenario, outside the timed requests, and reports page / SQL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0
        selects: list[tuple[str, object]] = []
        explain = request.headers.get("X-Explain-Sql") == "1" and connection.vendor == "postgresql"

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            if explain and not many and _is_plain_select(sql):
                selects.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        if explain:
            response["X-Sql-Ms"] = f"{sql_ms(selects):.3f}"
        return response


def _is_plain_select(sql: str) -> bool:
    head = sql.lstrip().upper()
    return head.startswith(("SELECT", "WITH")) and "FOR UPDATE" not in head


def sql_ms(statements) -> float:
    """Planning + execution time (ms) of these SELECTs as EXPLAIN ANALYZE reports them.
    TIMING OFF: the totals stay exact without timing every plan node."""
    total = 0.0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else plan
            total += plan.get("Planning Time", 0.0) + plan.get("Execution Time", 0.0)
    return total


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the actor read when an entry is written rather than
    when the request arrives. An API request is authenticated by its token inside the view
    (Django REST framework then sets `request.user`), after the middleware ran: read at the
    start, its writes would be recorded without their author."""

    @staticmethod
    def _get_actor(request):
        # auditlog checks isinstance(actor, User), which a lazy object answers for what it
        # wraps: the user once authenticated, None (no actor) otherwise.
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))
