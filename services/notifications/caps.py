"""Caps on notifications per recipient: at most N e-mails and N SMS to one address or number
per hour, whoever's accounts they come from, so nobody can make the service send unlimited
messages to an address (or pump premium-rate SMS) by opening accounts and moving cents.

A notification over its recipient's cap is not sent: it is recorded FAILED with the reason
(`suppressed: ...`), listed by `ledger notifications failed` like any other, and sent only
if an operator retries it. Nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from services.notifications.model import Channel, Notification


class HourlyCounter(Protocol):
    async def count(self, key: str, hour: str, *, limit: int) -> bool:
        """Count one for `key` in `hour` unless it has reached `limit`; False when it has."""
        ...


def recipient_key(channel: Channel, recipient: str) -> str:
    """The counter's name for a recipient: a hash, so the table holds no contact data."""
    digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:32]
    return f"{channel.value}#{digest}"


def hour_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


class RecipientCaps:
    """Admits a notification while its recipient is under its channel's hourly cap."""

    def __init__(self, counter: HourlyCounter, per_hour: Mapping[Channel, int]) -> None:
        self._counter = counter
        self._per_hour = dict(per_hour)

    async def refusal(self, notification: Notification) -> str | None:
        """None when `notification` may be sent (and it is counted); the reason otherwise."""
        limit = self._per_hour.get(notification.channel)
        if limit is None:
            return None
        key = recipient_key(notification.channel, notification.recipient)
        if await self._counter.count(key, hour_of(notification.created_at), limit=limit):
            return None
        kind = "e-mails" if notification.channel is Channel.EMAIL else "SMS"
        return f"suppressed: more than {limit} {kind} to this recipient in one hour"


def is_suppressed(notification: Notification) -> bool:
    """Held back by a cap: kept (FAILED, listed) but never resent by the automatic sweep;
    `ledger notifications retry` sends it by hand."""
    return (notification.error or "").startswith("suppressed:")
