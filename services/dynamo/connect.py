"""Open the DynamoDB-backed store from settings: the one place the adapter is assembled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from services.dynamo.batch import BatchReader
from services.dynamo.client import make_session, open_dynamodb
from services.dynamo.store import DynamoLedgerStore
from services.retry import Backoff
from services.settings import Settings


async def open_store(settings: Settings) -> tuple[DynamoLedgerStore, Callable[[], Awaitable[None]]]:
    """The store and the coroutine function that closes its client."""
    stack = AsyncExitStack()
    try:
        client = await open_dynamodb(stack, make_session(settings), settings)
    except BaseException:
        await stack.aclose()
        raise
    backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
    store = DynamoLedgerStore(
        client, settings.table_name, BatchReader(client, settings.table_name, backoff)
    )
    return store, stack.aclose
