"""The project's own views: the health check the load balancer and the operator's monitoring
call, the page a form refused by the CSRF check gets, and /favicon.ico."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 "ok" when the database answers a query, 503 otherwise. No login, and nothing about
    the data or the error in the body: the reason goes to the log."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        logger.error("healthz: database unavailable: %s", first_line)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: a form sent with a stale token (the page was open across a login or
    logout) or without the cookie. Django's own page is English and outside the layout; this one
    says in Vietnamese that nothing was saved and what to do, with the menu for a known user."""
    return render(
        request, "403_csrf.html", {"no_cookie": reason == REASON_NO_CSRF_COOKIE}, status=403
    )


@require_safe
def favicon(request):
    """/favicon.ico, which browsers ask for on pages without our layout's icon link (the admin,
    a file): the icon under its static name, hashed in production, so it is cached as such."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "max-age=86400"
    return response
