"""What the notifier needs: senders per channel, the outbox, and the account holders."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.domain.model import Account
from services.notifications.model import Message, Notification


class PermanentSendError(Exception):
    """The provider refused the message for good (bad number, unverified sender, ...):
    retrying now is pointless; it is recorded as failed at once."""


class Sender(Protocol):
    """Delivers one message to one recipient. Returns the provider's message id, if any.

    Raises PermanentSendError for a refusal; any other exception is treated as transient.
    """

    async def send(self, recipient: str, message: Message) -> str | None: ...


class Accounts(Protocol):
    async def get_account(self, account_id: str) -> Account: ...


class Outbox(Protocol):
    """Notification records, written before anything is sent."""

    async def claim(self, notification: Notification) -> bool:
        """Record a new PENDING notification. False when one exists already for its entry
        and channel (it was sent, is being sent, or failed): the caller must not send."""
        ...

    async def reclaim(self, notification: Notification, stale_before: datetime) -> bool:
        """Take a FAILED notification (or a PENDING one untouched since `stale_before`) back
        to PENDING for another try. False when someone else took it or it was sent."""
        ...

    async def mark_sent(
        self, notification: Notification, provider_message_id: str | None, attempts: int
    ) -> None:
        """Record the send (and the `attempts` it took) so it is never sent again."""
        ...

    async def mark_failed(self, notification: Notification, error: str, attempts: int) -> None:
        """Record that `attempts` more sends failed, the last with `error`."""
        ...

    async def open_notifications(self) -> list[Notification]:
        """Every notification not sent yet (pending or failed), oldest first."""
        ...
