"""Every screen at desktop (1280x800) and phone (390x844) width: photographed into
build/web-screenshots/ (docs/screenshots/ holds one of each, shown in the README), scanned
with axe-core (no serious or critical violation), no sideways scrolling on a phone, and the
first screen ready in under a second on the embedded default."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import VIEWPORTS, Ledger, OpenTab, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.parametrize("viewport", list(VIEWPORTS))


def check_screen(page: Page, name: str, viewport: str) -> None:
    screenshot(page, name, viewport)
    assert axe_violations(page) == [], name
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], f"{name} scrolls sideways ({width}px)"


def test_every_screen(ledger: Ledger, open_tab: OpenTab, viewport: str) -> None:
    tab = open_tab(viewport)
    page = tab.page
    started = time.monotonic()
    page.goto(ledger.url + "/app/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Ledger")
    assert time.monotonic() - started < 1.0, "the sign-in screen took a second or more"
    check_screen(page, "sign-in", viewport)

    sign_in(tab, ledger, "alice", path="/app/")
    expect(page.get_by_test_id("balance-alice")).to_be_visible()
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    check_screen(page, "accounts", viewport)

    started = time.monotonic()
    page.reload()  # a returning visitor: the tab's session, the accounts, their balances
    expect(page.get_by_test_id("balance-alice")).to_be_visible()
    assert time.monotonic() - started < 1.0, "my accounts took a second or more"

    page.get_by_role("link", name="alice", exact=True).click()
    expect(page.get_by_test_id("history").locator(":scope > li").first).to_be_visible()
    check_screen(page, "account", viewport)

    page.get_by_role("link", name="Send money").first.click()
    page.get_by_label("To account").fill("bob")
    page.get_by_label("Amount").fill("12.345")
    page.get_by_role("button", name="Send money").click()
    expect(page.get_by_test_id("error-amount")).to_be_visible()
    check_screen(page, "send-money", viewport)

    page.get_by_role("button", name="Sign out").click()
    sign_in(tab, ledger, "ops", operator=True, path="/app/operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operator")
    check_screen(page, "operator", viewport)
