"""/metrics counts quotes and exchanges by outcome, refusals by their code."""

from __future__ import annotations

from typing import Any

from entrypoints.app import create_app
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.test_metrics import scrape, value
from tests.fx_documents import CREATE_IN, EXCHANGE, QUOTE, exchange_input, quote_input


def test_quotes_and_exchanges_are_counted_by_outcome(dynamodb_endpoint: str, uid: Any) -> None:
    payer, payee = uid("usd"), uid("eur")
    with serving(create_app(e2e_settings(dynamodb_endpoint))) as url:
        api = Api(url, e2e_settings(dynamodb_endpoint))
        for account_id, currency, balance in ((payer, "USD", "50.00"), (payee, "EUR", "0")):
            api.data(
                CREATE_IN, input={"id": account_id, "currency": currency, "initialBalance": balance}
            )
        _, before = scrape(url)
        quote = api.data(QUOTE, **quote_input("USD", "EUR", "5.00"))["quote"]["quote"]
        refused = api.data(QUOTE, **quote_input("USD", "EUR", "0"))["quote"]["userErrors"]
        assert [e["code"] for e in refused] == ["INVALID_AMOUNT"]
        for key in ("one", "two"):
            api.data(EXCHANGE, **exchange_input(payer, payee, "5.00", quote["id"], key=key))
        _, after = scrape(url)

    def delta(name: str, outcome: str) -> float:
        return value(after, name, outcome=outcome) - value(before, name, outcome=outcome)

    assert delta("ledger_quotes_total", "given") == 1
    assert delta("ledger_quotes_total", "INVALID_AMOUNT") == 1
    assert delta("ledger_exchanges_total", "committed") == 1
    assert delta("ledger_exchanges_total", "QUOTE_USED") == 1
    assert delta("ledger_transfers_total", "committed") == 0  # plain transfers only
