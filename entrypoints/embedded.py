"""Starting the embedded DynamoDB endpoint for `ledger serve --embedded` (LEDGER_EMBEDDED=true).

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
            "The embedded endpoint was asked for (--embedded, LEDGER_EMBEDDED) but is not "
            "installed (pip install 'ledger-service[embedded]')."
        )
    from embedded_dynamodb import EmbeddedDynamoDB

    server = EmbeddedDynamoDB()
    url = await asyncio.to_thread(server.start)
    log.warning(
        "DynamoDB is the embedded in-memory endpoint: data lives in memory only and is lost "
        "when the process stops. Drop --embedded (LEDGER_EMBEDDED) to use AWS or "
        "AWS_ENDPOINT_URL_DYNAMODB.",
        extra={"endpoint_url": url},
    )
    try:
        yield settings.model_copy(
            update={
                # Every service on the embedded endpoint, whatever else the environment says.
                "endpoint_url": url,
                "dynamodb_endpoint_url": None,
                "streams_endpoint_url": None,
                "ses_endpoint_url": None,
                "sns_endpoint_url": None,
                "access_key_id": "embedded",
                "secret_access_key": SecretStr("embedded"),
                "embedded": False,
            }
        )
    finally:
        await asyncio.to_thread(server.stop)
