"""Notifier: tells account holders about their entries, each (entry, channel) exactly once.

On a BalanceChanged it records a PENDING notification per channel with a conditional write
(keyed by entry and channel) and only then sends, in the background, so that a slow or failing
provider never holds up the stream: `handle` waits for the outbox write, never for a provider
or for send capacity. When `max_in_flight` sends are under way, a claimed notification waits in
a bounded queue (beyond it, in the outbox only, where the retry sweep finds it); a queued one
is taken back with a compare-and-set on its `updated_at` before it is sent, so a sweep that
took it first wins and nothing is sent twice. A replayed record finds the notification already
recorded and sends nothing. A send is retried with backoff; after the last attempt the notification
is FAILED (with the error) until `retry_failed` sends it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from services.domain.errors import AccountNotFound
from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry
from services.notifications import templates
from services.notifications.caps import RecipientCaps, is_suppressed
from services.notifications.model import Channel, Message, Notification, Status
from services.notifications.ports import Accounts, Outbox, PermanentSendError, Sender
from services.retry import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryReport:
    sent: int
    failed: int
    skipped: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Notifier:
    def __init__(
        self,
        accounts: Accounts,
        outbox: Outbox,
        senders: Mapping[Channel, Sender],
        *,
        max_attempts: int = 3,
        backoff: Backoff | None = None,
        max_in_flight: int = 1000,
        stale_after: timedelta = timedelta(minutes=5),
        max_age: timedelta = timedelta(days=1),
        sweep_every: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = _utc_now,
        caps: RecipientCaps | None = None,
    ) -> None:
        self._caps = caps
        self._accounts = accounts
        self._outbox = outbox
        self._senders = dict(senders)
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff or Backoff(0.5, 10.0)
        self._stale_after = stale_after
        self._clock = clock
        self._in_flight: set[asyncio.Task[bool]] = set()
        #: Older notifications are no longer retried automatically: the dead-letter listing.
        self.max_age_seconds = max_age.total_seconds()
        self.sweep_every_seconds = sweep_every.total_seconds()
        self._max_in_flight = max_in_flight
        #: Claimed, waiting for a send slot (each is PENDING in the outbox as well).
        self._waiting: deque[Notification] = deque()
        self._max_waiting = max_in_flight * 10
        #: Claimed notifications left to the outbox alone (the queue was full).
        self.deferred = 0

    async def handle(self, event: BalanceChanged) -> None:
        """Stream handler: record the event's notifications, then send them in the background.

        Raises only when the outbox cannot be written (the record is then delivered again).
        """
        if not self._senders or not templates.notifies(event.entry):
            return
        try:
            account = await self._accounts.get_account(event.account_id)
        except AccountNotFound:
            return
        for channel in self._senders:
            notification = self._build(channel, event.entry, account)
            if notification is None:
                continue  # no e-mail address or phone number: nothing to send
            # Shielded: a worker stopped right here still dispatches what it claimed, so a
            # claim never stays PENDING with nobody to send it.
            await asyncio.shield(self._claim_and_dispatch(notification))

    async def _claim_and_dispatch(self, notification: Notification) -> None:
        """Claim, then start the send or queue it: never waits for a provider or a slot."""
        if not await self._outbox.claim(notification):
            return  # recorded before: sent, being sent, or failed
        if self._caps and (suppressed := await self._caps.refusal(notification)):
            await self._record(notification, 0, error=suppressed)  # FAILED, with the reason
            return
        if len(self._in_flight) < self._max_in_flight:
            self._start(self._deliver(notification))
        elif len(self._waiting) < self._max_waiting:
            self._waiting.append(notification)
        else:
            self.deferred += 1  # PENDING in the outbox: the retry sweep sends it

    def _start(self, delivery: Coroutine[Any, Any, bool]) -> None:
        task = asyncio.get_running_loop().create_task(delivery)
        self._in_flight.add(task)
        task.add_done_callback(self._finished)

    async def _deliver_waiting(self, notification: Notification) -> bool:
        # Taken back only if nobody touched it since we claimed it (a retry sweep may have).
        just_after = notification.updated_at + timedelta(microseconds=1)
        if not await self._outbox.reclaim(notification, just_after):
            return False
        return await self._deliver(notification)

    async def drain(self) -> None:
        """Wait for every send started or queued so far (before returning from a Lambda, on
        shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

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
            if await self._outbox.reclaim(notification, stale_before):
                due.append(replace(notification, status=Status.PENDING))
        slots = asyncio.Semaphore(self._max_in_flight)

        async def send(notification: Notification) -> bool:
            async with slots:
                return await self._deliver(notification)

        outcomes = await asyncio.gather(*(send(n) for n in due))
        sent = sum(outcomes)
        return RetryReport(sent=sent, failed=len(outcomes) - sent, skipped=skipped)

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

    def _build(self, channel: Channel, entry: Entry, account: Account) -> Notification | None:
        recipient = account.email if channel is Channel.EMAIL else account.phone
        if not recipient:
            return None
        message: Message = (
            templates.email_message(entry, account)
            if channel is Channel.EMAIL
            else templates.sms_message(entry)
        )
        now = self._clock()
        return Notification(
            entry_id=entry.id,
            channel=channel,
            account_id=entry.account_id,
            version=entry.version,
            transfer_id=entry.transfer_id,
            recipient=recipient,
            message=message,
            status=Status.PENDING,
            created_at=now,
            updated_at=now,
        )

    async def _deliver(self, notification: Notification) -> bool:
        """Send with retries, then record the outcome. True when sent."""
        sender = self._senders[notification.channel]
        error = "no attempt made"
        tries = 0
        for attempt in range(self._max_attempts):
            tries += 1
            try:
                provider_id = await sender.send(notification.recipient, notification.message)
            except PermanentSendError as exc:
                error = f"refused: {exc}"
                break
            except Exception as exc:  # noqa: BLE001 - any provider failure is retried, then kept
                error = repr(exc)
                if attempt + 1 < self._max_attempts:
                    await self._backoff.sleep(attempt)
                continue
            await self._record(notification, tries, provider_id=provider_id, error=None)
            log.info("notification sent", extra=_log_fields(notification))
            return True
        await self._record(notification, tries, error=error)
        log.warning("notification failed", extra={**_log_fields(notification), "error": error})
        return False

    async def _record(
        self,
        notification: Notification,
        tries: int,
        *,
        provider_id: str | None = None,
        error: str | None,
    ) -> None:
        """Write the outcome, retrying: a sent message left PENDING might be sent again."""
        for attempt in range(3):
            try:
                if error is None:
                    await self._outbox.mark_sent(notification, provider_id, tries)
                else:
                    await self._outbox.mark_failed(notification, error, tries)
                return
            except Exception as exc:  # noqa: BLE001 - logged; the record stays PENDING
                log.error(
                    "notification outcome not recorded",
                    extra={**_log_fields(notification), "error": repr(exc), "attempt": attempt},
                )
                await self._backoff.sleep(attempt)

    def _finished(self, task: asyncio.Task[bool]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("notification task crashed", extra={"error": repr(task.exception())})
        if self._waiting and len(self._in_flight) < self._max_in_flight:
            self._start(self._deliver_waiting(self._waiting.popleft()))


def _log_fields(notification: Notification) -> dict[str, object]:
    # Never the recipient's address or number: logs are no place for contact data.
    return {
        "entry_id": notification.entry_id,
        "channel": notification.channel.value,
        "account_id": notification.account_id,
        "version": notification.version,
    }
