"""The core's invariants hold when many HTTP clients drive the transfer mutation at once."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.e2e.conftest import Api

TRANSFER = """
mutation($input: TransferInput!) {
  transfer(input: $input) { transfer { id amount } userErrors { code field } }
}
"""
HISTORY = """
query($id: ID!, $after: String) {
  account(id: $id) {
    balance
    transactions(first: 100, after: $after) {
      edges { node { direction amount balanceAfter } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
CLIENTS = 12


async def post(client: httpx.AsyncClient, api: Api, query: str, **variables: Any) -> Any:
    response = await client.post(api.graphql, json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def send_transfer(client: httpx.AsyncClient, api: Api, **request: Any) -> Any:
    request.setdefault("idempotencyKey", uuid.uuid4().hex)  # required: a client can retry
    return (await post(client, api, TRANSFER, input=request))["transfer"]


async def create_accounts(api: Api, ids: list[str], balance: str) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        for account_id in ids:
            created = await post(
                client,
                api,
                "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, "
                "initialBalance: $b}) { userErrors { code } } }",
                id=account_id,
                b=balance,
            )
            assert created["createAccount"]["userErrors"] == []


async def run_concurrently(jobs: list[dict[str, Any]], api: Api) -> list[Any]:
    """Each job on one of CLIENTS separate HTTP clients (separate connections), all at once."""
    clients = [httpx.AsyncClient(timeout=120) for _ in range(CLIENTS)]
    try:
        return await asyncio.gather(
            *(send_transfer(clients[n % CLIENTS], api, **job) for n, job in enumerate(jobs))
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


async def history(api: Api, account_id: str) -> tuple[Decimal, list[dict[str, Any]]]:
    nodes: list[dict[str, Any]] = []
    after = None
    async with httpx.AsyncClient(timeout=60) as client:
        while True:
            data = await post(client, api, HISTORY, id=account_id, after=after)
            connection = data["account"]["transactions"]
            nodes += [edge["node"] for edge in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                return Decimal(data["account"]["balance"]), nodes
            after = connection["pageInfo"]["endCursor"]


async def test_random_transfers_conserve_money_and_histories_add_up(api: Api) -> None:
    prefix = uuid.uuid4().hex[:8]
    accounts = [f"c{n}-{prefix}" for n in range(6)]
    await create_accounts(api, accounts, "100.00")
    rng = random.Random(7)
    jobs = []
    for _ in range(60):
        source, destination = rng.sample(accounts, 2)
        amount = f"{rng.randint(1, 4000) / 100:.2f}"
        jobs.append({"fromAccountId": source, "toAccountId": destination, "amount": amount})

    results = await run_concurrently(jobs, api)

    expected = dict.fromkeys(accounts, Decimal("100.00"))
    moved = {account: 0 for account in accounts}
    for job, result in zip(jobs, results, strict=True):
        if result["userErrors"]:
            assert [e["code"] for e in result["userErrors"]] == ["INSUFFICIENT_FUNDS"]
            continue
        expected[job["fromAccountId"]] -= Decimal(job["amount"])
        expected[job["toAccountId"]] += Decimal(job["amount"])
        moved[job["fromAccountId"]] += 1
        moved[job["toAccountId"]] += 1
    assert any(not r["userErrors"] for r in results)
    for account in accounts:
        balance, nodes = await history(api, account)
        assert balance == expected[account] >= 0
        assert len(nodes) == moved[account] + 1  # and the opening entry
        assert Decimal(nodes[0]["balanceAfter"]) == balance
        for newer, older in itertools.pairwise(nodes):
            delta = Decimal(newer["amount"]) * (1 if newer["direction"] == "CREDIT" else -1)
            assert Decimal(newer["balanceAfter"]) - delta == Decimal(older["balanceAfter"])
    assert sum(expected.values()) == Decimal("600.00")


async def test_overdraft_race_lets_exactly_the_covered_transfers_through(api: Api) -> None:
    prefix = uuid.uuid4().hex[:8]
    source, sinks = f"src-{prefix}", [f"sink{n}-{prefix}" for n in range(3)]
    await create_accounts(api, [source], "100.00")
    await create_accounts(api, sinks, "0")
    jobs = [
        {"fromAccountId": source, "toAccountId": sinks[n % 3], "amount": "10.00"} for n in range(30)
    ]
    results = await run_concurrently(jobs, api)
    succeeded = [r for r in results if not r["userErrors"]]
    refused = [r for r in results if r["userErrors"]]
    assert len(succeeded) == 10
    assert {e["code"] for r in refused for e in r["userErrors"]} == {"INSUFFICIENT_FUNDS"}
    balance, nodes = await history(api, source)
    assert balance == Decimal("0.00")
    assert len(nodes) == 11


async def test_concurrent_retries_with_one_idempotency_key_move_money_once(api: Api) -> None:
    prefix = uuid.uuid4().hex[:8]
    payer, payee, key = f"payer-{prefix}", f"payee-{prefix}", f"key-{prefix}"
    await create_accounts(api, [payer], "50.00")
    await create_accounts(api, [payee], "0")
    job = {"fromAccountId": payer, "toAccountId": payee, "amount": "12.34", "idempotencyKey": key}
    results = await run_concurrently([job] * 20, api)
    assert all(r["userErrors"] == [] for r in results)
    assert len({r["transfer"]["id"] for r in results}) == 1
    assert (await history(api, payee))[0] == Decimal("12.34")
    assert (await history(api, payer))[0] == Decimal("37.66")
    async with httpx.AsyncClient(timeout=60) as client:
        conflict = await send_transfer(client, api, **{**job, "amount": "12.35"})
    assert conflict["userErrors"] == [
        {"code": "IDEMPOTENCY_CONFLICT", "field": ["input", "idempotencyKey"]}
    ]
