"""Opening and reading accounts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from services.domain import validation
from services.domain.errors import AccountExists, AccountNotFound, LedgerUnavailable
from services.domain.model import Account
from services.domain.money import check_amount, in_currency, validate_currency
from services.ledger.cache import AccountCache
from services.ledger.ids import new_id
from services.ledger.planning import opening_entry
from services.ledger.ports import LedgerStore, TransientStoreError
from services.retry import Backoff


class AccountService:
    def __init__(
        self,
        store: LedgerStore,
        cache: AccountCache,
        *,
        default_currency: str,
        backoff: Backoff,
        max_attempts: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._cache = cache
        self._default_currency = default_currency
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._clock = clock

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
        code = validate_currency(currency if currency is not None else self._default_currency)
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
                await self._store.create_account(account, opening)
                self._cache.put(account)
                return account
            except AccountExists:
                if (
                    attempt
                    and (await self._store.get_accounts([account_id])).get(account_id) == account
                ):
                    return account  # our earlier attempt committed before its answer was lost
                raise
            except TransientStoreError:
                await self._backoff.sleep(attempt)
        raise LedgerUnavailable(f"could not create account {account_id!r}")

    async def get_account(self, account_id: str) -> Account:
        """The whole account. Raises AccountNotFound."""
        if validation.is_account_id(account_id):
            account = (await self._store.get_accounts([account_id])).get(account_id)
            if account is not None:
                return account
        raise AccountNotFound(account_id)

    async def get_accounts(self, ids: Sequence[str]) -> dict[str, Account]:
        """The accounts that exist among `ids`, by id (one batched read per 100 ids)."""
        return await self._store.get_accounts(
            [i for i in dict.fromkeys(ids) if validation.is_account_id(i)]
        )

    async def missing_account_ids(self, ids: Sequence[str]) -> list[str]:
        """The ids that do not exist, in input order, each once."""
        unique = list(dict.fromkeys(ids))
        found = await self.get_accounts(unique)
        return [i for i in unique if i not in found]

    async def inquire_balance(self, account_id: str) -> Decimal:
        """InquireBalance: the exact balance. Raises AccountNotFound."""
        return (await self.get_account(account_id)).balance
