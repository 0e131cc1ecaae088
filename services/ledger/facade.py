"""The Ledger: one object for the library's callers, composed of the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING

from services.domain.errors import LedgerUnavailable
from services.domain.model import Transfer
from services.domain.movements import Batch, TransferLeg
from services.fx.quotes import FixedSide, Quote
from services.fx.totals import CurrencyTotal
from services.identity.principal import SYSTEM, Principal
from services.ledger.accounts import AccountService
from services.ledger.acting import ActingLedger
from services.ledger.batches import BatchService, MovementStore
from services.ledger.cache import AccountCache, TransferStates
from services.ledger.commits import Commits
from services.ledger.exchanges import ExchangeService
from services.ledger.expiry import HoldSweeper
from services.ledger.history import HistoryService
from services.ledger.hold_ports import DueHolds, HoldStore
from services.ledger.holds import HoldService
from services.ledger.ids import utc_now
from services.ledger.integrity import IntegrityReader, IntegrityService
from services.ledger.locks import KeyedLocks
from services.ledger.ports import LedgerStore
from services.ledger.reversals import ReversalService
from services.ledger.totals import TotalsService
from services.ledger.transfers import TransferService
from services.ratelimit import NoRateLimits, RateLimiter
from services.retry import Backoff
from services.settings import Settings

if TYPE_CHECKING:
    from services.bootstrap.ledger import LedgerConnection
    from services.fx.quote_service import QuoteService


class Ledger:
    """Accounts, exact balances, atomic transfers and their history.

    Build one per process with `Ledger.connect(settings)` (an async context manager, or
    awaitable followed by `close()`); every method is safe to call concurrently. Each method
    is its use case's (`accounts`, `transfers`, `history`), which document what they raise.
    """

    def __init__(
        self,
        store: LedgerStore,
        settings: Settings,
        *,
        on_close: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], datetime] = utc_now,
        movements: MovementStore | None = None,
        integrity_reader: IntegrityReader | None = None,
        limiter: RateLimiter | None = None,
        quotes: QuoteService | None = None,
        hold_store: HoldStore | None = None,
        due_holds: DueHolds | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._on_close = on_close
        # One cache shared by the use cases: what one writes, the other plans from.
        cache = AccountCache(settings.account_cache_size)
        #: The hook every commit path calls with the entries it committed: the composition
        #: root attaches the live fast path here (`commits.attach(listener)`).
        self.commits = Commits()
        backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
        # One queue per account for every use case that writes balances, bounded once.
        locks = KeyedLocks(settings.transfer_max_waiting_per_account)
        self.accounts = AccountService(
            store,
            cache,
            default_currency=settings.default_currency,
            backoff=backoff,
            max_attempts=settings.transfer_max_attempts,
            clock=clock,
            commits=self.commits,
        )
        self.transfers = TransferService(
            store,
            TransferStates(store, cache),
            self.accounts,
            backoff=backoff,
            max_attempts=settings.transfer_max_attempts,
            clock=clock,
            limiter=limiter or NoRateLimits(),
            locks=locks,
            commits=self.commits,
        )
        self.history = HistoryService(store, self.accounts)
        #: Multi-posting movements (batches); None when built without a movement store.
        self.batches = (
            BatchService(
                movements,
                cache,
                backoff=backoff,
                max_attempts=settings.transfer_max_attempts,
                clock=clock,
                commits=self.commits,
                locks=locks,
            )
            if movements is not None
            else None
        )
        self.reversals = (
            ReversalService(
                movements,
                cache,
                backoff=backoff,
                max_attempts=settings.transfer_max_attempts,
                clock=clock,
                commits=self.commits,
                locks=locks,
            )
            if movements is not None
            else None
        )
        #: Exchange quotes (services.fx); None when built without rates or a quote store.
        self.quotes = quotes
        #: Exchanges between currencies at a quoted rate; None without quotes or movements.
        self.exchanges = (
            ExchangeService(
                movements,
                quotes,
                cache,
                backoff=backoff,
                max_attempts=settings.transfer_max_attempts,
                clock=clock,
                limiter=limiter,
                commits=self.commits,
                locks=locks,
            )
            if movements is not None and quotes is not None
            else None
        )
        #: Holds (two-phase transfers); None when built without a hold store.
        self.holds = (
            HoldService(
                hold_store,
                cache,
                backoff=backoff,
                max_attempts=settings.transfer_max_attempts,
                clock=clock,
                commits=self.commits,
                locks=locks,
                limiter=limiter,
            )
            if hold_store is not None
            else None
        )
        #: Releases expired holds: the stream worker's role runs `hold_sweeper.run()`.
        self.hold_sweeper = (
            HoldSweeper(
                self.holds,
                due_holds,
                clock=clock,
                interval_seconds=settings.hold_sweep_interval_seconds,
            )
            if self.holds is not None and due_holds is not None
            else None
        )
        #: Verification, proofs, point-in-time balances and exports (issue 13); None on a
        #: store that offers no `IntegrityReader`.
        self.integrity = (
            IntegrityService(integrity_reader, self.accounts) if integrity_reader else None
        )
        #: `ledgerTotals`, by a scan of the accounts; None without an `IntegrityReader`.
        self.totals = TotalsService(integrity_reader) if integrity_reader else None

        self.create_account_with_balance = self.accounts.create_account_with_balance
        self.get_account = self.accounts.get_account
        self.get_accounts = self.accounts.get_accounts
        self.missing_account_ids = self.accounts.missing_account_ids
        #: CheckUsersExist, the original name of `missing_account_ids`.
        self.check_users_exist = self.accounts.missing_account_ids
        self.inquire_balance = self.accounts.inquire_balance
        self.owned_accounts = self.accounts.owned_accounts
        self.transfer_credits = self.transfers.transfer_credits
        self.get_transfers = self.transfers.get_transfers
        self.get_transfer = self.transfers.get_transfer
        self.get_transactions = self.history.get_transactions
        self.entries_after = self.history.entries_after

    async def post_transfers(
        self,
        transfers: Sequence[TransferLeg],
        *,
        idempotency_key: str | None = None,
        metadata: Mapping[str, str] | None = None,
        principal: Principal = SYSTEM,
    ) -> Batch:
        """PostTransfers: see `BatchService.post_transfers`."""
        return await self._batches().post_transfers(
            transfers, idempotency_key=idempotency_key, metadata=metadata, principal=principal
        )

    async def get_batch(self, batch_id: str) -> Batch | None:
        return await self._batches().get_batch(batch_id)

    async def reverse_transfer(
        self,
        transfer_id: str,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        principal: Principal = SYSTEM,
    ) -> Transfer:
        """ReverseTransfer: see `ReversalService.reverse_transfer`."""
        if self.reversals is None:
            raise LedgerUnavailable("this ledger was built without a movement store")
        return await self.reversals.reverse_transfer(
            transfer_id, amount, idempotency_key=idempotency_key, memo=memo, principal=principal
        )

    async def quote(
        self,
        from_currency: str,
        to_currency: str,
        amount: Decimal | int | str,
        fixed_side: FixedSide = FixedSide.SOURCE,
        *,
        principal: Principal = SYSTEM,
    ) -> Quote:
        """A stored exchange quote: see `ExchangeService.quote`."""
        return await self._exchanges().quote(
            from_currency, to_currency, amount, fixed_side, principal=principal
        )

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
        """Book a quote between accounts of two currencies: see `ExchangeService.exchange`."""
        return await self._exchanges().exchange(
            from_id,
            to_id,
            amount,
            quote_id,
            idempotency_key=idempotency_key,
            memo=memo,
            principal=principal,
        )

    async def ledger_totals(self, *, principal: Principal = SYSTEM) -> list[CurrencyTotal]:
        """Per currency, the sum of every balance: see `TotalsService.ledger_totals`."""
        if self.totals is None:
            raise LedgerUnavailable("this ledger's store offers no scan for totals")
        return await self.totals.ledger_totals(principal=principal)

    def _exchanges(self) -> ExchangeService:
        if self.exchanges is None:
            raise LedgerUnavailable("this ledger was built without exchange quotes")
        return self.exchanges

    def hold_service(self) -> HoldService:
        """The holds' use case (authorize, capture, void, expire); see `HoldService`."""
        if self.holds is None:
            raise LedgerUnavailable("this ledger was built without a hold store")
        return self.holds

    def _batches(self) -> BatchService:
        if self.batches is None:
            raise LedgerUnavailable("this ledger was built without a movement store")
        return self.batches

    @classmethod
    def connect(cls, settings: Settings) -> LedgerConnection:
        """InitializeLedger: one aioboto3 session and one long-lived DynamoDB client.

        Creates the table when it is missing unless `settings.create_table` is False.
        """
        # The library's shortcut into the composition root, which picks the adapter; imported
        # here because the root imports this module (the one exception in pyproject.toml).
        from services.bootstrap.ledger import LedgerConnection

        return LedgerConnection(settings)

    def acting_as(self, principal: Principal) -> ActingLedger:
        """The ledger as `principal` sees it: what the API gives each request."""
        return ActingLedger(self, principal)

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

    async def __aenter__(self) -> Ledger:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
