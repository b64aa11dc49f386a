"""One truth on counts and the file page, in Chromium at 1366 and 360 px, axe-core on every
page visited, screenshots in test-artifacts/screenshots/.

- Home and the dashboard of the same scope show the same six numbers; the dashboard says
  "Số liệu tính đến …" above its numbers, and at 360 px the numbers come before the form.
- A report asked for with no worker running: the page shows the wait, points to "Tệp của tôi",
  and says the service is late (the minute is shortened for the test).
"""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import log_in

SIZES = [("1366", WIDE), ("360", PHONE)]


def numbers(page: Page) -> list[int]:
    """The six official groups' numbers, in order, as the page shows them."""
    texts = page.locator(".groups a.group[class*=' t-'] strong").all_inner_texts()
    return [int(text) for text in texts[:6]]


@pytest.mark.parametrize(("size_name", "size"), SIZES)
def test_home_and_dashboard_show_the_same_numbers_as_of_today(
    page: Page, axe, screenshot, size_name, size
):
    page.set_viewport_size(size)
    log_in(page, "noivu")
    page.goto("/")
    axe(page)
    expect(page.locator(".as-of")).to_contain_text("Số liệu tính đến")
    home = numbers(page)
    assert sum(home) > 100  # the seed plans: hundreds of assignments
    screenshot(page, f"counts-home-{size_name}")
    page.get_by_role("link", name="xem cùng phạm vi trên bảng theo dõi").click()
    expect(page.locator(".as-of")).to_contain_text("kế hoạch mọi năm")
    axe(page)
    assert numbers(page) == home
    screenshot(page, f"counts-dashboard-same-scope-{size_name}")

    # The default dashboard: the current plan year, as of today, said above the numbers.
    page.goto("/dashboard/")
    axe(page)
    as_of = page.locator(".as-of")
    expect(as_of).to_contain_text(re.compile(r"Số liệu tính đến \d\d/\d\d/\d{4}"))
    expect(as_of).to_contain_text("kế hoạch năm 2022")
    overdue = page.locator(".groups a.t-overdue strong")
    assert int(overdue.inner_text()) > 0  # it read "Quá hạn 0", as of 14/12/2022
    figures = page.locator(".groups").bounding_box()
    form = page.locator("form.filter-form").bounding_box()
    header = as_of.bounding_box()
    assert header["y"] < figures["y"] < form["y"]
    if size_name == "360":
        # On a phone the numbers are on the first screen, the form below them.
        assert figures["y"] < PHONE["height"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"counts-dashboard-default-{size_name}")

    # "Lâu chưa cập nhật" opens the list of exactly its rows.
    stale = int(page.locator(".groups a.t-stale strong").inner_text())
    page.locator(".groups a.t-stale").click()
    expect(page).to_have_url(re.compile(r"stale=1"))
    axe(page)
    expect(page.locator("main")).to_contain_text(f"{stale} phân công")


@pytest.mark.parametrize(("size_name", "size"), SIZES)
def test_the_file_page_says_how_long_and_when_the_service_is_late(
    page: Page, axe, screenshot, monkeypatch, size_name, size
):
    # No worker runs in these tests: the report stays queued. A minute is long for a test.
    monkeypatch.setattr("plans.files.jobs.DELAYED_AFTER", datetime.timedelta(seconds=3))
    page.set_viewport_size(size)
    log_in(page, "noivu")
    page.goto("/dashboard/?year=2022&period=2022-Y")
    page.get_by_role("link", name="bảng tính (.xlsx)").click()
    page.get_by_role("button", name="Tạo tệp").click()
    expect(page).to_have_url(re.compile(r"/files/\d+/$"))
    pending = page.locator(".file-pending")
    expect(pending).to_contain_text("Đang chuẩn bị tệp…")
    expect(pending).to_contain_text(re.compile(r"Đã chờ \d+ giây"))
    expect(page.get_by_role("link", name="Tệp của tôi").last).to_be_visible()
    axe(page)
    screenshot(page, f"file-pending-{size_name}")
    # The page reloads itself every 2 seconds; past the delay it says the service is late.
    delayed = page.locator(".file-delayed")
    expect(delayed).to_contain_text("Dịch vụ tạo tệp đang chậm")
    page.wait_for_load_state("load")
    axe(page)
    screenshot(page, f"file-delayed-{size_name}")
    page.get_by_role("link", name="Tệp của tôi").last.click()
    expect(page.locator("main")).to_contain_text("Báo cáo")
    axe(page)


@pytest.mark.parametrize(("size_name", "size"), SIZES)
def test_the_mass_email_asks_first(page: Page, axe, screenshot, size_name, size):
    page.set_viewport_size(size)
    log_in(page, "noivu")
    page.goto("/periods/")
    axe(page)
    # The form proposes the current period; open the 2022 year report, the seeds' plan year.
    page.get_by_label("Năm").fill("2022")
    page.get_by_label("Kỳ", exact=True).select_option("Y")
    page.get_by_role("button", name="Mở kỳ báo cáo").click()
    axe(page)
    page.get_by_role("link", name=re.compile("Gửi thư đề nghị báo cáo kỳ này")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Gửi thư đề nghị báo cáo kỳ Năm 2022?"
    )
    expect(page.locator("main")).to_contain_text(re.compile(r"cơ quan|Không có thư nào để gửi"))
    axe(page)
    screenshot(page, f"period-remind-confirm-{size_name}")
    page.get_by_role("link", name=re.compile("quay lại", re.IGNORECASE)).click()
    expect(page.locator(".file-pending")).to_have_count(0)  # nothing was sent
