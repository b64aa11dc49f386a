"""What `make run` serves: the login page, the admin, and pages that require login."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.urls import reverse

from agencies.models import Membership
from plans.models import Assignment, Plan, ProgressUpdate

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese(client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Đăng nhập" in page.text
    assert '<html lang="vi">' in page.text


def test_home_requires_login(client):
    page = client.get("/")
    assert page.status_code == 302
    assert page.url.startswith(reverse("login"))


def test_staff_member_logs_in_and_sees_home(client, staff_tuphap):
    assert client.login(request=HttpRequest(), username="tuphap", password="test-pass-123")
    page = client.get("/")
    assert page.status_code == 200
    assert "Tình hình thực hiện nhiệm vụ" in page.text


def test_logout_is_post_only(client, staff_tuphap):
    client.force_login(staff_tuphap)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200


def test_seed_demo_creates_the_five_demo_users_and_can_run_twice(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "admin": "admin",
        "noivu": "reviewer",
        "lanhdao": "leader",
        "tuphap": "staff",
        "taichinh": "staff",
    }
    agencies = dict(Membership.objects.values_list("user__username", "agency__name"))
    assert agencies["noivu"] == "Sở Nội vụ"
    assert agencies["taichinh"] == "Sở Tài chính"
    assert client.login(request=HttpRequest(), username="admin", password="demo12345")
    assert client.get("/admin/").status_code == 200
    # Both seed workbooks imported once, with some progress recorded once.
    plans = {(p.number, p.year): p.tasks.count() for p in Plan.objects.all()}
    assert plans == {("/KH-UBND", 2022): 70, ("22/KH-UBND", 2018): 32}
    assert ProgressUpdate.objects.count() == 5
    assert Assignment.objects.filter(status="done").count() == 3


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Membership.objects.exists()


def test_password_change_page(client, staff_tuphap):
    client.force_login(staff_tuphap)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "Đổi mật khẩu" in page.text
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "test-pass-123",
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert client.login(request=HttpRequest(), username="tuphap", password="Mat-khau-moi-2026")


def test_every_page_requires_login(client):
    for name in (
        "plans:task_list",
        "plans:task_export",
        "plans:agency_lookup",
        "plans:plan_lookup",
        "plans:import_list",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("login")), name
