"""A finished operation leaves nothing for the cyclic collector. Each transfer used to leave ~60
objects in reference cycles (graphql-core's executor and its helpers, a JMESPath interpreter
and a response parser per DynamoDB call); the collections they caused also walked every
request in flight. Each ended subscription left ~40 (the feed, the hub subscription and the
executor holding bound methods of one another). Real schema, real Ledger, real DynamoDB calls
to the test endpoint."""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from graph.schema import LedgerSchema
from services import Ledger
from services.hub import InProcessHub
from services.ledger.ids import new_id
from tests.documents import TRANSFER
from tests.graph.conftest import Executor
from tests.graph.test_push import WATCH, Sink, run

#: The libraries an operation runs through; garbage from anything else (pytest, the event
#: loop's own bookkeeping) is not this test's business.
WATCHED = ("graphql", "graph", "strawberry", "resolvers", "services", "jmespath", "botocore")
WATCHED += ("aiobotocore", "aiohttp")

ACCOUNT = "query($id: ID!) { account(id: $id) { id balance } }"


async def cyclic_garbage(operation: Callable[[], Awaitable[Any]], times: int) -> Counter[str]:
    """What `times` runs of `operation` leave that only the cyclic collector would free."""
    await operation()  # warm: first-use caches are not garbage
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(times):
            await operation()
        gc.collect()
        return Counter(
            f"{type(found).__module__}.{type(found).__qualname__}"
            for found in gc.garbage
            if type(found).__module__.split(".")[0] in WATCHED
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def test_a_transfer_leaves_no_cyclic_garbage(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")

    async def transfer() -> None:
        data = await gql.data(
            TRANSFER,
            input={
                "fromAccountId": "alice",
                "toAccountId": "bob",
                "amount": "0.01",
                "idempotencyKey": new_id(),
            },
        )
        assert data["transfer"]["userErrors"] == []

    assert await cyclic_garbage(transfer, 10) == Counter()
    assert (await gql.data(ACCOUNT, id="bob"))["account"]["balance"] == "0.11"


async def test_a_query_leaves_no_cyclic_garbage(gql: Executor, ledger: Ledger) -> None:
    await ledger.create_account_with_balance("alice", "1.00")

    async def query() -> None:
        assert (await gql.data(ACCOUNT, id="alice"))["account"]["balance"] == "1.00"

    assert await cyclic_garbage(query, 10) == Counter()


async def test_a_subscription_the_client_completes_leaves_no_cyclic_garbage(
    schema: LedgerSchema, ledger: Ledger
) -> None:
    """Opened (graph.push, as graphql-transport-ws runs it), one replayed event delivered,
    then completed: a disconnect storm frees its subscribers at once, not at the next full
    collection (which walks every subscriber still open)."""
    await ledger.create_account_with_balance("watched", "5.00")
    hub = InProcessHub()

    async def subscribe_and_complete() -> None:
        sink = Sink()
        pushed = await run(schema, ledger, hub, sink, WATCH, id="watched", after=0)
        assert pushed is not None
        [replayed] = await sink.until(1)
        assert replayed.data["balanceChanged"]["version"] == 1
        await pushed.aclose()

    assert await cyclic_garbage(subscribe_and_complete, 5) == Counter()
    assert hub.subscriber_count() == 0


async def test_a_subscription_the_server_ends_leaves_no_cyclic_garbage(
    schema: LedgerSchema, ledger: Ledger
) -> None:
    await ledger.create_account_with_balance("watched", "5.00")

    async def subscribe_and_end() -> None:
        hub, sink = InProcessHub(), Sink()
        assert await run(schema, ledger, hub, sink, WATCH, id="watched") is not None
        await hub.close()  # the server shutting down: each subscriber told where to resume
        [closed] = await sink.until(1)
        assert closed.errors[0].extensions["code"] == "SUBSCRIPTION_CLOSED"
        while not sink.completed:
            sink.changed.clear()
            await asyncio.wait_for(sink.changed.wait(), 5)

    assert await cyclic_garbage(subscribe_and_end, 5) == Counter()
