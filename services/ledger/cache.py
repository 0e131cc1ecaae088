"""What this process last saw of each account, to plan a transfer without reading first.

Safe to be stale: a transfer commits only if each account's version is still the one planned
from (every write is conditioned on it), and a stale entry costs one cancelled transaction that
returns the current state. Refusals are never decided on it alone (see `TransferService._transfer`).
"""

from __future__ import annotations

from collections import OrderedDict

from services.domain.model import Account


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
