"""Holds (authorizeTransfer, captureTransfer, voidTransfer, and expiry): two-phase transfers.

An authorization reserves an amount on its source (the account's `pending_debits`) without
moving it; a capture posts all or part of it and releases the rest; a void or an expiry
releases it. Each is one transaction, planned by `hold_planning` and conditioned on the
accounts' versions and on the hold still being PENDING, so exactly one of a capture, a void
and an expiry of the same hold ever commits.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal

from services.domain import validation
from services.domain.errors import (
    AccountNotFound,
    IdempotencyConflict,
    LedgerUnavailable,
    OutcomeUnknown,
    SameAccount,
    TransferNotFound,
    TransferNotPending,
)
from services.domain.holds import (
    HoldStatus,
    PendingTransfer,
    checked_expiry,
)
from services.domain.metadata import metadata as checked_metadata
from services.domain.money import check_amount
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger.cache import AccountCache
from services.ledger.commits import Commits
from services.ledger.hold_planning import (
    AuthorizeRequest,
    HoldPlan,
    plan_authorize,
    plan_capture,
    plan_release,
)
from services.ledger.hold_ports import HoldChanged, HoldStore
from services.ledger.hold_reads import HoldReads
from services.ledger.ids import new_id
from services.ledger.locks import KeyedLocks
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    TransferAlreadyCommitted,
    TransientStoreError,
    VersionConflict,
)
from services.ratelimit import TRANSFERS, NoRateLimits, RateLimiter, enforce
from services.retry import Backoff

log = logging.getLogger(__name__)

Planner = Callable[[], Awaitable[HoldPlan | PendingTransfer]]


class HoldService:
    def __init__(
        self,
        store: HoldStore,
        cache: AccountCache,
        *,
        backoff: Backoff,
        max_attempts: int,
        clock: Callable[[], datetime],
        commits: Commits | None = None,
        locks: KeyedLocks | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        #: Authorizing and capturing spend the principal's transfer budget, as transfers do.
        self._limiter = limiter or NoRateLimits()
        self._store = store
        self._commits = commits or Commits()
        self._reads = HoldReads(store)
        #: The holds' reads: `get_pending_transfer` and `pending_transfers` (see HoldReads).
        self.get_pending_transfer = self._reads.get_pending_transfer
        self.pending_transfers = self._reads.pending_transfers
        self._cache = cache
        self._locks = locks or KeyedLocks()
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._clock = clock

    async def authorize_transfer(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        expires_in_seconds: int | None = None,
        metadata: Mapping[str, str] | None = None,
        principal: Principal = SYSTEM,
    ) -> PendingTransfer:
        """AuthorizeTransfer: reserve `amount` on `from_id` for `to_id` until it is captured,
        voided or expires (`expires_in_seconds`, 1 s to 7 days, default 1 day).

        The available balance (balance - pending debits) must stay >= -overdraft_limit. A
        holder authorizes from its own accounts only. Raises AccountNotFound, SameAccount,
        CurrencyMismatch, InvalidAmount, InsufficientFunds, InvalidInput (expiry, memo,
        metadata, key), IdempotencyConflict; LedgerUnavailable when DynamoDB kept failing. A
        replayed key returns the original hold.
        """
        for account, field in ((from_id, "from_account_id"), (to_id, "to_account_id")):
            if not validation.is_account_id(account):
                raise AccountNotFound(account, field=field)
        if from_id == to_id:
            raise SameAccount(from_id)
        value = check_amount(amount, field="amount")
        await enforce(self._limiter, TRANSFERS, principal.subject)
        expires_in = checked_expiry(expires_in_seconds)
        memo = validation.memo(memo)
        labels = checked_metadata(metadata)
        key = validation.idempotency_key(idempotency_key)
        fingerprint = _fingerprint(
            "authorize",
            from_id,
            to_id,
            _text(value),
            memo or "",
            str(expires_in),
            *sorted(f"{k}={v}" for k, v in labels.items()),
        )
        request = AuthorizeRequest(
            new_id(),
            new_id(),
            from_id,
            to_id,
            value,
            expires_in,
            memo,
            labels,
            key,
            principal.subject,
        )
        stored_key = policy.scoped_idempotency_key(principal, key)

        async def plan() -> HoldPlan | PendingTransfer:
            accounts, record = await self._store.load_accounts([from_id, to_id], stored_key)
            if record is not None:
                return await self._replay(record, key, fingerprint)
            source, destination = accounts.get(from_id), accounts.get(to_id)
            if source is None or not policy.may_debit_account(principal, source.owner_id):
                raise AccountNotFound(from_id, field="from_account_id")
            if destination is None:
                raise AccountNotFound(to_id, field="to_account_id")
            return plan_authorize(request, source, destination, self._clock)

        async with self._locks.hold_accounts((from_id,)):
            return await self._run(plan, stored_key, fingerprint if key else None)

    async def capture_transfer(
        self,
        pending_transfer_id: str,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str | None = None,
        principal: Principal = SYSTEM,
    ) -> PendingTransfer:
        """CaptureTransfer: post `amount` (all when None) of a PENDING hold and release the
        rest, in one transaction. A hold past its expiry is expired instead.

        Raises TransferNotFound, Forbidden (visible, not the caller's source), TransferNotPending,
        AmountExceedsAuthorized, InvalidAmount, InvalidInput, IdempotencyConflict. A replayed
        key returns the hold as the capture left it.
        """
        value = None if amount is None else check_amount(amount, field="amount")
        key = validation.idempotency_key(idempotency_key)
        await enforce(self._limiter, TRANSFERS, principal.subject)
        hold = await self._reads.own(pending_transfer_id, principal)
        fingerprint = _fingerprint("capture", hold.id, "all" if value is None else _text(value))
        stored_key = policy.scoped_idempotency_key(principal, key)
        ids = (new_id(), new_id(), new_id(), new_id())

        async def plan() -> HoldPlan | PendingTransfer:
            current = await self._store.get_hold(hold.id) or hold
            sides = [hold.from_account_id, hold.to_account_id]
            accounts, record = await self._store.load_accounts(sides, stored_key)
            if record is not None:
                return await self._replay(record, key, fingerprint)
            if current.is_due(self._clock()):
                ended = await self.expire(current.id)
                raise TransferNotPending(current.id, ended.status.value)
            return plan_capture(current, accounts, value, ids, self._clock)

        async with self._locks.hold_accounts((hold.from_account_id,)):
            return await self._run(plan, stored_key, fingerprint if key else None)

    async def void_transfer(
        self, pending_transfer_id: str, *, principal: Principal = SYSTEM
    ) -> PendingTransfer:
        """VoidTransfer: release a PENDING hold. Raises TransferNotFound, Forbidden,
        TransferNotPending (already captured, voided or expired; a hold past its expiry is
        expired instead)."""
        hold = await self._reads.own(pending_transfer_id, principal)
        entry_id = new_id()

        async def plan() -> HoldPlan | PendingTransfer:
            current = await self._store.get_hold(hold.id) or hold
            if current.is_due(self._clock()):
                ended = await self.expire(current.id)
                raise TransferNotPending(current.id, ended.status.value)
            accounts, _ = await self._store.load_accounts([current.from_account_id], None)
            source = accounts.get(current.from_account_id)
            if source is None:
                raise AccountNotFound(current.from_account_id, field="pending_transfer_id")
            return plan_release(current, source, HoldStatus.VOIDED, entry_id, self._clock)

        async with self._locks.hold_accounts((hold.from_account_id,)):
            return await self._run(plan, None, None)

    async def expire(self, pending_transfer_id: str) -> PendingTransfer:
        """Release a PENDING hold past its expiry as EXPIRED (the sweeper's call, and a
        capture's or void's that finds it due). Anything else is returned as it is."""
        entry_id = new_id()
        first = await self._store.get_hold(pending_transfer_id)
        if first is None:
            raise TransferNotFound(pending_transfer_id, field="pending_transfer_id")

        async def plan() -> HoldPlan | PendingTransfer:
            current = await self._store.get_hold(pending_transfer_id) or first
            if not current.is_due(self._clock()):
                return current
            accounts, _ = await self._store.load_accounts([current.from_account_id], None)
            source = accounts.get(current.from_account_id)
            if source is None:
                return current  # nothing left to release on
            return plan_release(current, source, HoldStatus.EXPIRED, entry_id, self._clock)

        return await self._run(plan, None, None)

    async def _run(
        self, plan: Planner, stored_key: str | None, fingerprint: str | None
    ) -> PendingTransfer:
        for attempt in range(self._max_attempts):
            planned = await plan()
            if isinstance(planned, PendingTransfer):
                return planned
            if await self._send(planned, stored_key, fingerprint, attempt):
                return planned.after
        raise LedgerUnavailable(f"hold change gave up after {self._max_attempts} attempts")

    async def _send(
        self, plan: HoldPlan, stored_key: str | None, fingerprint: str | None, attempt: int
    ) -> bool:
        """True once committed; False to plan again from fresh reads."""
        try:
            for resend in range(self._max_attempts):
                try:
                    await self._store.commit_hold(plan, stored_key, fingerprint)
                except TransferAlreadyCommitted:
                    pass  # an earlier send of this same plan committed it
                except TransientStoreError as exc:
                    log.info("hold change resent", extra={"attempt": resend, "reason": str(exc)})
                    await self._backoff.sleep(resend)
                    continue
                self._commits.committed(plan.entries)
                return True
            # Every send ended without an answer: it may have committed. A retry with the same
            # idempotency key (or a void, which finds it ended) is safe.
            log.warning("hold change outcome unknown", extra={"hold": plan.after.id})
            raise OutcomeUnknown("hold change")
        except (IdempotencyKeyTaken, HoldChanged):
            return False
        except VersionConflict:
            if attempt:
                await self._backoff.sleep(attempt)
            return False
        finally:
            for change in plan.changes:
                self._cache.forget(change.before.id)

    async def _replay(
        self, record: IdempotencyRecord, key: str | None, fingerprint: str
    ) -> PendingTransfer:
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(key or record.key)
        hold = await self._store.get_hold(record.transfer_id)
        if hold is None:
            raise LedgerUnavailable(f"hold {record.transfer_id} of an idempotency key is missing")
        return hold


def _text(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
