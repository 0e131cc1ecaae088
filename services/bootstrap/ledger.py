"""The Ledger on DynamoDB: built on a client the caller owns, or with its own (`Ledger.connect`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from services.dynamo.audit_reads import DynamoAuditReader
from services.dynamo.batch import BatchReader
from services.dynamo.client import make_session, open_dynamodb
from services.dynamo.hold_due import DynamoDueHolds
from services.dynamo.hold_store import DynamoHoldStore
from services.dynamo.movement_store import DynamoMovementStore
from services.dynamo.quotes import DynamoQuoteStore
from services.fx.ecb import EcbRatesProvider
from services.fx.wiring import build_quote_service, build_rates_provider, uses_sample_rates
from services.ledger import Ledger
from services.observability import wiring as observed
from services.ratelimit import RateLimiter
from services.retry import Backoff
from services.settings import Settings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

log = logging.getLogger(__name__)


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
    # The rates provider's HTTP client (ecb only) lives as long as the ledger.
    http = httpx.AsyncClient() if settings.fx_provider == "ecb" else None
    if uses_sample_rates(settings) and not settings.embedded:
        log.warning(
            "exchange quotes use the shipped sample rates, which are not market data: set "
            "LEDGER_FX_PROVIDER=ecb, LEDGER_FX_STATIC_RATES or LEDGER_FX_STATIC_RATES_FILE"
        )
    rates = build_rates_provider(settings, http)
    quotes = build_quote_service(settings, rates, DynamoQuoteStore(dynamodb, settings.table_name))

    async def close() -> None:
        try:
            if isinstance(rates, EcbRatesProvider):
                await rates.aclose()
            if http is not None:
                await http.aclose()
        finally:
            if on_close is not None:
                await on_close()

    return observed.ledger(
        Ledger(
            store,
            settings,
            on_close=close,
            movements=movements,
            integrity_reader=integrity,
            limiter=limiter,
            quotes=quotes,
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
