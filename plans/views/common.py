"""What every page module shares."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A parameter no page can be made from: the 400 page, in the layout, with this message."""
    return render(request, "400.html", {"message": message}, status=400)


def require(allowed: bool) -> None:
    """Refuse the page (403) unless the user's role allows it: the first line of a view whose
    every request needs the same right."""
    if not allowed:
        raise PermissionDenied
