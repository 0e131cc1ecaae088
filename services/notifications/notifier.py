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
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.domain.errors import AccountNotFound
from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry
from services.notifications import templates
from services.notifications.caps import RecipientCaps
from services.notifications.health import ProviderHealth
from services.notifications.model import Channel, Message, Notification, Status
from services.notifications.ports import Accounts, Outbox, PermanentSendError, Sender
from services.notifications.sweeps import RetrySweeps
from services.retry import Backoff

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Notifier(RetrySweeps):
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
        #: Claims whose caller was cancelled: they still finish, and `drain` waits for them.
        self._claiming: set[asyncio.Task[None]] = set()
        #: Older notifications are no longer retried automatically: the dead-letter listing.
        self.max_age_seconds = max_age.total_seconds()
        self.sweep_every_seconds = sweep_every.total_seconds()
        self._max_in_flight = max_in_flight
        #: Claimed, waiting for a send slot (each is PENDING in the outbox as well).
        self._waiting: deque[Notification] = deque()
        self._max_waiting = max_in_flight * 10
        #: Claimed notifications left to the outbox alone (the queue was full).
        self.deferred = 0
        self.health = ProviderHealth()

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
            # claim never stays PENDING with nobody to send it (and `drain` waits for it).
            claiming = asyncio.ensure_future(self._claim_and_dispatch(notification))
            self._claiming.add(claiming)
            claiming.add_done_callback(self._claiming.discard)
            await asyncio.shield(claiming)

    async def _claim_and_dispatch(self, notification: Notification) -> None:
        """Claim, then start the send or queue it: never waits for a provider or a slot."""
        if not await self._outbox.claim(notification):
            return  # recorded before: sent, being sent, or failed
        if self._caps and (suppressed := await self._caps.refusal(notification)):
            await self._record(notification, 0, error=suppressed)  # FAILED, with the reason
            return
        if len(self._in_flight) < self._max_in_flight:
            self._start(self._deliver(notification, new=True))
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
        return await self._deliver(notification, new=True)

    async def drain(self) -> None:
        """Wait for every send started or queued so far (before returning from a Lambda, on
        shutdown)."""
        while self._in_flight or self._claiming:
            await asyncio.gather(*self._claiming, *self._in_flight, return_exceptions=True)

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

    async def _deliver(self, notification: Notification, *, new: bool = False) -> bool:
        """Send with retries, then record the outcome. True when sent. A `new` one is not
        tried while its provider is down (the sweep probes it, then sends the rest)."""
        sender = self._senders[notification.channel]
        error = "no attempt made"
        tries = 0
        if new and self.health.down(notification.channel):
            last = self.health.last_error(notification.channel)
            await self._record(notification, 0, error=f"not tried, provider down: {last}")
            return False
        for attempt in range(self._max_attempts):
            tries += 1
            try:
                provider_id = await sender.send(notification.recipient, notification.message)
            except PermanentSendError as exc:
                error = f"refused: {exc}"
                break
            except Exception as exc:  # noqa: BLE001 - any provider failure is retried, then kept
                error = repr(exc)
                self.health.failed(notification.channel, error)
                if attempt + 1 < self._max_attempts:
                    await self._backoff.sleep(attempt)
                continue
            self.health.succeeded(notification.channel)
            log.info(
                "notification sent",
                extra={**_log_fields(notification), "provider_message_id": provider_id},
            )
            await self._record(notification, tries, provider_id=provider_id, error=None)
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
        """Write the outcome, retrying. A failure left PENDING is only sent again (which is
        right); a send left PENDING would be sent twice once stale, so the SENT mark is retried
        until it is written or `stale_after` has passed (the duplicate window, logged with the
        provider's message id so that the duplicate can be traced)."""
        give_up_at = time.monotonic() + (
            self._stale_after.total_seconds() if error is None else 0.0
        )
        attempt = 0
        while True:
            try:
                if error is None:
                    await self._outbox.mark_sent(notification, provider_id, tries)
                else:
                    await self._outbox.mark_failed(notification, error, tries)
                return
            except Exception as exc:  # noqa: BLE001 - logged; the record stays PENDING
                attempt += 1
                last = attempt >= 3 and time.monotonic() >= give_up_at
                log.log(
                    logging.ERROR if last else logging.WARNING,
                    "notification outcome not recorded"
                    + (": it may be sent again" if last and error is None else ""),
                    extra={
                        **_log_fields(notification),
                        "provider_message_id": provider_id,
                        "error": repr(exc),
                        "attempt": attempt,
                    },
                )
                if last:
                    return
                await self._backoff.sleep(min(attempt - 1, 6))

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
