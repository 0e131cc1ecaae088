"""The attributes an exchange's transfers and entries carry (items.py writes and reads them):
the other side as `fx_rate`, `fx_counter_amount` (both exact text, never normalized),
`fx_counter_currency` and `fx_quote_id`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from services.domain.model import Exchange


def put_exchange(item: dict[str, Any], exchange: Exchange | None) -> dict[str, Any]:
    if exchange is not None:
        item["fx_rate"] = {"S": format(exchange.rate, "f")}
        item["fx_counter_amount"] = {"S": format(exchange.counter_amount, "f")}
        item["fx_counter_currency"] = {"S": exchange.counter_currency}
        item["fx_quote_id"] = {"S": exchange.quote_id}
    return item


def exchange_from(item: Mapping[str, Any]) -> Exchange | None:
    if "fx_quote_id" not in item:
        return None
    return Exchange(
        rate=Decimal(str(item["fx_rate"]["S"])),
        counter_amount=Decimal(str(item["fx_counter_amount"]["S"])),
        counter_currency=str(item["fx_counter_currency"]["S"]),
        quote_id=str(item["fx_quote_id"]["S"]),
    )
