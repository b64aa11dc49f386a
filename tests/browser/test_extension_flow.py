"""Deadline extension (gia hạn) in a real browser, on the demo data of `make run`, at an office
width and a phone width: Sở Tư pháp's staff ask for a later date on an overdue task they lead,
with a reason; Sở Nội vụ's reviewer finds the request from the dashboard and grants it; the
task page and the list then show the granted date, marked "đã gia hạn", beside the original.
Every page visited is checked by axe-core, and screenshots are kept."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SCREENSHOTS, WIDE
from tests.browser.test_task_flow import assignment_card, log_in, log_out, no_horizontal_scroll


@pytest.mark.parametrize(("width_name", "size"), [("1366", WIDE), ("360", PHONE)])
def test_staff_ask_for_more_time_and_the_reviewer_grants_it(
    page: Page, axe, screenshot, width_name, size
):
    page.set_viewport_size(size)
    new_due = (datetime.date.today() + datetime.timedelta(days=45)).strftime("%d/%m/%Y")
    reason = "Chờ ý kiến thẩm định của Bộ Tư pháp về dự thảo."

    # Sở Tư pháp's staff open an overdue task they lead and ask for a new date.
    log_in(page, "tuphap")
    page.goto("/tasks/?timeliness=overdue&role=lead")
    page.locator("table.tasks tbody tr td:nth-child(2) a").first.click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    task_path = re.sub(r"^https?://[^/]+", "", page.url)
    own = assignment_card(page, "Sở Tư pháp")
    original = own.locator(".extension-request")
    original.locator("summary").click()
    axe(page)
    form = own.locator("form.extension-form")
    form.get_by_label("Đề nghị gia hạn đến ngày").fill("01/01/2000")  # before today: refused
    form.get_by_label("Lý do").fill(reason)
    form.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    expect(own.locator(".errorlist")).to_contain_text("Ngày đề nghị không được trước hôm nay.")
    expect(form.get_by_label("Lý do")).to_have_value(reason)  # nothing typed is lost
    axe(page)
    form.get_by_label("Đề nghị gia hạn đến ngày").fill(new_due)
    form.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    expect(page.locator(".messages")).to_contain_text("Đã gửi đề nghị gia hạn tới Sở Nội vụ.")
    expect(own.locator(".extension-history")).to_contain_text("Chờ quyết định")
    expect(own.locator(".extension-history")).to_contain_text(reason)
    axe(page)
    screenshot(page, f"extension-requested-{width_name}")
    # The card alone as well: the task page of a shared task runs to many screens.
    own.screenshot(path=str(SCREENSHOTS / f"extension-requested-card-{width_name}.png"))
    assert no_horizontal_scroll(page), f"the task page scrolls sideways at {width_name} px"
    log_out(page)

    # Sở Nội vụ's reviewer: dashboard → pending requests → the task → grant.
    log_in(page, "noivu")
    page.goto("/dashboard/")
    page.get_by_role("link", name="Đề nghị gia hạn chờ quyết định").click()
    expect(page).to_have_url(re.compile(r"[?&]extension=pending"))
    axe(page)
    screenshot(page, f"extension-pending-list-{width_name}")
    page.locator(f"table.tasks tbody tr td:nth-child(2) a[href='{task_path}']").first.click()
    card = assignment_card(page, "Sở Tư pháp")
    axe(page)
    card.screenshot(path=str(SCREENSHOTS / f"extension-pending-card-{width_name}.png"))
    card.get_by_role("button", name=f"Gia hạn đến {new_due}").click()
    expect(page.locator(".messages")).to_contain_text("Đã gia hạn.")
    # Decided, the assignment leaves the reviewer's cards for the other agencies' table, where
    # its row shows the granted date and unfolds its extension history.
    others = page.locator("details.others")
    if not others.evaluate("element => element.open"):
        others.locator("> summary").click()
    row = page.locator("table.others-table tr").filter(has_text="Sở Tư pháp")
    expect(row).to_contain_text(f"đã gia hạn đến {new_due}")
    row.locator("details.extension-details > summary").click()
    expect(row).to_contain_text(f"Hạn {new_due} đã gia hạn")
    expect(row).to_contain_text("hạn gốc")
    expect(row.locator(".extension-history")).to_contain_text("Đã gia hạn")
    expect(row.get_by_role("button", name=re.compile("Gia hạn đến"))).to_have_count(0)
    axe(page)
    screenshot(page, f"extension-granted-{width_name}")
    row.screenshot(path=str(SCREENSHOTS / f"extension-granted-row-{width_name}.png"))
    assert no_horizontal_scroll(page), f"the task page scrolls sideways at {width_name} px"

    # The list shows the granted date, marked, and the original.
    page.goto("/tasks/?extension=granted")
    expect(page.locator("table.tasks tbody tr")).to_have_count(1)
    expect(page.locator("table.tasks tbody")).to_contain_text(f"{new_due} đã gia hạn (hạn gốc")
    axe(page)
    screenshot(page, f"extension-granted-list-{width_name}")
