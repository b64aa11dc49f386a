"""Every page a person reaches from the menu, and the error pages they may meet, checked by
axe-core (WCAG 2.1 A and AA) at an office width and a phone width, as agency staff and as Sở Nội
vụ's reviewer, with screenshots; no table header without a name."""

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect

from plans.tooling.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import log_in

STAFF_PAGES = ["/", "/tasks/", "/tasks/?q=cai+cach&status=in_progress", "/files/"]
REVIEWER_PAGES = [
    "/",
    "/tasks/",
    "/dashboard/",
    "/periods/",
    "/imports/",
    "/imports/new/",
    "/indices/",
    "/agencies/unknown/",
    "/files/",
]


def first_task_path(page: Page) -> str:
    page.goto("/tasks/")
    return page.locator("table a[href^='/tasks/']").first.get_attribute("href")


@pytest.mark.parametrize(
    ("username", "paths"), [("tuphap", STAFF_PAGES), ("noivu", REVIEWER_PAGES)]
)
def test_pages_have_no_accessibility_violations(page: Page, axe, screenshot, username, paths):
    page.goto("/accounts/login/")
    axe(page)
    log_in(page, username)
    paths = [*paths, first_task_path(page)]
    for size_name, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        for path in paths:
            page.goto(path)
            axe(page)
            assert_no_empty_headers(page)
            name = path.strip("/").replace("/", "-").split("?")[0] or "home"
            screenshot(page, f"axe-{username}-{name}-{size_name}")


def assert_no_empty_headers(page: Page) -> None:
    """axe's empty-table-header is a best practice, outside the WCAG tags the sweep runs."""
    empty = page.locator("th").evaluate_all(
        "ths => ths.filter(th => !th.textContent.trim() && !th.getAttribute('aria-label'))"
        ".map(th => th.closest('table').className + ' column ' + (th.cellIndex + 1))"
    )
    assert not empty, f"{page.url}: empty table headers: {empty}"


def see_error_page(page: Page, axe, screenshot, name: str, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("link", name="Về trang chủ")).to_be_visible()
    for size_name, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        axe(page)
        screenshot(page, f"error-{name}-{size_name}")


def test_error_pages_have_no_accessibility_violations(page: Page, axe, screenshot, demo):
    # A visitor: the 404 offers the login.
    assert page.goto("/khong-co-trang-nay/").status == 404
    see_error_page(page, axe, screenshot, "404-visitor", "Không tìm thấy trang")
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    page.set_viewport_size(WIDE)

    log_in(page, "tuphap")
    for path, status, name, heading in [
        ("/khong-co-trang-nay/", 404, "404", "Không tìm thấy trang"),
        ("/dashboard/", 403, "403", "Không có quyền truy cập"),  # agency staff: no dashboard
        ("/tasks/?page=0", 400, "400", "Yêu cầu không hợp lệ"),
    ]:
        page.set_viewport_size(WIDE)
        assert page.goto(path).status == status
        see_error_page(page, axe, screenshot, name, heading)
        expect(page.get_by_role("link", name="Nhiệm vụ")).to_be_visible()  # the menu

    # A form sent after the CSRF token changed (a login in another tab): the CSRF page, with
    # the menu, and the user still logged in.
    page.set_viewport_size(WIDE)
    page.goto("/")
    page.context.add_cookies([{"name": "csrftoken", "value": "a" * 32, "url": demo}])
    page.get_by_role("button", name="Đăng xuất").click()
    see_error_page(page, axe, screenshot, "csrf", "Chưa gửi được biểu mẫu")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    # The 500 page as Django's server_error renders it (a template, no request), in the
    # site's styles: no failing URL exists to reach it through.
    page.goto("/khong-co-trang-nay/")
    page.set_content(render_to_string("500.html"))
    expect(page.locator(".topbar")).to_be_visible()
    see_error_page(page, axe, screenshot, "500", "Hệ thống gặp lỗi")


def test_lockout_page_names_no_account_and_spares_the_colleague(page: Page, axe, screenshot):
    """Five wrong passwords for one name from this browser lock that name only; a colleague at
    the same address (this browser, 127.0.0.1) still logs in."""
    for attempt in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("Tên đăng nhập").fill("lanhdao")
        page.get_by_label("Mật khẩu", exact=True).fill(f"sai-{attempt}")
        page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tạm khóa đăng nhập")
    expect(page.locator("main")).to_contain_text("sau 5 lần đăng nhập sai")
    expect(page.locator("main")).not_to_contain_text("lanhdao")
    for size_name, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        axe(page)
        screenshot(page, f"lockout-{size_name}")
    page.get_by_role("link", name="Quay lại trang đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill("tuphap")
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_the_check_fails_on_a_page_with_a_violation(page: Page, axe):
    """The sweep above means something only if axe-core runs: a form field without a label and
    grey-on-white text must be reported."""
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            document.querySelector('main, body').appendChild(input);
            const faint = document.createElement('p');
            faint.textContent = 'Chữ quá nhạt';
            faint.style.color = '#dddddd';
            document.querySelector('main, body').appendChild(faint);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        axe(page)
    assert "label" in str(failure.value)
    assert "color-contrast" in str(failure.value)
