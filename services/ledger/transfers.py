"""Moving money between two accounts, and reading transfers back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from services.domain import validation
from services.domain.errors import (
    AccountBusy,
    AccountNotFound,
    IdempotencyConflict,
    LedgerError,
    LedgerUnavailable,
    OutcomeUnknown,
    SameAccount,
)
from services.domain.model import Transfer
from services.domain.money import check_amount
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger.accounts import AccountService
from services.ledger.cache import TransferStates
from services.ledger.commits import Commits
from services.ledger.ids import new_id
from services.ledger.locks import KeyedLocks, QueueFull
from services.ledger.planning import TransferPlan, TransferRequest, fingerprint, plan_request
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    LedgerStore,
    TransferAlreadyCommitted,
    TransferState,
    TransientStoreError,
    VersionConflict,
)
from services.ratelimit import TRANSFERS, NoRateLimits, RateLimiter, enforce
from services.retry import Backoff

log = logging.getLogger(__name__)


class TransferService:
    def __init__(
        self,
        store: LedgerStore,
        states: TransferStates,
        accounts: AccountService,
        *,
        backoff: Backoff,
        max_attempts: int,
        clock: Callable[[], datetime],
        limiter: RateLimiter | None = None,
        max_waiting_per_account: int | None = None,
        locks: KeyedLocks | None = None,
        commits: Commits | None = None,
    ) -> None:
        self._store = store
        self._commits = commits or Commits()
        self._limiter = limiter or NoRateLimits()
        self._states = states
        self._accounts = accounts
        self._locks = locks or KeyedLocks(max_waiting_per_account)
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._clock = clock

    async def transfer_credits(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        principal: Principal = SYSTEM,
    ) -> Transfer:
        """TransferCredits: move `amount` atomically in one DynamoDB transaction.

        A holder may debit only its own accounts: someone else's is AccountNotFound. The
        idempotency key is the principal's own (two principals never share one).
        Raises AccountNotFound, InsufficientFunds, SameAccount, CurrencyMismatch,
        InvalidAmount, IdempotencyConflict, InvalidInput (memo, key); AccountBusy (retryable)
        when too many transfers of one of the accounts already wait here; RateLimited (nothing
        done) when `principal` spent its transfers budget; LedgerUnavailable when DynamoDB
        kept failing before anything was sent; OutcomeUnknown when the last commit attempts
        ended in ambiguous errors (it may have committed: retry with the same key). A replayed
        idempotency key returns the original transfer.
        """
        value = check_amount(amount, field="amount")
        memo = validation.memo(memo)
        key = validation.idempotency_key(idempotency_key)
        for account, field in ((from_id, "from_id"), (to_id, "to_id")):
            if not validation.is_account_id(account):
                raise AccountNotFound(account, field=field)
        if from_id == to_id:
            raise SameAccount(from_id)
        # Counted before any read or lock: a throttled principal costs the table nothing.
        await enforce(self._limiter, TRANSFERS, principal.subject)
        request = TransferRequest(
            transfer_id=new_id(),
            debit_id=new_id(),
            credit_id=new_id(),
            from_id=from_id,
            to_id=to_id,
            amount=value,
            memo=memo,
            key=key,
            fingerprint=fingerprint(from_id, to_id, value, memo) if key else None,
            principal=principal,
        )
        try:
            async with self._locks.hold((from_id, to_id)):
                return await self._transfer(request)
        except QueueFull as full:
            raise AccountBusy(
                full.key, field="from_id" if full.key == from_id else "to_id"
            ) from None

    async def get_transfers(
        self, ids: Sequence[str], *, principal: Principal = SYSTEM
    ) -> dict[str, Transfer]:
        """The transfers among `ids` that exist and that `principal` may see (a holder: those
        touching one of its accounts, with the idempotency key only when it sent them)."""
        found = await self._store.get_transfers(
            [i for i in dict.fromkeys(ids) if validation.is_record_id(i)]
        )
        if principal.is_operator or not found:
            return found
        sides = {side for t in found.values() for side in (t.from_account_id, t.to_account_id)}
        own = await self._accounts.readable_ids(sides, principal=principal)
        return {
            transfer_id: _as_seen_by(principal, transfer)
            for transfer_id, transfer in found.items()
            if transfer.from_account_id in own or transfer.to_account_id in own
        }

    async def get_transfer(
        self, transfer_id: str, *, principal: Principal = SYSTEM
    ) -> Transfer | None:
        return (await self.get_transfers([transfer_id], principal=principal)).get(transfer_id)

    async def _transfer(self, request: TransferRequest) -> Transfer:
        # Plan from what this process last saw when it knows both accounts: the commit is then
        # the only DynamoDB call. `verified` says the state was read from the table, together
        # with the idempotency record; a refusal is only ever raised on verified state.
        state = self._states.cached(request)
        verified = state is None
        if state is None:
            state = await self._states.load(request)
        plan: TransferPlan | None = None
        # Whether a commit was sent and never answered: it may have committed. A later definite
        # answer settles it (a resent plan that committed fails as TransferAlreadyCommitted).
        ambiguous = False
        for attempt in range(self._max_attempts):
            while plan is None:
                if state.idempotency is not None:
                    return await self._replay(state.idempotency, request)
                try:
                    plan = plan_request(request, state.source, state.destination, self._clock)
                except LedgerError:
                    if verified:
                        raise
                    state, verified = await self._states.load(request), True
            try:
                ambiguous = True
                await self._store.commit_transfer(plan)
            except TransferAlreadyCommitted:
                pass
            except IdempotencyKeyTaken as taken:
                self._states.forget(request)
                record = taken.record or await self._idempotency_record(request)
                return await self._replay(record, request)
            except VersionConflict as conflict:
                ambiguous = False
                for account_id, account in conflict.current.items():
                    self._states.remember(account_id, account)
                state = TransferState(
                    source=conflict.current.get(request.from_id, plan.source_before),
                    destination=conflict.current.get(request.to_id, plan.destination_before),
                    idempotency=None,
                )
                # DynamoDB checked the idempotency key and the accounts that moved just now.
                verified = True
                plan = None
                if attempt:  # another process keeps winning: spread out
                    await self._backoff.sleep(attempt)
                continue
            except TransientStoreError as exc:
                log.info("transfer retried", extra={"attempt": attempt, "reason": str(exc)})
                await self._backoff.sleep(attempt)  # then resend the very same plan
                continue
            self._states.committed(plan)
            self._commits.committed((plan.debit, plan.credit))
            return plan.transfer
        self._states.forget(request)
        if ambiguous:
            log.warning(
                "transfer outcome unknown",
                extra={"transfer_id": request.transfer_id, "attempts": self._max_attempts},
            )
            raise OutcomeUnknown("transfer")
        raise LedgerUnavailable(f"transfer gave up after {self._max_attempts} attempts")

    async def _idempotency_record(self, request: TransferRequest) -> IdempotencyRecord:
        state = await self._store.load_transfer_state(
            request.from_id, request.to_id, request.stored_key
        )
        if state.idempotency is None:
            raise LedgerUnavailable("idempotency record vanished")
        return state.idempotency

    async def _replay(self, record: IdempotencyRecord, request: TransferRequest) -> Transfer:
        if record.fingerprint != request.fingerprint:
            raise IdempotencyConflict(request.key or record.key)
        original = (await self._store.get_transfers([record.transfer_id])).get(record.transfer_id)
        if original is None:
            raise LedgerUnavailable(
                f"transfer {record.transfer_id} of an idempotency key is missing"
            )
        return original


def _as_seen_by(principal: Principal, transfer: Transfer) -> Transfer:
    if policy.sees_idempotency_key(principal, transfer.initiated_by):
        return transfer
    return replace(transfer, idempotency_key=None)
