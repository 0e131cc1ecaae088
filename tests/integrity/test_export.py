from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal

from services.integrity.chain import EntryFields
from services.integrity.export import COLUMNS, export_row, write_csv, write_jsonl
from tests.integrity.builders import entry, history


async def stream(entries: Sequence[EntryFields]) -> AsyncIterator[EntryFields]:
    for item in entries:
        yield item


def sample() -> list[EntryFields]:
    _, linked = history(count=5)
    return [
        *linked,
        entry(),  # no links yet: a plain Entry
        entry(currency="JPY", amount=Decimal("7"), balance_after=Decimal("-1E+3"), version=43),
        entry(memo='quote " comma , newline\nünïcode', counterparty_id=None, version=44),
        entry(memo="=HYPERLINK(1)", amount=Decimal("0.10"), version=45),
    ]


def expected_text(item: EntryFields) -> dict[str, str]:
    """Every column as the exact text a spreadsheet or DuckDB would read."""
    return {k: "" if v is None else str(v) for k, v in export_row(item).items()}


def test_row_has_the_documented_columns_and_exact_amounts() -> None:
    items = sample()
    assert tuple(export_row(items[0])) == COLUMNS
    assert export_row(items[6])["amount"] == "7"
    assert export_row(items[6])["balance_after"] == "-1000"
    assert export_row(items[8])["amount"] == "0.10"
    assert export_row(items[5])["created_at"] == "2024-05-01T12:00:00.123456Z"
    assert export_row(items[5])["hash"] is None
    assert export_row(items[0])["hash"] == items[0].hash  # type: ignore[attr-defined]


async def test_jsonl_round_trip() -> None:
    items = sample()
    out = io.StringIO()
    seen: list[int] = []
    assert await write_jsonl(stream(items), out, progress=seen.append, every=4) == len(items)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [export_row(item) for item in items]
    assert seen == [4, 8, 9]
    assert Decimal(json.loads(lines[0])["amount"]) == items[0].amount


async def test_csv_round_trip() -> None:
    items = sample()
    out = io.StringIO(newline="")
    assert await write_csv(stream(items), out) == len(items)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [expected_text(item) for item in items]
    assert out.getvalue().startswith(",".join(COLUMNS) + "\r\n")


async def test_csv_spreadsheet_safe_defuses_formulas_only_in_text() -> None:
    yen = entry(currency="JPY", amount=Decimal("7"), balance_after=Decimal("-1E+3"), memo="-1+1")
    items = [sample()[8], yen]
    out = io.StringIO(newline="")
    await write_csv(stream(items), out, spreadsheet_safe=True)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [row["memo"] for row in rows] == ["'=HYPERLINK(1)", "'-1+1"]
    assert rows[1]["balance_after"] == "-1000"  # numbers keep their sign


async def test_an_empty_export_still_reports_progress() -> None:
    seen: list[int] = []
    out = io.StringIO(newline="")
    assert await write_csv(stream([]), out, progress=seen.append) == 0
    assert seen == [0]
    assert out.getvalue() == ",".join(COLUMNS) + "\r\n"
