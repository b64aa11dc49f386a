"""The dashboard's points at stake in a real browser: the demo's 2018 PAPI plan (its tasks
linked to their dimensions on import) against the PAPI 2016 result, readable and axe-clean at
a desktop and a phone width."""

from playwright.sync_api import Page, expect

from tests.browser.test_task_flow import log_in


def test_the_dashboard_shows_the_points_at_stake_of_the_plan_year(page: Page, axe, screenshot):
    log_in(page, "noivu")
    page.goto("/dashboard/?year=2018&period=2018-Y&index=PAPI")
    stake = page.locator("#points-at-stake")
    expect(stake.get_by_role("heading", level=2)).to_have_text(
        "Điểm cần lấy lại: kế hoạch năm 2018"
    )
    expect(stake).to_contain_text("PAPI: kết quả năm 2016")
    criteria = stake.locator("#stake-criteria-PAPI tbody tr")
    expect(criteria).to_have_count(6)  # the six dimensions all lost points in 2016
    # Dimension 2 (10 − 4,45) lost the most; the 2018 plan's tasks address it.
    expect(criteria.first).to_have_attribute("data-code", "2")
    expect(criteria.first.locator("td.lost")).to_have_text("5,55")
    expect(stake.locator("#stake-agencies-PAPI tfoot")).to_contain_text("Toàn tỉnh")
    axe(page)
    screenshot(page, "dashboard-points-at-stake-1280")
    # The number of lead assignments opens the task list of exactly those rows.
    leads = criteria.first.locator("td").nth(2)
    shown = leads.inner_text()
    page.set_viewport_size({"width": 360, "height": 800})
    axe(page)
    screenshot(page, "dashboard-points-at-stake-360")
    leads.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(f"{shown} phân công")
