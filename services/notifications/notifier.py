"""Notifier: tells account holders about their entries, each (entry, channel) exactly once.

On a BalanceChanged it records a PENDING notification per channel with a conditional write
(keyed by entry and channel) and only then sends, in the background, so that a slow or failing
provider never holds up the stream. A replayed record finds the notification already recorded
and sends nothing. A send is retried with backoff; after the last attempt the notification
is FAILED (with the error) until `retry_failed` sends it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from services.domain.errors import AccountNotFound
from services.domain.events import BalanceChanged
from services.domain.model import Account, Entry
from services.notifications import templates
from services.notifications.caps import RecipientCaps
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
        clock: Callable[[], datetime] = _utc_now,
        caps: RecipientCaps | None = None,
    ) -> None:
        self._caps = caps
        self._accounts = accounts
        self._outbox = outbox
        self._senders = dict(senders)
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff or Backoff(0.5, 10.0)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._stale_after = stale_after
        self._clock = clock
        self._in_flight: set[asyncio.Task[bool]] = set()

    async def handle(self, event: BalanceChanged) -> None:
        """Stream handler: record the event's notifications, then send them in the background.

        Raises only when the outbox cannot be written (the record is then delivered again).
        """
        if not self._senders:
            return
        try:
            account = await self._accounts.get_account(event.account_id)
        except AccountNotFound:
            return
        for channel in self._senders:
            notification = self._build(channel, event.entry, account)
            if notification is None:
                continue  # no e-mail address or phone number: nothing to send
            await self._slots.acquire()  # backpressure when providers fall far behind
            claimed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            task = asyncio.get_running_loop().create_task(
                self._claim_and_deliver(notification, claimed)
            )
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
            # Shielded: a worker stopped right here still sends what it claimed, so a claim
            # never stays PENDING with nobody to send it.
            await asyncio.shield(claimed)

    async def _claim_and_deliver(
        self, notification: Notification, claimed: asyncio.Future[bool]
    ) -> bool:
        try:
            mine = await self._outbox.claim(notification)
        except Exception as exc:  # noqa: BLE001 - handed to `handle`, which fails the record
            claimed.set_exception(exc)
            claimed.exception()  # retrieved here too: nobody may be waiting any more
            return False
        claimed.set_result(mine)
        if mine and self._caps and (suppressed := await self._caps.refusal(notification)):
            await self._record(notification, 0, error=suppressed)  # FAILED, with the reason
            return False
        return await self._deliver(notification) if mine else False

    async def drain(self) -> None:
        """Wait for every send started so far (before returning from a Lambda, on shutdown)."""
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
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("notification task crashed", extra={"error": repr(task.exception())})


def _log_fields(notification: Notification) -> dict[str, object]:
    # Never the recipient's address or number: logs are no place for contact data.
    return {
        "entry_id": notification.entry_id,
        "channel": notification.channel.value,
        "account_id": notification.account_id,
        "version": notification.version,
    }
