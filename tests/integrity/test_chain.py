from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from services.domain.model import Direction
from services.integrity.chain import (
    Digest,
    NotCanonical,
    advance,
    canonical_amount,
    canonical_encoding,
    canonical_time,
    entry_hash,
    genesis,
    genesis_hash,
    link,
)
from tests.integrity.builders import entry

# Golden vectors: independently reproduced with printf and sha256sum (see the README section).
GOLDEN_ENCODING = (
    b"\x00\x00\x00\x0fledger-entry-v1"
    b"\x00\x00\x00\x05alice"
    b"\x00\x00\x00\x0242"
    b"\x00\x00\x00\x1a01HZX3Y8J7K6M5N4P3Q2R1S0TV"
    b"\x00\x00\x00\x1a01HZX3Y8J7K6M5N4P3Q2R1S0TW"
    b"\x00\x00\x00\x05DEBIT"
    b"\x00\x00\x00\x0512.50"
    b"\x00\x00\x00\x03USD"
    b"\x00\x00\x00\x0587.50"
    b"\x00\x00\x00\x03bob"
    b"\x00\x00\x00\x1b2024-05-01T12:00:00.123456Z"
    b"\x00\x00\x00\x04rent"
)
GOLDEN_GENESIS_ALICE = "14aa3fd063e51840dc0490a5c4fa1cf211de85c0e9ccf0b13c10b196ca2cf31a"
GOLDEN_HASH = "fdb2679a19268015f84aa8df4eb0dce893f24a5df0f6798141a0748a9a6889eb"


def test_golden_encoding_and_hash_are_stable() -> None:
    assert canonical_encoding(entry()) == GOLDEN_ENCODING
    assert genesis_hash("alice") == GOLDEN_GENESIS_ALICE
    assert entry_hash(GOLDEN_GENESIS_ALICE, entry()) == GOLDEN_HASH


@pytest.mark.parametrize(
    "change",
    [
        {"account_id": "alicf"},
        {"version": 43},
        {"id": "01HZX3Y8J7K6M5N4P3Q2R1S0TX"},
        {"transfer_id": "01HZX3Y8J7K6M5N4P3Q2R1S0TX"},
        {"direction": Direction.CREDIT},
        {"amount": Decimal("12.51")},
        {"currency": "EUR"},
        {"balance_after": Decimal("87.51")},
        {"counterparty_id": "bobby"},
        {"counterparty_id": None},
        {"created_at": datetime(2024, 5, 1, 12, 0, 0, 123457, tzinfo=UTC)},
        {"memo": "rent!"},
        {"memo": None},
    ],
)
def test_every_field_changes_the_hash(change: dict[str, object]) -> None:
    assert entry_hash(GOLDEN_GENESIS_ALICE, entry(**change)) != GOLDEN_HASH


def test_previous_hash_changes_the_hash() -> None:
    assert entry_hash("0" * 64, entry()) != GOLDEN_HASH


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # A separator-based encoding would join both to "...|bob|...|a|b".
        ({"counterparty_id": "bob", "memo": "a|b"}, {"counterparty_id": "bob|a", "memo": "b"}),
        ({"id": "E1", "transfer_id": "2T"}, {"id": "E12", "transfer_id": "T"}),
        ({"memo": "rent\x00\x00\x00\x01x"}, {"memo": "rent"}),
        ({"counterparty_id": None, "memo": "bob"}, {"counterparty_id": "bob", "memo": None}),
    ],
)
def test_field_boundaries_cannot_shift(first: dict[str, object], second: dict[str, object]) -> None:
    assert canonical_encoding(entry(**first)) != canonical_encoding(entry(**second))


def test_values_that_dynamodb_normalizes_hash_like_the_written_ones() -> None:
    # DynamoDB returns 12.50 as 12.5 and 100.00 as 1E+2; -0 is 0.
    written = entry(amount=Decimal("12.50"), balance_after=Decimal("100.00"))
    read = entry(amount=Decimal("12.5"), balance_after=Decimal("1E+2"))
    assert canonical_encoding(read) == canonical_encoding(written)
    assert canonical_amount(Decimal("-0.00"), "USD") == "0.00"
    assert canonical_amount(Decimal("7"), "JPY") == "7"
    assert canonical_amount(Decimal("1.5"), "KWD") == "1.500"


def test_times_are_utc_with_microseconds() -> None:
    paris = timezone(timedelta(hours=2))
    assert (
        canonical_time(datetime(2024, 5, 1, 14, 0, tzinfo=paris)) == "2024-05-01T12:00:00.000000Z"
    )
    assert canonical_time(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"
    same_moment = entry(created_at=datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=paris))
    assert entry_hash(GOLDEN_GENESIS_ALICE, same_moment) == GOLDEN_HASH


@pytest.mark.parametrize(
    "change",
    [
        {"amount": Decimal("12.505")},  # rounding would hide a tampered sub-cent
        {"balance_after": Decimal("NaN")},
        {"currency": "XXX"},
        {"created_at": datetime(2024, 5, 1, 12, 0)},  # naive
        {"direction": "SIDEWAYS"},
        {"version": 0},
        {"version": True},
        {"memo": "\ud800"},  # a lone surrogate has no UTF-8 form
    ],
)
def test_non_canonical_entries_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(NotCanonical):
        canonical_encoding(entry(**change))


@pytest.mark.parametrize(
    "previous", ["0" * 63, "0" * 64 + "0", "A" * 64, " " + "0" * 63, "0x" + "0" * 62]
)
def test_malformed_previous_hash_is_refused(previous: str) -> None:
    with pytest.raises(NotCanonical):
        entry_hash(previous, entry())


def test_genesis_is_per_account() -> None:
    assert genesis("alice") == Digest(0, GOLDEN_GENESIS_ALICE)
    assert genesis_hash("alice") != genesis_hash("bob")
    # The same entry contents under another account's chain never collide either.
    assert entry_hash(genesis_hash("bob"), entry()) != GOLDEN_HASH


def test_advance_appends_only_the_next_version() -> None:
    head = Digest(41, GOLDEN_GENESIS_ALICE)
    assert advance(head, entry()) == Digest(42, GOLDEN_HASH)
    with pytest.raises(NotCanonical):
        advance(Digest(40, GOLDEN_GENESIS_ALICE), entry())


def test_link_keeps_every_entry_field() -> None:
    linked = link(entry(), hash=GOLDEN_HASH, previous_hash=GOLDEN_GENESIS_ALICE)
    assert canonical_encoding(linked) == GOLDEN_ENCODING
    assert (linked.hash, linked.previous_hash) == (GOLDEN_HASH, GOLDEN_GENESIS_ALICE)
    assert linked.delta == Decimal("-12.50")


def test_benchmark_microseconds_per_entry_hash() -> None:
    """Prints the cost; asserts nothing about time (shared CI cores)."""
    sample = entry()
    rounds = 20_000
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            entry_hash(GOLDEN_GENESIS_ALICE, sample)
        best = min(best, time.perf_counter() - started)
    print(f"\nentry_hash: {best / rounds * 1e6:.2f} µs per entry (best of 5 x {rounds})")  # noqa: T201
