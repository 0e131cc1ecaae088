"""A session is renewed before its token expires, and the websocket moves to the new token
without losing a change or signing the person out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Ledger, OpenTab, ledger_serve, money, sign_in

#: 72 s tokens: the app renews a minute before expiry, so 12 s after sign-in.
TOKEN_HOURS = "0.02"


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    home = tmp_path_factory.mktemp("serve-short-tokens")
    with ledger_serve(home, LEDGER_AUTH_DEV_TOKEN_HOURS=TOKEN_HOURS) as url:
        yield Ledger(url)


def test_the_token_is_renewed_and_the_live_balance_carries_on(
    short_lived: Ledger, open_tab: OpenTab
) -> None:
    page = sign_in(open_tab(), short_lived, "bob", path="/app/accounts/bob")
    live = page.get_by_test_id("live-status")
    expect(live).to_have_attribute("data-state", "live")
    first = page.evaluate("JSON.parse(sessionStorage.getItem('ledger.session')).token")
    deadline = time.monotonic() + 25
    while page.evaluate("JSON.parse(sessionStorage.getItem('ledger.session')).token") == first:
        assert time.monotonic() < deadline, "the token was not renewed"
        time.sleep(0.5)
    expect(live).to_have_attribute("data-state", "live", timeout=10_000)
    before = short_lived.balance("bob")
    short_lived.transfer("alice", "bob", "0.42", "after renewal")
    expect(page.get_by_test_id("account-balance")).to_have_text(
        money(before + Decimal("0.42")), timeout=15_000
    )
    expect(
        page.get_by_test_id("history").locator(":scope > li", has_text="after renewal")
    ).to_have_count(1)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
