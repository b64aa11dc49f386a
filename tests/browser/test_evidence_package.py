"""The evidence package in a real browser: the leadership asks for it on the index page, the
worker builds it, the file's page offers it, and the zip holds the index workbook listing the
tasks the 2018 PAPI plan's sections linked to the dimensions."""

import re
import zipfile

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.test_report_download import run_worker_in_a_thread
from tests.browser.test_task_flow import log_in


def test_the_evidence_package_is_prepared_then_downloaded(page: Page, axe, tmp_path):
    log_in(page, "lanhdao")
    page.goto("/indices/?index=PAPI&year=2017")
    axe(page)
    page.get_by_role("button", name="Kế hoạch năm 2018").click()
    expect(page).to_have_url(re.compile(r"/files/\d+/$"))
    expect(page.locator("h1")).to_have_text("Hồ sơ tài liệu kiểm chứng PAPI năm 2018 (.zip)")
    run_worker_in_a_thread()
    link = page.get_by_role("link", name=re.compile(r"^Tải về tai-lieu-kiem-chung-.*\.zip$"))
    expect(link).to_be_visible(timeout=10_000)
    axe(page)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "tai-lieu-kiem-chung-papi-2018-bac-kan.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    archive = zipfile.ZipFile(saved)
    assert "danh-muc-tai-lieu-kiem-chung.xlsx" in archive.namelist()
    archive.extract("danh-muc-tai-lieu-kiem-chung.xlsx", tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "danh-muc-tai-lieu-kiem-chung.xlsx").active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    # All 32 tasks are linked to their dimension: every dimension of the plan is listed.
    assert {row[0] for row in rows} == {"1", "2", "3", "4", "5", "6"}
    assert ("1", "Tham gia của người dân ở cấp cơ sở") in {(row[0], row[1]) for row in rows}
    # Every file in the zip sits in the folder of a criterion code the workbook lists.
    for name in archive.namelist():
        if name != "danh-muc-tai-lieu-kiem-chung.xlsx":
            assert name.split("-")[0] in {"1", "2", "3", "4", "5", "6"}, name
