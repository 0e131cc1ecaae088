"""HoldSweeper: releases holds past their expiry, with no scan and no client action.

Each round reads the expiry index hour by hour: the last two hours, and the backlog from the
first hour not yet known to be empty (kept in memory: a new process starts `lookback` before
now and walks it `hours_per_round` at a time, so a round costs a few Queries at most), and
expires each due hold in its own conditioned transaction (`HoldService.expire`): a capture or
void racing it either wins or finds the hold EXPIRED. A hold the index missed (older than the
lookback) is still expired by the first capture or void that finds it past its expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from services.domain.errors import LedgerError, LedgerUnavailable
from services.domain.holds import MAX_EXPIRES_IN_SECONDS
from services.ledger.hold_ports import DueHolds
from services.ledger.holds import HoldService

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
#: On a table never swept: the longest a hold may live, and an hour to spare.
DEFAULT_LOOKBACK = timedelta(seconds=MAX_EXPIRES_IN_SECONDS) + HOUR


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class HoldSweeper:
    def __init__(
        self,
        holds: HoldService,
        due: DueHolds,
        *,
        clock: Callable[[], datetime],
        interval_seconds: float = 1.0,
        batch: int = 100,
        lookback: timedelta = DEFAULT_LOOKBACK,
        hours_per_round: int = 24,
    ) -> None:
        self._holds = holds
        self._due = due
        self._clock = clock
        self._interval = interval_seconds
        self._batch = batch
        self._lookback = lookback
        self._hours_per_round = hours_per_round
        self._start: datetime | None = None

    async def sweep_once(self) -> int:
        """Expire every hold due now in the hours this round reads; returns how many."""
        now = self._clock()
        current = hour_of(now)
        if self._start is None:
            self._start = hour_of(now - self._lookback)
        # The backlog a round at most (a fresh process walks the lookback over a few
        # rounds), and always the last two hours, where new expiries fall.
        backlog_end = min(self._start + self._hours_per_round * HOUR, current - HOUR)
        hours = [self._start + i * HOUR for i in range(int((backlog_end - self._start) / HOUR))]
        hours += [h for h in (current - HOUR, current) if h >= self._start]
        released, clean = 0, True
        for hour in hours:
            ids = await self._due.due_in_hour(hour, now, self._batch)
            for hold_id in ids:
                try:
                    ended = await self._holds.expire(hold_id)
                except (LedgerError, LedgerUnavailable) as exc:
                    log.warning("hold not expired", extra={"hold": hold_id, "reason": str(exc)})
                    clean = False
                    continue
                released += ended.status == "EXPIRED"
            # An hour past, fully read and released, never holds a due item again.
            if clean and hour == self._start and hour < current and len(ids) < self._batch:
                self._start = hour + HOUR
            else:
                clean = False
        return released

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Sweep every `interval_seconds` until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                await self.sweep_once()
            except Exception:  # the sweeper must outlive a failing round
                log.exception("hold sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
