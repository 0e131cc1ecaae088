"""The Ledger on DynamoDB: built on a client the caller owns, or with its own (`Ledger.connect`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING

from services.dynamo.audit_reads import DynamoAuditReader
from services.dynamo.batch import BatchReader
from services.dynamo.client import make_session, open_dynamodb
from services.dynamo.hold_due import DynamoDueHolds
from services.dynamo.hold_store import DynamoHoldStore
from services.dynamo.movement_store import DynamoMovementStore
from services.ledger import Ledger
from services.observability import wiring as observed
from services.ratelimit import RateLimiter
from services.retry import Backoff
from services.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


async def open_ledger(
    dynamodb: DynamoDBClient,
    settings: Settings,
    *,
    on_close: Callable[[], Awaitable[None]] | None = None,
    limiter: RateLimiter | None = None,
) -> Ledger:
    """The Ledger on `dynamodb`; creates the table when it is missing unless
    `settings.create_table` is False. `ledger.close()` runs `on_close` (the client's owner
    closes it otherwise). `limiter` counts transfers per principal (none: unlimited)."""
    backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
    reader = BatchReader(dynamodb, settings.table_name, backoff)
    store = observed.ledger_store()(dynamodb, settings.table_name, reader)
    if settings.create_table:
        await store.ensure_table()
    movements = DynamoMovementStore(dynamodb, settings.table_name, reader)
    integrity = DynamoAuditReader(dynamodb, settings.table_name, reader)
    return observed.ledger(
        Ledger(
            store,
            settings,
            on_close=on_close,
            movements=movements,
            integrity_reader=integrity,
            limiter=limiter,
            hold_store=DynamoHoldStore(dynamodb, settings.table_name, reader),
            due_holds=DynamoDueHolds(dynamodb, settings.table_name),
        )
    )


class LedgerConnection:
    """`async with Ledger.connect(settings) as ledger:` or `ledger = await Ledger.connect(s)`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ledger: Ledger | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._open().__await__()

    async def __aenter__(self) -> Ledger:
        self._ledger = await self._open()
        return self._ledger

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ledger is not None:
            await self._ledger.close()

    async def _open(self) -> Ledger:
        stack = AsyncExitStack()
        try:
            dynamodb = await open_dynamodb(stack, make_session(self._settings), self._settings)
            return await open_ledger(dynamodb, self._settings, on_close=stack.aclose)
        except BaseException:
            await stack.aclose()
            raise
