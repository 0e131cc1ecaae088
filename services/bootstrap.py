"""The composition root: everything the process needs, wired once from Settings.

Called by the ASGI lifespan, the CLI and tests. Nothing connects to AWS at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from services.ledger import Ledger
from services.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    ledger: Ledger
    #: True when DynamoDB is the embedded in-memory endpoint this process started.
    embedded: bool


@asynccontextmanager
async def embedded_dynamodb(settings: Settings) -> AsyncIterator[Settings]:
    """Start the embedded DynamoDB endpoint and yield settings that point at it."""
    from services.embedded_dynamodb import EmbeddedDynamoDB

    server = EmbeddedDynamoDB()
    url = await asyncio.to_thread(server.start)
    log.warning(
        "DynamoDB is the embedded in-memory endpoint: data lives in memory only and is lost "
        "when the process stops. Set AWS_ENDPOINT_URL or AWS credentials to use a real one.",
        extra={"endpoint_url": url},
    )
    try:
        yield settings.model_copy(
            update={
                "endpoint_url": url,
                "access_key_id": "embedded",
                "secret_access_key": SecretStr("embedded"),
                "embedded": False,
            }
        )
    finally:
        await asyncio.to_thread(server.stop)


@asynccontextmanager
async def bootstrap(settings: Settings, *, ledger: Ledger | None = None) -> AsyncIterator[Services]:
    """Wire the services; pass `ledger` to inject one built elsewhere (tests)."""
    async with AsyncExitStack() as stack:
        embedded = ledger is None and settings.use_embedded()
        if embedded:
            settings = await stack.enter_async_context(embedded_dynamodb(settings))
        if ledger is None:
            ledger = await stack.enter_async_context(Ledger.connect(settings))
        yield Services(settings=settings, ledger=ledger, embedded=embedded)
