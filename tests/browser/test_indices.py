"""The index page in a real browser: Sở Nội vụ links a task to a criterion from the task page,
imports a results workbook through the preview, and reads the criteria tree."""

import shutil
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from agencies.models import Province
from parindex.indices.models import Index, Result
from tests.browser.test_task_flow import log_in

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "results" / "bac-kan-papi-2016.xlsx"


@pytest.fixture
def papi_2017(demo):
    """The next year's published total, so the page has a line to draw (one year is not drawn).
    Created before Playwright starts: the ORM refuses to run beside its event loop."""
    Result.objects.create(
        province=Province.objects.get(name__startswith="Bắc Kạn"),
        index=Index.objects.get(code="PAPI"),
        year=2017,
        total="36.20",
        rank=30,
    )


def test_link_a_task_import_results_and_read_the_criteria_tree(
    papi_2017, page: Page, screenshot, tmp_path
):
    log_in(page, "noivu")
    # The 2018 PAPI plan's task 1.3 (public contributions) addresses "2 Công khai, minh bạch".
    page.goto("/tasks/?q=cong khai cac khoan dong gop")
    page.locator("table.tasks tbody tr a").first.click()
    criteria = page.locator("#task-criteria")
    criteria.get_by_label("Gắn tiêu chí").select_option(label="2. Công khai, minh bạch")
    criteria.get_by_role("button", name="Gắn", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Đã gắn tiêu chí 2. Công khai, minh bạch")
    expect(criteria).to_contain_text("PAPI 2011–2017 · 2. Công khai, minh bạch")

    # A corrected results workbook: "Công khai, minh bạch" was 4,75, not 4,45.
    corrected = tmp_path / "papi-2016-dinh-chinh.xlsx"
    shutil.copy(SAMPLE, corrected)
    book = openpyxl.load_workbook(corrected)
    book.active["C5"] = "4,75"
    book.save(corrected)
    page.goto("/indices/?index=PAPI&year=2016")
    page.get_by_role("link", name="Nhập kết quả từ Excel").click()
    page.get_by_label("Năm").fill("2016")
    page.get_by_label("Tệp kết quả (.xlsx, .xls)").set_input_files(str(corrected))
    page.get_by_role("button", name="Đọc thử và xem trước").click()
    expect(page.locator(".summary")).to_contain_text("1 cập nhật")
    expect(page.locator("#result-rows")).to_contain_text("cập nhật (trước: 4,45/10)")
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.locator(".messages")).to_contain_text(
        "0 điểm tiêu chí mới, 1 cập nhật, 5 không đổi"
    )

    # Back on the index page: area 2 lost the most (10 − 4,75), with the linked task and its lead.
    tree = page.locator("#criteria-tree tbody tr")
    first = tree.first
    expect(first).to_have_attribute("data-code", "2")
    expect(first.locator("td.lost")).to_have_text("5,25")
    expect(first).to_contain_text("Công khai các khoản đóng góp")
    # The plan's sections linked all its tasks to their dimensions on import: the communes,
    # which lead task 1.3 among others, have the most points at stake.
    expect(page.locator("#at-stake tbody tr").first).to_contain_text("UBND")
    page.wait_for_function("() => typeof Chart !== 'undefined' && Chart.getChart('chart-results')")
    screenshot(page, "indices-desktop-1280")
    page.set_viewport_size({"width": 360, "height": 800})
    # The chart redraws at the new width a moment later (a ResizeObserver): wait for it.
    page.wait_for_function(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, "indices-phone-360")
