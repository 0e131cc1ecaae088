"""Reading holds as a principal may see them: one hold, an account's holds, and the check
that a principal may capture or void a hold."""

from __future__ import annotations

from services.domain import validation
from services.domain.errors import AccountNotFound, Forbidden, TransferNotFound
from services.domain.holds import HoldStatus, PendingTransfer, PendingTransferPage
from services.identity import policy
from services.identity.principal import SYSTEM, Principal
from services.ledger import cursor
from services.ledger.hold_ports import HoldStore


class HoldReads:
    def __init__(self, store: HoldStore) -> None:
        self._store = store

    async def get_pending_transfer(
        self, pending_transfer_id: str, *, principal: Principal = SYSTEM
    ) -> PendingTransfer | None:
        """The hold, when it exists and touches one of `principal`'s accounts."""
        if not validation.is_record_id(pending_transfer_id):
            return None
        hold = await self._store.get_hold(pending_transfer_id)
        if hold is None or principal.is_operator:
            return hold
        sides = (hold.from_account_id, hold.to_account_id)
        accounts, _ = await self._store.load_accounts(sides, None)
        owners = [accounts[i].owner_id if i in accounts else None for i in sides]
        return hold if any(policy.may_read_account(principal, o) for o in owners) else None

    async def pending_transfers(
        self,
        account_id: str,
        limit: int,
        after: str | None = None,
        status: HoldStatus | None = None,
        *,
        principal: Principal = SYSTEM,
    ) -> PendingTransferPage:
        """The holds reserved on `account_id`, newest first. Raises AccountNotFound (missing
        or not the caller's), InvalidInput (a malformed cursor)."""
        accounts, _ = await self._store.load_accounts([account_id], None)
        account = accounts.get(account_id)
        if account is None or not policy.may_read_account(principal, account.owner_id):
            raise AccountNotFound(account_id)
        start = None if after is None else cursor.decode_hold_cursor(after, account_id)
        page = await self._store.holds_of(account_id, limit, start, status)
        return PendingTransferPage(
            page.holds,
            [cursor.encode_hold_cursor(account_id, h.id) for h in page.holds],
            None
            if page.next_cursor is None
            else cursor.encode_hold_cursor(account_id, page.next_cursor),
        )

    async def own(self, hold_id: str, principal: Principal) -> PendingTransfer:
        """The hold, when `principal` may capture or void it: an operator, or the holder of
        its source. Raises TransferNotFound (missing or invisible) and Forbidden."""
        hold = await self.get_pending_transfer(hold_id, principal=principal)
        if hold is None:
            raise TransferNotFound(hold_id, field="pending_transfer_id")
        if principal.is_operator:
            return hold
        accounts, _ = await self._store.load_accounts([hold.from_account_id], None)
        owner = accounts[hold.from_account_id].owner_id if accounts else None
        if not policy.may_debit_account(principal, owner):
            raise Forbidden(
                "only the source account's holder or an operator captures or voids a hold",
                field="pending_transfer_id",
            )
        return hold
