"""The one way a file leaves the server as a download: evidence files, built files."""

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

from plans.evidence import evidence_download_name, evidence_served_type


def attachment_disposition(name: str) -> str:
    """`Content-Disposition` for a download (RFC 6266): an ASCII name for old clients, and the
    real name, Vietnamese letters included, percent-encoded as UTF-8 in `filename*`."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", name) if unicodedata.category(ch) != "Mn"
    )
    plain = plain.replace("đ", "d").replace("Đ", "D")
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", plain)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_response(content, *, name: str, content_type: str) -> HttpResponse:
    """A download of `content` (bytes, or an open file streamed from storage) saved as `name`.

    Always an attachment, never shown inline; the browser may not guess another type than
    `content_type` (nosniff), and should it render the file anyway (an HTML or SVG uploaded
    as evidence), the sandbox CSP runs no script and loads nothing from it.
    """
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def evidence_response(evidence) -> HttpResponse:
    """An evidence file as the task page and the API serve it: under its original name, as the
    type it was checked to be when uploaded."""
    content_type = evidence_served_type(evidence.content_type)
    return attachment_response(
        evidence.file.open("rb"),
        name=evidence_download_name(evidence.original_name, content_type),
        content_type=content_type,
    )
