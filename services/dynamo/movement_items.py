"""Item layout of multi-posting movements (beside items.py, which owns the rest):

item   PK                SK
batch  BATCH#<batch id>  BATCH    (its transfers are TRANSFER# items with batch_id set)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.domain.model import Transfer
from services.domain.movements import Batch
from services.dynamo import items as codec

BATCH_TYPE = "BATCH"


def batch_key(batch_id: str) -> codec.Key:
    return {"PK": {"S": f"BATCH#{batch_id}"}, "SK": {"S": "BATCH"}}


def batch_item(batch: Batch) -> codec.Item:
    item: codec.Item = {
        **batch_key(batch.id),
        "type": {"S": BATCH_TYPE},
        "batch_id": {"S": batch.id},
        "transfer_ids": {"L": [{"S": transfer.id} for transfer in batch.transfers]},
        "created_at": codec.timestamp(batch.created_at),
    }
    if batch.metadata:
        item["metadata"] = {"M": {k: {"S": v} for k, v in batch.metadata.items()}}
    for name, value in (
        ("idempotency_key", batch.idempotency_key),
        ("initiated_by", batch.initiated_by),
    ):
        if value is not None:
            item[name] = {"S": value}
    return item


def batch_transfer_ids(item: Mapping[str, Any]) -> list[str]:
    return [str(value["S"]) for value in item["transfer_ids"]["L"]]


def batch_from_item(item: Mapping[str, Any], transfers: Sequence[Transfer]) -> Batch:
    labels = item.get("metadata", {}).get("M", {})
    key, by = item.get("idempotency_key"), item.get("initiated_by")
    return Batch(
        id=str(item["batch_id"]["S"]),
        transfers=tuple(transfers),
        created_at=datetime.fromisoformat(str(item["created_at"]["S"])),
        idempotency_key=None if key is None else str(key["S"]),
        initiated_by=None if by is None else str(by["S"]),
        metadata={k: str(v["S"]) for k, v in labels.items()},
    )
