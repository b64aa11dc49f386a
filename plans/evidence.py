"""Evidence files (tài liệu kiểm chứng): accepted by what they contain, not by their name."""

import hashlib
import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

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


def evidence_content_type(data: bytes) -> str:
    """The file's real type, or ValidationError with a Vietnamese message."""
    limit = settings.PARINDEX_UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(f"Tệp lớn hơn giới hạn {limit // (1024 * 1024)} MB.")
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


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
