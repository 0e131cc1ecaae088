"""Committed balance changes read back from the table: the one way the hub fills a gap."""

from __future__ import annotations

from collections.abc import AsyncIterator

from services.domain.events import BalanceChanged
from services.hub.ports import HistorySource


async def committed_changes(
    history: HistorySource, account_id: str, after: int, up_to: int | None, *, page_size: int
) -> AsyncIterator[BalanceChanged]:
    """The changes of `account_id` after version `after` (up to `up_to`, None: to the latest),
    oldest first, read from the table `page_size` entries at a time."""
    while up_to is None or after < up_to:
        entries = await history.entries_after(account_id, after, page_size)
        for entry in entries:
            if up_to is not None and entry.version > up_to:
                return
            after = entry.version
            yield BalanceChanged(entry)
        if len(entries) < page_size:
            return
