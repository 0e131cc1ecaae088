"""The per-account hash chain: canonical entry encoding, entry hashes and account digests.

Every entry commits to its predecessor: ``hash = SHA-256(previous hash, 32 raw bytes ‖
canonical_encoding(entry))``. The account item carries the head as a `Digest`, written in the
same transaction as the entry and conditioned like the version, so the chain cannot fork.
The README section "Tamper-evident history" specifies the encoding byte by byte.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from services.domain.model import Direction, Entry, Exchange
from services.domain.money import CURRENCY_EXPONENTS

#: First field of every encoded entry. A new encoding gets a new tag; old entries keep theirs.
FORMAT_TAG = "ledger-entry-v1"
#: The tag of an entry of a currency exchange, whose encoding adds the other side's four fields.
FX_FORMAT_TAG = "ledger-entry-fx-v1"
#: The tag of an entry that says more than v1 can: its kind of change, the pending debits after
#: it (holds), its labels; seven fields after v1's, the exchange's four among them (empty if none).
V2_FORMAT_TAG = "ledger-entry-v2"
GENESIS_TAG = "ledger-genesis-v1"

_length = struct.Struct(">I").pack
_TAG = FORMAT_TAG.encode()
_TAG_FIELD = _length(len(_TAG)) + _TAG
_FX_TAG = FX_FORMAT_TAG.encode()
_FX_TAG_FIELD = _length(len(_FX_TAG)) + _FX_TAG
_V2_TAG = V2_FORMAT_TAG.encode()
_V2_TAG_FIELD = _length(len(_V2_TAG)) + _V2_TAG
_QUANTA = {code: Decimal(1).scaleb(-exponent) for code, exponent in CURRENCY_EXPONENTS.items()}
# StrEnum members hash and compare as their value, so this maps both "DEBIT" and Direction.DEBIT.
_DIRECTIONS = {direction: direction.value for direction in Direction}
_HEX_DIGITS = frozenset("0123456789abcdef")


class NotCanonical(ValueError):
    """The entry has no canonical encoding: it could never have been written by the ledger."""


class EntryFields(Protocol):
    """What the encoding reads from an entry; `services.domain.model.Entry` has exactly these."""

    @property
    def id(self) -> str: ...
    @property
    def transfer_id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def counterparty_id(self) -> str | None: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def balance_after(self) -> Decimal: ...
    @property
    def version(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def memo(self) -> str | None: ...


class ChainedEntry(EntryFields, Protocol):
    """An entry as stored, with its links; either may be missing from a tampered item."""

    @property
    def hash(self) -> str | None: ...
    @property
    def previous_hash(self) -> str | None: ...


#: An entry with its stored links: `Entry` carries them itself now.
LinkedEntry = Entry


def link(entry: Entry, *, hash: str | None, previous_hash: str | None) -> Entry:
    """`entry` with the stored links, e.g. the item's ``hash`` and ``previous_hash`` values."""
    return replace(entry, hash=hash, previous_hash=previous_hash)


@dataclass(frozen=True, slots=True)
class Digest:
    """An account's chain head: its version and the hash of the entry with that version."""

    version: int
    hash: str


def genesis_hash(account_id: str) -> str:
    """The hash an account's chain starts from (the "previous hash" of version 1).

    Bound to the account, so a digest, even at version 0, is never valid for another account.
    """
    return hashlib.sha256(_fields((GENESIS_TAG, account_id))).hexdigest()


def genesis(account_id: str) -> Digest:
    """The digest of an account with no entries."""
    return Digest(0, genesis_hash(account_id))


def canonical_amount(amount: Decimal, currency: str) -> str:
    """Plain fixed-point text with exactly the currency's decimal places: "12.50" USD, "7" JPY.

    Raises NotCanonical when that would round, for an unknown currency or a non-finite value.
    """
    quantum = _QUANTA.get(currency)
    if quantum is None:
        raise NotCanonical(f"unknown currency {currency!r}")
    try:
        exact = amount.quantize(quantum)
    except (InvalidOperation, AttributeError, TypeError):
        raise NotCanonical(f"{amount!r} is not a finite decimal amount") from None
    if exact != amount:
        raise NotCanonical(f"{amount} has more decimal places than {currency} allows")
    # -0 and 0 are the same balance; their text must be too.
    return format(exact if exact else exact.copy_abs(), "f")


def canonical_rate(rate: Decimal) -> str:
    """An exchange rate as plain fixed-point text without trailing zeros: "0.9223390518",
    "162.3", "100". Raises NotCanonical for a rate that is not a positive finite decimal."""
    try:
        positive = rate.is_finite() and rate > 0
    except (AttributeError, TypeError):
        positive = False
    if not positive:
        raise NotCanonical(f"{rate!r} is not a positive finite rate")
    return format(rate.normalize(), "f")


def canonical_time(moment: datetime) -> str:
    """UTC with microseconds and a Z: "2024-05-01T12:00:00.000000Z". Raises NotCanonical."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NotCanonical(f"{moment!r} has no time zone")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat, not strftime: glibc's %Y does not zero-pad years before 1000. In UTC it always
    # ends "+00:00", which becomes the Z.
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def canonical_encoding(entry: EntryFields) -> bytes:
    """The bytes an entry's hash covers: the format tag, then eleven length-prefixed fields;
    for an entry of a currency exchange (one with `exchange`), its own tag and four more: the
    rate, the counter amount, the counter currency and the quote id. An entry with a kind,
    pending debits after it or metadata is `ledger-entry-v2`: the eleven, then the kind, the
    pending debits after, the metadata and the exchange's four (empty when none)."""
    version = entry.version
    if type(version) is not int or version < 1:
        raise NotCanonical(f"version {version!r} is not a positive integer")
    try:
        direction = _DIRECTIONS[entry.direction]
    except (KeyError, TypeError):
        raise NotCanonical(f"direction {entry.direction!r} is not DEBIT or CREDIT") from None
    currency = entry.currency
    exchange: Exchange | None = getattr(entry, "exchange", None)
    try:
        base = (
            entry.account_id,
            str(version),
            entry.id,
            entry.transfer_id,
            direction,
            canonical_amount(entry.amount, currency),
            currency,
            canonical_amount(entry.balance_after, currency),
            entry.counterparty_id or "",
            canonical_time(entry.created_at),
            entry.memo or "",
        )
        kind = getattr(entry, "kind", None)
        pending_after = getattr(entry, "pending_after", None) or Decimal(0)
        metadata = getattr(entry, "metadata", None) or {}
        if kind is None and not pending_after and not metadata:
            if exchange is None:
                return _TAG_FIELD + _fields(base)
            return _FX_TAG_FIELD + _fields(base + _exchange_fields(exchange))
        more = (
            "" if kind is None else str(kind.value if hasattr(kind, "value") else kind),
            canonical_amount(pending_after, currency),
            canonical_labels(metadata),
            *(("", "", "", "") if exchange is None else _exchange_fields(exchange)),
        )
        return _V2_TAG_FIELD + _fields(base + more)
    except (UnicodeEncodeError, AttributeError, TypeError) as error:
        raise NotCanonical(f"entry {entry.id!r} has a field that is not text: {error}") from None


def _exchange_fields(exchange: Exchange) -> tuple[str, str, str, str]:
    return (
        canonical_rate(exchange.rate),
        canonical_amount(exchange.counter_amount, exchange.counter_currency),
        exchange.counter_currency,
        exchange.quote_id,
    )


def canonical_labels(metadata: Mapping[str, str]) -> str:
    """Metadata as JSON with sorted keys and no spaces (UTF-8, not escaped); empty when none."""
    if not metadata:
        return ""
    return json.dumps(dict(metadata), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(previous_hash: str, entry: EntryFields) -> str:
    """SHA-256 of the previous hash (32 raw bytes) then the entry's canonical encoding, as hex.

    Raises NotCanonical for a malformed previous hash or entry.
    """
    return hashlib.sha256(_hash_bytes(previous_hash) + canonical_encoding(entry)).hexdigest()


def advance(head: Digest, entry: EntryFields) -> Digest:
    """The account's digest after appending `entry`: what the commit writes on the account item
    and as the entry's hash. Raises NotCanonical when the entry does not follow the head."""
    if entry.version != head.version + 1:
        raise NotCanonical(f"entry version {entry.version} does not follow {head.version}")
    return Digest(entry.version, entry_hash(head.hash, entry))


def is_hash(value: object) -> bool:
    """True for 64 lowercase hex digits, the only form a stored hash takes."""
    return isinstance(value, str) and len(value) == 64 and _HEX_DIGITS.issuperset(value)


def _hash_bytes(value: str) -> bytes:
    if not is_hash(value):
        raise NotCanonical(f"{value!r} is not a SHA-256 hash in lowercase hex")
    return bytes.fromhex(value)


def _fields(values: tuple[str, ...]) -> bytes:
    # A 4-byte big-endian length before each UTF-8 field (SSH's "string"): no separator to
    # escape, so no memo or id can imitate a field boundary.
    parts = []
    for value in values:
        data = value.encode()
        parts.append(_length(len(data)))
        parts.append(data)
    return b"".join(parts)
