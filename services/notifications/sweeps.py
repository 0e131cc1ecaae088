"""RetrySweeps: the notifier's automatic and manual retries of what was not sent, as the part
of `Notifier` that reads the outbox's open notifications (FAILED ones after their backoff,
PENDING ones a dead worker left), probes a provider that is down, and lists dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.notifications.caps import is_suppressed
from services.notifications.health import ProviderHealth
from services.notifications.model import Channel, Notification, Status
from services.notifications.ports import Outbox, Sender
from services.retry import Backoff

log = logging.getLogger("services.notifications.notifier")


@dataclass(frozen=True, slots=True)
class RetryReport:
    sent: int
    failed: int
    skipped: int


class RetrySweeps:
    """Mixed into `Notifier`, which sets these and delivers."""

    _outbox: Outbox
    _senders: Mapping[Channel, Sender]
    _backoff: Backoff
    _stale_after: timedelta
    _clock: Callable[[], datetime]
    _max_in_flight: int
    health: ProviderHealth
    max_age_seconds: float
    sweep_every_seconds: float

    async def _deliver(self, notification: Notification, *, new: bool = False) -> bool:
        raise NotImplementedError

    async def failed(self) -> list[Notification]:
        """Notifications that need a retry: FAILED ones and PENDING ones left by a dead worker."""
        stale_before = self._clock() - self._stale_after
        return [
            n
            for n in await self._outbox.open_notifications()
            if n.status is Status.FAILED
            or (n.status is Status.PENDING and n.updated_at < stale_before)
        ]

    async def sweep_once(self) -> RetryReport:
        """Send again, automatically, what is due: FAILED notifications whose backoff (doubling
        with their attempts) has passed, and PENDING ones nobody touched for `stale_after` (a
        worker died, or a claim was left to the outbox); never one older than `max_age`,
        which stays in `dead_letters()`. Waits for the sends it starts."""
        now = self._clock()
        stale_before = now - self._stale_after
        due: list[Notification] = []
        #: Due, but their provider is down: sent once its probe (the first one) succeeds.
        held: list[Notification] = []
        skipped = 0
        for notification in await self._outbox.open_notifications():
            if (
                notification.channel not in self._senders
                or self._is_dead(notification, now)
                or is_suppressed(notification)
            ):
                skipped += 1
                continue
            if notification.status is Status.FAILED:
                wait = min(self._backoff.base_seconds * 2 ** min(notification.attempts, 20), 3600)
                if notification.updated_at + timedelta(seconds=wait) > now:
                    continue
            elif notification.updated_at >= stale_before:
                continue  # being sent, or queued for a slot
            probe = self.health.down(notification.channel)
            if probe and any(n.channel is notification.channel for n in due):
                held.append(notification)
            elif await self._outbox.reclaim(notification, stale_before):
                due.append(replace(notification, status=Status.PENDING))
        outcomes = await self._send_all(due)
        back = []
        for notification in held:
            up = not self.health.down(notification.channel)
            if up and await self._outbox.reclaim(notification, stale_before):
                back.append(replace(notification, status=Status.PENDING))
        outcomes += await self._send_all(back)
        sent = sum(outcomes)
        return RetryReport(sent=sent, failed=len(outcomes) - sent, skipped=skipped)

    async def _send_all(self, notifications: list[Notification]) -> list[bool]:
        slots = asyncio.Semaphore(self._max_in_flight)

        async def send(notification: Notification) -> bool:
            async with slots:
                return await self._deliver(notification)

        return list(await asyncio.gather(*(send(n) for n in notifications)))

    async def dead_letters(self) -> list[Notification]:
        """Unsent notifications older than the maximum age: no longer retried automatically
        (`ledger notifications retry` still sends them)."""
        now = self._clock()
        return [n for n in await self._outbox.open_notifications() if self._is_dead(n, now)]

    async def run_sweeps(self, stop: asyncio.Event | None = None) -> None:
        """`sweep_once` every `sweep_every` until cancelled (or `stop` is set)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.sweep_once()
                if report.sent or report.failed:
                    log.info(
                        "notification sweep",
                        extra={"sent": report.sent, "failed": report.failed},
                    )
            except Exception as exc:  # noqa: BLE001 - the sweeper outlives any one failure
                log.warning("notification sweep failed", extra={"error": repr(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.sweep_every_seconds)

    def _is_dead(self, notification: Notification, now: datetime) -> bool:
        return (now - notification.created_at).total_seconds() > self.max_age_seconds

    async def retry_failed(self) -> RetryReport:
        """Send every failed (or abandoned) notification again, once each."""
        sent = failed = skipped = 0
        stale_before = self._clock() - self._stale_after
        for notification in await self.failed():
            if notification.channel not in self._senders:
                skipped += 1
                continue
            if not await self._outbox.reclaim(notification, stale_before):
                skipped += 1
                continue
            retried = replace(notification, status=Status.PENDING)
            if await self._deliver(retried):
                sent += 1
            else:
                failed += 1
        return RetryReport(sent=sent, failed=failed, skipped=skipped)
