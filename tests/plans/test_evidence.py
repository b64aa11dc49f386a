"""Evidence files: accepted by content and size, stored under MEDIA_ROOT with a name we choose,
and given back only through the permission-checked view, as a download that cannot run."""

import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from django.views.static import serve

from plans.evidence import evidence_download_name
from plans.models import Evidence
from tests.conftest import agency
from tests.factories import make_assignment, make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def assignment(bac_kan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = make_plan(bac_kan, number="3/KH-UBND", year=TODAY.year)
    task = make_task(plan, number="1", due_on=TODAY + datetime.timedelta(days=10))
    return make_assignment(task, agency(bac_kan, "Sở Tư pháp"))


def upload(client, assignment, *files):
    return client.post(
        reverse("plans:assignment_progress", args=[assignment.pk]),
        {
            "status": "in_progress",
            "note": "Kèm tài liệu",
            "completed_on": "",
            "period": "",
            "version": assignment.version,
            "files": list(files),
        },
    )


def download(client, evidence):
    response = client.get(reverse("plans:evidence_download", args=[evidence.pk]))
    # Read to the end: the test client then closes the file itself.
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_an_html_page_named_pdf_is_refused_and_nothing_is_saved(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
    response = upload(
        client, assignment, SimpleUploadedFile("bao-cao.pdf", page, "application/pdf")
    )
    assert response.status_code == 400
    assert "Loại tệp không được chấp nhận. Chỉ nhận: PDF" in response.text
    assert not Evidence.objects.exists() and not assignment.updates.exists()
    assert not (Path(settings.MEDIA_ROOT) / "evidence").exists()


def test_an_oversize_file_is_refused_with_the_limit_in_vietnamese(
    client, assignment, staff_tuphap, settings
):
    settings.PARINDEX_UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(staff_tuphap)
    big = SimpleUploadedFile("ke-hoach.pdf", PDF + b"0" * (1024 * 1024))
    response = upload(client, assignment, big)
    assert response.status_code == 400
    assert "Tệp lớn hơn giới hạn 1 MB." in response.text
    assert not Evidence.objects.exists() and not assignment.updates.exists()


def test_a_file_is_stored_under_media_root_by_its_hash_not_its_name(
    client, assignment, staff_tuphap
):
    client.force_login(staff_tuphap)
    assert (
        upload(client, assignment, SimpleUploadedFile("../../Biên bản.pdf", PDF)).status_code == 302
    )
    evidence = Evidence.objects.get()
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "Biên" not in str(stored) and ".." not in evidence.file.name
    assert stored.read_bytes() == PDF


def test_download_is_an_attachment_with_the_sniffed_type_and_the_vietnamese_name(
    client, assignment, staff_tuphap
):
    client.force_login(staff_tuphap)
    upload(client, assignment, SimpleUploadedFile("Biên bản họp Sở Tư pháp.pdf", PDF, "text/html"))
    response, body = download(client, Evidence.objects.get())
    assert response.status_code == 200 and body == PDF
    # The type found in the bytes at upload, not the browser's claim nor the name.
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    name = "Biên bản họp Sở Tư pháp.pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Bien ban hop So Tu phap.pdf"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def test_a_misleading_name_gets_the_extension_of_what_the_file_is(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    upload(client, assignment, SimpleUploadedFile('trang "web".html', PDF))
    response, _ = download(client, Evidence.objects.get())
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="trang _web_.html.pdf";'
    )


@pytest.mark.parametrize(
    "original, content_type, expected",
    [
        (
            "C:\\Users\\a\\Báo cáo.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Báo cáo.docx",
        ),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("x\r\nSet-Cookie: a=1.png", "image/png", "x_Set-Cookie_ a=1.png"),
        ("ảnh.JPEG", "image/jpeg", "ảnh.JPEG"),
        ("...", "image/gif", "tai-lieu.gif"),
    ],
)
def test_download_names_lose_folders_and_control_characters(original, content_type, expected):
    assert evidence_download_name(original, content_type) == expected


def test_a_stored_type_we_do_not_serve_goes_out_as_bytes_not_html(client, assignment, staff_tuphap):
    client.force_login(staff_tuphap)
    upload(client, assignment, SimpleUploadedFile("a.pdf", PDF))
    Evidence.objects.update(content_type="text/html")  # e.g. a row edited by hand
    response, _ = download(client, Evidence.objects.get())
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_media_is_never_served_by_a_url_of_its_own(client, assignment, staff_tuphap, administrator):
    client.force_login(staff_tuphap)
    upload(client, assignment, SimpleUploadedFile("a.pdf", PDF))
    evidence = Evidence.objects.get()
    client.force_login(administrator)  # even someone who may see every file
    assert client.get(settings.MEDIA_URL + evidence.file.name).status_code == 404

    def callbacks(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLPattern):
                yield entry.callback
            else:
                yield from callbacks(entry)

    assert serve not in set(callbacks(get_resolver()))
    media = Path(settings.MEDIA_ROOT).resolve()
    for static_dir in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        static_dir = Path(static_dir).resolve()
        assert not media.is_relative_to(static_dir) and not static_dir.is_relative_to(media)


def test_the_admin_links_evidence_to_the_checked_download_not_media(
    client, assignment, staff_tuphap, administrator
):
    client.force_login(staff_tuphap)
    upload(client, assignment, SimpleUploadedFile("Biên bản.pdf", PDF))
    evidence = Evidence.objects.get()
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    page = client.get(reverse("admin:plans_progressupdate_change", args=[evidence.update_id]))
    assert page.status_code == 200
    link = reverse("plans:evidence_download", args=[evidence.pk])
    assert f'href="{link}"' in page.text and "Biên bản.pdf" in page.text
    assert settings.MEDIA_URL not in page.text
    response, body = download(client, evidence)
    assert response.status_code == 200 and body == PDF
