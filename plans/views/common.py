"""What every page module shares."""

from django.http import HttpResponse


def bad_request(message: str) -> HttpResponse:
    """A parameter no page can be made from: 400 with one Vietnamese line."""
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
