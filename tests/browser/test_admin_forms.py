"""The admin's user and membership forms in a real browser: Vietnamese down to the widgets
drawn by script (the two-list picker, the agency picker), the agency picker finds by province
and names the dates, and axe-core finds no accessibility violation."""

import re

from playwright.sync_api import Page, expect

from tests.browser.test_task_flow import log_in

ENGLISH = re.compile(
    r"Choose all|Remove all|Can (add|change|delete|view)|Password-based|Filter|Search|"
    r"Available |Chosen |Select |Add |Change |Welcome"
)


def assert_vietnamese(page: Page) -> None:
    text = page.locator("body").inner_text()
    assert not ENGLISH.search(text), ENGLISH.search(text).group(0)


def pick_agency(page: Page, field: str, typed: str, label: str) -> None:
    page.locator(f"#{field} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(typed)
    option = page.locator(".select2-results__option", has_text=label)
    expect(option).to_have_count(1)
    option.click()


def test_user_and_membership_forms(page: Page, axe, screenshot):
    log_in(page, "admin")

    page.goto("/admin/auth/user/add/")
    expect(page.get_by_label("Họ và tên")).to_be_visible()
    expect(page.get_by_text("Vai trò và cơ quan quyết định").first).to_be_visible()
    assert_vietnamese(page)
    axe(page)
    screenshot(page, "admin-user-add")
    page.get_by_label("Tên đăng nhập").fill("an.nv")
    page.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    page.get_by_label("Email").fill("an.nv@backan.gov.vn")
    page.locator("#id_password1").fill("mat-khau-dai-12")
    page.locator("#id_password2").fill("mat-khau-dai-12")
    pick_agency(
        page, "id_membership-0-agency", "y te bac kan", "Sở Y tế – Bắc Kạn (đến 30/06/2025)"
    )
    page.get_by_role("button", name="Lưu và sửa tiếp").click()

    # The change page: the permissions' two-list picker is drawn by script.
    expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Văn An")
    expect(
        page.get_by_role("button", name="Chọn tất cả quyền riêng của người dùng")
    ).to_be_visible()
    expect(page.get_by_title("Sở Y tế – Bắc Kạn (đến 30/06/2025)")).to_be_visible()
    assert_vietnamese(page)
    axe(page)
    screenshot(page, "admin-user-change")

    page.goto("/admin/agencies/membership/add/")
    expect(page.get_by_text("Vai trò và cơ quan quyết định").first).to_be_visible()
    assert_vietnamese(page)
    axe(page)
    pick_agency(
        page, "id_agency", "tai chinh thai nguyen", "Sở Tài chính – Thái Nguyên (từ 01/07/2025)"
    )
    axe(page)
    screenshot(page, "admin-membership-add")
