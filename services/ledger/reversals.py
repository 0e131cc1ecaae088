"""Reversals (reverseTransfer): give back all or part of a transfer, never more than it moved.

A reversal is a new transfer in the opposite direction, linked both ways: it names the
original (`reversal_of`), and the original's record gains its id and the total reversed, in
the same transaction, conditioned on the total it was planned from.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from services.domain import validation
from services.domain.errors import (
    Forbidden,
    IdempotencyConflict,
    LedgerUnavailable,
    ReversalExceedsOriginal,
    TransferNotFound,
)
from services.domain.model import Transfer
from services.domain.money import check_amount, in_currency
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger.batches import MovementStore
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
from services.ledger.postings import Posting, PostingPlan, PostingRequest, plan_postings
from services.retry import Backoff

log = logging.getLogger(__name__)


class ReversalService:
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

    async def reverse_transfer(
        self,
        transfer_id: str,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        principal: Principal = SYSTEM,
    ) -> Transfer:
        """ReverseTransfer: move `amount` (all that is left when None) back from the original
        transfer's destination to its source, in one transaction.

        Only an operator or the holder of the original's destination reverses it (the money
        leaves that account). Raises TransferNotFound (missing, or not visible to
        `principal`), Forbidden (visible but not the caller's to reverse),
        ReversalExceedsOriginal, InvalidAmount, InsufficientFunds, InvalidInput (memo, key),
        IdempotencyConflict; LedgerUnavailable when DynamoDB kept failing. A replayed
        idempotency key returns the original reversal.
        """
        if not validation.is_record_id(transfer_id):
            raise TransferNotFound(transfer_id)
        value = None if amount is None else check_amount(amount, field="amount")
        memo = validation.memo(memo)
        key = validation.idempotency_key(idempotency_key)
        original = await self._visible(transfer_id, principal)
        ids = (new_id(), new_id(), new_id())
        fingerprint = _fingerprint(transfer_id, value, memo) if key else None
        async with self._locks.hold_accounts((original.from_account_id, original.to_account_id)):
            return await self._reverse(original, value, memo, key, fingerprint, ids, principal)

    async def _visible(self, transfer_id: str, principal: Principal) -> Transfer:
        original = await self._store.get_transfer(transfer_id)
        if original is None:
            raise TransferNotFound(transfer_id)
        if principal.is_operator:
            return original
        sides = (original.from_account_id, original.to_account_id)
        accounts, _ = await self._store.load_accounts(sides, None)
        owners = {i: a.owner_id for i, a in accounts.items()}
        if not any(policy.may_read_account(principal, owners.get(i)) for i in sides):
            raise TransferNotFound(transfer_id)
        if not policy.may_debit_account(principal, owners.get(original.to_account_id)):
            raise Forbidden(
                "only the recipient's holder or an operator reverses a transfer",
                field="transfer_id",
            )
        return original

    async def _reverse(
        self,
        original: Transfer,
        amount: Decimal | None,
        memo: str | None,
        key: str | None,
        fingerprint: str | None,
        ids: tuple[str, str, str],
        principal: Principal,
    ) -> Transfer:
        sides = (original.to_account_id, original.from_account_id)
        stored_key = policy.scoped_idempotency_key(principal, key)
        for attempt in range(self._max_attempts):
            accounts, record = await self._store.load_accounts(sides, stored_key)
            if record is not None:
                return await self._replay(record, key, fingerprint)
            # Read after the accounts: a reversal they already show is in it too (both commit
            # together, and reversed amounts only grow), so a refusal is never on mixed state.
            original = await self._store.get_transfer(original.id) or original
            remaining = original.amount - original.reversed_amount
            value = (
                remaining
                if amount is None
                else in_currency(amount, original.currency, field="amount")
            )
            if value <= 0:
                raise ReversalExceedsOriginal(original.id, format(remaining, "f"))
            posting = Posting(
                transfer_id=ids[0],
                debit_id=ids[1],
                credit_id=ids[2],
                from_id=original.to_account_id,
                to_id=original.from_account_id,
                amount=value,
                memo=memo,
                metadata={},
            )
            request = PostingRequest(
                batch_id=ids[0],
                postings=(posting,),
                metadata={},
                key=key,
                fingerprint=fingerprint,
                principal=principal,
                batch=False,
                reverses=original,
            )
            plan = plan_postings(request, accounts, self._clock)
            outcome = await self._commit(plan, attempt)
            if outcome is not None:
                return outcome
        raise LedgerUnavailable(f"reversal gave up after {self._max_attempts} attempts")

    async def _commit(self, plan: PostingPlan, attempt: int) -> Transfer | None:
        """The reversal once committed; None to plan again."""
        for resend in range(self._max_attempts):
            try:
                await self._store.commit_postings(plan)
            except TransferAlreadyCommitted:
                pass
            except IdempotencyKeyTaken:
                return None  # the next round reads the record and replays it
            except VersionConflict:
                for change in plan.changes:
                    self._cache.forget(change.before.id)
                if attempt:
                    await self._backoff.sleep(attempt)
                return None
            except TransientStoreError as exc:
                log.info("reversal retried", extra={"attempt": resend, "reason": str(exc)})
                await self._backoff.sleep(resend)
                continue
            for change in plan.changes:
                self._cache.forget(change.before.id)
            self._commits.committed(plan.entries)
            return plan.batch.transfers[0]
        raise LedgerUnavailable("reversal kept failing")

    async def _replay(
        self, record: IdempotencyRecord, key: str | None, fingerprint: str | None
    ) -> Transfer:
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(key or record.key)
        original = await self._store.get_transfer(record.transfer_id)
        if original is None:
            raise LedgerUnavailable(f"reversal {record.transfer_id} of a key is missing")
        return original


def _fingerprint(transfer_id: str, amount: Decimal | None, memo: str | None) -> str:
    text = "all" if amount is None else format(amount.normalize(), "f")
    canonical = "\x1f".join(("reversal", transfer_id, text, memo or ""))
    return hashlib.sha256(canonical.encode()).hexdigest()
