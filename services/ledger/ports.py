"""What the ledger needs from its store, and the outcomes a transfer commit can have.

The DynamoDB adapter implements `LedgerStore`; unit tests can use a fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.domain.errors import LedgerUnavailable
from services.domain.model import Account, Entry, Transfer
from services.ledger.planning import TransferPlan


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key: str
    fingerprint: str
    transfer_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TransferState:
    source: Account | None
    destination: Account | None
    idempotency: IdempotencyRecord | None


class VersionConflict(Exception):
    """An account changed since it was read; `current` holds its current state (None: gone)."""

    def __init__(self, current: dict[str, Account | None]) -> None:
        super().__init__("account version changed concurrently")
        self.current = current


class IdempotencyKeyTaken(Exception):
    """Another transfer committed under the same idempotency key first."""

    def __init__(self, record: IdempotencyRecord | None) -> None:
        super().__init__("idempotency key already used")
        self.record = record


class TransferAlreadyCommitted(Exception):
    """This very transfer (same id) is already in the table: an earlier attempt committed."""


class ChainBroken(LedgerUnavailable):
    """The account's head hash was changed out of band: it refuses new entries (alert; never
    retried) until an operator has run `ledger verify` and repaired it."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"account {account_id!r} has a broken hash chain")
        self.account_id = account_id


class QuoteRefused(Exception):
    """An exchange's quote was no longer usable at commit (used, expired or gone): nothing
    was written; read the quote again to say why."""

    def __init__(self, quote_id: str) -> None:
        super().__init__(quote_id)
        self.quote_id = quote_id


class TransientStoreError(Exception):
    """Throttling, a transaction conflict or a lost connection: safe to retry the same write."""


class LedgerStore(Protocol):
    async def ensure_table(self) -> bool: ...

    async def ping(self) -> None: ...

    async def get_accounts(self, account_ids: Sequence[str]) -> dict[str, Account]: ...

    async def create_account(self, account: Account, opening: Entry | None) -> None: ...

    async def owned_account_ids(
        self, owner_id: str, after_account_id: str | None, limit: int
    ) -> list[str]: ...

    async def load_transfer_state(
        self, from_id: str, to_id: str, idempotency_key: str | None
    ) -> TransferState: ...

    async def commit_transfer(self, plan: TransferPlan) -> None: ...

    async def get_transfers(self, transfer_ids: Sequence[str]) -> dict[str, Transfer]: ...

    async def entries_before(
        self, account_id: str, before_version: int | None, limit: int
    ) -> list[Entry]: ...

    async def entries_after(
        self, account_id: str, after_version: int, limit: int
    ) -> list[Entry]: ...
