"""The Ledger application service: the original package's API, done right."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType

from ulid import ULID

from services.domain import validation
from services.domain.errors import (
    AccountExists,
    AccountNotFound,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
    LedgerError,
    LedgerUnavailable,
    SameAccount,
)
from services.domain.model import Account, Entry, Page, Transfer
from services.domain.money import check_amount, in_currency, validate_currency
from services.ledger.cache import AccountCache
from services.ledger.cursor import decode_cursor, encode_cursor
from services.ledger.locks import KeyedLocks
from services.ledger.planning import TransferPlan, fingerprint, opening_entry, plan_transfer
from services.ledger.ports import (
    IdempotencyKeyTaken,
    IdempotencyRecord,
    LedgerStore,
    TransferAlreadyCommitted,
    TransferState,
    TransientStoreError,
    VersionConflict,
)
from services.retry import Backoff
from services.settings import Settings

log = logging.getLogger(__name__)

#: The largest page `get_transactions` returns.
MAX_PAGE_SIZE = 1000


def new_id() -> str:
    """A ULID: unique, and sortable by creation time."""
    return str(ULID())


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger:
    """Accounts, exact balances, atomic transfers and their history.

    Build one per process with `Ledger.connect(settings)` (an async context manager, or
    awaitable followed by `close()`); every method is safe to call concurrently.
    """

    def __init__(
        self,
        store: LedgerStore,
        settings: Settings,
        *,
        on_close: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.settings = settings
        self._on_close = on_close
        self._clock = clock
        self._locks = KeyedLocks()
        self._backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
        self._max_attempts = settings.transfer_max_attempts
        self._accounts = AccountCache(settings.account_cache_size)

    @classmethod
    def connect(cls, settings: Settings) -> LedgerConnection:
        """InitializeLedger: one aioboto3 session and one long-lived DynamoDB client.

        Creates the table when it is missing unless `settings.create_table` is False.
        """
        return LedgerConnection(settings)

    async def close(self) -> None:
        if self._on_close is not None:
            await self._on_close()
            self._on_close = None

    async def ensure_table(self) -> bool:
        """Create the table if it is missing (idempotent). True when this call created it."""
        return await self.store.ensure_table()

    async def ping(self) -> None:
        """Raises when DynamoDB (and the table) cannot be reached."""
        await self.store.ping()

    async def check_users_exist(self, ids: Sequence[str]) -> list[str]:
        """CheckUsersExist: the ids that do not exist, in input order, each once."""
        unique = list(dict.fromkeys(ids))
        found = await self.store.get_accounts([i for i in unique if validation.is_account_id(i)])
        return [i for i in unique if i not in found]

    async def create_account_with_balance(
        self,
        account_id: str,
        initial_balance: Decimal | int | str = Decimal(0),
        *,
        currency: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Account:
        """Open an account; never overwrites. A non-zero opening balance is the first entry.

        Raises AccountExists, InvalidAmount (negative, too large, too many decimals) and
        InvalidInput (malformed id, currency, email or phone).
        """
        account_id = validation.account_id(account_id)
        code = validate_currency(
            currency if currency is not None else self.settings.default_currency
        )
        amount = check_amount(initial_balance, field="initial_balance", allow_zero=True)
        balance = in_currency(amount, code, field="initial_balance")
        now = self._clock()
        account = Account(
            id=account_id,
            balance=balance,
            currency=code,
            created_at=now,
            version=1 if balance else 0,
            email=validation.email(email),
            phone=validation.phone(phone),
        )
        opening = opening_entry(account, new_id(), new_id(), now) if balance else None
        for attempt in range(self._max_attempts):
            try:
                await self.store.create_account(account, opening)
                self._accounts.put(account)
                return account
            except AccountExists:
                if (
                    attempt
                    and (await self.store.get_accounts([account_id])).get(account_id) == account
                ):
                    return account  # our earlier attempt committed before its answer was lost
                raise
            except TransientStoreError:
                await self._backoff.sleep(attempt)
        raise LedgerUnavailable(f"could not create account {account_id!r}")

    async def get_account(self, account_id: str) -> Account:
        """The whole account. Raises AccountNotFound."""
        if validation.is_account_id(account_id):
            account = (await self.store.get_accounts([account_id])).get(account_id)
            if account is not None:
                return account
        raise AccountNotFound(account_id)

    async def get_accounts(self, ids: Sequence[str]) -> dict[str, Account]:
        """The accounts that exist among `ids`, by id (one batched read per 100 ids)."""
        return await self.store.get_accounts(
            [i for i in dict.fromkeys(ids) if validation.is_account_id(i)]
        )

    async def inquire_balance(self, account_id: str) -> Decimal:
        """InquireBalance: the exact balance. Raises AccountNotFound."""
        return (await self.get_account(account_id)).balance

    async def get_transfers(self, ids: Sequence[str]) -> dict[str, Transfer]:
        """The transfers that exist among `ids`, by id."""
        return await self.store.get_transfers(
            [i for i in dict.fromkeys(ids) if validation.is_account_id(i)]
        )

    async def get_transfer(self, transfer_id: str) -> Transfer | None:
        return (await self.get_transfers([transfer_id])).get(transfer_id)

    async def get_transactions(self, account_id: str, limit: int, after: str | None = None) -> Page:
        """GetTransactions: entries newest first, `limit` per page (1 to MAX_PAGE_SIZE).

        `after` is the `next_cursor` of the previous page. Raises AccountNotFound and
        InvalidInput (bad limit or cursor).
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}", field="limit")
        if not validation.is_account_id(account_id):
            raise AccountNotFound(account_id)
        before = decode_cursor(after, account_id) if after is not None else None
        entries = await self.store.entries_before(account_id, before, limit + 1)
        if not entries and before is None:
            await self.get_account(account_id)
        if len(entries) <= limit:
            return Page(entries=entries, next_cursor=None)
        page = entries[:limit]
        return Page(entries=page, next_cursor=encode_cursor(account_id, page[-1].version))

    async def entries_after(
        self, account_id: str, after_version: int, limit: int = 100
    ) -> list[Entry]:
        """Entries with a version above `after_version`, oldest first (to replay missed changes)."""
        if not validation.is_account_id(account_id) or after_version < 0:
            return []
        return await self.store.entries_after(account_id, after_version, min(limit, MAX_PAGE_SIZE))

    async def transfer_credits(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
    ) -> Transfer:
        """TransferCredits: move `amount` atomically in one DynamoDB transaction.

        Raises AccountNotFound, InsufficientFunds, SameAccount, CurrencyMismatch,
        InvalidAmount, IdempotencyConflict, InvalidInput (memo, key); LedgerUnavailable when
        DynamoDB kept failing. A replayed idempotency key returns the original transfer.
        """
        value = check_amount(amount, field="amount")
        memo = validation.memo(memo)
        key = validation.idempotency_key(idempotency_key)
        for account, field in ((from_id, "from_id"), (to_id, "to_id")):
            if not validation.is_account_id(account):
                raise AccountNotFound(account, field=field)
        if from_id == to_id:
            raise SameAccount(from_id)
        request = _TransferRequest(
            transfer_id=new_id(),
            debit_id=new_id(),
            credit_id=new_id(),
            from_id=from_id,
            to_id=to_id,
            amount=value,
            memo=memo,
            key=key,
            fingerprint=fingerprint(from_id, to_id, value, memo) if key else None,
        )
        async with self._locks.hold((from_id, to_id)):
            return await self._transfer(request)

    async def _transfer(self, request: _TransferRequest) -> Transfer:
        # Plan from what this process last saw when it knows both accounts: the commit is then
        # the only DynamoDB call. `verified` says the state was read from the table, together
        # with the idempotency record; a refusal is only ever raised on verified state.
        state = self._cached_state(request)
        verified = state is None
        if state is None:
            state = await self._load(request)
        plan: TransferPlan | None = None
        for attempt in range(self._max_attempts):
            while plan is None:
                if state.idempotency is not None:
                    return await self._replay(state.idempotency, request)
                try:
                    plan = self._plan(state, request)
                except LedgerError:
                    if verified:
                        raise
                    state, verified = await self._load(request), True
            try:
                await self.store.commit_transfer(plan)
            except TransferAlreadyCommitted:
                pass
            except IdempotencyKeyTaken as taken:
                self._accounts.forget(request.from_id)
                self._accounts.forget(request.to_id)
                record = taken.record or await self._idempotency_record(request)
                return await self._replay(record, request)
            except VersionConflict as conflict:
                for account_id, account in conflict.fresh.items():
                    self._remember(account_id, account)
                state = TransferState(
                    source=conflict.fresh.get(request.from_id, plan.source_before),
                    destination=conflict.fresh.get(request.to_id, plan.destination_before),
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
            self._accounts.put(plan.source_after)
            self._accounts.put(plan.destination_after)
            return plan.transfer
        self._accounts.forget(request.from_id)
        self._accounts.forget(request.to_id)
        raise LedgerUnavailable(f"transfer gave up after {self._max_attempts} attempts")

    def _cached_state(self, request: _TransferRequest) -> TransferState | None:
        source = self._accounts.get(request.from_id)
        destination = self._accounts.get(request.to_id)
        if source is None or destination is None:
            return None
        return TransferState(source=source, destination=destination, idempotency=None)

    async def _load(self, request: _TransferRequest) -> TransferState:
        state = await self.store.load_transfer_state(request.from_id, request.to_id, request.key)
        self._remember(request.from_id, state.source)
        self._remember(request.to_id, state.destination)
        return state

    def _remember(self, account_id: str, account: Account | None) -> None:
        if account is None:
            self._accounts.forget(account_id)
        else:
            self._accounts.put(account)

    def _plan(self, state: TransferState, request: _TransferRequest) -> TransferPlan:
        source, destination = state.source, state.destination
        if source is None:
            raise AccountNotFound(request.from_id, field="from_id")
        if destination is None:
            raise AccountNotFound(request.to_id, field="to_id")
        if source.currency != destination.currency:
            raise CurrencyMismatch(source.currency, destination.currency)
        amount = in_currency(request.amount, source.currency, field="amount")
        if source.balance < amount:
            raise InsufficientFunds(source.id)
        transfer = Transfer(
            id=request.transfer_id,
            from_account_id=source.id,
            to_account_id=destination.id,
            amount=amount,
            currency=source.currency,
            created_at=self._clock(),
            memo=request.memo,
            idempotency_key=request.key,
        )
        return plan_transfer(
            transfer=transfer,
            source=source,
            destination=destination,
            debit_id=request.debit_id,
            credit_id=request.credit_id,
            request_fingerprint=request.fingerprint,
        )

    async def _idempotency_record(self, request: _TransferRequest) -> IdempotencyRecord:
        state = await self.store.load_transfer_state(request.from_id, request.to_id, request.key)
        if state.idempotency is None:
            raise LedgerUnavailable("idempotency record vanished")
        return state.idempotency

    async def _replay(self, record: IdempotencyRecord, request: _TransferRequest) -> Transfer:
        if record.fingerprint != request.fingerprint:
            raise IdempotencyConflict(record.key)
        original = (await self.store.get_transfers([record.transfer_id])).get(record.transfer_id)
        if original is None:
            raise LedgerUnavailable(
                f"transfer {record.transfer_id} of an idempotency key is missing"
            )
        return original

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


@dataclass(frozen=True, slots=True)
class _TransferRequest:
    """One call's fixed identity: its ids survive re-planning, so no retry moves money twice."""

    transfer_id: str
    debit_id: str
    credit_id: str
    from_id: str
    to_id: str
    amount: Decimal
    memo: str | None
    key: str | None
    fingerprint: str | None


class LedgerConnection:
    """`async with Ledger.connect(settings) as ledger:` or `ledger = await Ledger.connect(s)`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._ledger: Ledger | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._open().__await__()

    async def __aenter__(self) -> Ledger:
        self._ledger = await self._open()
        return self._ledger

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._ledger is not None:
            await self._ledger.close()

    async def _open(self) -> Ledger:
        from services.dynamo.connect import open_store  # the composition edge: adapter chosen here

        store, close = await open_store(self._settings)
        try:
            if self._settings.create_table:
                await store.ensure_table()
        except BaseException:
            await close()
            raise
        return Ledger(store, self._settings, on_close=close)
