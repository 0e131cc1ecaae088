"""What holds need from the store (DynamoHoldStore implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.domain.holds import HoldStatus, PendingTransfer, PendingTransferPage
from services.domain.model import Account
from services.ledger.hold_planning import HoldPlan
from services.ledger.ports import IdempotencyRecord


class HoldChanged(Exception):
    """The hold was no longer as planned (another capture, void or expiry won)."""

    def __init__(self, current: PendingTransfer | None) -> None:
        super().__init__("hold changed")
        self.current = current


class HoldStore(Protocol):
    async def load_accounts(
        self, account_ids: Sequence[str], idempotency_key: str | None
    ) -> tuple[dict[str, Account], IdempotencyRecord | None]: ...

    async def get_hold(self, hold_id: str) -> PendingTransfer | None: ...

    async def commit_hold(
        self, plan: HoldPlan, stored_key: str | None, fingerprint: str | None
    ) -> None:
        """One TransactWriteItems. Raises VersionConflict, HoldChanged, IdempotencyKeyTaken,
        TransferAlreadyCommitted (an earlier send of this plan committed), TransientStoreError."""
        ...

    async def holds_of(
        self, account_id: str, limit: int, after: str | None, status: HoldStatus | None
    ) -> PendingTransferPage: ...


class DueHolds(Protocol):
    """The expiry index: PENDING holds filed by the hour they expire in."""

    async def due_in_hour(self, hour: datetime, now: datetime, limit: int) -> list[str]:
        """Ids of holds filed under `hour` that expire at or before `now`, soonest first."""
        ...
