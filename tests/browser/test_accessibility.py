"""Every page a person reaches from the menu, checked by axe-core (WCAG 2.1 A and AA) at an
office width and a phone width, as agency staff and as Sở Nội vụ's reviewer, with screenshots."""

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import PHONE, WIDE
from tests.browser.test_task_flow import log_in

STAFF_PAGES = ["/", "/tasks/", "/tasks/?q=cai+cach&status=in_progress", "/files/"]
REVIEWER_PAGES = [
    "/",
    "/tasks/",
    "/dashboard/",
    "/periods/",
    "/imports/",
    "/imports/new/",
    "/indices/",
    "/agencies/unknown/",
    "/files/",
]


def first_task_path(page: Page) -> str:
    page.goto("/tasks/")
    return page.locator("table a[href^='/tasks/']").first.get_attribute("href")


@pytest.mark.parametrize(
    ("username", "paths"), [("tuphap", STAFF_PAGES), ("noivu", REVIEWER_PAGES)]
)
def test_pages_have_no_accessibility_violations(page: Page, axe, screenshot, username, paths):
    page.goto("/accounts/login/")
    axe(page)
    log_in(page, username)
    paths = [*paths, first_task_path(page)]
    for size_name, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        for path in paths:
            page.goto(path)
            axe(page)
            name = path.strip("/").replace("/", "-").split("?")[0] or "home"
            screenshot(page, f"axe-{username}-{name}-{size_name}")


def test_the_check_fails_on_a_page_with_a_violation(page: Page, axe):
    """The sweep above means something only if axe-core runs: a form field without a label and
    grey-on-white text must be reported."""
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            document.querySelector('main, body').appendChild(input);
            const faint = document.createElement('p');
            faint.textContent = 'Chữ quá nhạt';
            faint.style.color = '#dddddd';
            document.querySelector('main, body').appendChild(faint);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        axe(page)
    assert "label" in str(failure.value)
    assert "color-contrast" in str(failure.value)
