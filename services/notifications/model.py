"""Notification records: one per (entry, channel), the unit of exactly-once delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"


class Status(StrEnum):
    #: Claimed by a worker that is sending it now (or died doing so: see `stale`).
    PENDING = "PENDING"
    SENT = "SENT"
    #: Every attempt failed; `ledger notifications retry` sends it again.
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class Message:
    """What is sent. SMS uses `text` only; e-mail uses all three."""

    text: str
    subject: str | None = None
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    entry_id: str
    channel: Channel
    account_id: str
    version: int
    transfer_id: str
    recipient: str
    message: Message
    status: Status
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    error: str | None = None
    provider_message_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.entry_id}#{self.channel.value}"
