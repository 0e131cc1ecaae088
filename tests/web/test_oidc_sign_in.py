"""Sign-in with a configured OIDC issuer: the authorization code flow with PKCE in the
browser, the access token then accepted by the API on HTTP and on the websocket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.oidc_issuer import AUDIENCE
from tests.web.conftest import OpenTab, ledger_serve
from tests.web.oidc_provider import CLIENT_ID, Provider, running_provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def oidc_ledger(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[str]:
    env = {
        "LEDGER_AUTH_ISSUER": provider.url,
        "LEDGER_AUTH_AUDIENCE": AUDIENCE,
        "LEDGER_WEB_CLIENT_ID": CLIENT_ID,
    }
    with ledger_serve(tmp_path_factory.mktemp("serve-oidc"), **env) as url:
        config = httpx.get(url + "/app/config.json", timeout=10).json()
        if config["mode"] != "oidc":
            pytest.skip("waiting on the backend: /app/config.json does not report the issuer")
        yield url


def test_sign_in_with_the_issuer_using_pkce(
    oidc_ledger: str, provider: Provider, open_tab: OpenTab
) -> None:
    provider.subject = "alice"
    page = open_tab().page
    page.goto(oidc_ledger + "/app/accounts/alice")
    page.get_by_role("button", name="Sign in").click()
    # issuer -> /app/callback -> token exchange -> back where the person started
    expect(page.get_by_test_id("account-balance")).to_be_visible()
    assert page.url == oidc_ledger + "/app/accounts/alice"
    expect(page.get_by_test_id("subject")).to_have_text("alice")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    (request,) = provider.token_requests
    assert request["grant_type"] == "authorization_code"
    assert len(request["code_verifier"]) == 43
    assert request["redirect_uri"] == oidc_ledger + "/app/callback"
