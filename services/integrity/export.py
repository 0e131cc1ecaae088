"""Entry exports for analytics (issue 13.5): JSON Lines and CSV, streamed with O(1) memory.

Columns, in this order (the CSV header; the keys of each JSON object):

    account_id       text
    version          integer, 1, 2, 3... per account
    entry_id         text
    transfer_id      text
    direction        DEBIT or CREDIT
    amount           exact decimal text with the currency's places: "12.50", "7" (JPY)
    currency         ISO 4217 code
    balance_after    exact decimal text, like amount; may be negative
    counterparty_id  text; null (JSON) or empty (CSV) for an opening balance
    memo             text; null or empty when none
    created_at       UTC, "2024-05-01T12:00:00.123456Z"
    hash             64 hex digits; null or empty for an entry written before the chain
    previous_hash    64 hex digits; likewise
    fx_rate          for an entry of a currency exchange: the quoted rate (exact text);
                     null or empty otherwise, as are the three below
    fx_counter_amount    the amount on the other side, with its currency's places
    fx_counter_currency  the other side's currency
    fx_quote_id      the quote the exchange booked

Amounts are strings so no reader turns them into floats: cast with DECIMAL(38, 4) in DuckDB,
`dtype=str` then `Decimal` in pandas. CSV is RFC 4180 (CRLF, quotes where needed), UTF-8.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterable, Callable
from decimal import Decimal
from typing import TextIO

from services.domain.model import Exchange
from services.integrity.chain import EntryFields, NotCanonical, canonical_amount, canonical_time

COLUMNS = (
    "account_id",
    "version",
    "entry_id",
    "transfer_id",
    "direction",
    "amount",
    "currency",
    "balance_after",
    "counterparty_id",
    "memo",
    "created_at",
    "hash",
    "previous_hash",
    "fx_rate",
    "fx_counter_amount",
    "fx_counter_currency",
    "fx_quote_id",
)
# Columns that hold free or client-chosen text: the ones a spreadsheet could take for a formula.
_TEXT_COLUMNS = ("account_id", "entry_id", "transfer_id", "counterparty_id", "memo", "fx_quote_id")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, str | int | None]
Progress = Callable[[int], None]


def export_row(entry: EntryFields) -> Row:
    """One entry as the export's columns. Reads `hash`/`previous_hash` and `exchange` when
    the entry has them."""
    exchange: Exchange | None = getattr(entry, "exchange", None)
    return {
        "account_id": entry.account_id,
        "version": entry.version,
        "entry_id": entry.id,
        "transfer_id": entry.transfer_id,
        "direction": str(entry.direction),
        "amount": _exact(entry.amount, entry.currency),
        "currency": entry.currency,
        "balance_after": _exact(entry.balance_after, entry.currency),
        "counterparty_id": entry.counterparty_id,
        "memo": entry.memo,
        "created_at": _time(entry),
        "hash": _optional_text(getattr(entry, "hash", None)),
        "previous_hash": _optional_text(getattr(entry, "previous_hash", None)),
        "fx_rate": None if exchange is None else format(exchange.rate, "f"),
        "fx_counter_amount": None
        if exchange is None
        else _exact(exchange.counter_amount, exchange.counter_currency),
        "fx_counter_currency": None if exchange is None else exchange.counter_currency,
        "fx_quote_id": None if exchange is None else exchange.quote_id,
    }


async def write_jsonl(
    entries: AsyncIterable[EntryFields],
    out: TextIO,
    *,
    progress: Progress | None = None,
    every: int = 1000,
) -> int:
    """Write one JSON object per line; returns the number of entries written.

    `progress(count)` is called every `every` entries and once at the end.
    """
    count = 0
    async for entry in entries:
        out.write(json.dumps(export_row(entry), ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    if progress is not None:
        progress(count)
    return count


async def write_csv(
    entries: AsyncIterable[EntryFields],
    out: TextIO,
    *,
    progress: Progress | None = None,
    every: int = 1000,
    spreadsheet_safe: bool = False,
) -> int:
    """Write a header and one row per entry; returns the number of entries written.

    `out` should be opened with ``newline=""``. With `spreadsheet_safe`, text cells starting
    like a formula get a leading apostrophe (OWASP's CSV-injection advice); that changes them,
    so leave it off for DuckDB or pandas.
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    async for entry in entries:
        row = export_row(entry)
        if spreadsheet_safe:
            for column in _TEXT_COLUMNS:
                value = row[column]
                if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
                    row[column] = "'" + value
        writer.writerow(row)
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    if progress is not None:
        progress(count)
    return count


def _exact(amount: Decimal, currency: str) -> str:
    try:
        return canonical_amount(amount, currency)
    except NotCanonical:
        # A tampered or foreign value still exports exactly, never rounded.
        return format(amount, "f")


def _time(entry: EntryFields) -> str:
    try:
        return canonical_time(entry.created_at)
    except NotCanonical:
        return entry.created_at.isoformat()


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None
