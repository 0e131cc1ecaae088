"""Committed balance changes read back from the table: the one way the hub fills a gap, and
the one rule for putting a stream of versions in order (drop what was seen, fill a jump)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from services.domain.events import BalanceChanged
from services.hub.ports import HistorySource

log = logging.getLogger(__name__)


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


async def continuing(
    history: HistorySource,
    account_id: str,
    last: int,
    event: BalanceChanged,
    *,
    page_size: int,
    where: str,
) -> AsyncIterator[BalanceChanged]:
    """What comes after version `last`, given that `event` arrived: nothing when it was seen
    already (version <= last), else the versions missed in between (read from the table), then
    `event`. The caller advances `last` with each change it takes. `where` names the caller in
    the gap's log line."""
    if event.version <= last:
        return
    if event.version > last + 1:
        log.info(
            "gap filled from the table",
            extra={"where": where, "account_id": account_id, "after": last, "got": event.version},
        )
        async for missed in committed_changes(
            history, account_id, last, event.version - 1, page_size=page_size
        ):
            last = missed.version
            yield missed
        if event.version <= last:
            return
    yield event
