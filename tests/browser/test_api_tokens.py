"""A department's e-office system gets its access: the staff member makes a token on their own
page, copies it once, the system reads their tasks with it, and revoking it shuts the door.
The token page and the API's documentation load from our own files (no CDN)."""

from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import log_in


def test_staff_make_use_and_revoke_a_token(page: Page, axe, screenshot, demo):
    log_in(page, "tuphap")
    page.get_by_role("link", name="Mã API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã truy cập API")
    expect(page.get_by_text("Bạn chưa có mã nào.")).to_be_visible()
    axe(page)

    page.get_by_label("Tên").fill("Hệ thống quản lý văn bản")
    page.get_by_role("button", name="Tạo mã").click()
    raw = page.get_by_label("Mã truy cập mới").input_value()
    assert len(raw) > 30
    expect(page.get_by_role("status")).to_contain_text("chỉ hiện một lần")
    for size_name, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        axe(page)
        screenshot(page, f"api-tokens-created-{size_name}")
    page.set_viewport_size(WIDE)

    # Shown once: the page read again shows the token's name, never the token, and the
    # reload made no second one.
    page.reload()
    assert raw not in page.content()
    expect(page.get_by_role("cell", name="Hệ thống quản lý văn bản")).to_have_count(1)

    # The other system, with no session: the token alone opens the agency's assignments.
    bearer = {"Authorization": f"Bearer {raw}"}
    other = page.context.browser.new_context(base_url=demo).request
    try:
        assert other.get("/api/v1/assignments/").status == 401
        listed = other.get("/api/v1/assignments/", headers=bearer)
        assert listed.status == 200
        rows = listed.json()["results"]
        assert rows and {row["agency"]["name"] for row in rows} == {"Sở Tư pháp"}

        page.get_by_role("button", name="Thu hồi").click()
        expect(page.get_by_text("đã thu hồi ngày")).to_be_visible()
        assert other.get("/api/v1/assignments/", headers=bearer).status == 401
    finally:
        other.dispose()
    # The browser itself, logged in, reads the API through its session (same rows).
    assert page.context.request.get("/api/v1/assignments/").status == 200


def test_the_api_documentation_loads_from_our_own_files(page: Page, demo):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("/api/v1/assignments/").first).to_be_visible()
    assert hosts == {urlparse(demo).netloc}
