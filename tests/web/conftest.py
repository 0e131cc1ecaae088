"""Browser tests of the web app: Debian's Chromium driven by Playwright against a real
`ledger serve --embedded --demo` (embedded DynamoDB, development sign-in, demo accounts of
alice, bob and carol). `make test` installs Chromium (scripts/ensure-chromium.sh) and builds
the app.

Every page fails its test on a console error or an uncaught exception (a CSP violation is
one), and each screen is photographed into build/web-screenshots/ and scanned with axe-core.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.e2e import test_serve_cli as serve_cli

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "build" / "web-screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass
class Ledger:
    """The server under test, and an API client for arranging and checking what the
    browser shows."""

    url: str
    _tokens: dict[tuple[str, bool], str] = field(default_factory=dict)

    def token(self, subject: str, *, operator: bool = False) -> str:
        key = (subject, operator)
        if key not in self._tokens:
            response = httpx.post(
                f"{self.url}/auth/dev-token",
                json={"subject": subject, "operator": operator},
                timeout=10,
            )
            assert response.status_code == 200, response.text
            self._tokens[key] = response.json()["token"]
        return self._tokens[key]

    def graphql(
        self, query: str, *, as_: str = "ops", operator: bool = True, **variables: Any
    ) -> Any:
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token(as_, operator=operator)}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def balance(self, account_id: str) -> Decimal:
        data = self.graphql("query($id: ID!) { account(id: $id) { balance } }", id=account_id)
        return Decimal(data["account"]["balance"])

    def transfer(
        self, source: str, destination: str, amount: str, memo: str, *, as_: str | None = None
    ) -> None:
        """Move money as the source's holder (or `as_`, an operator)."""
        data = self.graphql(
            "mutation($input: TransferInput!) { transfer(input: $input) {"
            " transfer { id } userErrors { code message } } }",
            input={
                "fromAccountId": source,
                "toAccountId": destination,
                "amount": amount,
                "memo": memo,
                "idempotencyKey": str(uuid.uuid4()),
            },
            as_=as_ or source,
            operator=as_ is not None,
        )
        assert data["transfer"]["userErrors"] == [], data


@contextmanager
def ledger_serve(home: Path, **env: str) -> Iterator[str]:
    """`ledger serve --demo` as a user starts it (plus `env`), until ready; yields its URL."""
    with serve_cli.ledger_serve(home, "--embedded", "--demo", env=env) as (url, _log):
        page = httpx.get(url + "/app/", timeout=10)
        assert page.status_code == 200, f"the web app is not built (make web): {page.text}"
        yield url


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """`ledger serve --demo` in embedded mode (development sign-in), one per test module; or
    the running service at LEDGER_WEB_TEST_URL (with the demo data and development sign-in)."""
    external = os.environ.get("LEDGER_WEB_TEST_URL")
    if external:
        yield Ledger(external.rstrip("/"))
        return
    with ledger_serve(tmp_path_factory.mktemp("serve")) as url:
        probe = httpx.post(
            url + "/auth/dev-token", json={"subject": "probe", "operator": False}, timeout=10
        )
        if probe.status_code == 404:
            pytest.skip(
                "waiting on the backend: POST /auth/dev-token answers 404 (identity not wired)"
            )
        yield Ledger(url)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does)")
    # Playwright gives each launch a fresh temporary --user-data-dir.
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class Tab:
    """A page whose console errors fail the test."""

    page: Page
    context: BrowserContext
    errors: list[str]
    tolerated: list[str] = field(default_factory=list)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(t in e for t in self.tolerated)]


OpenTab = Callable[..., Tab]


@pytest.fixture
def open_tab(browser: Browser) -> Iterator[OpenTab]:
    """Open a tab (each in its own browser context, like a separate person or device)."""
    tabs: list[Tab] = []

    def open_(viewport: str = "desktop") -> Tab:
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], locale="en-US", timezone_id="UTC"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        tab = Tab(page, context, [])
        page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
        page.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
        tabs.append(tab)
        return tab

    yield open_
    problems = {i: tab.unexpected_errors() for i, tab in enumerate(tabs)}
    for tab in tabs:
        tab.context.close()
    assert not any(problems.values()), f"console errors: {problems}"


def sign_in(
    tab: Tab, ledger: Ledger, subject: str, *, operator: bool = False, path: str = "/app/"
) -> Page:
    """Development sign-in through the form (typing the subject), landing on `path`."""
    page = tab.page
    page.goto(ledger.url + path)
    page.get_by_label("Subject").fill(subject)
    if operator:
        page.get_by_label("Operator").check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_test_id("subject").filter(has_text=subject).wait_for()
    return page


def money(amount: Decimal) -> str:
    """en-US dollars as Intl.NumberFormat prints them, from an exact Decimal."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def screenshot(page: Page, name: str, viewport: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{viewport}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations (WCAG 2.1 A/AA and best practices).

    axe is evaluated through the DevTools protocol: an injected <script> would be refused by
    the page's own CSP, which is the point of the CSP."""
    page.evaluate(AXE.read_text("utf-8"))
    result = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag',
                      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
