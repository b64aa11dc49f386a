"""The two daily jobs issue 14 measures, at an office width (1366 px) and a phone (360 px), on
the demo data of `make run`: agency staff report progress on one task from the home page, and
Sở Nội vụ confirms one completion. Every page visited is checked by axe-core and kept as a
screenshot; each flow counts its clicks and page loads and holds them to what they are now.

A click here is one thing the user does: follow a link, press a button, pick an option, put
the cursor in a field to type. A page load is a document the browser loads (a POST answered
by a redirect counts once: the page the user ends on).
"""

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import log_in

WIDTHS = [pytest.param(WIDE, id="1366"), pytest.param(PHONE, id="360")]


@dataclass
class Walk:
    """What a flow costs the user, and the checks made on every page it reaches."""

    page: Page
    axe: object
    screenshot: object
    name: str
    clicks: int = 0
    loads: int = 0
    shots: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.loads += 1

    def click(self, locator: Locator) -> None:
        self.clicks += 1
        locator.click()

    def fill(self, locator: Locator, text: str) -> None:
        self.clicks += 1  # into the field, then typing
        locator.fill(text)

    def choose(self, locator: Locator, label: str) -> None:
        self.clicks += 1
        locator.select_option(label=label)

    def check_page(self, step: str) -> None:
        self.axe(self.page)
        self.shots.append(self.screenshot(self.page, f"flow-{self.name}-{step}"))


def start(page: Page, axe, screenshot, *, username: str, size: dict, name: str) -> Walk:
    page.set_viewport_size(size)
    log_in(page, username)  # lands on the home page; not counted: the flows start there
    expect(page).to_have_url(re.compile(r"/$"))
    walk = Walk(page, axe, screenshot, f"{name}-{size['width']}")
    walk.check_page("home")
    return walk


def top_of(locator: Locator) -> float:
    """How far down the page (in CSS px) the element starts."""
    return locator.evaluate("e => e.getBoundingClientRect().top + window.scrollY")


@pytest.mark.parametrize("size", WIDTHS)
def test_staff_report_progress_on_one_task_from_the_home_page(page: Page, axe, screenshot, size):
    walk = start(page, axe, screenshot, username="tuphap", size=size, name="staff-report")
    overdue = page.locator("section", has=page.get_by_role("heading", name="Quá hạn"))
    walk.click(overdue.locator(".cards a").first)
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    walk.check_page("task")

    # Their own assignment and its form come first: before the other agencies, near the top.
    own = page.locator("#my-work div.assignment")
    expect(own).to_have_count(1)
    expect(own.locator("h3")).to_contain_text("Sở Tư pháp")
    form = own.locator("form.progress-form")
    assert top_of(form) < top_of(page.locator("#others"))
    # On the first screen, at either width (it was 975 px down at 1366 and 1377 at 360).
    assert top_of(own) < size["height"], f"their assignment starts {top_of(own):.0f} px down"

    walk.choose(form.get_by_label("Tiến độ"), "Đã hoàn thành")
    # On a phone, dots are as good as slashes (the full keyboard has both).
    typed = "20.12.2022" if size == PHONE else "20/12/2022"
    walk.fill(form.get_by_label("Ngày hoàn thành"), typed)
    walk.fill(form.get_by_label("Kết quả thực hiện"), "Đã tổ chức 3 hội nghị tập huấn.")
    walk.click(form.get_by_role("button", name="Lưu tiến độ"))
    expect(page.locator(".messages")).to_contain_text("Đã lưu tiến độ.")
    expect(own).to_contain_text("Đã hoàn thành ngày 20/12/2022")
    expect(own).to_contain_text("Chờ xác nhận")
    walk.check_page("saved")

    # Home → task page → saved: 2 page loads; 4 clicks (the task, the status, the date, the
    # note) and Save.
    print(f"\n{walk.name}: {walk.clicks} clicks, {walk.loads} page loads")
    assert (walk.clicks, walk.loads) == (5, 2)


@pytest.mark.parametrize("size", WIDTHS)
def test_the_date_picker_writes_the_day_as_dd_mm_yyyy(page: Page, axe, size):
    page.set_viewport_size(size)
    log_in(page, "tuphap")
    overdue = page.locator("section", has=page.get_by_role("heading", name="Quá hạn"))
    overdue.locator(".cards a").first.click()
    form = page.locator("#my-work form.progress-form")
    button = form.get_by_role("button", name="Chọn ngày")
    expect(button).to_be_visible()
    button.click()  # opens the browser's calendar; the day is then chosen in it
    form.locator("input.date-picker").fill("2022-12-05")
    expect(form.get_by_label("Ngày hoàn thành")).to_have_value("05/12/2022")
    axe(page)


@pytest.mark.parametrize("size", WIDTHS)
def test_the_reviewer_confirms_one_completion(page: Page, axe, screenshot, size):
    walk = start(page, axe, screenshot, username="noivu", size=size, name="reviewer-confirm")
    counter = page.locator(".review-counter a")
    expect(counter).to_contain_text("Chờ xác nhận")
    # The whole queue is the task list filtered to it (plans.filters' `review`).
    assert counter.get_attribute("href") == "/tasks/?review=pending"
    waiting = int(counter.locator("strong").inner_text())
    assert waiting >= 1
    queue = page.locator("section#review-queue .cards li")
    expect(queue).to_have_count(min(waiting, 10))
    walk.click(queue.first.locator("a"))
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    walk.check_page("task")

    # The completion to review comes first, with what the agency wrote and sent.
    card = page.locator("#review-queue div.assignment").first
    expect(card).to_be_visible()
    assert top_of(card) < top_of(page.locator("#others"))
    expect(card.locator(".latest-report .note")).not_to_have_count(0)
    assert top_of(card) < size["height"]  # on the first screen
    # Many other agencies: their table starts folded under a one-line summary.
    others = page.locator("details.others")
    if page.locator("table.others-table tbody tr").count() > 8:
        expect(others).not_to_have_attribute("open", "")
        assert others.evaluate("e => e.getBoundingClientRect().height") < 120
    agency = card.locator("h3").inner_text().split("·")[0].strip()
    walk.click(card.get_by_role("button", name="Xác nhận hoàn thành"))
    expect(page.locator(".messages")).to_contain_text(f"Đã xác nhận hoàn thành của {agency}.")
    walk.check_page("confirmed")

    # Home → task → confirmed: 2 page loads, 2 clicks.
    print(f"\n{walk.name}: {walk.clicks} clicks, {walk.loads} page loads")
    assert (walk.clicks, walk.loads) == (2, 2)
    page.goto("/")
    expect(page.locator(".review-counter strong")).to_have_text(str(waiting - 1))


@pytest.mark.parametrize("size", WIDTHS)
def test_a_returned_completion_is_resubmitted_in_one_click(page: Page, axe, screenshot, size):
    page.set_viewport_size(size)
    log_in(page, "noivu")
    queue = page.locator("section#review-queue .cards li")
    queue.filter(has_text="Sở Tư pháp").first.locator("a").click()
    card = page.locator("#review-queue div.assignment").filter(has_text="Sở Tư pháp")
    task_path = re.sub(r"^https?://[^/]+", "", page.url)
    card.get_by_label("Ý kiến / lý do trả lại").fill("Thiếu kế hoạch đã ký.")
    card.get_by_role("button", name="Trả lại").click()
    expect(page.locator(".messages")).to_contain_text("Đã trả lại cho Sở Tư pháp để bổ sung.")
    expect(page.locator(".messages")).not_to_contain_text("Đã ghi ý kiến xác nhận")
    axe(page)
    page.get_by_role("button", name="Đăng xuất").click()

    log_in(page, "tuphap")
    page.goto(task_path)
    own = page.locator("#my-work div.assignment")
    expect(own.locator(".returned")).to_contain_text("Thiếu kế hoạch đã ký.")
    screenshot(page, f"flow-returned-{size['width']}")
    axe(page)
    own.get_by_role("button", name="Gửi lại để xác nhận").click()  # the one click
    expect(page.locator(".messages")).to_contain_text("Đã lưu tiến độ.")
    expect(own).to_contain_text("Chờ xác nhận")
    expect(own.locator(".returned")).to_have_count(0)
