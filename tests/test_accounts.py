"""Accounts: login throttling per user name and per address (django-axes), password rules in
Vietnamese, sessions that expire, a password change that ends the other sessions, and a
forgotten password reset through an emailed link."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(username, password, ip, client=None):
    client = client or Client()
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_user_name_is_locked_after_five_failures_whatever_the_address(staff_tuphap):
    for i in range(4):
        failed = attempt("tuphap", "wrong", f"10.0.0.{i}")
        assert failed.status_code == 200 and "Đăng nhập" in failed.text
    locked = attempt("tuphap", "wrong", "10.0.0.9")  # the fifth failure locks
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in locked.text
    assert "Tên đăng nhập vừa nhập đã bị tạm khóa sau 5 lần đăng nhập sai." in locked.text
    assert "Vui lòng thử lại sau 15 phút." in locked.text
    # The page names no account, not even the one typed.
    assert "tuphap" not in locked.text
    # Even the right password, from another address, is refused during the cool-off.
    right = attempt("tuphap", PASSWORD, "10.0.0.77")
    assert right.status_code == 429


def test_one_colleague_locked_out_does_not_lock_the_office(staff_tuphap, staff_taichinh):
    """A whole Sở behind one NAT address: A's five failures lock A's name only."""
    office = "198.51.100.7"
    for _ in range(4):
        assert attempt("tuphap", "wrong", office).status_code == 200
    assert attempt("tuphap", "wrong", office).status_code == 429
    client = Client()
    allowed = attempt("taichinh", PASSWORD, office, client)
    assert allowed.status_code == 302
    assert client.get("/").status_code == 200
    # B's success does not clear A's failures: A stays locked, with the right password too.
    still = attempt("tuphap", PASSWORD, office)
    assert still.status_code == 429
    assert "Tên đăng nhập vừa nhập đã bị tạm khóa" in still.text
    assert "taichinh" not in still.text and "tuphap" not in still.text


def test_address_is_locked_after_the_high_limit_whatever_the_user_name(staff_tuphap, settings):
    assert settings.LOGIN_IP_FAILURE_LIMIT == 50
    address = "192.0.2.5"
    for i in range(49):  # each name fails once: no name reaches its own limit
        assert attempt(f"khong-ton-tai-{i}", "wrong", address).status_code == 200
    client = Client()
    assert attempt("tuphap", PASSWORD, address, client).status_code == 302  # 49 < 50
    client.post("/accounts/logout/")
    assert attempt("khong-ton-tai-49", "wrong", address).status_code == 429  # the 50th
    refused = attempt("tuphap", PASSWORD, address)
    assert refused.status_code == 429
    assert (
        "Địa chỉ mạng bạn đang dùng đã bị tạm khóa đăng nhập sau 50 lần đăng nhập sai"
        in refused.text
    )
    assert "tuphap" not in refused.text and "khong-ton-tai" not in refused.text
    # The same user from another address is let in: the two counters are separate.
    client = Client()
    allowed = attempt("tuphap", PASSWORD, "192.0.2.6", client)
    assert allowed.status_code == 302
    assert client.get("/").status_code == 200


def test_address_limit_is_configurable(staff_tuphap, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    for i in range(8):
        attempt(f"ai-do-{i}", "wrong", "192.0.2.9")
    assert attempt("tuphap", PASSWORD, "192.0.2.9").status_code == 429


def test_admin_login_is_throttled_by_the_same_counters(administrator):
    for _ in range(5):
        Client().post(
            "/admin/login/", {"username": "quantri", "password": "x"}, REMOTE_ADDR="10.1.1.1"
        )
    refused = Client().post(
        "/admin/login/", {"username": "quantri", "password": PASSWORD}, REMOTE_ADDR="10.1.1.2"
    )
    assert refused.status_code == 429


def test_success_before_the_limit_resets_the_count(staff_tuphap):
    for _ in range(4):
        attempt("tuphap", "wrong", "10.2.0.1")
    assert attempt("tuphap", PASSWORD, "10.2.0.1").status_code == 302
    for _ in range(4):
        attempt("tuphap", "wrong", "10.2.0.1")
    assert attempt("tuphap", PASSWORD, "10.2.0.1").status_code == 302


def test_lock_ends_after_the_cool_off(staff_tuphap, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
    for _ in range(5):
        attempt("tuphap", "wrong", "10.3.0.1")
    assert attempt("tuphap", PASSWORD, "10.3.0.1").status_code == 429
    time.sleep(1.2)
    assert attempt("tuphap", PASSWORD, "10.3.0.1").status_code == 302


def test_behind_the_proxy_the_forwarded_address_is_counted(staff_tuphap, settings):
    """Behind nginx every request comes from 127.0.0.1: locking that would lock everyone."""
    settings.BEHIND_PROXY = True
    settings.LOGIN_IP_FAILURE_LIMIT = 5
    for _ in range(5):
        Client().post(
            LOGIN,
            {"username": "ai-do", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.50").exists()
    client = Client()
    other = client.post(
        LOGIN,
        {"username": "tuphap", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.51",
    )
    assert other.status_code == 302


def test_weak_new_password_is_refused_in_vietnamese(client, staff_tuphap):
    client.force_login(staff_tuphap)
    page = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert page.status_code == 200
    assert "Mật khẩu quá ngắn. Nó phải chứa ít nhất 10 ký tự." in page.text
    assert "Mật khẩu này quá phổ biến." in page.text
    assert "Mật khẩu này hoàn toàn là số." in page.text
    staff_tuphap.refresh_from_db()
    assert staff_tuphap.check_password(PASSWORD)


def test_session_lasts_eight_hours_and_an_expired_one_is_refused(client, staff_tuphap):
    response = attempt("tuphap", PASSWORD, "10.4.0.1", client)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + datetime.timedelta(hours=8)
    assert abs((session.expire_date - expected).total_seconds()) < 60
    assert client.get("/").status_code == 200
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/").url.startswith(LOGIN)


def test_password_change_logs_out_every_other_session(staff_tuphap):
    office, phone = Client(), Client()
    assert attempt("tuphap", PASSWORD, "10.5.0.1", office).status_code == 302
    assert attempt("tuphap", PASSWORD, "10.5.0.2", phone).status_code == 302
    assert phone.get("/").status_code == 200

    changed = office.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
    )
    assert changed.status_code == 302
    # The session that changed the password stays logged in; the other one is logged out.
    assert office.get("/").status_code == 200
    logged_out = phone.get("/")
    assert logged_out.status_code == 302 and logged_out.url.startswith(LOGIN)
    assert attempt("tuphap", "Mat-khau-moi-2026", "10.5.0.3").status_code == 302


def test_forgotten_password_is_reset_through_a_vietnamese_email_link(client, staff_tuphap):
    staff_tuphap.email = "tuphap@backan.gov.vn"
    staff_tuphap.save()
    login_page = client.get(LOGIN)
    assert reverse("password_reset") in login_page.text and "Quên mật khẩu?" in login_page.text

    sent = client.post(reverse("password_reset"), {"email": "tuphap@backan.gov.vn"}, follow=True)
    assert "Kiểm tra hộp thư" in sent.text
    [message] = mail.outbox
    assert message.to == ["tuphap@backan.gov.vn"]
    assert message.subject == "parindex: đặt lại mật khẩu"
    assert 'cho tài khoản parindex "tuphap"' in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]

    form = client.get(path, follow=True)  # Django swaps the token for a session marker
    assert "Đặt mật khẩu mới" in form.text and "Nhập lại mật khẩu mới" in form.text
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert "Mật khẩu quá ngắn" in weak.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"},
        follow=True,
    )
    assert "Đã đặt mật khẩu mới" in done.text
    assert attempt("tuphap", "Mat-khau-moi-2026", "10.6.0.1").status_code == 302
    # The link works once.
    again = Client().get(path, follow=True)
    assert "không còn dùng được" in again.text


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, staff_tuphap):
    sent = client.post(reverse("password_reset"), {"email": "ai-do@example.com"}, follow=True)
    assert "Kiểm tra hộp thư" in sent.text and "liên hệ Sở Nội vụ" in sent.text
    assert mail.outbox == []
