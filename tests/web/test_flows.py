"""The web app's flows in a real browser against `ledger serve --demo` (issue 14,
acceptance 1): sign in, live balances across tabs, field errors, infinite history, a
dropped websocket, and what a holder may not see."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal
from itertools import pairwise

from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from tests.web.conftest import Ledger, OpenTab, money, sign_in

LIVE_SECONDS = 15_000  # ms: a stream record reaches subscribers a few hundred ms after commit


def history_rows(page: Page, containing: str | None = None) -> Locator:
    rows = page.get_by_test_id("history").locator(":scope > li")
    return rows.filter(has_text=containing) if containing else rows


def expect_live(page: Page) -> None:
    expect(page.get_by_test_id("live-status")).to_have_attribute(
        "data-state", "live", timeout=LIVE_SECONDS
    )


def test_sign_in_with_a_demo_holder_and_see_the_live_balance(
    ledger: Ledger, open_tab: OpenTab
) -> None:
    page = open_tab().page
    page.goto(ledger.url + "/app/")
    page.get_by_role("button", name="Sign in as alice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My accounts")
    expect(page.get_by_test_id("subject")).to_have_text("alice")
    expect(page.get_by_test_id("balance-alice")).to_have_text(money(ledger.balance("alice")))
    expect_live(page)


def test_money_sent_in_one_tab_shows_live_in_the_others(ledger: Ledger, open_tab: OpenTab) -> None:
    memo = f"dinner {uuid.uuid4().hex[:6]}"
    amount = Decimal("3.21")
    alice_before, bob_before = ledger.balance("alice"), ledger.balance("bob")
    bob = sign_in(open_tab(), ledger, "bob", path="/app/accounts/bob")
    alice_home = sign_in(open_tab("phone"), ledger, "alice", path="/app/")
    expect(bob.get_by_test_id("account-balance")).to_have_text(money(bob_before))
    expect_live(bob)
    expect_live(alice_home)

    sender = sign_in(open_tab(), ledger, "alice", path="/app/send?from=alice")
    sender.get_by_label("To account").fill("bob")
    sender.get_by_label("Amount").fill(str(amount))
    sender.get_by_label("Note").fill(memo)
    sender.get_by_role("button", name="Send money").dblclick()  # pays once: one key per submission
    expect(sender.get_by_test_id("transfer-done")).to_contain_text("$3.21")

    expect(bob.get_by_test_id("account-balance")).to_have_text(
        money(bob_before + amount), timeout=LIVE_SECONDS
    )
    expect(history_rows(bob).first).to_contain_text(memo)
    expect(history_rows(bob).first).to_contain_text("+$3.21")
    expect(alice_home.get_by_test_id("balance-alice")).to_have_text(
        money(alice_before - amount), timeout=LIVE_SECONDS
    )
    time.sleep(1)  # a second payment would have arrived by now
    expect(history_rows(bob, memo)).to_have_count(1)
    assert ledger.balance("bob") == bob_before + amount


def test_insufficient_funds_is_shown_at_the_amount_field(ledger: Ledger, open_tab: OpenTab) -> None:
    before = ledger.balance("carol")
    page = sign_in(open_tab(), ledger, "carol", path="/app/send")
    page.get_by_label("To account").fill("alice")
    page.get_by_label("Amount").fill("99999999.99")
    page.get_by_role("button", name="Send money").click()
    expect(page.get_by_test_id("error-amount")).to_contain_text(re.compile("insufficient", re.I))
    amount = page.get_by_label("Amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()
    assert ledger.balance("carol") == before


def test_history_scrolls_past_three_pages(ledger: Ledger, open_tab: OpenTab) -> None:
    for n in range(65):
        ledger.transfer("alice", "carol", "0.01", f"page filler {n}")
    page = sign_in(open_tab(), ledger, "carol", path="/app/accounts/carol")
    rows = history_rows(page)
    expect(rows.first).to_contain_text("page filler 64")
    deadline = time.monotonic() + 30
    while rows.count() <= 60:  # pages of 20: a fourth page means three were scrolled past
        assert time.monotonic() < deadline, f"{rows.count()} rows after scrolling"
        rows.last.scroll_into_view_if_needed()
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(150)
    ids = rows.evaluate_all("rows => rows.map(r => r.dataset.entryId)")
    assert len(ids) == len(set(ids)), "an entry is shown twice"
    amounts = rows.evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('[data-amount]')].map(e => e.dataset.amount))"
    )
    for (signed, after), (_, older_after) in pairwise(amounts):
        assert Decimal(after) - Decimal(signed) == Decimal(older_after), (
            "running balance has a hole"
        )


def test_a_dropped_websocket_resumes_without_missing_a_change(
    ledger: Ledger, open_tab: OpenTab
) -> None:
    tab = open_tab()
    tab.tolerated.append("WebSocket connection to")  # Chromium logs the refused reconnects
    blocked = False
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    def route(ws: WebSocketRoute) -> None:
        if blocked:
            ws.close(code=1012, reason="test: service restarting")
            return
        sockets.append((ws, ws.connect_to_server()))

    tab.page.route_web_socket(re.compile(r"/graphql$"), route)
    page = sign_in(tab, ledger, "bob", path="/app/accounts/bob")
    expect_live(page)
    tag = uuid.uuid4().hex[:6]
    before = ledger.balance("bob")
    ledger.transfer("alice", "bob", "1.11", f"before drop {tag}")
    expect(history_rows(page).first).to_contain_text(f"before drop {tag}", timeout=LIVE_SECONDS)

    blocked = True
    for page_side, server_side in sockets:
        page_side.close(code=1012, reason="test: service restarting")
        server_side.close()
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "reconnecting")
    ledger.transfer("alice", "bob", "2.22", f"while down {tag}")
    ledger.transfer("carol", "bob", "0.03", f"while down too {tag}")
    time.sleep(1.5)  # published with nobody listening
    blocked = False

    expect_live(page)
    total = Decimal("1.11") + Decimal("2.22") + Decimal("0.03")
    expect(page.get_by_test_id("account-balance")).to_have_text(
        money(before + total), timeout=LIVE_SECONDS
    )
    ledger.transfer("alice", "bob", "4.44", f"after resume {tag}")
    expect(page.get_by_test_id("account-balance")).to_have_text(
        money(before + total + Decimal("4.44")), timeout=LIVE_SECONDS
    )
    for memo in ("before drop", "while down", "while down too", "after resume"):
        expect(history_rows(page, f"{memo} {tag}")).to_have_count(1)


def test_a_holder_cannot_see_another_holders_account(ledger: Ledger, open_tab: OpenTab) -> None:
    tab = open_tab()
    page = sign_in(tab, ledger, "alice", path="/app/accounts/bob")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("account-balance")).to_have_count(0)
    page.get_by_role("link", name="My accounts", exact=True).click()
    expect(page.get_by_test_id("balance-alice")).to_be_visible()
    shown = page.locator("[data-account-id]").evaluate_all("e => e.map(a => a.dataset.accountId)")
    assert "bob" not in shown
    assert "carol" not in shown
    seen = ledger.graphql('{ account(id: "bob") { id } }', as_="alice", operator=False)
    assert seen["account"] is None


def test_an_operator_opens_funds_and_looks_up_accounts(ledger: Ledger, open_tab: OpenTab) -> None:
    tag = uuid.uuid4().hex[:6]
    page = sign_in(open_tab(), ledger, f"ops-{tag}", operator=True, path="/app/operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operator")

    page.locator("#create-id").fill(f"settlement-{tag}")
    page.locator("#create-opening").fill("1000.00")
    page.get_by_role("button", name="Open account").click()
    expect(page.get_by_test_id("account-created")).to_contain_text(f"settlement-{tag}")

    page.locator("#create-id").fill(f"savings-{tag}")
    page.locator("#create-owner").fill(f"dana-{tag}")
    page.locator("#create-opening").fill("")
    page.get_by_role("button", name="Open account").click()
    expect(page.get_by_test_id("account-created")).to_contain_text(f"savings-{tag}")

    page.locator("#fund-from").fill(f"settlement-{tag}")
    page.locator("#fund-to").fill(f"savings-{tag}")
    page.locator("#fund-amount").fill("50.00")
    page.get_by_role("button", name="Fund account").click()
    expect(page.get_by_test_id("transfer-done")).to_contain_text("$50.00")

    page.locator("#lookup-id").fill(f"savings-{tag}")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("account-balance")).to_have_text("$50.00")
    expect(history_rows(page).first).to_contain_text(f"From settlement-{tag}")

    owner = sign_in(open_tab("phone"), ledger, f"dana-{tag}")
    expect(owner.get_by_test_id(f"balance-savings-{tag}")).to_have_text("$50.00")


def test_a_refused_token_on_the_websocket_asks_to_sign_in_again(
    ledger: Ledger, open_tab: OpenTab
) -> None:
    tab = open_tab()
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
    tab.page.route_web_socket(
        re.compile(r"/graphql$"), lambda ws: sockets.append((ws, ws.connect_to_server()))
    )
    page = sign_in(tab, ledger, "alice", path="/app/accounts/alice")
    expect_live(page)
    for page_side, server_side in sockets:
        page_side.close(code=4403, reason="Forbidden")  # what the API does with a bad token
        server_side.close()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Ledger")
    expect(page.get_by_role("alert")).to_contain_text("Sign in again")
    time.sleep(1.5)
    assert len(sockets) == 1, "the app retried a refused token"


def test_signing_in_and_sending_money_by_keyboard_alone(ledger: Ledger, open_tab: OpenTab) -> None:
    page = open_tab().page
    page.goto(ledger.url + "/app/send")
    page.get_by_label("Subject").focus()
    page.keyboard.type("bob")
    page.keyboard.press("Enter")  # submits the sign-in form
    to_account = page.get_by_label("To account")
    expect(to_account).to_be_visible()
    page.get_by_label("From account").focus()
    page.keyboard.press("Tab")
    expect(to_account).to_be_focused()
    page.keyboard.type("carol")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Amount")).to_be_focused()
    page.keyboard.type("0.07")
    page.keyboard.press("Tab")
    page.keyboard.type("by keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send money")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("transfer-done")).to_contain_text("$0.07")
