"""The ledger as one principal sees it: every call carries that principal.

What the API hands its resolvers, so that no resolver can forget whose request it serves;
the rules themselves are the use cases' (and `services.identity.policy`'s)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from services.domain.errors import LedgerUnavailable
from services.domain.holds import HoldStatus, PendingTransfer, PendingTransferPage
from services.domain.model import Account, AccountPage, Page, Transfer
from services.domain.movements import Batch, TransferLeg
from services.fx.quotes import FixedSide, Quote
from services.fx.totals import CurrencyTotal
from services.identity.principal import Principal
from services.integrity.point_in_time import BalancePoint
from services.integrity.proof import ProofResult
from services.ledger.integrity import AccountVerification, IntegrityService

if TYPE_CHECKING:
    from services.ledger.facade import Ledger


class ActingLedger:
    def __init__(self, ledger: Ledger, principal: Principal) -> None:
        self._ledger = ledger
        self.principal = principal

    async def create_account(
        self,
        account_id: str,
        initial_balance: Decimal | int | str = Decimal(0),
        *,
        currency: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        owner_id: str | None = None,
        overdraft_limit: Decimal | int | str | None = Decimal(0),
        metadata: Mapping[str, str] | None = None,
    ) -> Account:
        return await self._ledger.accounts.create_account_with_balance(
            account_id,
            initial_balance,
            currency=currency,
            email=email,
            phone=phone,
            owner_id=owner_id,
            principal=self.principal,
            overdraft_limit=overdraft_limit,
            metadata=metadata,
        )

    async def get_accounts(self, ids: Sequence[str]) -> dict[str, Account]:
        return await self._ledger.accounts.get_accounts(ids, principal=self.principal)

    async def missing_account_ids(self, ids: Sequence[str]) -> list[str]:
        return await self._ledger.accounts.missing_account_ids(ids, principal=self.principal)

    async def owned_accounts(self, limit: int, after: str | None = None) -> AccountPage:
        return await self._ledger.accounts.owned_accounts(self.principal, limit, after)

    async def transfer_credits(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        quote_id: str | None = None,
    ) -> Transfer:
        """A transfer; with `quote_id`, an exchange between two currencies at that quote
        (ExchangeService.exchange). Without one it never reads rates or quotes."""
        if quote_id is not None:
            return await self._ledger.exchange(
                from_id,
                to_id,
                amount,
                quote_id,
                idempotency_key=idempotency_key,
                memo=memo,
                principal=self.principal,
            )
        return await self._ledger.transfers.transfer_credits(
            from_id,
            to_id,
            amount,
            idempotency_key=idempotency_key,
            memo=memo,
            principal=self.principal,
        )

    async def post_transfers(
        self,
        transfers: Sequence[TransferLeg],
        *,
        idempotency_key: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Batch:
        return await self._ledger.post_transfers(
            transfers,
            idempotency_key=idempotency_key,
            metadata=metadata,
            principal=self.principal,
        )

    async def reverse_transfer(
        self,
        transfer_id: str,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
    ) -> Transfer:
        return await self._ledger.reverse_transfer(
            transfer_id,
            amount,
            idempotency_key=idempotency_key,
            memo=memo,
            principal=self.principal,
        )

    async def authorize_transfer(
        self,
        from_id: str,
        to_id: str,
        amount: Decimal | int | str,
        *,
        idempotency_key: str | None = None,
        memo: str | None = None,
        expires_in_seconds: int | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> PendingTransfer:
        return await self._ledger.hold_service().authorize_transfer(
            from_id,
            to_id,
            amount,
            idempotency_key=idempotency_key,
            memo=memo,
            expires_in_seconds=expires_in_seconds,
            metadata=metadata,
            principal=self.principal,
        )

    async def capture_transfer(
        self,
        pending_transfer_id: str,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> PendingTransfer:
        return await self._ledger.hold_service().capture_transfer(
            pending_transfer_id, amount, idempotency_key=idempotency_key, principal=self.principal
        )

    async def void_transfer(self, pending_transfer_id: str) -> PendingTransfer:
        return await self._ledger.hold_service().void_transfer(
            pending_transfer_id, principal=self.principal
        )

    async def get_pending_transfer(self, pending_transfer_id: str) -> PendingTransfer | None:
        return await self._ledger.hold_service().get_pending_transfer(
            pending_transfer_id, principal=self.principal
        )

    async def pending_transfers(
        self, account_id: str, limit: int, after: str | None, status: HoldStatus | None
    ) -> PendingTransferPage:
        return await self._ledger.hold_service().pending_transfers(
            account_id, limit, after, status, principal=self.principal
        )

    async def get_transfers(self, ids: Sequence[str]) -> dict[str, Transfer]:
        return await self._ledger.transfers.get_transfers(ids, principal=self.principal)

    async def get_transactions(self, account_id: str, limit: int, after: str | None) -> Page:
        return await self._ledger.history.get_transactions(
            account_id, limit, after, principal=self.principal
        )

    async def verify_account(self, account_id: str) -> AccountVerification:
        return await self._integrity().verify_account(account_id, principal=self.principal)

    async def verify_history(self, account_id: str, version: int, hash: str) -> ProofResult:
        return await self._integrity().verify_history(
            account_id, version, hash, principal=self.principal
        )

    async def balance_at(
        self, account_id: str, *, version: int | None = None, at: datetime | None = None
    ) -> BalancePoint:
        return await self._integrity().balance_at(
            account_id, version=version, at=at, principal=self.principal
        )

    async def quote(
        self,
        from_currency: str,
        to_currency: str,
        amount: Decimal | int | str,
        fixed_side: FixedSide,
    ) -> Quote:
        """A stored quote (any authenticated principal): see ExchangeService.quote."""
        return await self._ledger.quote(
            from_currency, to_currency, amount, fixed_side, principal=self.principal
        )

    async def ledger_totals(self) -> list[CurrencyTotal]:
        return await self._ledger.ledger_totals(principal=self.principal)

    def _integrity(self) -> IntegrityService:
        if self._ledger.integrity is None:
            raise LedgerUnavailable("this ledger's store offers no history verification")
        return self._ledger.integrity
