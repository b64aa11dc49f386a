"""Evidence files (tài liệu kiểm chứng): accepted by what they contain, not by their name."""

import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

from parindex.core.numbers import format_size

# (content type, check of the first bytes); Office files are ZIPs told apart by their parts.
_SIGNATURES = [
    ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
]
_OFFICE_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED = "PDF, Word (.docx), Excel (.xlsx), ảnh PNG/JPEG/GIF/WebP"
# The extension a downloaded file gets for each type we accept.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    _OFFICE_PARTS["word/document.xml"]: ".docx",
    _OFFICE_PARTS["xl/workbook.xml"]: ".xlsx",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def evidence_check_size(size: int) -> None:
    limit = settings.PARINDEX_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(f"Tệp lớn hơn giới hạn {format_size(limit)}.")


def evidence_content_type(data: bytes) -> str:
    """The file's real type, or ValidationError with a Vietnamese message."""
    evidence_check_size(len(data))
    if not data:
        raise ValidationError("Tệp rỗng.")
    head = data[:16]
    for content_type, matches in _SIGNATURES:
        if matches(head):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            names = set()
        for part, content_type in _OFFICE_PARTS.items():
            if part in names:
                return content_type
    raise ValidationError(f"Loại tệp không được chấp nhận. Chỉ nhận: {ALLOWED}.")


def evidence_served_type(stored: str) -> str:
    """The type a download is sent with: the one sniffed at upload, if it is one we accept; any
    other (a record edited by hand, an old row) goes out as bytes to save, never to render."""
    return stored if stored in EXTENSIONS else "application/octet-stream"


def evidence_download_name(original_name: str, content_type: str) -> str:
    """The uploaded name, cleaned for a download: no folders, no control or quoting characters,
    and the extension of what the file really is ("bao-cao.html" holding a PDF is saved as
    "bao-cao.html.pdf", so it is never opened as a web page)."""
    name = PurePath(original_name.replace("\\", "/")).name
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" ._") or "tai-lieu"
    extension = EXTENSIONS.get(evidence_served_type(content_type), "")
    endings = (extension, ".jpeg") if extension == ".jpg" else (extension,)
    if extension and not name.lower().endswith(endings):
        name = name[:190] + extension
    return name[:200]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
