"""The ECB provider through the whole app (uvicorn, the embedded DynamoDB endpoint): quotes from
a local server's real-format document; stale rates and an unreachable provider refuse quotes
with a clear typed error while plain transfers, and quotes already given, still book."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from entrypoints.app import create_app
from tests.documents import TRANSFER
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.fx.conftest import RatesServer, daily_xml
from tests.fx_documents import CREATE_IN, EXCHANGE, QUOTE, exchange_input, quote_input


@contextmanager
def app_on(endpoint: str, rates: RatesServer, **overrides: Any) -> Iterator[Api]:
    settings = e2e_settings(endpoint, fx_provider="ecb", fx_rates_url=rates.url, **overrides)
    with serving(create_app(settings)) as url:
        api = Api(url, settings)
        for account_id, currency, balance in (
            ("usd", "USD", "200.00"),
            ("usd2", "USD", "0"),
            ("eur", "EUR", "0"),
        ):
            created = api.data(
                CREATE_IN, input={"id": account_id, "currency": currency, "initialBalance": balance}
            )
            assert created["createAccount"]["userErrors"] == []
        yield api


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def plain_transfer_works(api: Api, key: str) -> None:
    variables = {
        "input": {
            "fromAccountId": "usd",
            "toAccountId": "usd2",
            "amount": "1.00",
            "idempotencyKey": key,
        }
    }
    payload = api.data(TRANSFER, **variables)["transfer"]
    assert payload["userErrors"] == []


def quote_errors(api: Api) -> list[dict[str, Any]]:
    payload = api.data(QUOTE, **quote_input("USD", "EUR", "10.00"))["quote"]
    assert payload["quote"] is None
    return list(payload["userErrors"])


def test_quotes_come_from_the_http_provider(
    dynamodb_endpoint: str, rates_server: RatesServer
) -> None:
    rates_server.body = daily_xml(days_ago(0))
    with app_on(dynamodb_endpoint, rates_server) as api:
        payload = api.data(QUOTE, **quote_input("USD", "EUR", "108.42"))["quote"]
        assert payload["userErrors"] == []
        quote = payload["quote"]
        # The fixture's USD rate against EUR: the cross rate is its inverse, to 10 digits.
        usd = Decimal("1.0842")  # the fixture's <Cube currency='USD' rate='1.0842'/>
        assert Decimal(quote["rate"]) <= 1 / usd
        assert Decimal(quote["targetAmount"]) == Decimal("99.99")
        assert rates_server.hits == 1
        booked = api.data(EXCHANGE, **exchange_input("usd", "eur", "108.42", quote["id"]))
        assert booked["transfer"]["userErrors"] == []
        # The cache serves the next quotes without a fetch.
        api.data(QUOTE, **quote_input("EUR", "USD", "1"))
        assert rates_server.hits == 1


def test_stale_rates_refuse_quotes_not_transfers(
    dynamodb_endpoint: str, rates_server: RatesServer
) -> None:
    rates_server.body = daily_xml(days_ago(10))
    with app_on(dynamodb_endpoint, rates_server) as api:
        [error] = quote_errors(api)
        assert error["code"] == "RATES_STALE"
        assert days_ago(10) in error["message"]
        plain_transfer_works(api, "stale-1")


def test_a_provider_going_down_keeps_quoting_from_fresh_cached_rates(
    dynamodb_endpoint: str, rates_server: RatesServer
) -> None:
    rates_server.body = daily_xml(days_ago(0))
    with app_on(dynamodb_endpoint, rates_server, fx_refresh_seconds=0.001) as api:
        given = api.data(QUOTE, **quote_input("USD", "EUR", "10.00"))["quote"]["quote"]
        rates_server.stop()
        # Refetched in the background (and failing) while the cached table is still fresh.
        again = api.data(QUOTE, **quote_input("USD", "EUR", "10.00"))["quote"]
        assert again["userErrors"] == []
        assert again["quote"]["rate"] == given["rate"]
        plain_transfer_works(api, "down-1")
        # A quote given before the outage books: booking never reads rates.
        booked = api.data(EXCHANGE, **exchange_input("usd", "eur", "10.00", given["id"]))
        assert booked["transfer"]["userErrors"] == []


def test_a_provider_down_from_the_start_refuses_quotes_clearly(
    dynamodb_endpoint: str, rates_server: RatesServer
) -> None:
    rates_server.stop()
    with app_on(dynamodb_endpoint, rates_server) as api:
        [error] = quote_errors(api)
        assert error["code"] == "RATES_UNAVAILABLE"
        assert error["message"] == (
            "exchange rates are unavailable (provider unreachable): try again later"
        )
        plain_transfer_works(api, "down-2")
