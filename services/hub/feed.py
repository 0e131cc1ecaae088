"""BalanceFeed: one account's balance changes, resumable, with no gap and no duplicate.

`subscribe_balance(account_id, after_version)` subscribes to the hub first (buffering), then
replays the committed entries after `after_version` from the table, then continues live,
dropping live events the replay already gave. A gap in live versions (a lost message) is
filled from the table, so the subscriber sees every version exactly once, in order.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from services.domain.errors import InvalidInput
from services.domain.events import BalanceChanged
from services.hub.ports import EventHub, HistorySource
from services.hub.replay import committed_changes

log = logging.getLogger(__name__)


class BalanceFeed:
    def __init__(self, hub: EventHub, history: HistorySource, *, page_size: int = 500) -> None:
        self._hub = hub
        self._history = history
        self._page_size = page_size

    async def subscribe_balance(
        self, account_id: str, after_version: int | None = None
    ) -> AsyncIterator[BalanceChanged]:
        """Every change of `account_id` after `after_version` (None: after its current
        version), exactly once and in version order, then live ones until the caller stops.

        Raises AccountNotFound and InvalidInput (negative version) before yielding anything;
        SubscriptionClosed when the reader falls too far behind (resume with the last version).
        """
        if after_version is not None and (isinstance(after_version, bool) or after_version < 0):
            raise InvalidInput("after_version must be 0 or more", field="after_version")
        subscription = await self._hub.subscribe(account_id)
        try:
            account = await self._history.get_account(account_id)
            last = account.version if after_version is None else after_version
            while True:
                async for event in committed_changes(
                    self._history, account_id, last, None, page_size=self._page_size
                ):
                    last = event.version
                    yield event
                if not subscription.closed:
                    break
                # The live buffer overflowed while we replayed: listen afresh, replay the rest.
                subscription = await self._hub.subscribe(account_id)
            async for event in subscription:
                if event.version <= last:
                    continue  # the replay (or an earlier fill) gave it already
                if event.version > last + 1:
                    log.info(
                        "balance feed gap filled from the table",
                        extra={"account_id": account_id, "after": last, "got": event.version},
                    )
                    async for missed in committed_changes(
                        self._history,
                        account_id,
                        last,
                        event.version - 1,
                        page_size=self._page_size,
                    ):
                        last = missed.version
                        yield missed
                last = event.version
                yield event
        finally:
            subscription.close()
