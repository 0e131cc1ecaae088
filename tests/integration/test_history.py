"""Paging through history: newest first, every entry once, a cursor that ends with None."""

from __future__ import annotations

import pytest

from services import AccountNotFound, InvalidInput, Ledger
from services.ledger.cursor import encode_cursor

ENTRIES = 250


@pytest.fixture
async def busy(ledger: Ledger) -> Ledger:
    await ledger.create_account_with_balance("busy", "1000.00")
    await ledger.create_account_with_balance("other", "1000.00")
    for n in range(ENTRIES - 1):  # plus the opening entry: 250 in all
        if n % 2:
            await ledger.transfer_credits("busy", "other", "1.00", memo=f"n{n}")
        else:
            await ledger.transfer_credits("other", "busy", "2.00", memo=f"n{n}")
    return ledger


@pytest.fixture
async def few(ledger: Ledger) -> Ledger:
    """Enough history for checks that do not page through all of it."""
    await ledger.create_account_with_balance("busy", "10.00")
    await ledger.create_account_with_balance("other", "10.00")
    for _ in range(3):
        await ledger.transfer_credits("busy", "other", "1.00")
    return ledger


@pytest.mark.parametrize("page_size", [7, 20, 100])
async def test_pages_cover_every_entry_once_newest_first(busy: Ledger, page_size: int) -> None:
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await busy.get_transactions("busy", page_size, cursor)
        pages += 1
        assert len(page.entries) <= page_size
        seen.extend(entry.version for entry in page.entries)
        if page.next_cursor is None:
            break
        assert len(page.entries) == page_size
        cursor = page.next_cursor
    assert seen == list(range(ENTRIES, 0, -1))
    assert pages == -(-ENTRIES // page_size)


async def test_exact_multiple_ends_with_none(busy: Ledger) -> None:
    first = await busy.get_transactions("busy", 125)
    second = await busy.get_transactions("busy", 125, first.next_cursor)
    assert len(second.entries) == 125
    assert second.next_cursor is None


async def test_cursor_is_bound_to_its_account(few: Ledger) -> None:
    page = await few.get_transactions("busy", 2)
    assert page.next_cursor is not None
    with pytest.raises(InvalidInput) as raised:
        await few.get_transactions("other", 2, page.next_cursor)
    assert raised.value.field == "after"


@pytest.mark.parametrize("cursor", ["", "garbage", "!!!", encode_cursor("busy", 0)])
async def test_malformed_cursor(few: Ledger, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        await few.get_transactions("busy", 5, cursor)


@pytest.mark.parametrize("limit", [0, -1, 1001, 2**40])
async def test_limit_bounds(few: Ledger, limit: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        await few.get_transactions("busy", limit)
    assert raised.value.field == "limit"


async def test_unknown_account_has_no_history(ledger: Ledger) -> None:
    with pytest.raises(AccountNotFound):
        await ledger.get_transactions("nobody", 10)


async def test_entries_after_replays_oldest_first(busy: Ledger) -> None:
    replay = await busy.entries_after("busy", 240, limit=100)
    assert [entry.version for entry in replay] == list(range(241, 251))
