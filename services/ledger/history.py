"""Reading an account's entries: cursor pages (newest first) and replays (oldest first)."""

from __future__ import annotations

from services.domain import validation
from services.domain.errors import AccountNotFound, InvalidInput
from services.domain.model import Entry, Page
from services.identity.principal import SYSTEM, Principal
from services.ledger.accounts import AccountService
from services.ledger.cursor import decode_cursor, encode_cursor
from services.ledger.ports import LedgerStore

#: The largest page `get_transactions` returns.
MAX_PAGE_SIZE = 1000


class HistoryService:
    def __init__(self, store: LedgerStore, accounts: AccountService) -> None:
        self._store = store
        self._accounts = accounts

    async def get_transactions(
        self,
        account_id: str,
        limit: int,
        after: str | None = None,
        *,
        principal: Principal = SYSTEM,
    ) -> Page:
        """GetTransactions: entries newest first, `limit` per page (1 to MAX_PAGE_SIZE).

        `after` is the `next_cursor` of the previous page. Raises AccountNotFound (also for an
        account `principal` may not read) and InvalidInput (bad limit or cursor).
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}", field="limit")
        if not validation.is_account_id(account_id) or not await self._accounts.readable_ids(
            [account_id], principal=principal
        ):
            raise AccountNotFound(account_id)
        # Newest first: the page after a cursor holds the entries older than the one it names.
        older_than = decode_cursor(after, account_id) if after is not None else None
        entries = await self._store.entries_before(account_id, older_than, limit + 1)
        if not entries and older_than is None:
            await self._accounts.get_account(account_id)
        page = entries[:limit]
        cursors = [encode_cursor(account_id, entry.version) for entry in page]
        more = len(entries) > limit
        return Page(entries=page, next_cursor=cursors[-1] if more else None, cursors=cursors)

    async def entries_after(
        self, account_id: str, after_version: int, limit: int = 100
    ) -> list[Entry]:
        """Entries with a version above `after_version`, oldest first (to replay missed changes)."""
        if not validation.is_account_id(account_id) or after_version < 0:
            return []
        return await self._store.entries_after(account_id, after_version, min(limit, MAX_PAGE_SIZE))
