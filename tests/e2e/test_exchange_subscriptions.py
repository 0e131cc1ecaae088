"""`balanceChanged` shows an exchange's other side: through a real socket, the stream worker
inside the app, both sides of the exchange each see their entry with its `exchange`."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.e2e.live import TRANSPORT_WS, GraphQLSocket, until
from tests.e2e.test_subscriptions import LiveApi, data, http, live  # noqa: F401
from tests.fx_documents import CREATE_IN, EXCHANGE, QUOTE, exchange_input, quote_input

WITH_EXCHANGE = """
subscription($id: ID!) {
  balanceChanged(accountId: $id) {
    balance version
    entry { amount currency counterpartyId exchange { rate counterAmount counterCurrency quoteId } }
  }
}
"""


async def test_both_sides_of_an_exchange_see_it_live(
    live: LiveApi,  # noqa: F811
    http: httpx.AsyncClient,  # noqa: F811
    uid: Callable[[str], str],
) -> None:
    payer, payee = uid("usd"), uid("eur")
    for account_id, currency, balance in ((payer, "USD", "100.00"), (payee, "EUR", "0")):
        created = await data(
            http,
            CREATE_IN,
            input={"id": account_id, "currency": currency, "initialBalance": balance},
        )
        assert created["createAccount"]["userErrors"] == []
    async with GraphQLSocket.open(live.url, TRANSPORT_WS) as socket:
        await socket.start("pay", WITH_EXCHANGE, id=payer)
        await socket.start("get", WITH_EXCHANGE, id=payee)
        await until(lambda: all(live.hub.subscriber_count(a) == 1 for a in (payer, payee)))
        quote = (await data(http, QUOTE, **quote_input("USD", "EUR", "10.00")))["quote"]["quote"]
        booked = await data(http, EXCHANGE, **exchange_input(payer, payee, "10.00", quote["id"]))
        assert booked["transfer"]["userErrors"] == []
        [paid] = await socket.changes("pay", 1)
        [got] = await socket.changes("get", 1)
    assert paid["balance"] == "90.00"
    assert paid["entry"]["counterpartyId"] == "fx:USD"
    assert paid["entry"]["exchange"] == {
        "rate": quote["rate"],
        "counterAmount": quote["targetAmount"],
        "counterCurrency": "EUR",
        "quoteId": quote["id"],
    }
    assert got["balance"] == quote["targetAmount"]
    assert got["entry"]["exchange"]["counterAmount"] == "10.00"
    assert got["entry"]["exchange"]["counterCurrency"] == "USD"
