"""Who may quote, exchange, read ledgerTotals and see LedgerEntry.exchange, over HTTP with a
real OIDC issuer: anonymous callers get 401, a holder exchanges from its own accounts only
and never reads totals or liquidity accounts, operators do everything; refusals write nothing."""

# The fixtures are test_access.py's, imported by name: parameters re-bind them on purpose.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_access import World, issued, snapshot, world  # noqa: F401
from tests.fx_documents import (
    CREATE_IN,
    EXCHANGE,
    HISTORY,
    QUOTE,
    TOTALS,
    exchange_input,
    quote_input,
)


@pytest.fixture
def euros(world: World, uid: Callable[[str], str]) -> dict[str, str]:
    """An EUR account for alice and one for bob (opened empty by the operator)."""
    ids = {"alice": uid("alice-eur"), "bob": uid("bob-eur")}
    for name, caller in (("alice", world.alice), ("bob", world.bob)):
        created = caller.data(CREATE_IN, input={"id": ids[name], "currency": "EUR"})
        assert created["createAccount"]["userErrors"] == [], created
    return ids


def quote_id(world: World, amount: str = "10.00") -> str:
    payload = world.alice.data(QUOTE, **quote_input("USD", "EUR", amount))["quote"]
    assert payload["userErrors"] == []
    return str(payload["quote"]["id"])


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (QUOTE, quote_input("USD", "EUR", "1")),
        (EXCHANGE, exchange_input("a", "b", "1", "q")),
        (TOTALS, {}),
    ],
    ids=["quote", "exchange", "totals"],
)
def test_anonymous_gets_401(world: World, query: str, variables: dict[str, object]) -> None:
    before = snapshot(world)
    response = world.anonymous.post(query, **variables)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert snapshot(world) == before


def test_any_holder_may_quote(world: World) -> None:
    for caller in (world.alice, world.bob, world.ops):
        payload = caller.data(QUOTE, **quote_input("EUR", "USD", "5", "TARGET"))["quote"]
        assert payload["userErrors"] == []
        assert payload["quote"]["targetAmount"] == "5.00"


def test_a_holder_exchanges_from_its_own_account_only(world: World, euros: dict[str, str]) -> None:
    ids = world.ids
    q = quote_id(world)
    before = snapshot(world)
    for source, destination in ((ids["bob"], euros["alice"]), (ids["vault"], euros["alice"])):
        payload = world.alice.data(EXCHANGE, **exchange_input(source, destination, "10.00", q))
        [error] = payload["transfer"]["userErrors"]
        assert (error["code"], error["field"]) == ("ACCOUNT_NOT_FOUND", ["input", "fromAccountId"])
    assert snapshot(world) == before
    # Alice pays from her own account into anyone's account of the quoted currency.
    paid = world.alice.data(EXCHANGE, **exchange_input(ids["alice"], euros["bob"], "10.00", q))
    assert paid["transfer"]["userErrors"] == []
    assert world.alice.data(HISTORY, id=ids["alice"])["account"]["balance"] == "90.00"
    bobs = world.bob.data(HISTORY, id=euros["bob"])["account"]
    [credit] = [edge["node"] for edge in bobs["transactions"]["edges"]]
    assert credit["exchange"]["quoteId"] == q
    assert credit["exchange"]["counterAmount"] == "10.00"
    assert credit["counterpartyId"] == "fx:EUR"


def test_entries_and_liquidity_accounts_are_seen_by_whom_they_concern(
    world: World, euros: dict[str, str]
) -> None:
    ids = world.ids
    q = quote_id(world)
    paid = world.alice.data(EXCHANGE, **exchange_input(ids["alice"], euros["alice"], "10.00", q))
    assert paid["transfer"]["userErrors"] == []
    mine = world.alice.data(HISTORY, id=euros["alice"])["account"]
    assert mine["transactions"]["edges"][0]["node"]["exchange"]["quoteId"] == q
    # Bob sees neither alice's accounts nor the bank's liquidity; an operator sees both.
    assert world.bob.data(HISTORY, id=euros["alice"])["account"] is None
    assert world.alice.data(HISTORY, id="fx:EUR")["account"] is None
    liquidity = world.ops.data(HISTORY, id="fx:EUR")["account"]
    assert liquidity["currency"] == "EUR"
    assert liquidity["transactions"]["edges"][0]["node"]["exchange"]["counterCurrency"] == "USD"


def test_ledger_totals_are_for_operators(world: World) -> None:
    for holder in (world.alice, world.bob):
        [error] = holder.errors(TOTALS)
        assert error["extensions"]["code"] == "FORBIDDEN"
    totals = {t["currency"]: t["total"] for t in world.ops.data(TOTALS)["ledgerTotals"]}
    assert "USD" in totals
