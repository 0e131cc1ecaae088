"""Every query and mutation through HTTP on a real socket, with every ErrorCode."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.documents import CREATE, TRANSFER
from tests.e2e.conftest import GRAPHQL_RESPONSE_JSON, Api
from tests.helpers import table_items

HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  account(id: $id) {
    transactions(first: $first, after: $after) {
      edges { cursor node { id transferId accountId counterpartyId direction amount balanceAfter
                             currency memo createdAt transfer { id } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""


def create(api: Api, account_id: str, balance: str = "0", **extra: Any) -> dict[str, Any]:
    payload = api.data(CREATE, input={"id": account_id, "initialBalance": balance, **extra})
    assert payload["createAccount"]["userErrors"] == [], payload
    account: dict[str, Any] = payload["createAccount"]["account"]
    return account


def transfer(api: Api, source: str, destination: str, amount: Any, **extra: Any) -> Any:
    request = {
        "fromAccountId": source,
        "toAccountId": destination,
        "amount": amount,
        "idempotencyKey": uuid.uuid4().hex,
        **extra,
    }
    return api.data(TRANSFER, input=request)["transfer"]


def test_accounts_and_transfer_queries(api: Api, uid: Callable[[str], str]) -> None:
    alice, bob, ghost = uid("alice"), uid("bob"), uid("ghost")
    created = create(api, alice, "100", email="alice@example.com", phone="+14155550100")
    assert (created["balance"], created["currency"]) == ("100.00", "USD")
    assert created["createdAt"].endswith("Z")
    create(api, bob, "5.5", currency="EUR")

    data = api.data(
        "query($a: ID!, $ids: [ID!]!) { account(id: $a) { id balance email phone } "
        "accounts(ids: $ids) { id currency } missingAccounts(ids: $ids) }",
        a=alice,
        ids=[bob, ghost, alice, ghost],
    )
    assert data["account"] == {
        "id": alice,
        "balance": "100.00",
        "email": "alice@example.com",
        "phone": "+14155550100",
    }
    assert data["accounts"] == [
        {"id": bob, "currency": "EUR"},
        None,
        {"id": alice, "currency": "USD"},
        None,
    ]
    assert data["missingAccounts"] == [ghost]
    assert api.data("query($a: ID!) { account(id: $a) { id } }", a=ghost) == {"account": None}


def test_transfer_mutation(api: Api, uid: Callable[[str], str]) -> None:
    alice, bob = uid("alice"), uid("bob")
    create(api, alice, "100.00")
    create(api, bob)
    payload = transfer(api, alice, bob, "30.1", memo="rent", idempotencyKey=uid("key"))
    assert payload["userErrors"] == []
    moved = payload["transfer"]
    assert (moved["amount"], moved["currency"], moved["memo"]) == ("30.10", "USD", "rent")
    assert moved["fromAccount"] == {"id": alice, "balance": "69.90"}
    assert moved["toAccount"] == {"id": bob, "balance": "30.10"}

    fetched = api.data(
        "query($id: ID!) { transfer(id: $id) { id fromAccountId toAccountId amount } }",
        id=moved["id"],
    )
    assert fetched["transfer"] == {
        "id": moved["id"],
        "fromAccountId": alice,
        "toAccountId": bob,
        "amount": "30.10",
    }
    replay = transfer(api, alice, bob, "30.10", memo="rent", idempotencyKey=moved["idempotencyKey"])
    assert replay["transfer"]["id"] == moved["id"]
    assert api.data("query($id: ID!) { account(id: $id) { balance } }", id=bob) == {
        "account": {"balance": "30.10"}
    }


ERROR_CASES = [
    ("transfer", {"fromAccountId": "ghost"}, "ACCOUNT_NOT_FOUND", ["input", "fromAccountId"]),
    ("transfer", {"toAccountId": "ghost"}, "ACCOUNT_NOT_FOUND", ["input", "toAccountId"]),
    ("transfer", {"amount": "100.01"}, "INSUFFICIENT_FUNDS", ["input", "amount"]),
    ("transfer", {"amount": "1.001"}, "INVALID_AMOUNT", ["input", "amount"]),
    ("transfer", {"amount": "-5"}, "INVALID_AMOUNT", ["input", "amount"]),
    ("transfer", {"toAccountId": "alice"}, "SAME_ACCOUNT", ["input", "toAccountId"]),
    ("transfer", {"toAccountId": "euro"}, "CURRENCY_MISMATCH", ["input", "toAccountId"]),
    ("transfer", {"idempotencyKey": "used"}, "IDEMPOTENCY_CONFLICT", ["input", "idempotencyKey"]),
    ("transfer", {"memo": "\x07bell"}, "INVALID_INPUT", ["input", "memo"]),
    ("createAccount", {"id": "alice"}, "ACCOUNT_EXISTS", ["input", "id"]),
    ("createAccount", {"initialBalance": "0.005"}, "INVALID_AMOUNT", ["input", "initialBalance"]),
    ("createAccount", {"currency": "ABC"}, "INVALID_INPUT", ["input", "currency"]),
    ("createAccount", {"email": "nope@"}, "INVALID_INPUT", ["input", "email"]),
    ("createAccount", {"phone": "555-0100"}, "INVALID_INPUT", ["input", "phone"]),
    ("createAccount", {"id": "-starts-with-dash"}, "INVALID_INPUT", ["input", "id"]),
]


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, str]:
    """Accounts shared by the refusal tests, which must leave them as they are."""
    names = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("alice", "bob", "euro", "used")}
    names.update(ghost="ghost-never-created", new=f"new-{uuid.uuid4().hex[:8]}")
    create(api, names["alice"], "100.00")
    create(api, names["bob"])
    create(api, names["euro"], currency="EUR")
    transfer(api, names["alice"], names["bob"], "1", idempotencyKey=names["used"])
    return names


@pytest.mark.parametrize(("mutation", "overrides", "code", "field"), ERROR_CASES)
async def test_every_error_code_writes_nothing(
    api: Api,
    world: dict[str, str],
    mutation: str,
    overrides: dict[str, str],
    code: str,
    field: list[str],
) -> None:
    values = {k: world.get(v, v) if k != "memo" else v for k, v in overrides.items()}
    if mutation == "transfer":
        request = {
            "fromAccountId": world["alice"],
            "toAccountId": world["bob"],
            "amount": "2",
            "idempotencyKey": uuid.uuid4().hex,
        }
        query, result_field = TRANSFER, "transfer"
    else:
        request = {"id": world["new"], "initialBalance": "1"}
        query, result_field = CREATE, "account"
    before = await table_items(api.settings)

    response = api.post(query, {"input": {**request, **values}}, accept=GRAPHQL_RESPONSE_JSON)

    assert response.status_code == 200
    payload = next(iter(response.json()["data"].values()))
    assert payload[result_field] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["userErrors"][0]["message"]
    assert await table_items(api.settings) == before


def test_pagination_every_entry_once_newest_first(api: Api, uid: Callable[[str], str]) -> None:
    busy, other = uid("busy"), uid("other")
    create(api, busy, "100.00")
    create(api, other, "100.00")
    for n in range(12):
        if n % 2:
            transfer(api, busy, other, "1.00", memo=f"n{n}")
        else:
            transfer(api, other, busy, "3.00", memo=f"n{n}")
    nodes: list[dict[str, Any]] = []
    after = None
    for page_number in range(10):
        connection = api.data(HISTORY, id=busy, first=5, after=after)["account"]["transactions"]
        assert connection["pageInfo"]["hasPreviousPage"] is (page_number > 0)
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(nodes) == 13 == len({n["id"] for n in nodes})
    assert [n["memo"] for n in nodes] == [f"n{k}" for k in range(11, -1, -1)] + ["opening balance"]
    assert nodes[0]["balanceAfter"] == "112.00"  # 100 + 6 * 3 - 6 * 1
    created = [n["createdAt"] for n in nodes]
    assert created == sorted(created, reverse=True)
    assert nodes[-1]["transfer"] is None
    assert nodes[0]["transfer"] is not None


def test_connection_limits(api: Api, uid: Callable[[str], str]) -> None:
    busy = uid("busy")
    create(api, busy, "1.00")
    assert len(api.data(HISTORY, id=busy, first=100)["account"]["transactions"]["edges"]) == 1
    for first in (0, 101):
        body = api.post(HISTORY, {"id": busy, "first": first}).json()
        assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": ["first"]}
        assert "100" in body["errors"][0]["message"]
    body = api.post(HISTORY, {"id": busy, "after": "forged"}).json()
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": ["after"]}


INEXACT = [
    0.1,
    1e2,
    2.0,
    True,
    None,
    "1E+2",
    "1e-2",
    "NaN",
    "Infinity",
    "-Infinity",
    "",
    "12,50",
    " 1",
]


async def test_decimal_scalar_rejects_inexact_input(api: Api, world: dict[str, str]) -> None:
    before = await table_items(api.settings)
    for amount in INEXACT:
        request = {
            "fromAccountId": world["alice"],
            "toAccountId": world["bob"],
            "amount": amount,
            "idempotencyKey": "inexact",
        }
        response = api.post(TRANSFER, {"input": request}, accept=GRAPHQL_RESPONSE_JSON)
        assert response.status_code == 400, amount
        body = response.json()
        assert "data" not in body
        assert "amount" in body["errors"][0]["message"], amount
    assert await table_items(api.settings) == before


def test_decimal_scalar_accepts_exact_input(api: Api, uid: Callable[[str], str]) -> None:
    alice, bob = uid("alice"), uid("bob")
    create(api, alice, "100.00")
    create(api, bob)
    for amount in ("0.1", "0.2", 3, "0.70"):
        assert transfer(api, alice, bob, amount)["userErrors"] == []
    balance = api.data("query($id: ID!) { account(id: $id) { balance } }", id=bob)
    assert balance == {"account": {"balance": "4.00"}}  # 0.1 + 0.2 is exactly 0.30 here
    inline = api.data(
        f'mutation {{ transfer(input: {{fromAccountId: "{alice}", toAccountId: "{bob}", '
        'amount: 2, idempotencyKey: "inline-2"}) { transfer { amount } } }'
    )
    assert inline["transfer"]["transfer"] == {"amount": "2.00"}
