"""The criteria loop in a real browser: the administrator loads the PAR INDEX 2020–2021 sample
tree through the preview, then Sở Nội vụ accepts and rejects the suggested criteria of the
2022 plan's tasks on the bulk screen; every page checked with axe-core."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.test_task_flow import log_in, log_out

SAMPLE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "criteria" / "par-index-2020-2021-mau.xlsx"
)


def test_load_the_tree_then_decide_suggestions_for_a_whole_plan(page: Page, axe):
    log_in(page, "admin")
    page.goto("/indices/criteria/import/")
    axe(page)
    page.get_by_label("Phiên bản phương pháp").select_option(label="PAR INDEX 2020–2021")
    page.get_by_label("Tệp bộ tiêu chí (.xlsx, .xls)").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Đọc thử và xem trước").click()
    expect(page.locator(".summary")).to_contain_text("44 tiêu chí mới")
    axe(page)
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.locator("ul.messages")).to_contain_text("44 mới, 0 cập nhật")
    log_out(page)

    log_in(page, "noivu")
    page.goto("/tasks/?q=giai ngan cac du an dung tien do")
    page.locator("table.tasks tbody tr a").first.click()
    criteria = page.locator("#task-criteria")
    expect(criteria).to_contain_text("Gợi ý theo nội dung nhiệm vụ")
    criteria.get_by_role("link", name="Gợi ý tiêu chí cho cả kế hoạch").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gợi ý tiêu chí cho")
    axe(page)
    # Task VI.15 of annex II ("Tăng cường thực hiện giải ngân các dự án đúng tiến độ"): its first
    # suggestion is the disbursement criterion; accept it, reject the next one.
    row = page.locator("#suggestions tbody tr").filter(
        has_text="Tăng cường thực hiện giải ngân các dự án đúng tiến độ"
    )
    first = row.locator("fieldset").nth(0)
    expect(first.locator("legend")).to_contain_text(
        "6.1. Thực hiện giải ngân kế hoạch đầu tư vốn ngân sách nhà nước hàng năm"
    )
    first.get_by_label("Gắn").check()
    row.locator("fieldset").nth(1).get_by_label("Bỏ qua").check()
    page.get_by_role("button", name="Lưu các lựa chọn").click()
    expect(page.locator("ul.messages")).to_contain_text("Đã gắn 1 tiêu chí và bỏ qua 1 gợi ý.")
    # Its row is gone (nothing left to decide for it); its page shows the link.
    expect(page.locator("#suggestions")).not_to_contain_text(
        "Tăng cường thực hiện giải ngân các dự án đúng tiến độ"
    )
    axe(page)
    page.goto("/tasks/?q=giai ngan cac du an dung tien do")
    page.locator("table.tasks tbody tr a").first.click()
    expect(page.locator("#task-criteria")).to_contain_text(
        "6.1. Thực hiện giải ngân kế hoạch đầu tư vốn ngân sách nhà nước hàng năm"
    )
