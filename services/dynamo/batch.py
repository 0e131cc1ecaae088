"""BatchGetItem in chunks of 100, with unprocessed keys retried under backoff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from services.domain.errors import LedgerUnavailable
from services.retry import Backoff

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

BATCH_GET_LIMIT = 100


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
        found: list[dict[str, Any]] = []
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            found.extend(await self._get_chunk(unique[start : start + BATCH_GET_LIMIT]))
        return found

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
