"""An exchange's entries show the other side wherever they travel: the hub's wire format
(additive within version 1, both ways compatible), notifications, exports and stream records."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry, Exchange
from services.dynamo import items as codec
from services.dynamo.stream_records import decode_record
from services.hub import wire
from services.integrity.chain import canonical_encoding, entry_hash, genesis_hash
from services.integrity.export import COLUMNS, export_row
from services.notifications.templates import describe, email_message, sms_message
from tests.unit.test_hub_wire import event

FX = Exchange(
    rate=Decimal("149.6956281"),
    counter_amount=Decimal("7484"),
    counter_currency="JPY",
    quote_id="01JDQ6QUOTE",
)


def exchanged() -> Entry:
    entry = event().entry
    return dataclasses.replace(
        entry, counterparty_id="fx:USD", currency="USD", amount=Decimal("50"), exchange=FX
    )


def test_the_wire_carries_the_exchange_and_reads_old_messages() -> None:
    changed = BalanceChanged(exchanged())
    text = wire.dumps(changed)
    body = json.loads(text)
    assert body["v"] == 1
    assert body["entry"]["exchange"] == {
        "rate": "149.6956281",
        "counter_amount": "7484",
        "counter_currency": "JPY",
        "quote_id": "01JDQ6QUOTE",
    }
    assert wire.loads(text) == changed
    # A message from a replica that predates exchanges has no key: read as no exchange.
    plain = wire.dumps(event())
    assert "exchange" not in json.loads(plain)["entry"]
    assert wire.loads(plain).entry.exchange is None


def test_notifications_mention_the_exchange() -> None:
    entry = exchanged()
    assert describe(entry) == (
        "Debit of 50.00 USD to account fx:USD (currency exchange for 7484 JPY at 149.6956281)"
    )
    email = email_message(entry, _account())
    assert "Exchange rate: 149.6956281" in email.text
    assert "Quote id: 01JDQ6QUOTE" in email.text
    assert "currency exchange for 7484 JPY" in sms_message(entry).text
    assert "exchange" not in describe(event().entry)


def test_exports_append_the_exchange_columns() -> None:
    row = export_row(exchanged())
    assert tuple(row) == COLUMNS
    assert COLUMNS[-4:] == ("fx_rate", "fx_counter_amount", "fx_counter_currency", "fx_quote_id")
    assert (row["fx_rate"], row["fx_counter_amount"], row["fx_counter_currency"]) == (
        "149.6956281",
        "7484",
        "JPY",
    )
    plain = export_row(event().entry)
    assert plain["fx_rate"] is None
    assert plain["fx_quote_id"] is None


def test_stream_records_decode_the_exchange_of_an_entry_item() -> None:
    item = codec.entry_item(exchanged())
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": item, "SequenceNumber": "1"}}
    decoded = decode_record(record)
    assert isinstance(decoded, BalanceChanged)
    assert decoded.entry.exchange == FX


def _account() -> Account:
    return Account(
        id="bob",
        balance=Decimal("87.50"),
        currency="USD",
        created_at=datetime(2026, 11, 25, tzinfo=UTC),
        version=3,
    )


def test_the_hash_covers_the_exchange_and_leaves_plain_entries_as_they_were() -> None:
    plain = event().entry
    assert canonical_encoding(plain).startswith(b"\x00\x00\x00\x0fledger-entry-v1")
    fx = exchanged()
    encoded = canonical_encoding(fx)
    assert encoded.startswith(b"\x00\x00\x00\x12ledger-entry-fx-v1")
    assert encoded.endswith(b"\x00\x00\x00\x0b149.6956281\x00\x00\x00\x047484"
                            b"\x00\x00\x00\x03JPY\x00\x00\x00\x0b01JDQ6QUOTE")  # fmt: skip
    genesis = genesis_hash("bob")
    stripped = dataclasses.replace(fx, exchange=None)
    other = dataclasses.replace(fx, exchange=dataclasses.replace(FX, rate=Decimal("149.69562810")))
    assert entry_hash(genesis, fx) != entry_hash(genesis, stripped)
    assert entry_hash(genesis, fx) == entry_hash(genesis, other)  # the same rate, same text
