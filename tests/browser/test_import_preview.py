"""The import preview in a real browser, on the demo data (both demo plans already imported).

Re-importing the unchanged 2022 annex (70 tasks) must give a page a reviewer takes in at a
glance; a warning must take the reviewer to its row, shown, even on a page where the sections
without changes are folded. axe-core checks the page at an office width and a phone width.
"""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_task_flow import log_in
from tests.plans.test_import_preview import annex_with_warnings

ANNEX_2022 = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "annexes"
    / "bac-kan-2022-ke-hoach-khac-phuc-chi-so.xlsx"
)
# Measured at 1280 px: 97,063 px when every row of the 70 was listed (and every commune a
# collective name stands for); 2,576 px with the 14 unchanged sections folded. The limit leaves
# room for a longer plan title or a wrapped heading, and fails if even one section (the
# shortest open one is about 1,000 px) is shown open.
UNCHANGED_REIMPORT_MAX_PX = 3_500


def preview(page: Page, path: Path, *, plan_number: str = "", year: str = "") -> None:
    page.goto("/imports/new/")
    page.get_by_label("Tệp phụ lục (.docx, .xlsx, .xls)").set_input_files(str(path))
    page.locator("input[name=plan_number]").fill(plan_number)
    page.locator("input[name=year]").fill(year)
    page.get_by_role("button", name="Đọc thử và xem trước").click()
    expect(page.get_by_role("heading", name="Tóm tắt")).to_be_visible()


def open_everything(page: Page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def test_unchanged_reimport_is_short_and_accessible(page: Page, axe, screenshot):
    log_in(page, "noivu")
    preview(page, ANNEX_2022, plan_number="/KH-UBND", year="2022")
    expect(page.locator(".summary")).to_contain_text("70 không đổi")
    expect(page.locator("section.import-section")).to_have_count(14)
    expect(page.locator("section.import-section > details[open]")).to_have_count(0)
    height = page.evaluate("() => document.body.scrollHeight")
    assert height < UNCHANGED_REIMPORT_MAX_PX, height
    screenshot(page, "import-preview-unchanged-wide")
    axe(page)
    # A folded section opens on a click and shows its rows.
    section = page.locator("section.import-section").first
    section.get_by_text("Các dòng của mục (7)").click()
    expect(section.locator("tbody tr").first).to_be_visible()
    page.set_viewport_size(PHONE)
    screenshot(page, "import-preview-unchanged-phone")
    axe(page)
    open_everything(page)
    axe(page)


def test_a_warning_link_scrolls_to_its_row(page: Page, axe, screenshot, tmp_path):
    log_in(page, "noivu")
    # The demo's PAPI plan, revised: task 5.1 loses its lead, task 6.1's deadline is vague.
    preview(page, annex_with_warnings(tmp_path))
    warnings = page.locator("ul.warnings li")
    expect(warnings).to_have_count(3)
    expect(page.locator("section.import-section > details:not([open])")).to_have_count(4)
    link = warnings.get_by_role("link", name="Phụ lục, dòng 36 (ô E36)")
    link.click()
    expect(page).to_have_url(re.compile(r"#dong-phu-luc-36$"))
    row = page.locator("#dong-phu-luc-36")
    expect(row).to_be_visible()
    expect(row).to_be_in_viewport()
    expect(row).to_contain_text("Cảnh báo: Chưa hiểu được thời gian thực hiện “đầu năm 2018”")
    screenshot(page, "import-preview-warning-row")
    axe(page)
    page.set_viewport_size(PHONE)
    page.goto(page.url.split("#")[0] + "#dong-phu-luc-30")
    expect(page.locator("#dong-phu-luc-30")).to_be_in_viewport()
    axe(page)
    page.set_viewport_size(DESKTOP)
