"""The hub's wire format: our own versioned JSON, not the table's item layout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.domain.events import BalanceChanged
from services.domain.model import Direction, Entry
from services.hub import wire
from tests.unit.test_events_decode import exact_entry


def test_wire_round_trip_keeps_numbers_exact() -> None:
    entry = exact_entry()
    event = BalanceChanged(entry)
    assert wire.loads(wire.dumps(event)) == event
    assert '"0.10"' in wire.dumps(event)


def event() -> BalanceChanged:
    return BalanceChanged(
        Entry(
            id="e2",
            transfer_id="t2",
            account_id="bob",
            counterparty_id="alice",
            direction=Direction.DEBIT,
            amount=Decimal("12.5"),
            balance_after=Decimal("87.5"),
            version=3,
            currency="EUR",
            created_at=datetime(2026, 11, 25, 13, 38, 46, 994348, tzinfo=UTC),
        )
    )


def test_wire_is_versioned_and_knows_nothing_of_the_table() -> None:
    body = json.loads(wire.dumps(event()))
    assert body["v"] == wire.VERSION
    assert body["event"] == "BalanceChanged"
    assert not {"PK", "SK", "type"} & set(body["entry"])
    assert body["entry"]["direction"] == "DEBIT"
    assert body["entry"]["counterparty_id"] == "alice"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"v": 2, "event": "BalanceChanged", "entry": {}}),
        json.dumps({"PK": {"S": "ACCOUNT#bob"}, "type": {"S": "ENTRY"}}),
        wire.dumps(event()).replace('"12.5"', '"twelve"'),
        wire.dumps(event()).replace('"version":3', '"version":"3"'),
    ],
)
def test_other_messages_are_refused(text: str) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        wire.loads(text)
