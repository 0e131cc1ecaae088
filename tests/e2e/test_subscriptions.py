"""`balanceChanged` through a real uvicorn socket, over both websocket subprotocols, with the
stream worker running inside the app (its lifespan starts it) against the session's endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette

from entrypoints.app import create_app
from services.bootstrap import Services
from services.hub import InProcessHub
from tests.e2e.conftest import e2e_settings, serving
from tests.e2e.live import BALANCE_CHANGED, PROTOCOLS, TRANSPORT_WS, GraphQLSocket, until

#: Long enough for a change the worker would publish (it polls every 50 ms) to have arrived.
QUIET_SECONDS = 0.5

CREATE = (
    "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, initialBalance: $b})"
    " { userErrors { code } } }"
)
TRANSFER = (
    "mutation($a: ID!, $b: ID!, $amount: Decimal!, $key: String!) { transfer(input: "
    "{fromAccountId: $a, toAccountId: $b, amount: $amount, idempotencyKey: $key}) "
    "{ transfer { id } userErrors { code } } }"
)


@dataclass(frozen=True)
class LiveApi:
    url: str
    app: Starlette

    @property
    def hub(self) -> InProcessHub:
        services: Services = self.app.state.services
        assert isinstance(services.hub, InProcessHub)
        return services.hub


@pytest.fixture(scope="module")
def live(dynamodb_endpoint: str) -> Iterator[LiveApi]:
    settings = e2e_settings(
        dynamodb_endpoint,
        serve_stream_worker=True,
        stream_poll_interval_seconds=0.05,
        ws_keepalive_seconds=0.3,
        notify_email=False,
        notify_sms=False,
    )
    app = create_app(settings)
    with serving(app) as url:
        yield LiveApi(url, app)


@pytest.fixture
async def http(live: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        yield client


async def data(http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def open_account(http: httpx.AsyncClient, account_id: str, balance: str) -> None:
    created = await data(http, CREATE, id=account_id, b=balance)
    assert created["createAccount"]["userErrors"] == []


async def transfer(http: httpx.AsyncClient, source: str, destination: str, amount: str) -> str:
    moved = await data(http, TRANSFER, a=source, b=destination, amount=amount, key=uuid.uuid4().hex)
    assert moved["transfer"]["userErrors"] == [], moved
    return str(moved["transfer"]["transfer"]["id"])


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_each_subscriber_sees_only_its_accounts_change(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str], protocol: str
) -> None:
    a, b, c = uid("a"), uid("b"), uid("c")
    await open_account(http, a, "100")
    await open_account(http, b, "5.5")
    await open_account(http, c, "7")
    async with (
        GraphQLSocket.open(live.url, protocol) as on_a,
        GraphQLSocket.open(live.url, protocol) as on_b,
        GraphQLSocket.open(live.url, protocol) as on_c,
    ):
        # No afterVersion: live from the version read at subscribe time, so wait until the
        # hub has each subscriber before transferring.
        await on_a.subscribe_balance("1", a)
        await on_b.subscribe_balance("1", b)
        await on_c.subscribe_balance("1", c)
        await until(lambda: all(live.hub.subscriber_count(x) == 1 for x in (a, b, c)))

        transfer_id = await transfer(http, a, b, "12.34")

        [seen_a] = await on_a.changes("1", 1)
        [seen_b] = await on_b.changes("1", 1)
        await asyncio.sleep(QUIET_SECONDS)  # C's change would have come by now
        assert on_c.pending("1") == 0
        assert on_a.pending("1") == on_b.pending("1") == 0

    assert seen_a["accountId"] == a
    assert (seen_a["balance"], seen_a["delta"], seen_a["version"]) == ("87.66", "-12.34", 2)
    assert seen_a["entry"]["direction"] == "DEBIT"
    assert seen_a["entry"]["amount"] == "12.34"
    assert seen_a["entry"]["balanceAfter"] == "87.66"
    assert seen_a["entry"]["counterpartyId"] == b
    assert seen_a["entry"]["transferId"] == transfer_id
    assert seen_a["at"].endswith("Z")
    assert seen_b["accountId"] == b
    assert (seen_b["balance"], seen_b["delta"], seen_b["version"]) == ("17.84", "12.34", 2)
    assert seen_b["entry"]["direction"] == "CREDIT"
    assert seen_b["entry"]["transferId"] == transfer_id
    # The sockets closed: every hub subscription is released.
    await until(lambda: all(live.hub.subscriber_count(x) == 0 for x in (a, b, c)))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_after_version_replays_then_continues_live_without_gap_or_duplicate(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str], protocol: str
) -> None:
    a, b = uid("a"), uid("b")
    await open_account(http, a, "100")
    await open_account(http, b, "0")
    for _ in range(5):
        await transfer(http, a, b, "1")  # a: versions 2..6
    async with GraphQLSocket.open(live.url, protocol) as socket:
        await socket.subscribe_balance("resume", a, after_version=3)
        replayed = await socket.changes("resume", 3)
        for _ in range(3):
            await transfer(http, b, a, "0.25")  # a: versions 7..9
        live_ones = await socket.changes("resume", 3)
        await asyncio.sleep(QUIET_SECONDS)
        assert socket.pending("resume") == 0  # nothing twice at the seam
    changes = replayed + live_ones
    assert [c["version"] for c in changes] == [4, 5, 6, 7, 8, 9]
    assert [c["balance"] for c in changes] == ["97.00", "96.00", "95.00", "95.25", "95.50", "95.75"]
    assert [c["delta"] for c in changes] == ["-1.00"] * 3 + ["0.25"] * 3


async def test_many_transfers_arrive_in_version_order(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str]
) -> None:
    hot = uid("hot")
    others = [uid(f"other{i}") for i in range(4)]
    await open_account(http, hot, "1000")
    for other in others:
        await open_account(http, other, "1000")
    async with GraphQLSocket.open(live.url, TRANSPORT_WS) as socket:
        await socket.subscribe_balance("hot", hot, after_version=0)
        [opening] = await socket.changes("hot", 1)
        moves = [
            transfer(http, hot, other, "1.5") if n % 2 else transfer(http, other, hot, "2")
            for n, other in zip(range(40), itertools.cycle(others), strict=False)
        ]
        await asyncio.gather(*moves)  # concurrent: commit order decides the versions
        changes = await socket.changes("hot", 40)
    assert opening["version"] == 1
    assert [c["version"] for c in changes] == list(range(2, 42))
    balance = Decimal(opening["balance"])
    for change in changes:
        balance += Decimal(change["delta"])
        assert Decimal(change["balance"]) == balance
    assert balance == Decimal("1000") + 20 * Decimal("2") - 20 * Decimal("1.5")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_bad_arguments_are_the_operations_error(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str], protocol: str
) -> None:
    known = uid("known")
    await open_account(http, known, "1")
    async with GraphQLSocket.open(live.url, protocol) as socket:
        await socket.subscribe_balance("missing", uid("missing"))
        await socket.subscribe_balance("negative", known, after_version=-1)
        missing = await socket.receive("missing")
        negative = await socket.receive("negative")
    assert missing["type"] == negative["type"] == "error"
    # graphql-transport-ws sends a list of errors; the legacy protocol one error.
    [missing_error] = missing["payload"] if protocol == TRANSPORT_WS else [missing["payload"]]
    [negative_error] = negative["payload"] if protocol == TRANSPORT_WS else [negative["payload"]]
    assert missing_error["extensions"]["code"] == "ACCOUNT_NOT_FOUND"
    assert "does not exist" in missing_error["message"]
    assert negative_error["extensions"] == {"code": "INVALID_INPUT", "field": ["afterVersion"]}
    assert live.hub.subscriber_count(known) == 0


async def test_complete_releases_the_hub_subscription(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str]
) -> None:
    a = uid("a")
    await open_account(http, a, "1")
    async with GraphQLSocket.open(live.url, TRANSPORT_WS) as socket:
        await socket.subscribe_balance("1", a)
        await socket.subscribe_balance("2", a)
        await until(lambda: live.hub.subscriber_count(a) == 2)
        await socket.stop("1")
        await until(lambda: live.hub.subscriber_count(a) == 1)
        await socket.stop("2")
        await until(lambda: live.hub.subscriber_count(a) == 0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_server_sends_keep_alives(live: LiveApi, protocol: str) -> None:
    async with GraphQLSocket.open(live.url, protocol) as socket:
        await socket.wait_keep_alive(seconds=3)
        await until(lambda: socket.keep_alives >= 2, seconds=3)  # periodic, not once


async def test_each_change_reads_related_accounts_afresh(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str]
) -> None:
    a, b = uid("a"), uid("b")
    await open_account(http, a, "10")
    await open_account(http, b, "0")
    query = (
        "subscription($id: ID!, $after: Int) { balanceChanged(accountId: $id, afterVersion:"
        " $after) { version entry { transfer { fromAccount { balance } } } } }"
    )
    async with GraphQLSocket.open(live.url, TRANSPORT_WS) as socket:
        await socket.start("1", query, id=a, after=1)
        balances = []
        for _ in range(2):
            await transfer(http, a, b, "1")
            [change] = await socket.changes("1", 1)
            balances.append(change["entry"]["transfer"]["fromAccount"]["balance"])
    assert balances == ["9.00", "8.00"]  # not the first event's cached read


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_gql_client_receives_changes_between_keep_alives(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str], protocol: str
) -> None:
    """The gql library as a reference client, on a server pinging every 0.3 s."""
    a, b = uid("a"), uid("b")
    await open_account(http, a, "3")
    await open_account(http, b, "0")
    transport = WebsocketsTransport(
        url=live.url.replace("http://", "ws://") + "/graphql", subprotocols=[protocol]
    )
    request = GraphQLRequest(BALANCE_CHANGED, variable_values={"id": b, "after": 0})
    seen: list[Any] = []
    async with Client(transport=transport) as session:
        changes = session.subscribe(request)
        for _ in range(3):
            await transfer(http, a, b, "1")
            seen.append((await asyncio.wait_for(anext(changes), 8))["balanceChanged"])
            await asyncio.sleep(0.4)  # a keep-alive between changes
        await changes.aclose()
    assert [(c["version"], c["balance"]) for c in seen] == [(1, "1.00"), (2, "2.00"), (3, "3.00")]


def server_tasks(app_loop_of: Callable[[asyncio.Task[Any]], bool]) -> list[str]:
    """The pending tasks of the server's loop (another thread's), by coroutine name."""
    # `type()`, not isinstance: gc also lists weak proxies, which raise once their referent
    # is gone.
    return [
        task.get_coro().__qualname__  # type: ignore[union-attr]
        for task in gc.get_objects()
        if issubclass(type(task), asyncio.Task) and not task.done() and app_loop_of(task)
    ]


async def test_idle_subscriptions_hold_no_task_and_still_deliver(
    live: LiveApi, http: httpx.AsyncClient, uid: Callable[[str], str]
) -> None:
    """graph/push.py: on graphql-transport-ws a subscription waiting for its next change is
    state, not a suspended task (an operation task each was most of an idle subscriber's
    memory); a change makes a task that ends once it is delivered."""
    accounts = [uid(f"idle{i}") for i in range(8)]
    for account in accounts:
        await open_account(http, account, "10")
    ours = asyncio.get_running_loop()

    def server_side(task: asyncio.Task[Any]) -> bool:
        return task.get_loop() is not ours

    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(GraphQLSocket.open(live.url, TRANSPORT_WS))
            for _ in accounts
        ]
        for socket, account in zip(sockets, accounts, strict=True):
            await socket.subscribe_balance("1", account, after_version=0)
        for socket in sockets:
            [opening] = await socket.changes("1", 1)
            assert opening["version"] == 1
        await asyncio.sleep(QUIET_SECONDS)
        waiting = server_tasks(server_side)
        assert not [name for name in waiting if "run_operation" in name or "_drain" in name]
        await transfer(http, accounts[0], accounts[1], "1")
        [sent] = await sockets[0].changes("1", 1)
        [got] = await sockets[1].changes("1", 1)
        assert (sent["version"], sent["balance"], got["balance"]) == (2, "9.00", "11.00")
        await asyncio.sleep(QUIET_SECONDS)
        assert not [name for name in server_tasks(server_side) if "_drain" in name]
