"""Acceptance 1 on `ledger serve` as a user runs it: no configuration (the embedded endpoint,
the stream worker in the process). Transfers over HTTP reach websocket subscribers on both
subprotocols: our own client on graphql-transport-ws, the gql library on legacy graphql-ws."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from tests.e2e.live import BALANCE_CHANGED, TIMEOUT, TRANSPORT_WS, GraphQLSocket
from tests.e2e.test_serve_cli import dev_token, ledger_serve

#: The worker polls the stream every second by default: past that, a change would have come.
QUIET_SECONDS = 1.5


async def data(http: httpx.AsyncClient, query: str, token: str) -> Any:
    response = await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def first_change_with_gql(url: str, account_id: str, after_version: int, token: str) -> Any:
    transport = WebsocketsTransport(
        url=url.replace("http://", "ws://") + "/graphql",
        subprotocols=[WebsocketsTransport.APOLLO_SUBPROTOCOL],
        init_payload={"Authorization": f"Bearer {token}"},
    )
    request = GraphQLRequest(
        BALANCE_CHANGED, variable_values={"id": account_id, "after": after_version}
    )
    async with Client(transport=transport) as session:
        async for result in session.subscribe(request):
            return result["balanceChanged"]
    raise AssertionError("the subscription ended without a change")


async def test_ledger_serve_pushes_a_transfer_to_each_accounts_subscriber(
    tmp_path: Path,
) -> None:
    with ledger_serve(tmp_path) as (url, _log):
        operator = dev_token(tmp_path, "--sub", "ops", "--admin")
        # Each holder watches its own account with its own development token.
        tokens = {name: dev_token(tmp_path, "--sub", name) for name in ("alice", "bob", "carol")}
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for account_id, balance in (("alice", "10"), ("bob", "0"), ("carol", "5")):
                await data(
                    http,
                    f'mutation {{ createAccount(input: {{id: "{account_id}", '
                    f'ownerId: "{account_id}", initialBalance: "{balance}"}}) '
                    "{ userErrors { code } } }",
                    operator,
                )
            async with (
                GraphQLSocket.open(url, TRANSPORT_WS, tokens["alice"]) as on_alice,
                GraphQLSocket.open(url, TRANSPORT_WS, tokens["carol"]) as on_carol,
            ):
                # afterVersion = each account's version now: nothing can slip in between.
                await on_alice.subscribe_balance("1", "alice", after_version=1)
                await on_carol.subscribe_balance("1", "carol", after_version=1)
                bob = asyncio.create_task(first_change_with_gql(url, "bob", 0, tokens["bob"]))
                moved = await data(
                    http,
                    'mutation { transfer(input: {fromAccountId: "alice", toAccountId: "bob", '
                    'amount: "2.50"}) { transfer { id } userErrors { code } } }',
                    tokens["alice"],
                )
                [alice] = await on_alice.changes("1", 1)
                seen_bob = await asyncio.wait_for(bob, TIMEOUT)
                await asyncio.sleep(QUIET_SECONDS)
                assert on_carol.pending("1") == 0
    transfer_id = moved["transfer"]["transfer"]["id"]
    assert (alice["balance"], alice["delta"], alice["version"]) == ("7.50", "-2.50", 2)
    assert alice["entry"]["transferId"] == transfer_id
    assert seen_bob["accountId"] == "bob"
    assert (seen_bob["balance"], seen_bob["delta"], seen_bob["version"]) == ("2.50", "2.50", 1)
    assert seen_bob["entry"]["transferId"] == transfer_id
