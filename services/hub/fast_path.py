"""LiveFastPath: publish committed entries to the hub the moment the commit is answered.

The stream worker publishes every entry again when its record arrives (a few hundred ms
later on AWS); subscribers keep one copy of each version because the balance feed and the
Redis hub order and de-duplicate by version and fill gaps from the table. So the fast path
may lose events (a crash, a Redis error, too much in flight), and it never fails or slows
the commit: `committed` only schedules one task, bounded in number, and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from services.domain.events import BalanceChanged
from services.domain.model import Entry
from services.hub.ports import EventHub

log = logging.getLogger(__name__)


def _no_trace() -> str | None:
    return None


class LiveFastPath:
    """A `CommitListener` (services.ledger.commits) that publishes each committed entry as
    the same BalanceChanged the stream worker will publish for it.

    `max_in_flight` bounds the publishing tasks: past it, commits are not published here
    (the stream delivers them). `traceparent` gives the committing operation's trace (the
    one the entry item records), so both copies of an event carry the same.
    """

    def __init__(
        self,
        hub: EventHub,
        *,
        max_in_flight: int = 1024,
        traceparent: Callable[[], str | None] = _no_trace,
    ) -> None:
        self._hub = hub
        self._max_in_flight = max_in_flight
        self._traceparent = traceparent
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def committed(self, entries: Sequence[Entry]) -> None:
        if self._closed:
            return
        if len(self._tasks) >= self._max_in_flight:
            self.skipped(len(entries))
            return
        traceparent = self._traceparent()
        events = [BalanceChanged(entry, traceparent) for entry in entries]
        task = asyncio.get_running_loop().create_task(self._publish(events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Stop publishing; cancel what is still in flight (the stream delivers it)."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Their done callbacks (which discard them) run a loop iteration later.
        self._tasks.clear()

    async def _publish(self, events: list[BalanceChanged]) -> None:
        for event in events:
            try:
                await self._hub.publish(event)
            except Exception as exc:  # noqa: BLE001 - the stream delivers what we could not
                self.failed(event, exc)
            else:
                self.published(event)

    # Outcomes, overridden by the metrics wrapper (services.observability.hub).

    def published(self, event: BalanceChanged) -> None:
        """One event handed to the hub."""

    def failed(self, event: BalanceChanged, error: Exception) -> None:
        """The hub refused one event: logged; the stream delivers it."""
        log.warning(
            "live fast path publish failed",
            extra={"account_id": event.account_id, "version": event.version, "error": repr(error)},
        )

    def skipped(self, count: int) -> None:
        """`count` entries not published: too many publishes in flight."""
        log.warning("live fast path saturated", extra={"skipped": count})
