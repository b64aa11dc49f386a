"""The error pages a user meets with DEBUG=0: 400, 403, 404, 500 and a refused form (CSRF), each
in Vietnamese, in the site's layout, with a way back; the 500 page without the database."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from parindex import urls as project_urls
from tests.parindex.test_deploy import clean_environ, free_port

ROOT = Path(__file__).resolve().parents[2]
HEADER = '<header class="topbar">'
MENU = '<a href="/tasks/">Nhiệm vụ</a>'
HOME_LINK = '<a href="/">Về trang chủ</a>'


def assert_error_page(response, status: int, heading: str, *, menu: bool):
    assert response.status_code == status
    text = response.text
    assert '<html lang="vi">' in text and HEADER in text
    assert f"<h1>{heading}</h1>" in text
    assert f"<title>{heading} – " in text
    assert HOME_LINK in text
    assert (MENU in text) is menu
    for english in ("Not Found", "Forbidden", "Server Error", "Bad Request", "CSRF"):
        assert english not in text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_is_vietnamese_with_the_menu_for_a_known_user(client, staff_tuphap):
    client.force_login(staff_tuphap)
    page = client.get("/khong-co-trang-nay/")
    assert_error_page(page, 404, "Không tìm thấy trang", menu=True)
    assert "Địa chỉ bạn mở không có trong hệ thống" in page.text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_for_a_visitor_offers_the_login(client):
    page = client.get("/khong-co-trang-nay/")
    assert_error_page(page, 404, "Không tìm thấy trang", menu=False)
    assert '<a href="/accounts/login/">Đăng nhập</a>' in page.text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_403_from_a_role_check_is_vietnamese_with_the_menu(client, staff_tuphap):
    client.force_login(staff_tuphap)
    page = client.get(reverse("plans:dashboard"))  # agency staff have no dashboard
    assert_error_page(page, 403, "Không có quyền truy cập", menu=True)
    assert "không có quyền xem hoặc thực hiện thao tác này" in page.text
    assert "liên hệ quản trị hệ thống" in page.text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_refused_file_request_gets_the_same_403_page(client, staff_tuphap, bac_kan):
    """A 403 raised by a file kind's check (not a view's first line) looks the same."""
    client.force_login(staff_tuphap)
    page = client.get(
        reverse("plans:report_download", args=[f"province-{bac_kan.pk}", "2024-H1", "xlsx"])
    )
    assert_error_page(page, 403, "Không có quyền truy cập", menu=True)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_apps_own_400_is_the_400_page_with_its_message(client, staff_tuphap):
    client.force_login(staff_tuphap)
    page = client.get(reverse("plans:task_list"), {"page": "0"})
    assert_error_page(page, 400, "Yêu cầu không hợp lệ", menu=True)
    assert "Trang không hợp lệ: số trang từ 1 đến 100.000, mỗi trang 1–500 dòng." in page.text


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_djangos_400_is_the_400_page(client):
    """A request Django refuses itself (a host name not in ALLOWED_HOSTS) gets the same page."""
    page = client.get("/accounts/login/", HTTP_HOST="not-our-host.example")
    assert_error_page(page, 400, "Yêu cầu không hợp lệ", menu=False)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_form_sent_with_a_stale_token_gets_the_vietnamese_csrf_page(staff_tuphap):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_tuphap)
    client.get("/")  # the CSRF cookie, as a browser has it
    page = client.post(reverse("logout"), {"csrfmiddlewaretoken": "x" * 64})
    assert_error_page(page, 403, "Chưa gửi được biểu mẫu", menu=True)
    assert "hệ thống chưa lưu gì" in page.text
    assert "trang đã mở quá lâu" in page.text
    assert client.get("/").status_code == 200  # still logged in: nothing happened


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_form_sent_without_the_cookie_says_to_allow_cookies():
    page = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "tuphap", "password": "x"}
    )
    assert_error_page(page, 403, "Chưa gửi được biểu mẫu", menu=False)
    assert "Hãy cho phép cookie cho trang này" in page.text


def raise_an_error(request):
    raise RuntimeError("a bug")


# The project's URLs and one that fails, as a bug would.
urlpatterns = [*project_urls.urlpatterns, path("loi/", raise_an_error)]


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_is_vietnamese_in_the_layout_and_reads_no_database():
    """No django_db mark: any query, by the page or its layout, would fail this test."""
    page = Client(raise_request_exception=False).get("/loi/")
    assert_error_page(page, 500, "Hệ thống gặp lỗi", menu=False)
    assert "Lỗi đã được ghi lại" in page.text
    assert "Đăng nhập" not in page.text  # nothing said about a user it cannot know


def test_500_page_is_served_when_postgresql_does_not_answer():
    """DEBUG=0 and a real PostgreSQL client against a port nobody listens on: a logged-in
    browser (a session cookie) makes the request read the database, which fails."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client, override_settings\n"
        # collectstatic's manifest is checked by the gunicorn test in test_deploy.py; here
        # the unhashed names are enough.
        "static = {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}\n"
        "from django.conf import settings\n"
        "with override_settings(STORAGES={**settings.STORAGES, 'staticfiles': static}):\n"
        "    client = Client(raise_request_exception=False, HTTP_HOST='parindex.example.gov.vn',"
        " HTTP_X_FORWARDED_PROTO='https')\n"
        "    client.cookies['sessionid'] = 'x' * 32\n"
        "    r = client.get('/tasks/')\n"
        "print('STATUS', r.status_code)\n"
        "print(r.content.decode())\n"
    )
    env = clean_environ(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="parindex.example.gov.vn",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/parindex_gone",
    )
    env["DJANGO_SETTINGS_MODULE"] = "parindex.settings"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "STATUS 500" in result.stdout, result.stdout + result.stderr
    assert "<h1>Hệ thống gặp lỗi</h1>" in result.stdout and HEADER in result.stdout
    assert HOME_LINK in result.stdout
    # The database's failure is what the log says (with its traceback), not the page.
    assert "OperationalError" in result.stderr and "OperationalError" not in result.stdout
