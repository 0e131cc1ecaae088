"""Opening and reading accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from services.domain import validation
from services.domain.errors import (
    AccountExists,
    AccountNotFound,
    Forbidden,
    InvalidInput,
    LedgerUnavailable,
)
from services.domain.metadata import metadata as checked_metadata
from services.domain.model import Account, AccountPage
from services.domain.money import check_amount, in_currency, validate_currency
from services.fx.booking import LIQUIDITY_PREFIX
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger import chaining
from services.ledger.cache import AccountCache
from services.ledger.commits import Commits
from services.ledger.cursor import decode_owned_cursor, encode_owned_cursor
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
        commits: Commits | None = None,
    ) -> None:
        self._store = store
        self._commits = commits or Commits()
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
        owner_id: str | None = None,
        principal: Principal = SYSTEM,
        overdraft_limit: Decimal | int | str | None = Decimal(0),
        metadata: Mapping[str, str] | None = None,
    ) -> Account:
        """Open an account; never overwrites. A non-zero opening balance is the first entry.

        A holder opens accounts for itself only, with a zero balance and no overdraft
        (Forbidden otherwise); operators may name any owner (None: an account only operators
        reach) and an overdraft limit: debits may take the balance down to -overdraft_limit;
        None: no limit (an external account, such as bank:settlement).
        Raises AccountExists, Forbidden, InvalidAmount (negative, too large, too many
        decimals) and InvalidInput (malformed or reserved (`fx:`) id, currency, email, phone,
        owner or metadata).
        """
        account_id = validation.account_id(account_id)
        if account_id.startswith(LIQUIDITY_PREFIX):
            # The exchange opens these itself, external and in their currency only.
            raise InvalidInput(
                f"ids starting with {LIQUIDITY_PREFIX!r} are the ledger's liquidity accounts",
                field="account_id",
            )
        code = validate_currency(currency if currency is not None else self._default_currency)
        amount = check_amount(initial_balance, field="initial_balance", allow_zero=True)
        balance = in_currency(amount, code, field="initial_balance")
        owner_id = validation.owner_id(owner_id)
        limit = _overdraft_limit(overdraft_limit, code)
        labels = checked_metadata(metadata)
        if not policy.may_set_overdraft_limit(principal, limit):
            raise Forbidden("only operators set overdraft limits", field="overdraft_limit")
        if not policy.may_create_account(principal, owner_id, balance):
            refused = "owner_id" if owner_id is not None else "initial_balance"
            raise Forbidden(
                "only operators open accounts for others or with a balance", field=refused
            )
        now = self._clock()
        account = Account(
            id=account_id,
            balance=balance,
            currency=code,
            created_at=now,
            version=1 if balance else 0,
            email=validation.email(email),
            phone=validation.phone(phone),
            owner_id=policy.owner_of_new_account(principal, owner_id),
            overdraft_limit=limit,
            metadata=labels,
        )
        opening = opening_entry(account, new_id(), new_id(), now) if balance else None
        account, opening = chaining.opened(account, opening)
        for attempt in range(self._max_attempts):
            try:
                await self._store.create_account(account, opening)
                self._cache.put(account)
                if opening is not None:
                    self._commits.committed((opening,))
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

    async def get_account(self, account_id: str, *, principal: Principal = SYSTEM) -> Account:
        """The whole account. Raises AccountNotFound (also for an account `principal` may not
        read: the two are indistinguishable)."""
        if validation.is_account_id(account_id):
            account = (await self._store.get_accounts([account_id])).get(account_id)
            if account is not None and policy.may_read_account(principal, account.owner_id):
                return account
        raise AccountNotFound(account_id)

    async def get_accounts(
        self, ids: Sequence[str], *, principal: Principal = SYSTEM
    ) -> dict[str, Account]:
        """The accounts among `ids` that exist and `principal` may read, by id (one batched
        read per 100 ids)."""
        found = await self._store.get_accounts(
            [i for i in dict.fromkeys(ids) if validation.is_account_id(i)]
        )
        if principal.is_operator:
            return found
        return {i: a for i, a in found.items() if policy.may_read_account(principal, a.owner_id)}

    async def missing_account_ids(
        self, ids: Sequence[str], *, principal: Principal = SYSTEM
    ) -> list[str]:
        """The ids that do not exist, in input order, each once. Operators only (Forbidden):
        for a holder it would tell which of others' ids exist."""
        if not policy.may_list_missing_accounts(principal):
            raise Forbidden("only operators list missing accounts", field="ids")
        unique = list(dict.fromkeys(ids))
        found = await self.get_accounts(unique)
        return [i for i in unique if i not in found]

    async def inquire_balance(self, account_id: str, *, principal: Principal = SYSTEM) -> Decimal:
        """InquireBalance: the exact balance. Raises AccountNotFound."""
        return (await self.get_account(account_id, principal=principal)).balance

    async def readable_ids(self, ids: Iterable[str], *, principal: Principal) -> set[str]:
        """Which of `ids` `principal` may read. Owners never change, so what this process
        already knows of an account answers without a read."""
        wanted = set(ids)
        if principal.is_operator:
            return wanted
        known = {i: self._cache.get(i) for i in wanted}
        unknown = [i for i, account in known.items() if account is None]
        fetched = await self._store.get_accounts(unknown) if unknown else {}
        readable = set()
        for account_id in wanted:
            account = known[account_id] or fetched.get(account_id)
            if account is not None and policy.may_read_account(principal, account.owner_id):
                readable.add(account_id)
        return readable

    async def owned_accounts(
        self, principal: Principal, limit: int, after: str | None = None
    ) -> AccountPage:
        """`principal`'s own accounts in id order, `limit` per page; `after` is a cursor of a
        previous page. Raises InvalidInput (bad limit or cursor)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidInput("limit must be an integer from 1 to 1000", field="limit")
        owner = principal.subject
        after_id = decode_owned_cursor(after, owner) if after is not None else None
        ids = await self._store.owned_account_ids(owner, after_id, limit + 1)
        page_ids = ids[:limit]
        found = await self._store.get_accounts(page_ids) if page_ids else {}
        accounts = [found[i] for i in page_ids if i in found]
        cursors = [encode_owned_cursor(owner, account.id) for account in accounts]
        more = len(ids) > limit and bool(cursors)
        return AccountPage(accounts, cursors, cursors[-1] if more else None)


def _overdraft_limit(value: Decimal | int | str | None, currency: str) -> Decimal | None:
    if value is None:
        return None
    amount = check_amount(value, field="overdraft_limit", allow_zero=True)
    return in_currency(amount, currency, field="overdraft_limit")
