"""Atomic batches (postTransfers): N transfers committed in one transaction, all or none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from services.domain import validation
from services.domain.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InvalidInput,
    LedgerUnavailable,
    SameAccount,
)
from services.domain.metadata import metadata as checked_metadata
from services.domain.model import Account, Transfer
from services.domain.money import check_amount
from services.domain.movements import Batch, TransferLeg
from services.identity.principal import SYSTEM, Principal
from services.ledger.cache import AccountCache
from services.ledger.commits import Commits
from services.ledger.ids import new_id
from services.ledger.locks import KeyedLocks
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    TransferAlreadyCommitted,
    TransientStoreError,
    VersionConflict,
)
from services.ledger.postings import (
    MAX_TRANSACTION_ITEMS,
    Posting,
    PostingPlan,
    PostingRequest,
    check_size,
    fingerprint,
    plan_postings,
)
from services.retry import Backoff

log = logging.getLogger(__name__)


class MovementStore(Protocol):
    """What multi-posting movements need from the store (DynamoMovementStore)."""

    async def load_accounts(
        self, account_ids: Sequence[str], idempotency_key: str | None
    ) -> tuple[dict[str, Account], IdempotencyRecord | None]: ...

    async def commit_postings(self, plan: PostingPlan) -> None: ...

    async def get_batch(self, batch_id: str) -> Batch | None: ...

    async def get_transfer(self, transfer_id: str) -> Transfer | None: ...


class BatchService:
    def __init__(
        self,
        store: MovementStore,
        cache: AccountCache,
        *,
        backoff: Backoff,
        max_attempts: int,
        clock: Callable[[], datetime],
        commits: Commits | None = None,
        locks: KeyedLocks | None = None,
    ) -> None:
        self._store = store
        self._commits = commits or Commits()
        self._cache = cache
        self._locks = locks or KeyedLocks()
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._clock = clock

    async def post_transfers(
        self,
        transfers: Sequence[TransferLeg],
        *,
        idempotency_key: str | None = None,
        metadata: Mapping[str, str] | None = None,
        principal: Principal = SYSTEM,
    ) -> Batch:
        """PostTransfers: commit every transfer of `transfers`, or none, in one transaction.

        An account in several transfers is updated once, with its net effect; the overdraft
        rule (balance >= -overdraft_limit) holds on that net effect. A holder may debit only
        its own accounts. Raises InvalidInput (no transfers, memo, metadata, key),
        BatchTooLarge (more than one DynamoDB transaction holds, see ledger.postings),
        AccountNotFound, SameAccount, CurrencyMismatch, InvalidAmount, InsufficientFunds,
        IdempotencyConflict; LedgerUnavailable when DynamoDB kept failing. A replayed
        idempotency key returns the original batch.
        """
        request = self._request(transfers, idempotency_key, metadata, principal)
        async with self._locks.hold_accounts(request.account_ids):
            return await self._post(request)

    async def get_batch(self, batch_id: str) -> Batch | None:
        """The batch, as stored (operators' view; the API shows it only to its sender)."""
        if not validation.is_record_id(batch_id):
            return None
        return await self._store.get_batch(batch_id)

    def _request(
        self,
        legs: Sequence[TransferLeg],
        idempotency_key: str | None,
        metadata: Mapping[str, str] | None,
        principal: Principal,
    ) -> PostingRequest:
        if not isinstance(legs, Sequence) or not legs:
            raise InvalidInput("transfers must hold at least one transfer", field="transfers")
        if len(legs) > MAX_TRANSACTION_ITEMS:
            check_size(len(legs), 0)
        postings = []
        for leg in legs:
            for account in (leg.from_account_id, leg.to_account_id):
                if not validation.is_account_id(account):
                    raise AccountNotFound(account, field="transfers")
            if leg.from_account_id == leg.to_account_id:
                raise SameAccount(leg.from_account_id)
            postings.append(
                Posting(
                    transfer_id=new_id(),
                    debit_id=new_id(),
                    credit_id=new_id(),
                    from_id=leg.from_account_id,
                    to_id=leg.to_account_id,
                    amount=check_amount(leg.amount, field="transfers"),
                    memo=_memo(leg.memo),
                    metadata=checked_metadata(leg.metadata, field="transfers"),
                )
            )
        key = validation.idempotency_key(idempotency_key)
        labels = checked_metadata(metadata)
        request = PostingRequest(
            batch_id=new_id(),
            postings=tuple(postings),
            metadata=labels,
            key=key,
            fingerprint=fingerprint(postings, labels) if key else None,
            principal=principal,
        )
        check_size(len(postings), len(request.account_ids))
        return request

    async def _post(self, request: PostingRequest) -> Batch:
        # Always planned from the table: a refusal is only ever raised on verified state.
        accounts, record = await self._store.load_accounts(request.account_ids, request.stored_key)
        plan: PostingPlan | None = None
        for attempt in range(self._max_attempts):
            if plan is None:
                if record is not None:
                    return await self._replay(record, request)
                plan = plan_postings(request, accounts, self._clock)
            try:
                await self._store.commit_postings(plan)
            except TransferAlreadyCommitted:
                pass
            except IdempotencyKeyTaken as taken:
                record = taken.record
                if record is None:
                    _, record = await self._store.load_accounts([], request.stored_key)
                if record is None:
                    raise LedgerUnavailable("idempotency record vanished") from taken
                return await self._replay(record, request)
            except VersionConflict as conflict:
                # The other accounts' conditions held: with these, the state is verified.
                for account_id, current in conflict.current.items():
                    self._cache.forget(account_id)
                    if current is None:
                        accounts.pop(account_id, None)
                    else:
                        accounts[account_id] = current
                plan = None
                if attempt:
                    await self._backoff.sleep(attempt)
                continue
            except TransientStoreError as exc:
                log.info("batch retried", extra={"attempt": attempt, "reason": str(exc)})
                await self._backoff.sleep(attempt)
                continue
            for change in plan.changes:
                # The transfer path plans from this cache; a batch's locks are not its locks,
                # so forget rather than put: never a stale entry, at worst one more read.
                self._cache.forget(change.before.id)
            self._commits.committed(plan.entries)
            return plan.batch
        for account_id in request.account_ids:
            self._cache.forget(account_id)
        raise LedgerUnavailable(f"batch gave up after {self._max_attempts} attempts")

    async def _replay(self, record: IdempotencyRecord, request: PostingRequest) -> Batch:
        if record.fingerprint != request.fingerprint:
            raise IdempotencyConflict(request.key or record.key)
        original = await self._store.get_batch(record.transfer_id)
        if original is None:
            raise LedgerUnavailable(f"batch {record.transfer_id} of an idempotency key is missing")
        return original


def _memo(value: str | None) -> str | None:
    try:
        return validation.memo(value)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="transfers") from None
