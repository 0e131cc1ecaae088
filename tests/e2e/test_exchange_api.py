"""The exchange over HTTP on a real socket: quote, then transfer with the quote; the four
entries in history; ledgerTotals unchanged; every bad input a typed userError that writes
nothing."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import pytest

from tests.documents import TRANSFER
from tests.e2e.conftest import Api
from tests.fx_documents import (
    CREATE_IN,
    EXCHANGE,
    HISTORY,
    QUOTE,
    TOTALS,
    exchange_input,
    quote_input,
)
from tests.helpers import table_items


def snapshot(api: Api) -> list[dict[str, Any]]:
    items = asyncio.run(table_items(api.settings))
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


@pytest.fixture
def accounts(api: Api) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    ids = {}
    for name, currency, balance in (
        ("usd", "USD", "100.00"),
        ("eur", "EUR", "0"),
        ("jpy", "JPY", "5000"),
        ("kwd", "KWD", "10.000"),
        ("usd2", "USD", "0"),
    ):
        ids[name] = f"{name}-{tag}"
        created = api.data(
            CREATE_IN, input={"id": ids[name], "currency": currency, "initialBalance": balance}
        )
        assert created["createAccount"]["userErrors"] == []
    return ids


def quote(api: Api, *args: str) -> dict[str, Any]:
    payload = api.data(QUOTE, **quote_input(*args))["quote"]
    assert payload["userErrors"] == [], payload
    return dict(payload["quote"])


def test_quote_then_transfer_books_four_entries_and_keeps_totals(
    api: Api, accounts: dict[str, str]
) -> None:
    totals = api.data(TOTALS)["ledgerTotals"]
    q = quote(api, "USD", "JPY", "25.00")
    assert (q["fromCurrency"], q["toCurrency"], q["sourceAmount"]) == ("USD", "JPY", "25.00")
    assert "." not in q["targetAmount"]  # JPY has no minor unit
    rate = Decimal(q["rate"])
    assert 0 <= Decimal("25.00") * rate - Decimal(q["targetAmount"]) < 1

    booked = api.data(
        EXCHANGE, **exchange_input(accounts["usd"], accounts["jpy"], "25.00", q["id"], key="k1")
    )
    payload = booked["transfer"]
    assert payload["userErrors"] == []
    leg = payload["transfer"]
    assert (leg["fromAccountId"], leg["toAccountId"], leg["amount"]) == (
        accounts["usd"],
        "fx:USD",
        "25.00",
    )
    assert leg["exchange"] == {
        "rate": q["rate"],
        "counterAmount": q["targetAmount"],
        "counterCurrency": "JPY",
        "quoteId": q["id"],
    }
    usd = api.data(HISTORY, id=accounts["usd"])["account"]
    jpy = api.data(HISTORY, id=accounts["jpy"])["account"]
    assert usd["balance"] == "75.00"
    assert Decimal(jpy["balance"]) == 5000 + Decimal(q["targetAmount"])
    [debit, _opening] = [e["node"] for e in usd["transactions"]["edges"]]
    assert debit["exchange"]["counterAmount"] == q["targetAmount"]
    assert debit["counterpartyId"] == "fx:USD"
    credit = jpy["transactions"]["edges"][0]["node"]
    assert credit["exchange"] == {
        "rate": q["rate"],
        "counterAmount": "25.00",
        "counterCurrency": "USD",
        "quoteId": q["id"],
    }
    for liquidity in ("fx:USD", "fx:JPY"):
        account = api.data(HISTORY, id=liquidity)["account"]
        assert account["transactions"]["edges"][0]["node"]["exchange"]["quoteId"] == q["id"]
    assert api.data(TOTALS)["ledgerTotals"] == totals
    # A replay returns the original; the used quote cannot book again.
    again = api.data(
        EXCHANGE, **exchange_input(accounts["usd"], accounts["jpy"], "25.00", q["id"], key="k1")
    )
    assert again["transfer"]["userErrors"] == []
    assert again["transfer"]["transfer"]["id"] == leg["id"]
    used = api.data(
        EXCHANGE, **exchange_input(accounts["usd"], accounts["jpy"], "25.00", q["id"], key="other")
    )["transfer"]
    assert [e["code"] for e in used["userErrors"]] == ["QUOTE_USED"]


def test_a_target_fixed_quote_in_three_decimals(api: Api, accounts: dict[str, str]) -> None:
    q = quote(api, "KWD", "EUR", "12.34", "TARGET")
    assert q["targetAmount"] == "12.34"
    assert len(q["sourceAmount"].split(".")[1]) == 3
    source = Decimal(q["sourceAmount"])
    assert 0 <= source - Decimal("12.34") / Decimal(q["rate"]) < Decimal("0.001")
    booked = api.data(
        EXCHANGE, **exchange_input(accounts["kwd"], accounts["eur"], q["sourceAmount"], q["id"])
    )["transfer"]
    assert booked["userErrors"] == []
    assert api.data(HISTORY, id=accounts["eur"])["account"]["balance"] == "12.34"


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (("USD", "XYZ", "1"), "INVALID_INPUT", "toCurrency"),
        (("US", "EUR", "1"), "INVALID_INPUT", "fromCurrency"),
        (("USD", "USD", "1"), "INVALID_INPUT", "toCurrency"),
        (("USD", "EUR", "0"), "INVALID_AMOUNT", "amount"),
        (("USD", "EUR", "-5"), "INVALID_AMOUNT", "amount"),
        (("USD", "EUR", "1.001"), "INVALID_AMOUNT", "amount"),
        (("USD", "JPY", "1.5", "TARGET"), "INVALID_AMOUNT", "amount"),
        (("USD", "EUR", "1" + "0" * 30), "INVALID_AMOUNT", "amount"),
        (("USD", "BRL", "1"), "RATE_NOT_FOUND", "toCurrency"),
        (("XAU", "USD", "1"), "INVALID_INPUT", "fromCurrency"),
    ],
)
def test_bad_quotes_are_typed_and_write_nothing(
    api: Api, accounts: dict[str, str], args: tuple[str, ...], code: str, field: str
) -> None:
    before = snapshot(api)
    payload = api.data(QUOTE, **quote_input(*args))["quote"]
    assert payload["quote"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", field]), error
    assert snapshot(api) == before


def test_bad_exchanges_are_typed_and_write_nothing(api: Api, accounts: dict[str, str]) -> None:
    q = quote(api, "USD", "EUR", "10.00")
    cases = [
        ((accounts["usd"], accounts["eur"], "10.01", q["id"]), "QUOTE_MISMATCH", "amount"),
        ((accounts["usd"], accounts["jpy"], "10.00", q["id"]), "QUOTE_MISMATCH", "toAccountId"),
        ((accounts["jpy"], accounts["eur"], "10.00", q["id"]), "QUOTE_MISMATCH", "fromAccountId"),
        ((accounts["usd"], accounts["usd2"], "10.00", q["id"]), "QUOTE_MISMATCH", "toAccountId"),
        ((accounts["usd"], accounts["eur"], "10.00", "01J000000000000000UNKNOWN0"),
         "QUOTE_NOT_FOUND", "quoteId"),
        ((accounts["usd"], "nobody", "10.00", q["id"]), "ACCOUNT_NOT_FOUND", "toAccountId"),
        ((accounts["usd"], "fx:EUR", "10.00", q["id"]), "INVALID_INPUT", "toAccountId"),
        ((accounts["usd"], accounts["eur"], "0", q["id"]), "INVALID_AMOUNT", "amount"),
    ]  # fmt: skip
    before = snapshot(api)
    for args, code, field in cases:
        payload = api.data(EXCHANGE, **exchange_input(*args))["transfer"]
        assert payload["transfer"] is None
        [error] = payload["userErrors"]
        assert (error["code"], error["field"]) == (code, ["input", field]), (args, error)
    assert snapshot(api) == before
    # Not enough money: refused, and the quote stays usable.
    big = quote(api, "USD", "EUR", "100.01")
    before = snapshot(api)
    payload = api.data(
        EXCHANGE, **exchange_input(accounts["usd"], accounts["eur"], "100.01", big["id"])
    )
    assert [e["code"] for e in payload["transfer"]["userErrors"]] == ["INSUFFICIENT_FUNDS"]
    assert snapshot(api) == before


def test_plain_transfers_across_currencies_are_still_refused(
    api: Api, accounts: dict[str, str]
) -> None:
    before = snapshot(api)
    variables = {
        "input": {
            "fromAccountId": accounts["usd"],
            "toAccountId": accounts["eur"],
            "amount": "1.00",
            "idempotencyKey": "plain",
        }
    }
    payload = api.data(TRANSFER, **variables)["transfer"]
    assert [e["code"] for e in payload["userErrors"]] == ["CURRENCY_MISMATCH"]
    assert snapshot(api) == before


def test_liquidity_account_ids_are_reserved(api: Api) -> None:
    created = api.data(CREATE_IN, input={"id": "fx:GBP", "currency": "GBP"})
    assert created["createAccount"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": ["input", "id"]}
    ]
