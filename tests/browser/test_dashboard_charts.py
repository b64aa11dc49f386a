"""The dashboard in a real browser: Chart.js (installed from npm into static/) draws the charts."""

from playwright.sync_api import Page

from tests.browser.test_task_flow import log_in


def test_dashboard_draws_its_charts_for_sở_nội_vụ(page: Page, screenshot):
    log_in(page, "noivu")
    page.goto("/dashboard/?year=2022&period=Y")
    page.wait_for_function("() => typeof Chart !== 'undefined' && Chart.getChart('chart-agencies')")
    for chart in ("chart-groups", "chart-completions", "chart-agencies"):
        drawn = page.evaluate(f"() => Chart.getChart('{chart}').data.datasets.length")
        assert drawn >= 1, chart
    counts = page.evaluate("() => Chart.getChart('chart-groups').data.datasets[0].data")
    total = int(page.locator(".groups .group strong").first.inner_text())
    assert sum(counts) == total
    screenshot(page, "dashboard-desktop-1280")
