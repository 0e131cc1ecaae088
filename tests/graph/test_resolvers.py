"""Resolver logic through the schema: queries, mutations, userErrors, the entry connection."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services import Ledger
from services.ledger.cursor import encode_cursor
from tests.documents import CREATE, TRANSFER
from tests.graph.conftest import Executor

ACCOUNT = """
query($id: ID!) { account(id: $id) { id balance currency email phone createdAt } }
"""
HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  account(id: $id) {
    transactions(first: $first, after: $after) {
      edges { cursor node { id transferId accountId counterpartyId direction amount
                             balanceAfter currency memo createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""


async def test_account_fields_print_currency_places(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance(
        "alice", 100, email="alice@example.com", phone="+14155550100"
    )
    await ledger.create_account_with_balance("yen", "5000", currency="JPY")
    data = await gql.data(ACCOUNT, id="alice")
    assert data["account"]["balance"] == "100.00"
    assert data["account"]["currency"] == "USD"
    assert data["account"]["email"] == "alice@example.com"
    assert data["account"]["phone"] == "+14155550100"
    assert data["account"]["createdAt"].endswith("Z")
    assert (await gql.data(ACCOUNT, id="yen"))["account"]["balance"] == "5000"
    assert (await gql.data(ACCOUNT, id="nobody"))["account"] is None
    assert (await gql.data(ACCOUNT, id="not an id!"))["account"] is None


async def test_accounts_keep_order_with_nulls_and_missing(gql: Executor, ledger: Ledger) -> None:
    for name in ("a", "b"):
        await ledger.create_account_with_balance(name, 1)
    data = await gql.data(
        'query { accounts(ids: ["b", "x", "a", "b"]) { id }'
        ' missingAccounts(ids: ["b", "x", "a", "y", "x"]) }'
    )
    assert data["accounts"] == [{"id": "b"}, None, {"id": "a"}, {"id": "b"}]
    assert data["missingAccounts"] == ["x", "y"]


async def test_too_many_ids_is_an_input_error(gql: Executor) -> None:
    result = await gql("query($ids: [ID!]!) { accounts(ids: $ids) { id } }", ids=["a"] * 101)
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INVALID_INPUT", "field": ["ids"]}


async def test_transfer_and_its_accounts(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    data = await gql.data(
        TRANSFER,
        input={
            "fromAccountId": "alice",
            "toAccountId": "bob",
            "amount": "12.5",
            "memo": "lunch",
            "idempotencyKey": "k1",
        },
    )
    payload = data["transfer"]
    assert payload["userErrors"] == []
    moved = payload["transfer"]
    assert moved["amount"] == "12.50"
    assert moved["fromAccount"] == {"id": "alice", "balance": "87.50"}
    assert moved["toAccount"] == {"id": "bob", "balance": "12.50"}
    assert moved["idempotencyKey"] == "k1"
    fetched = await gql.data(
        "query($id: ID!) { transfer(id: $id) { id amount memo } }", id=moved["id"]
    )
    assert fetched["transfer"] == {"id": moved["id"], "amount": "12.50", "memo": "lunch"}
    assert (await gql.data('{ transfer(id: "nope") { id } }'))["transfer"] is None


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"fromAccountId": "ghost"}, "ACCOUNT_NOT_FOUND", ["input", "fromAccountId"]),
        ({"toAccountId": "ghost"}, "ACCOUNT_NOT_FOUND", ["input", "toAccountId"]),
        ({"amount": "1000.01"}, "INSUFFICIENT_FUNDS", ["input", "amount"]),
        ({"amount": "1.005"}, "INVALID_AMOUNT", ["input", "amount"]),
        ({"amount": "0"}, "INVALID_AMOUNT", ["input", "amount"]),
        ({"amount": "-1"}, "INVALID_AMOUNT", ["input", "amount"]),
        ({"toAccountId": "alice"}, "SAME_ACCOUNT", ["input", "toAccountId"]),
        ({"toAccountId": "euro"}, "CURRENCY_MISMATCH", ["input", "toAccountId"]),
        (
            {"idempotencyKey": "used", "amount": "2"},
            "IDEMPOTENCY_CONFLICT",
            ["input", "idempotencyKey"],
        ),
        ({"memo": "x" * 300}, "INVALID_INPUT", ["input", "memo"]),
    ],
)
async def test_transfer_user_errors(
    gql: Executor, ledger: Ledger, overrides: dict[str, str], code: str, field: list[str]
) -> None:
    await ledger.create_account_with_balance("alice", "1000.00")
    await ledger.create_account_with_balance("bob", "0")
    await ledger.create_account_with_balance("euro", "0", currency="EUR")
    await ledger.transfer_credits("alice", "bob", "1", idempotency_key="used")
    before = [await ledger.get_account(i) for i in ("alice", "bob", "euro")]
    request = {
        "fromAccountId": "alice",
        "toAccountId": "bob",
        "amount": "1.00",
        "idempotencyKey": "fresh",
        **overrides,
    }
    payload = (await gql.data(TRANSFER, input=request))["transfer"]
    assert payload["transfer"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["userErrors"][0]["message"]
    assert [await ledger.get_account(i) for i in ("alice", "bob", "euro")] == before


async def test_create_account(gql: Executor) -> None:
    data = await gql.data(
        CREATE, input={"id": "new", "initialBalance": "10.5", "currency": "eur", "email": "A@x.io"}
    )
    assert data["createAccount"]["userErrors"] == []
    account = data["createAccount"]["account"]
    assert (account["id"], account["balance"], account["currency"]) == ("new", "10.50", "EUR")
    default = (await gql.data(CREATE, input={"id": "zero"}))["createAccount"]["account"]
    assert (default["balance"], default["currency"]) == ("0.00", "USD")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"id": "taken"}, "ACCOUNT_EXISTS", ["input", "id"]),
        ({"id": "bad id!"}, "INVALID_INPUT", ["input", "id"]),
        ({"initialBalance": "-1"}, "INVALID_AMOUNT", ["input", "initialBalance"]),
        ({"initialBalance": "0.001"}, "INVALID_AMOUNT", ["input", "initialBalance"]),
        ({"currency": "XYZ"}, "INVALID_INPUT", ["input", "currency"]),
        ({"email": "not-an-email"}, "INVALID_INPUT", ["input", "email"]),
        ({"phone": "4155550100"}, "INVALID_INPUT", ["input", "phone"]),
    ],
)
async def test_create_account_user_errors(
    gql: Executor, ledger: Ledger, overrides: dict[str, str], code: str, field: list[str]
) -> None:
    await ledger.create_account_with_balance("taken", "5")
    payload = (await gql.data(CREATE, input={"id": "fresh", **overrides}))["createAccount"]
    assert payload["account"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert await ledger.check_users_exist(["fresh"]) == ["fresh"]
    assert (await ledger.get_account("taken")).balance == Decimal("5.00")


async def test_connection_pages_newest_first(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("busy", "100.00")
    await ledger.create_account_with_balance("other", "0")
    for n in range(11):
        await ledger.transfer_credits("busy", "other", "1.00", memo=f"n{n}")
    seen: list[str] = []
    after = None
    pages = []
    while True:
        data = await gql.data(HISTORY, id="busy", first=5, after=after)
        connection = data["account"]["transactions"]
        pages.append(connection["pageInfo"])
        for edge in connection["edges"]:
            assert edge["node"]["accountId"] == "busy"
            seen.append(edge["node"]["id"])
        if connection["edges"]:
            assert connection["pageInfo"]["startCursor"] == connection["edges"][0]["cursor"]
            assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 12  # opening balance + 11 debits, each once
    assert [p["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["hasNextPage"] for p in pages] == [True, True, False]
    first = (await gql.data(HISTORY, id="busy", first=12))["account"]["transactions"]
    nodes = [edge["node"] for edge in first["edges"]]
    assert [n["memo"] for n in nodes[:2]] == ["n10", "n9"]
    assert nodes[0]["balanceAfter"] == "89.00"
    assert nodes[0]["direction"] == "DEBIT"
    assert nodes[0]["counterpartyId"] == "other"
    assert nodes[-1]["direction"] == "CREDIT"
    assert nodes[-1]["counterpartyId"] is None
    assert first["edges"][0]["cursor"] == encode_cursor("busy", 12)


@pytest.mark.parametrize(
    ("first", "after", "field"),
    [(0, None, "first"), (101, None, "first"), (-1, None, "first"), (5, "garbage", "after")],
)
async def test_connection_arguments_are_checked(
    gql: Executor, ledger: Ledger, first: int, after: str | None, field: str
) -> None:
    await ledger.create_account_with_balance("busy", "1.00")
    result = await gql(HISTORY, id="busy", first=first, after=after)
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "INVALID_INPUT", "field": [field]}


async def test_empty_history(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("quiet", "0")
    data = await gql.data(HISTORY, id="quiet", first=None)
    assert data["account"]["transactions"] == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
