"""Defect 6 (remainder): the provider accepted a message but its SENT mark could not be written.
The notifier gave up on the mark after three quick tries, so the notification stayed PENDING
and the retry sweep sent it again once stale. Now the mark is retried until it is written (or
the stale age has passed: the one duplicate window the README names), and the record keeps
the provider's message id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.bootstrap import Services
from services.notifications.model import Channel, Notification
from tests.streams.support import SmsGateway
from tests.streams.test_notifications import ALICE_PHONE, open_accounts, run_worker


class FlakyMarks:
    """The outbox's mark_sent fails `failures` times (DynamoDB unavailable for a while)."""

    def __init__(self, outbox: Any, failures: int) -> None:
        self._mark_sent = outbox.mark_sent
        self.left = failures
        self.provider_ids: list[str | None] = []

    async def __call__(
        self, notification: Notification, provider_message_id: str | None, attempts: int
    ) -> None:
        if notification.channel is Channel.SMS and self.left > 0:
            self.left -= 1
            raise ConnectionError("DynamoDB unavailable")
        self.provider_ids.append(provider_message_id)
        await self._mark_sent(notification, provider_message_id, attempts)


async def test_a_sent_message_whose_mark_keeps_failing_is_not_sent_again(
    services: Services, sms_gateway: SmsGateway
) -> None:
    await open_accounts(services)
    notifier = services.notifier
    outbox = notifier._outbox
    flaky = FlakyMarks(outbox, failures=8)
    outbox.mark_sent = flaky  # type: ignore[method-assign]
    await services.ledger.transfer_credits("alice", "bob", "1.00", idempotency_key="m1")

    await run_worker(services)
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 2  # opening balance and the debit

    # Much later, the retry sweep looks for abandoned PENDING notifications: there are none.
    notifier._stale_after = timedelta(0)
    report = await notifier.sweep_once()
    await notifier.drain()
    assert report.sent == 0
    assert len(sms_gateway.texts_to(ALICE_PHONE)) == 2, "sent twice"
    assert await notifier.failed() == []
    assert flaky.left == 0
    assert "sms-1" in flaky.provider_ids  # the gateway's message id is recorded
