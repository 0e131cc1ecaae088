"""BatchGetItem in chunks of 100, read side by side, with unprocessed keys retried under
backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from services.domain.errors import LedgerUnavailable
from services.retry import Backoff

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

BATCH_GET_LIMIT = 100
#: Chunks of one read in flight at once. DynamoDB serves them in parallel, so 1,000 keys cost
#: about what 100 do; the bound keeps one large read from taking the whole connection pool.
CHUNKS_IN_FLIGHT = 10


class BatchReader:
    def __init__(
        self, client: DynamoDBClient, table_name: str, backoff: Backoff, max_rounds: int = 10
    ) -> None:
        self._client = client
        self._table = table_name
        self._backoff = backoff
        self._max_rounds = max_rounds

    async def get(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Strongly consistent reads of `keys` (duplicates read once); missing items are absent."""
        unique = list({(k["PK"]["S"], k["SK"]["S"]): k for k in keys}.values())
        chunks = [
            unique[at : at + BATCH_GET_LIMIT] for at in range(0, len(unique), BATCH_GET_LIMIT)
        ]
        if len(chunks) <= 1:
            return await self._get_chunk(chunks[0]) if chunks else []
        gate = asyncio.Semaphore(CHUNKS_IN_FLIGHT)

        async def read(chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
            async with gate:
                return await self._get_chunk(chunk)

        reads = [asyncio.ensure_future(read(chunk)) for chunk in chunks]
        try:
            done = await asyncio.gather(*reads)
        except BaseException:
            # The read fails as a whole, with the first chunk's own error (LedgerUnavailable,
            # a ClientError): the other chunks are cancelled, not left running.
            for pending in reads:
                pending.cancel()
            await asyncio.gather(*reads, return_exceptions=True)
            raise
        return [item for found in done for item in found]

    async def _get_chunk(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = keys
        for round_number in range(self._max_rounds):
            response = await self._client.batch_get_item(
                RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
            )
            found.extend(response.get("Responses", {}).get(self._table, []))
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
            if not unprocessed:
                return found
            pending = list(unprocessed["Keys"])
            await self._backoff.sleep(round_number)
        raise LedgerUnavailable(f"BatchGetItem left {len(pending)} keys unprocessed")
