"""The Ledger: one object for the library's callers, composed of the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from services.identity.principal import Principal
from services.ledger.accounts import AccountService
from services.ledger.acting import ActingLedger
from services.ledger.cache import AccountCache, TransferStates
from services.ledger.history import HistoryService
from services.ledger.ids import utc_now
from services.ledger.ports import LedgerStore
from services.ledger.transfers import TransferService
from services.ratelimit import NoRateLimits, RateLimiter
from services.retry import Backoff
from services.settings import Settings

if TYPE_CHECKING:
    from services.bootstrap.ledger import LedgerConnection


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
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._on_close = on_close
        # One cache shared by the use cases: what one writes, the other plans from.
        cache = AccountCache(settings.account_cache_size)
        backoff = Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds)
        self.accounts = AccountService(
            store,
            cache,
            default_currency=settings.default_currency,
            backoff=backoff,
            max_attempts=settings.transfer_max_attempts,
            clock=clock,
        )
        self.transfers = TransferService(
            store,
            TransferStates(store, cache),
            self.accounts,
            backoff=backoff,
            max_attempts=settings.transfer_max_attempts,
            clock=clock,
            limiter=limiter or NoRateLimits(),
            max_waiting_per_account=settings.transfer_max_waiting_per_account,
        )
        self.history = HistoryService(store, self.accounts)

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
