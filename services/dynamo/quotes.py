"""DynamoQuoteStore: exchange quotes as items with a TTL (the QuoteStore port of services.fx).

A quote is written once (`attribute_not_exists`) and used once: an exchange's transaction
carries its conditional update (quote_items.take_quote_update); `take` is the same update on
its own, for callers that book outside the ledger's transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from services.dynamo import quote_items
from services.fx.errors import QuoteNotFound
from services.fx.quotes import Quote, check_quote_use

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class DynamoQuoteStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    async def save(self, quote: Quote) -> None:
        await self._client.put_item(
            TableName=self._table,
            Item=quote_items.quote_item(quote),
            ConditionExpression="attribute_not_exists(PK)",
        )

    async def get(self, quote_id: str) -> Quote | None:
        found = await self._client.get_item(
            TableName=self._table, Key=quote_items.quote_key(quote_id), ConsistentRead=True
        )
        item = found.get("Item")
        return None if item is None else quote_items.quote_from_item(item)

    async def take(
        self,
        quote_id: str,
        *,
        source_currency: str,
        destination_currency: str,
        amount: Decimal,
        now: datetime,
    ) -> Quote:
        quote = await self.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        check_quote_use(
            quote,
            source_currency=source_currency,
            destination_currency=destination_currency,
            amount=amount,
            now=now,
        )
        update = quote_items.take_quote_update(self._table, quote_id, "", now)
        update["UpdateExpression"] = "SET #used = :true"
        del update["ExpressionAttributeNames"]["#transfer"]
        del update["ExpressionAttributeValues"][":transfer"]
        try:
            await self._client.update_item(**update)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            # Used or expired since it was read: report what it is now.
            await self.explain(quote_id, now)
            raise
        return quote

    async def explain(self, quote_id: str, now: datetime) -> None:
        """Raise what keeps the quote from being used now: QuoteNotFound, QuoteUsed,
        QuoteExpired; return when nothing does."""
        quote = await self.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        check_quote_use(
            quote,
            source_currency=quote.from_currency,
            destination_currency=quote.to_currency,
            amount=quote.source_amount,
            now=now,
        )
