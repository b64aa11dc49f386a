"""A report in a real browser: Sở Nội vụ asks for it on the dashboard, the file's page waits
(and reloads itself) while the worker (a django-tasks task) builds it, then offers the
download."""

import re
import threading

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.test_task_flow import log_in
from tests.downloads import run_worker_once


def run_worker_in_a_thread() -> None:
    """The job worker, from a thread of its own: Django refuses ORM calls in the thread that
    runs Playwright's event loop."""
    worker = threading.Thread(target=run_worker_once)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive()


def test_a_report_is_prepared_then_downloaded(page: Page, axe, screenshot, tmp_path):
    log_in(page, "noivu")
    page.goto("/dashboard/?year=2022&period=Y")
    # The link opens the request form (number optional), its button queues the file.
    page.get_by_role("link", name="bảng tính (.xlsx)").click()
    page.get_by_label("Số văn bản").fill("125")
    axe(page)
    page.get_by_role("button", name="Tạo tệp").click()
    expect(page).to_have_url(re.compile(r"/files/\d+/$"))
    expect(page.locator("h1")).to_have_text("Báo cáo năm 2022 của các kế hoạch trong tỉnh (.xlsx)")
    expect(page.locator(".file-pending")).to_contain_text("Đang chuẩn bị tệp… (đang chờ đến lượt)")
    screenshot(page, "report-pending-1280")

    run_worker_in_a_thread()
    # No click: the page looks again by itself (every quarter second at first) until the file is
    # ready.
    download_link = page.get_by_role("link", name=re.compile(r"^Tải về bao-cao-.*\.xlsx$"))
    expect(download_link).to_be_visible(timeout=10_000)
    expect(page.locator(".file-ready")).to_have_text("Tệp đã sẵn sàng.")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == "bao-cao-tinh-bac-kan-nam-2022.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert (sheet["A2"].value, sheet["A3"].value) == ("SỞ NỘI VỤ", "Số: 125/BC-SNV")
    assert sheet["A5"].value == "KẾT QUẢ THỰC HIỆN CÁC KẾ HOẠCH KHẮC PHỤC CHỈ SỐ NĂM 2022"
    leads = {row[2] for row in sheet.iter_rows(min_row=9, values_only=True)}
    assert "SỞ TƯ PHÁP" in leads  # the demo plans' tasks, leads as the annex wrote them

    # The user's files list it, with the same download.
    page.get_by_role("link", name="Tệp của tôi").click()
    row = page.locator("table.list tbody tr").first
    expect(row).to_contain_text("của các kế hoạch trong tỉnh (.xlsx)")
    with page.expect_download() as again:
        row.get_by_role("link", name="Tải về").click()
    assert again.value.suggested_filename == download.suggested_filename
    screenshot(page, "files-1280")


def test_the_word_report_form_tells_a_wrong_value_and_keeps_what_was_typed(
    page: Page, axe, screenshot
):
    log_in(page, "noivu")
    page.goto("/dashboard/?year=2022&period=Y")
    page.get_by_role("link", name="dự thảo báo cáo (.docx)").click()
    expect(page.get_by_label("Nơi nhận")).to_have_value(
        "- UBND tỉnh (b/c);\n- Bộ Nội vụ (b/c);\n- Lưu: VT."
    )
    page.get_by_label("Số văn bản").fill("12a")
    page.get_by_label("Quyền hạn, chức vụ người ký").fill("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    page.get_by_label("Họ và tên người ký").fill("Nguyễn Văn An")
    screenshot(page, "report-request-docx-1280")
    page.get_by_role("button", name="Tạo tệp").click()
    expect(page.locator("main")).to_contain_text(
        "Số văn bản chỉ gồm chữ số (tối đa 7 chữ số), ví dụ 125."
    )
    expect(page.get_by_label("Số văn bản")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Họ và tên người ký")).to_have_value("Nguyễn Văn An")
    axe(page)
    screenshot(page, "report-request-error-1280")
    page.get_by_label("Số văn bản").fill("12")
    page.get_by_role("button", name="Tạo tệp").click()
    expect(page).to_have_url(re.compile(r"/files/\d+/$"))
