"""HoldSweeper: releases holds past their expiry, with no scan and no client action.

Each round reads the expiry index hour by hour, from the first hour not yet known to be empty
(the checkpoint; on a table never swept, `lookback` before now) up to the current hour, and
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
    ) -> None:
        self._holds = holds
        self._due = due
        self._clock = clock
        self._interval = interval_seconds
        self._batch = batch
        self._lookback = lookback
        self._start: datetime | None = None

    async def sweep_once(self) -> int:
        """Expire every hold due now; returns how many were released."""
        now = self._clock()
        current = hour_of(now)
        if self._start is None:
            self._start = await self._due.swept_until() or hour_of(now - self._lookback)
        hour, released, clean, swept = self._start, 0, True, self._start
        while hour <= current:
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
            if clean and hour < current and len(ids) < self._batch:
                swept = hour + HOUR
            else:
                clean = False
            hour += HOUR
        if swept > self._start:
            self._start = swept
            await self._due.mark_swept(swept)
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
