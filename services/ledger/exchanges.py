"""Exchanges: a transfer between accounts of two currencies at a quoted rate.

Four entries in one transaction, as two same-currency legs recorded as one batch:

    source -> fx:<source currency>       the quote's source amount
    fx:<target currency> -> destination  the quote's target amount

Each leg balances in its own currency, so no currency's total ever moves. The liquidity
accounts (`fx:USD`, ...) are external (unlimited overdraft, no owner: operators alone see
them) and the transaction opens one that is missing. The same transaction marks the quote
used, only if it is unused and unexpired; a refusal writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import NoReturn, Protocol

from services.domain import validation
from services.domain.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InvalidInput,
    LedgerUnavailable,
    SameAccount,
)
from services.domain.model import Account, Transfer
from services.domain.money import check_amount, in_currency
from services.fx.booking import Posting as BookedLeg
from services.fx.booking import is_liquidity_account, plan_exchange
from services.fx.errors import QuoteNotFound, QuoteUsed
from services.fx.quotes import FixedSide, Quote, check_quote_use
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger import chaining
from services.ledger.batches import MovementStore
from services.ledger.cache import AccountCache
from services.ledger.commits import Commits
from services.ledger.ids import new_id
from services.ledger.locks import KeyedLocks
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    QuoteRefused,
    TransferAlreadyCommitted,
    TransientStoreError,
    VersionConflict,
)
from services.ledger.postings import Posting, PostingPlan, PostingRequest, plan_postings
from services.ratelimit import TRANSFERS, NoRateLimits, RateLimiter, enforce
from services.retry import Backoff

log = logging.getLogger(__name__)


class Quotes(Protocol):
    """Where the exchange prices and reads quotes (QuoteService, over the DynamoDB store)."""

    async def quote(
        self, from_currency: str, to_currency: str, amount: object, fixed_side: FixedSide
    ) -> Quote: ...

    async def get(self, quote_id: str) -> Quote | None: ...


class ExchangeService:
    def __init__(
        self,
        store: MovementStore,
        quotes: Quotes,
        cache: AccountCache,
        *,
        backoff: Backoff,
        max_attempts: int,
        clock: Callable[[], datetime],
        limiter: RateLimiter | None = None,
        commits: Commits | None = None,
        locks: KeyedLocks | None = None,
    ) -> None:
        self._store = store
        self._quotes = quotes
        self._commits = commits or Commits()
        self._cache = cache
        self._locks = locks or KeyedLocks()
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._clock = clock
        self._limiter = limiter or NoRateLimits()

    async def quote(
        self,
        from_currency: str,
        to_currency: str,
        amount: object,
        fixed_side: FixedSide,
        *,
        principal: Principal = SYSTEM,
    ) -> Quote:
        """Price and store a quote (any principal; each counts as a transfer against the
        principal's rate limit, since it writes). Raises RateLimited, and what
        QuoteService.quote raises."""
        await enforce(self._limiter, TRANSFERS, principal.subject)
        return await self._quotes.quote(from_currency, to_currency, amount, fixed_side)

    async def exchange(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        quote_id: str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        principal: Principal = SYSTEM,
    ) -> Transfer:
        """Book quote `quote_id`: `amount` (the quote's source amount) leaves `from_id`, the
        quote's target amount reaches `to_id`. Returns the first leg (source -> liquidity),
        whose `exchange` names the other side and whose `batch_id` groups both legs.

        The idempotency key is checked first (a replay returns the original even though its
        quote is used now); the quote id is part of what a key must match. Raises
        AccountNotFound (missing, or a source `principal` may not debit), SameAccount,
        InvalidAmount, InvalidInput (memo, key, a liquidity account as a side), QuoteNotFound,
        QuoteUsed, QuoteExpired, QuoteMismatch (currencies or amount), InsufficientFunds,
        CurrencyMismatch, IdempotencyConflict; LedgerUnavailable when DynamoDB kept failing.
        """
        for field, account_id in (("from_id", from_id), ("to_id", to_id)):
            if not validation.is_account_id(account_id):
                raise AccountNotFound(account_id, field=field)
        if from_id == to_id:
            raise SameAccount(from_id)
        for field, account_id in (("from_id", from_id), ("to_id", to_id)):
            if is_liquidity_account(account_id):
                raise InvalidInput(
                    f"liquidity account {account_id!r} cannot be a side of an exchange",
                    field=field,
                )
        value = check_amount(amount, field="amount")
        memo = validation.memo(memo)
        key = validation.idempotency_key(idempotency_key)
        if not validation.is_record_id(quote_id):
            raise QuoteNotFound(str(quote_id))
        # Counted before any read or lock, as plain transfers are.
        await enforce(self._limiter, TRANSFERS, principal.subject)
        fingerprint = _fingerprint(from_id, to_id, value, quote_id, memo) if key else None
        stored_key = policy.scoped_idempotency_key(principal, key)
        accounts, record = await self._store.load_accounts([from_id, to_id], stored_key)
        if record is not None:
            return await self._replay(record, key, fingerprint)
        quote = await self._quotes.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        source, destination = self._sides(accounts, from_id, to_id, principal)
        check_quote_use(
            quote,
            source_currency=source.currency,
            destination_currency=destination.currency,
            amount=in_currency(value, source.currency, field="amount"),
            now=self._clock(),
        )
        legs = plan_exchange(quote, source_account_id=from_id, destination_account_id=to_id)
        pays, buys = _leg(legs[0], legs[1], memo), _leg(legs[2], legs[3], memo)
        request = PostingRequest(
            batch_id=new_id(),
            postings=(pays, replace(buys, house=True)),
            metadata={},
            key=key,
            fingerprint=fingerprint,
            principal=principal,
            quote_id=quote_id,
        )
        async with self._locks.hold_accounts(request.account_ids):
            return await self._book(request)

    def _sides(
        self, accounts: dict[str, Account], from_id: str, to_id: str, principal: Principal
    ) -> tuple[Account, Account]:
        source, destination = accounts.get(from_id), accounts.get(to_id)
        if source is None or not policy.may_debit_account(principal, source.owner_id):
            raise AccountNotFound(from_id, field="from_id")
        if destination is None:
            raise AccountNotFound(to_id, field="to_id")
        return source, destination

    async def _book(self, request: PostingRequest) -> Transfer:
        for attempt in range(self._max_attempts):
            accounts, record = await self._store.load_accounts(
                request.account_ids, request.stored_key
            )
            if record is not None:
                return await self._replay(record, request.key, request.fingerprint)
            missing = frozenset(_liquidity(request) - accounts.keys())
            for account_id in missing:
                accounts[account_id] = self._opened(account_id)
            plan = plan_postings(replace(request, creates=missing), accounts, self._clock)
            try:
                await self._store.commit_postings(plan)
            except TransferAlreadyCommitted:
                pass
            except IdempotencyKeyTaken:
                continue  # the next round reads the record and replays it
            except QuoteRefused as refused:
                await self._explain(refused.quote_id)
            except VersionConflict:
                self._forget(plan)
                if attempt:
                    await self._backoff.sleep(attempt)
                continue
            except TransientStoreError as exc:
                log.info("exchange retried", extra={"attempt": attempt, "reason": str(exc)})
                await self._backoff.sleep(attempt)
                continue
            self._forget(plan)
            self._commits.committed(plan.entries)
            return plan.batch.transfers[0]
        raise LedgerUnavailable(f"exchange gave up after {self._max_attempts} attempts")

    def _opened(self, account_id: str) -> Account:
        currency = account_id.removeprefix("fx:")
        account = Account(
            id=account_id,
            balance=Decimal(0),
            currency=currency,
            created_at=self._clock(),
            version=0,
            overdraft_limit=None,
        )
        return chaining.opened(account, None)[0]

    async def _explain(self, quote_id: str) -> NoReturn:
        """Raise why the quote was refused at commit (it was usable when planned)."""
        quote = await self._quotes.get(quote_id)
        if quote is None:
            raise QuoteNotFound(quote_id)
        check_quote_use(
            quote,
            source_currency=quote.from_currency,
            destination_currency=quote.to_currency,
            amount=quote.source_amount,
            now=self._clock(),
        )
        raise QuoteUsed(quote_id)

    def _forget(self, plan: PostingPlan) -> None:
        for change in plan.changes:
            self._cache.forget(change.before.id)

    async def _replay(
        self, record: IdempotencyRecord, key: str | None, fingerprint: str | None
    ) -> Transfer:
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict(key or record.key)
        original = await self._store.get_batch(record.transfer_id)
        if original is None or not original.transfers:
            raise LedgerUnavailable(f"exchange {record.transfer_id} of a key is missing")
        return original.transfers[0]


def _leg(debit: BookedLeg, credit: BookedLeg, memo: str | None) -> Posting:
    """One same-currency leg of the exchange, from the booking's debit and credit postings."""
    return Posting(
        transfer_id=new_id(),
        debit_id=new_id(),
        credit_id=new_id(),
        from_id=debit.account_id,
        to_id=credit.account_id,
        amount=credit.amount,
        memo=memo,
        metadata={},
        exchange=credit.exchange,
    )


def _liquidity(request: PostingRequest) -> set[str]:
    return {p.to_id for p in request.postings[:1]} | {p.from_id for p in request.postings[1:]}


def _fingerprint(from_id: str, to_id: str, amount: Decimal, quote_id: str, memo: str | None) -> str:
    parts = ("exchange", from_id, to_id, format(amount.normalize(), "f"), quote_id, memo or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
