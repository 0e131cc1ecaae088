"""What this process last saw of each account, to plan a transfer without reading first.

Safe to be stale: a transfer commits only if each account's version is still the one planned
from (every write is conditioned on it), and a stale entry costs one cancelled transaction that
returns the current state. Refusals are never decided on it alone (see `TransferService._transfer`).
`TransferStates` is the only code that reads or fills it for transfers.
"""

from __future__ import annotations

from collections import OrderedDict

from services.domain.model import Account
from services.ledger.planning import TransferPlan, TransferRequest
from services.ledger.ports import LedgerStore, TransferState


class AccountCache:
    """A bounded least-recently-used map from account id to the last known Account."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._accounts: OrderedDict[str, Account] = OrderedDict()

    def get(self, account_id: str) -> Account | None:
        account = self._accounts.get(account_id)
        if account is not None:
            self._accounts.move_to_end(account_id)
        return account

    def put(self, account: Account) -> None:
        """Remember `account` as the latest state. Callers hold the account's lock (or just
        created it), so what they put is never older than what is here: no version check,
        which would shadow an account recreated (after a table reset) at a lower version."""
        if self._capacity <= 0:
            return
        self._accounts[account.id] = account
        self._accounts.move_to_end(account.id)
        while len(self._accounts) > self._capacity:
            self._accounts.popitem(last=False)

    def forget(self, account_id: str) -> None:
        self._accounts.pop(account_id, None)

    def __len__(self) -> int:
        return len(self._accounts)


class TransferStates:
    """Where the transfer write path gets the two accounts from: this process's cache when it
    knows both (unverified: the commit checks the versions), else the table (verified). Every
    state the write path learns passes through here, so the cache has this one owner."""

    def __init__(self, store: LedgerStore, cache: AccountCache) -> None:
        self._store = store
        self._cache = cache

    def cached(self, request: TransferRequest) -> TransferState | None:
        source = self._cache.get(request.from_id)
        destination = self._cache.get(request.to_id)
        if source is None or destination is None:
            return None
        return TransferState(source=source, destination=destination, idempotency=None)

    async def load(self, request: TransferRequest) -> TransferState:
        """Read both accounts and the idempotency record from the table, and remember them."""
        state = await self._store.load_transfer_state(
            request.from_id, request.to_id, request.stored_key
        )
        self.remember(request.from_id, state.source)
        self.remember(request.to_id, state.destination)
        return state

    def remember(self, account_id: str, account: Account | None) -> None:
        if account is None:
            self._cache.forget(account_id)
        else:
            self._cache.put(account)

    def committed(self, plan: TransferPlan) -> None:
        self._cache.put(plan.source_after)
        self._cache.put(plan.destination_after)

    def forget(self, request: TransferRequest) -> None:
        self._cache.forget(request.from_id)
        self._cache.forget(request.to_id)
