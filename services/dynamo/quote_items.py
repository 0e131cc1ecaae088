"""Item layout of exchange quotes (beside items.py, which owns the rest):

item    PK                SK      attributes
quote   QUOTE#<quote id>  QUOTE   from_currency, to_currency, fixed_side, rate, source_amount,
                                  target_amount (exact text), rates_as_of, created_at,
                                  expires_at, expires_at_ms (N), used (BOOL), transfer_id once
                                  used, ttl (N: epoch seconds, an hour after expires_at)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from services.dynamo import items as codec
from services.dynamo.table import TTL_ATTRIBUTE as TTL
from services.fx.quotes import FixedSide, Quote

QUOTE_TYPE = "QUOTE"
#: DynamoDB's TTL deletes an expired quote some time after this; until then a late use reads
#: QUOTE_EXPIRED rather than QUOTE_NOT_FOUND.
TTL_GRACE = timedelta(hours=1)
#: The TTL attribute (table.py enables TTL on it; so does deploy/template.yaml).
TTL_ATTRIBUTE = TTL


def quote_key(quote_id: str) -> codec.Key:
    return {"PK": {"S": f"QUOTE#{quote_id}"}, "SK": {"S": "QUOTE"}}


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def quote_item(quote: Quote) -> codec.Item:
    return {
        **quote_key(quote.id),
        "type": {"S": QUOTE_TYPE},
        "quote_id": {"S": quote.id},
        "from_currency": {"S": quote.from_currency},
        "to_currency": {"S": quote.to_currency},
        "fixed_side": {"S": quote.fixed_side.value},
        "rate": {"S": format(quote.rate, "f")},
        "source_amount": {"S": format(quote.source_amount, "f")},
        "target_amount": {"S": format(quote.target_amount, "f")},
        "rates_as_of": codec.timestamp(quote.rates_as_of),
        "created_at": codec.timestamp(quote.created_at),
        "expires_at": codec.timestamp(quote.expires_at),
        "expires_at_ms": codec.number(epoch_ms(quote.expires_at)),
        "used": {"BOOL": quote.used},
        TTL_ATTRIBUTE: codec.number(int((quote.expires_at + TTL_GRACE).timestamp())),
    }


def quote_from_item(item: Mapping[str, Any]) -> Quote:
    def text(name: str) -> str:
        return str(item[name]["S"])

    return Quote(
        id=text("quote_id"),
        from_currency=text("from_currency"),
        to_currency=text("to_currency"),
        fixed_side=FixedSide(text("fixed_side")),
        rate=Decimal(text("rate")),
        source_amount=Decimal(text("source_amount")),
        target_amount=Decimal(text("target_amount")),
        rates_as_of=datetime.fromisoformat(text("rates_as_of")),
        created_at=datetime.fromisoformat(text("created_at")),
        expires_at=datetime.fromisoformat(text("expires_at")),
        used=bool(item["used"]["BOOL"]),
    )


def take_quote_update(table: str, quote_id: str, transfer_id: str, now: datetime) -> dict[str, Any]:
    """The quote's Update in an exchange's transaction: used once, and only before it expires."""
    return {
        "TableName": table,
        "Key": quote_key(quote_id),
        "UpdateExpression": "SET #used = :true, #transfer = :transfer",
        "ConditionExpression": "#used = :false AND #expires > :now",
        "ExpressionAttributeNames": {
            "#used": "used",
            "#transfer": "transfer_id",
            "#expires": "expires_at_ms",
        },
        "ExpressionAttributeValues": {
            ":true": {"BOOL": True},
            ":false": {"BOOL": False},
            ":transfer": {"S": transfer_id},
            ":now": codec.number(epoch_ms(now)),
        },
    }
