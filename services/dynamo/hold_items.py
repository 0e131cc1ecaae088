"""Item layout of holds (beside items.py, which owns the rest):

item         PK                          SK
hold         HOLD#<hold id>              HOLD
hold copy    ACCOUNT#<from account id>   HOLD#<hold id>      (Account.pendingTransfers)
due          HOLDDUE#<expiry hour>       <expires_at>#<hold id>   (while PENDING only)

The hold and its copy are written together by every change of the hold; the due item exists
while the hold is PENDING and is deleted by the transaction that ends it, so the expiry
sweeper reads one small partition per hour of expiries (a Query, never a Scan). Hold ids are
ULIDs: the copies sort newest last in their account's partition.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from services.domain.holds import HoldStatus, PendingTransfer
from services.domain.money import currency_places
from services.dynamo import items as codec

HOLD_TYPE = "HOLD"
HOLD_COPY_TYPE = "HOLD_COPY"
DUE_TYPE = "HOLD_DUE"
COPY_SK_PREFIX = "HOLD#"
DUE_PK_PREFIX = "HOLDDUE#"


def hold_key(hold_id: str) -> codec.Key:
    return {"PK": {"S": f"HOLD#{hold_id}"}, "SK": {"S": "HOLD"}}


def copy_key(account_id: str, hold_id: str) -> codec.Key:
    return {"PK": codec.account_key(account_id)["PK"], "SK": {"S": f"{COPY_SK_PREFIX}{hold_id}"}}


def bucket(moment: datetime) -> str:
    """The hour a due item is filed under: `HOLDDUE#2026-11-30T04`."""
    return DUE_PK_PREFIX + moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def due_key(hold: PendingTransfer) -> codec.Key:
    expires = codec.timestamp(hold.expires_at)["S"]
    return {"PK": {"S": bucket(hold.expires_at)}, "SK": {"S": f"{expires}#{hold.id}"}}


def due_item(hold: PendingTransfer) -> codec.Item:
    return {
        **due_key(hold),
        "type": {"S": DUE_TYPE},
        "hold_id": {"S": hold.id},
        "expires_at": codec.timestamp(hold.expires_at),
    }


def hold_item(hold: PendingTransfer, *, copy: bool = False) -> codec.Item:
    key = copy_key(hold.from_account_id, hold.id) if copy else hold_key(hold.id)
    item: codec.Item = {
        **key,
        "type": {"S": HOLD_COPY_TYPE if copy else HOLD_TYPE},
        "hold_id": {"S": hold.id},
        "from_account_id": {"S": hold.from_account_id},
        "to_account_id": {"S": hold.to_account_id},
        "amount": codec.number(hold.amount),
        "captured_amount": codec.number(hold.captured_amount),
        "currency": {"S": hold.currency},
        "status": {"S": hold.status.value},
        "expires_at": codec.timestamp(hold.expires_at),
        # Epoch seconds of the expiry, for readers that want a number (and a TTL, if ever).
        "expires_epoch": codec.number(int(hold.expires_at.timestamp())),
        "created_at": codec.timestamp(hold.created_at),
    }
    if hold.metadata:
        item["metadata"] = {"M": {k: {"S": v} for k, v in hold.metadata.items()}}
    if hold.ended_at is not None:
        item["ended_at"] = codec.timestamp(hold.ended_at)
    for name in ("memo", "idempotency_key", "initiated_by", "transfer_id"):
        value = getattr(hold, name)
        if value is not None:
            item[name] = {"S": value}
    return item


def hold_from_item(item: Mapping[str, Any]) -> PendingTransfer:
    currency = str(item["currency"]["S"])

    def amount(name: str) -> Decimal:
        return currency_places(Decimal(item[name]["N"]), currency)

    def text(name: str) -> str | None:
        return str(item[name]["S"]) if name in item else None

    def time(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    expires, created = time("expires_at"), time("created_at")
    assert expires is not None
    assert created is not None
    return PendingTransfer(
        id=str(item["hold_id"]["S"]),
        from_account_id=str(item["from_account_id"]["S"]),
        to_account_id=str(item["to_account_id"]["S"]),
        amount=amount("amount"),
        currency=currency,
        status=HoldStatus(item["status"]["S"]),
        expires_at=expires,
        created_at=created,
        captured_amount=amount("captured_amount"),
        memo=text("memo"),
        metadata={k: str(v["S"]) for k, v in item.get("metadata", {}).get("M", {}).items()},
        idempotency_key=text("idempotency_key"),
        initiated_by=text("initiated_by"),
        transfer_id=text("transfer_id"),
        ended_at=time("ended_at"),
    )
