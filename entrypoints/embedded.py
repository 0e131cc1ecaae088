"""Starting the embedded DynamoDB endpoint for `ledger serve` when no DynamoDB is configured.

The endpoint is a development tool (the `embedded` extra, which `make` installs and the Docker
image does not): the services never import it, only this entrypoint does.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr

from services.settings import Settings

log = logging.getLogger(__name__)


class EmbeddedEndpointMissing(RuntimeError):
    """No DynamoDB is configured and the embedded endpoint is not installed."""


@asynccontextmanager
async def embedded_dynamodb(settings: Settings) -> AsyncIterator[Settings]:
    """Start the embedded DynamoDB endpoint and yield settings that point at it."""
    if importlib.util.find_spec("moto") is None:
        raise EmbeddedEndpointMissing(
            "No DynamoDB is configured (AWS_ENDPOINT_URL or AWS credentials) and the embedded "
            "endpoint is not installed (pip install 'ledger-service[embedded]')."
        )
    from embedded_dynamodb import EmbeddedDynamoDB

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
