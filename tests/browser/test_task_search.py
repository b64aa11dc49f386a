"""Finding tasks in a real browser, at an office width and a phone width: Sở Nội vụ searches
"cải cách hành chính" in the box above the filters (the demo's 2022 annex only ever writes
"CCHC"), narrows by status, sees both as chips, removes the search's chip and keeps the status.
axe-core checks every page visited; screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import DESCRIPTION, listed, log_in, no_horizontal_scroll, rows


def chip(page: Page, label: str):
    return page.locator("ul.chips li.chip").filter(has_text=label)


@pytest.mark.parametrize(("size_name", "size"), [("wide-1366", WIDE), ("phone-360", PHONE)])
def test_search_by_the_words_finds_the_abbreviation_and_chips_remove_filters(
    page: Page, axe, screenshot, size_name, size
):
    page.set_viewport_size(size)
    log_in(page, "noivu")
    page.goto("/tasks/")
    axe(page)
    everything = listed(page)

    # The box is in sight without opening "Bộ lọc".
    box = page.get_by_label("Tìm nhiệm vụ, cơ quan")
    expect(box).to_be_visible()
    expect(page.get_by_label("Tiến độ")).to_be_hidden()
    box.fill("cải cách hành chính")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    found = listed(page)
    assert 0 < found < everything
    descriptions = [
        cell.inner_text() for cell in rows(page).locator(f"td:nth-child({DESCRIPTION + 1})").all()
    ]
    assert any("CCHC" in text for text in descriptions), descriptions
    expect(chip(page, "Tìm")).to_contain_text("cải cách hành chính")
    axe(page)
    screenshot(page, f"search-cchc-{size_name}")
    assert no_horizontal_scroll(page), f"the list scrolls sideways at {size['width']} px"

    # Refining with the filters keeps the search; both show as chips.
    page.get_by_text("Bộ lọc").click()
    page.get_by_label("Tiến độ").select_option(label="Chưa thực hiện")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"status=not_started"))
    expect(page).to_have_url(re.compile(r"[?&]q="))
    narrowed = listed(page)
    assert 0 < narrowed <= found
    expect(chip(page, "Tiến độ")).to_contain_text("Chưa thực hiện")
    axe(page)
    screenshot(page, f"search-chips-{size_name}")

    # Removing the search's chip keeps the status.
    chip(page, "Tìm").get_by_role("link", name="Bỏ lọc Tìm").click()
    expect(page).not_to_have_url(re.compile(r"[?&]q="))
    expect(page).to_have_url(re.compile(r"status=not_started"))
    expect(chip(page, "Tìm")).to_have_count(0)
    expect(chip(page, "Tiến độ")).to_have_count(1)
    assert listed(page) >= narrowed
    axe(page)
    screenshot(page, f"search-chip-removed-{size_name}")
    assert no_horizontal_scroll(page), f"the list scrolls sideways at {size['width']} px"
