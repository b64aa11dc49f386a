"""The administrator's plan filter in a real browser, at an office width and a phone width: with
more plans than a dropdown holds (here the demo's two plus 250 of another province), "Kế hoạch"
is a type-ahead. The administrator types part of a plan number, picks the demo's 22/KH-UBND among
the plans the lookup offers, filters, and sees only that plan's rows, the picker showing the plan
chosen. axe-core checks every page visited; screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Province
from plans.models import Plan
from plans.selectors import PLAN_SELECT_LIMIT
from tests.browser.conftest import PHONE, TIMEOUT_MS, WIDE
from tests.browser.test_task_flow import cells, listed, log_in, no_horizontal_scroll

PICKED = "22/KH-UBND (2018) – Bắc Kạn"


@pytest.fixture
def country_of_plans(demo):
    """Plans enough to pass the dropdown's limit, written before the browser starts (Django
    refuses the ORM while Playwright runs). Their numbers also contain "22/KH" (1022/KH-UBND…),
    so the administrator has to pick the right one."""
    cao_bang = Province.objects.get(slug="04-cao-bang")
    Plan.objects.bulk_create(
        Plan(province=cao_bang, number=f"{i}/KH-UBND", year=2026, search_text=f"{i}/kh-ubnd")
        for i in range(1000, 1000 + PLAN_SELECT_LIMIT + 50)
    )
    return Plan.objects.get(number="22/KH-UBND", year=2018).pk


@pytest.mark.parametrize(("size_name", "size"), [("wide-1366", WIDE), ("phone-360", PHONE)])
def test_an_administrator_types_a_plan_number_picks_it_and_sees_its_rows(
    country_of_plans, page: Page, axe, screenshot, size_name, size
):
    page.set_viewport_size(size)
    log_in(page, "admin")
    page.goto("/tasks/")
    page.get_by_text("Bộ lọc").click()
    picker = page.get_by_label("Kế hoạch", exact=True)
    expect(picker).to_have_attribute("list", "plan-options")  # a text box, not a dropdown
    expect(page.locator("select#id_plan")).to_have_count(0)
    axe(page)

    picker.press_sequentially("22/kh")
    offered = page.locator("#plan-options option")
    expect(page.locator(f'#plan-options option[value="{PICKED}"]')).to_have_count(1)
    assert offered.count() > 1  # 1022/KH-UBND (2026) – Cao Bằng and others too
    screenshot(page, f"plan-picker-offered-{size_name}")
    picker.fill(PICKED)  # what choosing the option in the browser's list does
    expect(page.locator("#id_plan")).not_to_have_value("")
    page.get_by_role("button", name="Lọc").click()

    expect(page).to_have_url(re.compile(r"[?&]plan=\d+"))
    assert listed(page) > 0
    headers = [text.strip() for text in page.locator("table.tasks thead th").all_inner_texts()]
    # An administrator sees every province: the column names the plan's.
    assert set(cells(page, headers.index("Kế hoạch"))) == {PICKED}
    expect(page.locator("ul.chips li.chip")).to_contain_text(PICKED)
    # The panel stays open after filtering with its fields: the picker shows the plan chosen.
    expect(page.get_by_label("Kế hoạch", exact=True)).to_have_value(PICKED)
    axe(page)
    screenshot(page, f"plan-picker-filtered-{size_name}")
    assert no_horizontal_scroll(page), f"the list scrolls sideways at {size['width']} px"


def test_without_javascript_the_plan_chosen_stays_and_the_form_submits(
    country_of_plans, browser, demo
):
    """The picker cannot look plans up without JavaScript: the list still works, the plan
    chosen (from a link) is kept when refining, and its chip removes it."""
    context = browser.new_context(base_url=demo, java_script_enabled=False, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, "admin")
    page.goto(f"/tasks/?plan={country_of_plans}")
    picker = page.get_by_label("Kế hoạch", exact=True)
    expect(picker).to_have_value(PICKED)
    picker.fill("something typed")  # not sent: the hidden field keeps the plan
    page.get_by_label("Tiến độ").select_option(label="Chưa thực hiện")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(rf"plan={country_of_plans}&.*status=not_started"))
    expect(page.locator("ul.chips li.chip")).to_have_count(2)
    page.get_by_role("link", name="Bỏ lọc Kế hoạch").click()
    expect(page).not_to_have_url(re.compile(r"plan="))
    expect(page.get_by_label("Kế hoạch", exact=True)).to_have_value("")
    context.close()
