"""Holds (two-phase transfers): funds reserved on one account for another, then captured
(all or part), voided or expired. Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.domain.errors import InvalidInput

#: expiresInSeconds bounds: at least a second, at most a week (what the expiry index covers).
MIN_EXPIRES_IN_SECONDS = 1
MAX_EXPIRES_IN_SECONDS = 7 * 24 * 3600
DEFAULT_EXPIRES_IN_SECONDS = 24 * 3600


class HoldStatus(StrEnum):
    PENDING = "PENDING"
    POSTED = "POSTED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class PendingTransfer:
    """A hold: `amount` reserved on `from_account_id` (its pending debits) until it ends."""

    id: str
    from_account_id: str
    to_account_id: str
    amount: Decimal
    currency: str
    status: HoldStatus
    expires_at: datetime
    created_at: datetime
    captured_amount: Decimal = Decimal(0)
    memo: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    initiated_by: str | None = None
    #: The transfer a capture posted; None until POSTED.
    transfer_id: str | None = None
    #: When it ended (POSTED, VOIDED or EXPIRED); None while PENDING.
    ended_at: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        """True when still PENDING at or past its expiry: it must be released as EXPIRED."""
        return self.status is HoldStatus.PENDING and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class PendingTransferPage:
    """A page of an account's holds, newest first, one cursor per hold."""

    holds: list[PendingTransfer]
    cursors: list[str]
    next_cursor: str | None


def checked_expiry(value: int | None) -> int:
    """expiresInSeconds: the default when None. Raises InvalidInput outside 1 s to 7 days."""
    if value is None:
        return DEFAULT_EXPIRES_IN_SECONDS
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_EXPIRES_IN_SECONDS <= value <= MAX_EXPIRES_IN_SECONDS
    ):
        raise InvalidInput(
            f"expiresInSeconds must be {MIN_EXPIRES_IN_SECONDS} to {MAX_EXPIRES_IN_SECONDS}",
            field="expires_in_seconds",
        )
    return value
