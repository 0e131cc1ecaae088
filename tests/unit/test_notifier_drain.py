"""The flaky worker-restart count of tests/streams/test_scenarios.py: a worker cancelled while
a notification's claim was in flight let the (shielded) claim finish after `drain` had already
returned, so its send started on closed clients and the claim stayed PENDING: one message
short until the stale sweep. `drain` now waits for such claims and their sends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from services.domain.events import BalanceChanged
from services.domain.model import Account
from services.dynamo import items as codec
from services.notifications.model import Channel, Message, Notification
from services.notifications.notifier import Notifier
from tests.unit.test_events_decode import ENTRY_IMAGE


class SlowClaims:
    """An outbox whose claims wait for `release` (a write in flight when the worker stops)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.claimed: list[Notification] = []
        self.sent: list[str] = []

    async def claim(self, notification: Notification) -> bool:
        await self.release.wait()
        self.claimed.append(notification)
        return True

    async def reclaim(self, notification: Notification, stale_before: datetime) -> bool:
        return True

    async def mark_sent(
        self, notification: Notification, provider_message_id: str | None, attempts: int
    ) -> None:
        self.sent.append(notification.entry_id)

    async def mark_failed(self, notification: Notification, error: str, attempts: int) -> None:
        raise AssertionError(error)

    async def open_notifications(self) -> list[Notification]:
        return []


class Holders:
    async def get_account(self, account_id: str) -> Account:
        return Account(
            id=account_id,
            balance=Decimal("1"),
            currency="USD",
            created_at=datetime.now(UTC),
            version=2,
            email="alice@example.com",
        )


class Mailer:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, recipient: str, message: Message) -> str | None:
        self.messages.append(message)
        return "id-1"


async def test_drain_waits_for_a_claim_whose_worker_was_cancelled() -> None:
    outbox, mailer = SlowClaims(), Mailer()
    notifier = Notifier(Holders(), outbox, {Channel.EMAIL: mailer})
    event = BalanceChanged(codec.entry_from_item(ENTRY_IMAGE))
    handling = asyncio.create_task(notifier.handle(event))
    await asyncio.sleep(0.01)  # the claim is in flight
    handling.cancel()  # the worker stops (its task is cancelled mid-batch)
    asyncio.get_running_loop().call_later(0.05, outbox.release.set)

    await notifier.drain()  # shutdown: must not return before the claimed one is sent

    assert len(outbox.claimed) == 1
    assert len(mailer.messages) == 1
    assert outbox.sent == [event.entry.id]
