"""The task flow in a real browser, on the demo data of `make run`.

Sở Tư pháp's staff find a task in the list with the filters, report it done with a completion
date, a note and a PDF; Sở Nội vụ's reviewer downloads the evidence and confirms; Sở Tài chính's
staff, who see the same task, get no form for Sở Tư pháp's assignment and a 403 when they post
one anyway. Then the list and the task page at desktop and phone widths, with screenshots.
"""

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from plans.tooling.management.commands.seed_demo import DEMO_PASSWORD

# Columns of the task list (plans.tables.AssignmentTable) as staff of one agency see it: no
# agency column.
DESCRIPTION, ROLE, STATUS = 1, 2, 3


def minimal_pdf(text: str) -> bytes:
    """A small but well-formed one-page PDF (objects, cross-reference table, trailer)."""
    content = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()  # a POST form in the top bar
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(0)


def listed(page: Page) -> int:
    """How many assignments the list says it shows ("N phân công")."""
    text = page.locator("p.toolbar").inner_text()
    match = re.search(r"(\d+) phân công", text)
    assert match, f"no count in the list's toolbar: {text!r}"
    return int(match[1])


def rows(page: Page) -> Locator:
    return page.locator("table.tasks tbody tr")


def cells(page: Page, index: int) -> list[str]:
    return [
        cell.inner_text().strip() for cell in rows(page).locator(f"td:nth-child({index + 1})").all()
    ]


def assignment_card(page: Page, agency: str) -> Locator:
    """The task page's card of one agency's assignment ("<agency> · <role>")."""
    heading = page.locator("h3").filter(has_text=re.compile(rf"^\s*{re.escape(agency)}\s*·"))
    return page.locator("div.assignment").filter(has=heading)


def agency_row(page: Page, agency: str) -> Locator:
    """The task page's row of another agency's assignment in the agencies' table."""
    cell = page.locator("td:first-child").filter(has_text=re.compile(rf"^\s*{re.escape(agency)}\s"))
    return page.locator("table.others-table tbody tr").filter(has=cell)


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_staff_report_completion_reviewer_confirms_other_agency_is_refused(
    page: Page, screenshot, tmp_path
):
    note = "Đã thẩm định 25 dự thảo VBQPPL năm 2022; báo cáo kèm theo."
    file_name = "Báo cáo thẩm định 2022.pdf"
    pdf = minimal_pdf("Bao cao tham dinh VBQPPL 2022")

    # Sở Tư pháp's staff narrow the list down to one of their open tasks.
    log_in(page, "tuphap")
    page.goto("/tasks/")
    everything = listed(page)
    assert everything > 25  # more than one page
    page.get_by_label("Tìm nhiệm vụ, cơ quan").fill("tham dinh")  # typed without diacritics
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q=tham\+dinh"))
    searched = listed(page)
    assert 0 < searched < everything
    expect(rows(page)).to_have_count(searched)
    # Each word anywhere in the row (the list's text is cut at 160 characters), so at least
    # the rows saying "thẩm định" are there.
    assert any("thẩm định" in description.lower() for description in cells(page, DESCRIPTION))
    page.get_by_text("Bộ lọc").click()
    page.get_by_label("Tiến độ").select_option(label="Đang thực hiện")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"[?&]status=in_progress"))
    filtered = listed(page)
    assert 0 < filtered < searched
    expect(rows(page)).to_have_count(filtered)
    assert set(cells(page, STATUS)) == {"Đang thực hiện"}
    assert "Chủ trì" in cells(page, ROLE)

    # The task led by Sở Tư pháp, not done yet: report it done, with a note and evidence.
    lead_row = rows(page).filter(has=page.locator(f"td:nth-child({ROLE + 1})", has_text="Chủ trì"))
    lead_row.first.locator(f"td:nth-child({DESCRIPTION + 1}) a").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    task_path = re.sub(r"^https?://[^/]+", "", page.url)
    own = assignment_card(page, "Sở Tư pháp")
    expect(own).to_have_count(1)
    expect(own.locator("h3")).to_contain_text("Chủ trì")
    expect(own).to_contain_text("Đang thực hiện")
    expect(page.locator("form.progress-form")).to_have_count(1)  # only their own assignment
    form = own.locator("form.progress-form")
    form.get_by_label("Tiến độ").select_option(label="Đã hoàn thành")
    form.get_by_label("Ngày hoàn thành").fill("20/12/2022")
    form.get_by_label("Kết quả thực hiện").fill(note)
    form.get_by_label("Tài liệu kiểm chứng").set_input_files(
        files=[{"name": file_name, "mimeType": "application/pdf", "buffer": pdf}]
    )
    form.get_by_role("button", name="Lưu tiến độ").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu tiến độ.")
    expect(own).to_contain_text("Đã hoàn thành ngày 20/12/2022")
    expect(own).to_contain_text("Chờ xác nhận")
    history = page.locator("h2", has_text="Lịch sử cập nhật").locator(
        "xpath=following-sibling::ol[1]"
    )
    latest = history.locator("> li").first
    expect(latest).to_contain_text(note)
    expect(latest).to_contain_text("Đã hoàn thành ngày 20/12/2022")
    expect(latest.get_by_role("link", name=file_name)).to_be_visible()
    updates = history.locator("> li").count()
    log_out(page)

    # Sở Nội vụ's reviewer gets the evidence back intact and confirms the completion.
    log_in(page, "noivu")
    page.goto(task_path)
    with page.expect_download() as download_info:  # the evidence is on the card to review
        assignment_card(page, "Sở Tư pháp").get_by_role("link", name=file_name).click()
    download = download_info.value
    assert download.suggested_filename == file_name
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == pdf
    reviewed = assignment_card(page, "Sở Tư pháp")
    reviewed.get_by_label("Ý kiến / lý do trả lại").fill("Hồ sơ đầy đủ.")
    reviewed.get_by_role("button", name="Xác nhận hoàn thành").click()
    expect(page.locator(".messages")).to_contain_text("Đã xác nhận hoàn thành của Sở Tư pháp.")
    expect(reviewed).to_have_count(0)  # out of the queue, into the agencies' table
    expect(agency_row(page, "Sở Tư pháp")).to_contain_text("Đã xác nhận")
    expect(history.locator("> li")).to_have_count(updates + 1)
    log_out(page)

    # Sở Tài chính's staff see the task but may only report on their own assignment.
    log_in(page, "taichinh")
    page.goto(task_path)
    others = agency_row(page, "Sở Tư pháp")
    expect(others).to_contain_text("Đã xác nhận")
    expect(others.locator("form")).to_have_count(0)
    expect(assignment_card(page, "Sở Tài chính").locator("form.progress-form")).to_have_count(1)
    assignment_id = others.get_attribute("id").removeprefix("assignment-")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    forged = page.request.post(
        f"/assignments/{assignment_id}/progress/",
        multipart={
            "csrfmiddlewaretoken": token,
            "status": "in_progress",
            "completed_on": "",
            "note": "Sửa hộ cơ quan khác",
            "period": "",
            "version": "99",
        },
    )
    assert forged.status == 403
    assert "CSRF" not in forged.text()  # refused for who they are, not for a bad token
    page.reload()
    expect(others).to_contain_text("Đã hoàn thành 20/12/2022")
    expect(others).to_contain_text("Đã xác nhận")
    expect(history.locator("> li")).to_have_count(updates + 1)
    expect(page.get_by_text("Sửa hộ cơ quan khác")).to_have_count(0)
    screenshot(page, "task-after-confirmation-desktop-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "task-after-confirmation-phone-360")


def test_task_list_and_task_page_fit_desktop_and_phone_screens(page: Page, screenshot):
    log_in(page, "tuphap")
    page.goto("/tasks/?q=tham+dinh&status=in_progress&role=lead")
    rows(page).first.locator(f"td:nth-child({DESCRIPTION + 1}) a").click()
    expect(page.locator("form.progress-form")).to_have_count(1)
    task_path = re.sub(r"^https?://[^/]+", "", page.url)
    # The stylesheet applies (a missing one would make every screenshot below meaningless).
    assert page.evaluate("() => getComputedStyle(document.querySelector('main')).maxWidth") == (
        "1200px"
    )

    shots: list[Path] = []
    for name, size in (
        ("desktop-1280", {"width": 1280, "height": 900}),
        ("phone-360", {"width": 360, "height": 740}),
    ):
        page.set_viewport_size(size)
        page.goto("/tasks/")
        expect(rows(page)).to_have_count(25)
        shots.append(screenshot(page, f"tasks-{name}"))
        page.goto(task_path)
        expect(page.locator("form.progress-form")).to_be_visible()
        shots.append(screenshot(page, f"task-{name}"))
        assert no_horizontal_scroll(page), f"the task page scrolls sideways at {size['width']} px"

    page.set_viewport_size({"width": 320, "height": 740})
    page.goto("/tasks/")
    expect(rows(page)).to_have_count(25)
    shots.append(screenshot(page, "tasks-phone-320"))
    assert no_horizontal_scroll(page), "the task list scrolls sideways at 320 px"
    page.get_by_text("Bộ lọc").click()
    expect(page.get_by_role("button", name="Lọc")).to_be_visible()
    shots.append(screenshot(page, "tasks-phone-320-filters"))
    assert no_horizontal_scroll(page), "the task list's filters scroll sideways at 320 px"
    assert all(path.stat().st_size > 0 for path in shots)
