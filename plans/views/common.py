"""What every page module shares."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse


def bad_request(message: str) -> HttpResponse:
    """A parameter no page can be made from: 400 with one Vietnamese line."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def require(allowed: bool) -> None:
    """Refuse the page (403) unless the user's role allows it: the first line of a view whose
    every request needs the same right."""
    if not allowed:
        raise PermissionDenied
