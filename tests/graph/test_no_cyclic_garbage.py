"""A finished operation leaves nothing for the cyclic collector. Each transfer used to leave ~60
objects in reference cycles (graphql-core's executor and its helpers, a JMESPath interpreter
and a response parser per DynamoDB call); the collections they caused also walked every
request in flight. Real schema, real Ledger, real DynamoDB calls to the test endpoint."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from services import Ledger
from services.ledger.ids import new_id
from tests.documents import TRANSFER
from tests.graph.conftest import Executor

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
