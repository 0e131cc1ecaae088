"""Quotes and exchanges spend the principal's transfer budget (LEDGER_RATE_LIMIT_TRANSFERS):
a quote writes an item, so a flood of them is throttled like a flood of transfers."""

# The fixture is test_rate_limits.py's, imported by name.
# ruff: noqa: F811

from __future__ import annotations

import uuid

from tests.e2e.conftest import Api
from tests.e2e.test_rate_limits import TRANSFERS_PER_MINUTE, limited, post  # noqa: F401
from tests.fx_documents import QUOTE, quote_input
from tests.support.oidc_issuer import OidcIssuer


def test_a_flood_of_quotes_is_throttled_to_the_transfer_budget(
    limited: tuple[Api, OidcIssuer],
) -> None:
    api, issuer = limited
    flooder = issuer.token(f"quoter-{uuid.uuid4().hex[:8]}")
    codes = []
    for _ in range(TRANSFERS_PER_MINUTE + 3):
        body = post(api, flooder, QUOTE, **quote_input("USD", "EUR", "1.00")).json()
        if body.get("errors"):
            codes.append(body["errors"][0]["extensions"]["code"])
        else:
            assert body["data"]["quote"]["userErrors"] == []
            codes.append("OK")
    assert codes.count("OK") == TRANSFERS_PER_MINUTE
    assert codes[-3:] == ["RATE_LIMITED"] * 3
    other = issuer.token(f"quoter-{uuid.uuid4().hex[:8]}")
    body = post(api, other, QUOTE, **quote_input("USD", "EUR", "1.00")).json()
    assert body["data"]["quote"]["userErrors"] == []
