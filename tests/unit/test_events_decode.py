"""Stream records (shaped as GetRecords and Lambda deliver them) to domain events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.domain.events import AccountOpened, BalanceChanged
from services.domain.model import Direction, Entry
from services.dynamo import items as codec
from services.dynamo.stream_records import UndecodableRecord, decode_record, is_bookkeeping


def exact_entry() -> Entry:
    """An entry whose numbers lose digits or scale in any lossy encoding."""
    return Entry(
        id="e1",
        transfer_id="t1",
        account_id="alice",
        counterparty_id=None,
        direction=Direction.CREDIT,
        amount=Decimal("0.10"),
        balance_after=Decimal("123456789012345678901234567890.12"),
        version=7,
        currency="USD",
        created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        memo="x",
    )


ENTRY_IMAGE: dict[str, Any] = {
    "PK": {"S": "ACCOUNT#alice"},
    "SK": {"S": "ENTRY#00000000000000000002"},
    "type": {"S": "ENTRY"},
    "entry_id": {"S": "01M89EW9JJYBE85H40X47458DZ"},
    "transfer_id": {"S": "01M89EW9JJYBE85H40X47458E0"},
    "account_id": {"S": "alice"},
    "counterparty_id": {"S": "bob"},
    "direction": {"S": "DEBIT"},
    "amount": {"N": "12.34"},
    "balance_after": {"N": "87.66"},
    "version": {"N": "2"},
    "currency": {"S": "USD"},
    "created_at": {"S": "2026-11-25T13:38:46.994348Z"},
}


def stream_record(image: dict[str, Any], event_name: str = "INSERT", lambda_shape: bool = False):  # type: ignore[no-untyped-def]
    record: dict[str, Any] = {
        "eventID": "ae980a533f6b47fdba0a307e5ab296f3",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795700326.0
            if lambda_shape
            else datetime(2026, 11, 25, 13, 38, 47, tzinfo=UTC),
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "SequenceNumber": "1100000000017454423010",
            "SizeBytes": 689,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    if event_name != "REMOVE":
        record["dynamodb"]["NewImage"] = image
    if event_name != "INSERT":
        record["dynamodb"]["OldImage"] = image
    if lambda_shape:
        record["eventSourceARN"] = (
            "arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/2026-11-25T13:38:46.979"
        )
    return record


@pytest.mark.parametrize("lambda_shape", [False, True])
def test_an_entry_insert_is_a_balance_change(lambda_shape: bool) -> None:
    event = decode_record(stream_record(ENTRY_IMAGE, lambda_shape=lambda_shape))
    assert isinstance(event, BalanceChanged)
    assert event.account_id == "alice"
    assert event.balance == Decimal("87.66")
    assert event.delta == Decimal("-12.34")
    assert event.version == 2
    assert event.entry.direction is Direction.DEBIT
    assert event.entry.counterparty_id == "bob"
    assert event.at == datetime(2026, 11, 25, 13, 38, 46, 994348, tzinfo=UTC)


def test_an_account_insert_is_an_account_opening() -> None:
    image = {
        "PK": {"S": "ACCOUNT#bob"},
        "SK": {"S": "ACCOUNT"},
        "type": {"S": "ACCOUNT"},
        "account_id": {"S": "bob"},
        "balance": {"N": "0.00"},
        "currency": {"S": "USD"},
        "version": {"N": "0"},
        "created_at": {"S": "2026-11-25T13:38:47.011912Z"},
        "email": {"S": "bob@example.com"},
    }
    event = decode_record(stream_record(image))
    assert isinstance(event, AccountOpened)
    assert (event.account.id, event.account.email) == ("bob", "bob@example.com")


@pytest.mark.parametrize("event_name", ["MODIFY", "REMOVE"])
def test_changes_to_existing_items_carry_no_event(event_name: str) -> None:
    assert decode_record(stream_record(ENTRY_IMAGE, event_name)) is None


@pytest.mark.parametrize(
    "kind", ["TRANSFER", "IDEMPOTENCY", "STREAM_CHECKPOINT", "NOTIFICATION", "SOMETHING_NEW"]
)
def test_other_item_types_are_ignored_on_purpose(kind: str) -> None:
    image = {"PK": {"S": f"{kind}#x"}, "SK": {"S": kind}, "type": {"S": kind}}
    assert decode_record(stream_record(image)) is None


def test_the_workers_own_items_are_bookkeeping() -> None:
    checkpoint = {
        "PK": {"S": "STREAM#arn"},
        "SK": {"S": "SHARD#1"},
        "type": {"S": "STREAM_CHECKPOINT"},
    }
    assert is_bookkeeping(stream_record(checkpoint))
    assert not is_bookkeeping(stream_record(ENTRY_IMAGE))


def test_a_malformed_entry_is_undecodable() -> None:
    image = copy.deepcopy(ENTRY_IMAGE)
    del image["balance_after"]
    with pytest.raises(UndecodableRecord):
        decode_record(stream_record(image))
    image = copy.deepcopy(ENTRY_IMAGE)
    image["amount"] = {"N": "not a number"}
    with pytest.raises(UndecodableRecord):
        decode_record(stream_record(image))


def test_an_entry_without_a_new_image_is_undecodable() -> None:
    record = stream_record(ENTRY_IMAGE)
    del record["dynamodb"]["NewImage"]
    record["dynamodb"]["OldImage"] = ENTRY_IMAGE  # KEYS_ONLY / OLD_IMAGE view types
    with pytest.raises(UndecodableRecord):
        decode_record(record)


def test_item_codec_round_trip_keeps_numbers_exact() -> None:
    entry = exact_entry()
    assert codec.entry_from_item(codec.entry_item(entry)) == entry
