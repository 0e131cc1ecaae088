"""BalanceChanged to and from JSON text, for carrying events between processes (Redis).

The format is the ledger's own, versioned, and independent of the table's item layout, so a
table change never breaks a mixed-version rollout. Amounts travel as exact decimal strings.
A message of another version (or no message at all) raises ValueError: the hub drops it and
fills the gap from the table when the next event arrives.

    {"v": 1, "event": "BalanceChanged", "entry": {"id": ..., "transfer_id": ...,
     "account_id": ..., "counterparty_id": ... | null, "direction": "DEBIT" | "CREDIT",
     "amount": "12.34", "balance_after": "87.66", "version": 2, "currency": "USD",
     "created_at": "2026-11-25T13:38:46.994348+00:00", "memo": ... | null,
     "exchange": {"rate": "0.9223", "counter_amount": "9.22", "counter_currency": "EUR",
                  "quote_id": ...}}}

`exchange` (an entry of a currency exchange) is an addition within version 1: present only on
such entries, ignored by readers that predate it (they read named keys only), and read as
absent (None) when missing, so both versions of a rollout understand each other.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.domain.events import BalanceChanged
from services.domain.model import ChangeKind, Direction, Entry, Exchange
from services.domain.money import format_amount

VERSION = 1
_NAME = "BalanceChanged"


def dumps(event: BalanceChanged) -> str:
    entry = event.entry
    body: dict[str, Any] = {
        "v": VERSION,
        "event": _NAME,
        "entry": {
            "id": entry.id,
            "transfer_id": entry.transfer_id,
            "account_id": entry.account_id,
            "counterparty_id": entry.counterparty_id,
            "direction": entry.direction.value,
            "amount": format_amount(entry.amount, entry.currency),
            "balance_after": format_amount(entry.balance_after, entry.currency),
            "version": entry.version,
            "currency": entry.currency,
            "created_at": entry.created_at.isoformat(),
            "memo": entry.memo,
            # Optional for readers of this version: a sender without them means none.
            "pending_after": format_amount(entry.pending_after, entry.currency),
            "kind": None if entry.kind is None else entry.kind.value,
            "metadata": dict(entry.metadata),
        },
    }
    if entry.exchange is not None:
        body["entry"]["exchange"] = {
            "rate": format(entry.exchange.rate, "f"),
            "counter_amount": format_amount(
                entry.exchange.counter_amount, entry.exchange.counter_currency
            ),
            "counter_currency": entry.exchange.counter_currency,
            "quote_id": entry.exchange.quote_id,
        }
    return json.dumps(body, separators=(",", ":"))


def loads(text: str | bytes) -> BalanceChanged:
    """Raises ValueError (or KeyError, TypeError) for text that is not an encoded BalanceChanged
    of this version."""
    body: Any = json.loads(text)
    if (
        not isinstance(body, dict)
        or body.get("v") != VERSION
        or body.get("event") != "BalanceChanged"
    ):
        raise ValueError(f"not a version {VERSION} BalanceChanged message")
    entry = body["entry"]
    return BalanceChanged(
        Entry(
            id=_text(entry["id"]),
            transfer_id=_text(entry["transfer_id"]),
            account_id=_text(entry["account_id"]),
            counterparty_id=_optional_text(entry["counterparty_id"]),
            direction=Direction(entry["direction"]),
            amount=_decimal(entry["amount"]),
            balance_after=_decimal(entry["balance_after"]),
            version=_int(entry["version"]),
            currency=_text(entry["currency"]),
            created_at=datetime.fromisoformat(_text(entry["created_at"])),
            memo=_optional_text(entry["memo"]),
            exchange=_exchange(entry.get("exchange")),
            pending_after=_decimal(entry.get("pending_after", "0")),
            kind=None if entry.get("kind") is None else ChangeKind(_text(entry["kind"])),
            metadata=_labels(entry.get("metadata") or {}),
        )
    )


def _exchange(value: object) -> Exchange | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"expected an exchange object, got {value!r}")
    return Exchange(
        rate=_decimal(value["rate"]),
        counter_amount=_decimal(value["counter_amount"]),
        counter_currency=_text(value["counter_currency"]),
        quote_id=_text(value["quote_id"]),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _decimal(value: object) -> Decimal:
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return number


def _labels(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of strings, got {value!r}")
    return {_text(k): _text(v) for k, v in value.items()}
