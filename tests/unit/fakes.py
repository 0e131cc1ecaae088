"""An in-memory LedgerStore with DynamoDB's commit semantics and scriptable failures."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from enum import Enum

from services.domain.errors import AccountExists
from services.domain.model import Account, Direction, Entry, Transfer
from services.ledger.planning import TransferPlan
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    TransferAlreadyCommitted,
    TransferState,
    TransientStoreError,
    VersionConflict,
)


class Outcome(Enum):
    #: The write fails with a transient error and nothing is applied.
    FAIL = "fail"
    #: The write is applied, then its answer is lost (a transient error reaches the caller).
    LOSE_ANSWER = "lose answer"


#: One scripted write: an outcome, or a coroutine function run just before the write is checked
#: (another process acting in between, say).
Step = Outcome | Callable[[], Awaitable[None]]


class FakeLedgerStore:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.entries: dict[str, list[Entry]] = {}
        self.transfers: dict[str, Transfer] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        #: Every plan `commit_transfer` received, in order.
        self.sent: list[TransferPlan] = []
        self.loads = 0
        self.commit_script: deque[Step] = deque()
        self.create_script: deque[Step] = deque()
        #: Whether IdempotencyKeyTaken carries the winning record (DynamoDB's ALL_OLD does).
        self.reports_taken_record = True

    async def ensure_table(self) -> bool:
        return False

    async def ping(self) -> None:
        return None

    async def get_accounts(self, account_ids: Sequence[str]) -> dict[str, Account]:
        return {i: self.accounts[i] for i in account_ids if i in self.accounts}

    async def owned_account_ids(
        self, owner_id: str, after_account_id: str | None, limit: int
    ) -> list[str]:
        owned = sorted(i for i, a in self.accounts.items() if a.owner_id == owner_id)
        return [i for i in owned if after_account_id is None or i > after_account_id][:limit]

    async def create_account(self, account: Account, opening: Entry | None) -> None:
        step = self.create_script.popleft() if self.create_script else None
        if step is Outcome.FAIL:
            raise TransientStoreError("throttled")
        if callable(step):
            await step()
        if account.id in self.accounts:
            raise AccountExists(account.id)
        self.accounts[account.id] = account
        self.entries[account.id] = [opening] if opening is not None else []
        if step is Outcome.LOSE_ANSWER:
            raise TransientStoreError("connection closed")

    async def load_transfer_state(
        self, from_id: str, to_id: str, idempotency_key: str | None
    ) -> TransferState:
        self.loads += 1
        record = self.idempotency.get(idempotency_key) if idempotency_key is not None else None
        return TransferState(self.accounts.get(from_id), self.accounts.get(to_id), record)

    async def commit_transfer(self, plan: TransferPlan) -> None:
        self.sent.append(plan)
        step = self.commit_script.popleft() if self.commit_script else None
        if step is Outcome.FAIL:
            raise TransientStoreError("TransactionConflict")
        if callable(step):
            await step()
        self._check(plan)
        self._apply(plan)
        if step is Outcome.LOSE_ANSWER:
            raise TransientStoreError("read timeout")

    def _check(self, plan: TransferPlan) -> None:
        """The conditions of the real transaction, reported in the DynamoDB adapter's order."""
        if plan.transfer.id in self.transfers:
            raise TransferAlreadyCommitted(plan.transfer.id)
        key = plan.stored_key
        if key is not None and key in self.idempotency:
            raise IdempotencyKeyTaken(self.idempotency[key] if self.reports_taken_record else None)
        current: dict[str, Account | None] = {}
        source = self.accounts.get(plan.source_before.id)
        if (
            source is None
            or source.version != plan.source_before.version
            or source.balance < plan.transfer.amount
        ):
            current[plan.source_before.id] = source
        destination = self.accounts.get(plan.destination_before.id)
        if destination is None or destination.version != plan.destination_before.version:
            current[plan.destination_before.id] = destination
        if current:
            raise VersionConflict(current)

    def _apply(self, plan: TransferPlan) -> None:
        self.accounts[plan.source_before.id] = plan.source_after
        self.accounts[plan.destination_before.id] = plan.destination_after
        self.entries[plan.debit.account_id].append(plan.debit)
        self.entries[plan.credit.account_id].append(plan.credit)
        self.transfers[plan.transfer.id] = plan.transfer
        key = plan.stored_key
        if key is not None and plan.fingerprint is not None:
            self.idempotency[key] = IdempotencyRecord(
                key=key,
                fingerprint=plan.fingerprint,
                transfer_id=plan.transfer.id,
                created_at=plan.transfer.created_at,
            )

    async def get_transfers(self, transfer_ids: Sequence[str]) -> dict[str, Transfer]:
        return {i: self.transfers[i] for i in transfer_ids if i in self.transfers}

    async def entries_before(
        self, account_id: str, before_version: int | None, limit: int
    ) -> list[Entry]:
        newest_first = reversed(self.entries.get(account_id, []))
        return [e for e in newest_first if before_version is None or e.version < before_version][
            :limit
        ]

    async def entries_after(self, account_id: str, after_version: int, limit: int) -> list[Entry]:
        return [e for e in self.entries.get(account_id, []) if e.version > after_version][:limit]

    def deposit(self, account_id: str, amount: Decimal) -> None:
        """Another process moves money into the account: a new entry and a new version."""
        account = self.accounts[account_id]
        after = replace(account, balance=account.balance + amount, version=account.version + 1)
        entry = Entry(
            id=f"outside-{after.version}",
            transfer_id=f"outside-{after.version}",
            account_id=account_id,
            counterparty_id=None,
            direction=Direction.CREDIT if amount >= 0 else Direction.DEBIT,
            amount=abs(amount),
            balance_after=after.balance,
            version=after.version,
            currency=account.currency,
            created_at=account.created_at,
        )
        self.accounts[account_id] = after
        self.entries[account_id].append(entry)
