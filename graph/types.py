"""Accounts, transfers and ledger entries as GraphQL types, and the entry connection.

Related objects load through the request's DataLoaders, so a page of entries with their
transfers and accounts costs a few batched reads, not one read per field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON

from graph.context import Info
from graph.errors import request_error
from graph.exchange import Exchange
from graph.integrity import AccountDigest, BalancePoint, HistoryProof, balance_at, verify_history
from services import Direction, InvalidInput, LedgerError, Page
from services.domain import model
from services.domain.money import currency_places

if TYPE_CHECKING:
    from graph.holds import PendingTransferConnection
    from services.domain.holds import HoldStatus

DEFAULT_PAGE_SIZE = 20


async def account_transactions(
    root: Account, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
) -> LedgerEntryConnection:
    limit = info.context.max_page_size
    first = DEFAULT_PAGE_SIZE if first is None else first
    try:
        if not 1 <= first <= limit:
            raise InvalidInput(f"first must be from 1 to {limit}", field="limit")
        page = await info.context.ledger.get_transactions(str(root.id), first, after)
    except LedgerError as error:
        raise request_error(error, {"limit": "first", "after": "after"}) from error
    return LedgerEntryConnection.from_page(page, after=after)


async def account_pending_transfers(
    root: Account,
    info: Info,
    first: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
    status: Annotated[HoldStatus, strawberry.lazy("services.domain.holds")] | None = None,
) -> Annotated[PendingTransferConnection, strawberry.lazy("graph.holds")]:
    # graph.holds builds on this module's types: imported when first called, not at import.
    from graph.holds import pending_transfers_of

    return await pending_transfers_of(str(root.id), info, first, after, status)


async def entry_transfer(root: LedgerEntry, info: Info) -> Transfer | None:
    found = await info.context.transfers.load(str(root.transfer_id))
    return Transfer.from_domain(found) if found is not None else None


@strawberry.enum(
    description="CREDIT adds to the account's balance, DEBIT takes from it; HOLD reserves "
    "the amount (pending debits grow, the balance stays) and RELEASE gives a reservation back."
)
class EntryDirection(Enum):
    DEBIT = "DEBIT"
    CREDIT = "CREDIT"
    HOLD = "HOLD"
    RELEASE = "RELEASE"


@strawberry.type(description="An account and its exact balance.")
class Account:
    id: strawberry.ID
    balance: Decimal
    currency: str = strawberry.field(description="ISO 4217 code, such as USD.")
    email: str | None
    phone: str | None = strawberry.field(description="E.164, such as +14155550100.")
    owner_id: strawberry.ID | None = strawberry.field(
        description="The subject of the holder who owns it; null: an operators-only account."
    )
    created_at: datetime
    overdraft_limit: Decimal | None = strawberry.field(
        default=Decimal(0),
        description="Debits may take the balance down to -overdraftLimit; null: no limit "
        "(an external account). The room left to spend is balance + overdraftLimit.",
    )
    metadata: JSON = strawberry.field(
        default_factory=dict, description="The labels the account was opened with."
    )
    available_balance: Decimal = strawberry.field(
        default=Decimal(0),
        description="balance - pendingDebits: what the account may still spend before its "
        "overdraft room (spendable in all: availableBalance + overdraftLimit, unlimited when "
        "overdraftLimit is null).",
    )
    pending_debits: Decimal = strawberry.field(
        default=Decimal(0), description="What the account's PENDING holds reserve."
    )
    digest: AccountDigest | None = strawberry.field(
        default=None,
        description="The head of the account's hash chain: keep it, and later ask "
        "`verifyHistory(fromDigest:)` whether today's history still extends it. Null for an "
        "account written before the chain, until it is backfilled.",
    )

    @classmethod
    def from_domain(cls, account: model.Account) -> Account:
        return cls(
            id=strawberry.ID(account.id),
            balance=currency_places(account.balance, account.currency),
            currency=account.currency,
            email=account.email,
            phone=account.phone,
            owner_id=strawberry.ID(account.owner_id) if account.owner_id is not None else None,
            created_at=account.created_at,
            overdraft_limit=(
                None
                if account.overdraft_limit is None
                else currency_places(account.overdraft_limit, account.currency)
            ),
            metadata=cast(JSON, dict(account.metadata)),
            available_balance=currency_places(account.available_balance, account.currency),
            pending_debits=currency_places(account.pending_debits, account.currency),
            digest=AccountDigest.of(account),
        )

    balance_at: BalancePoint = strawberry.field(
        resolver=balance_at,
        description="The balance right after `version`, or as of the moment `at` (exactly one): "
        "one read, or O(log n) reads. Before the first entry it is 0 at version 0.",
    )
    verify_history: HistoryProof = strawberry.field(
        resolver=verify_history,
        description="Whether the current history extends `fromDigest`, a digest read earlier. "
        "At most 10,000 versions back (INVALID_INPUT beyond).",
    )

    pending_transfers: Annotated[PendingTransferConnection, strawberry.lazy("graph.holds")] = (
        strawberry.field(
            resolver=account_pending_transfers,
            description="The holds on the account (it is their source), newest first, "
            "optionally only those of one `status`. `first` is 1 to 100 by default.",
        )
    )
    transactions: LedgerEntryConnection = strawberry.field(
        resolver=account_transactions,
        description=(
            "The account's ledger entries, newest first. `first` is 1 to 100 by default "
            "(LEDGER_GRAPHQL_MAX_PAGE_SIZE); `after` is a cursor from a previous page."
        ),
    )


@strawberry.type(description="Money moved from one account to another in one transaction.")
class Transfer:
    id: strawberry.ID
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal
    currency: str
    memo: str | None
    idempotency_key: str | None
    created_at: datetime
    batch_id: strawberry.ID | None = strawberry.field(
        default=None, description="The batch (postTransfers) it was committed in."
    )
    metadata: JSON = strawberry.field(default_factory=dict)
    reversal_of: strawberry.ID | None = strawberry.field(
        default=None, description="The transfer this one reverses (in the opposite direction)."
    )
    reversed_amount: Decimal = strawberry.field(
        default=Decimal(0), description="How much its reversals gave back: at most `amount`."
    )
    reversal_ids: strawberry.Private[tuple[str, ...]] = ()
    exchange: Exchange | None = strawberry.field(
        default=None,
        description="For a leg of a currency exchange: the other side (its `batchId` "
        "groups both legs); null for other transfers.",
    )

    @classmethod
    def from_domain(cls, transfer: model.Transfer) -> Transfer:
        return cls(
            id=strawberry.ID(transfer.id),
            from_account_id=strawberry.ID(transfer.from_account_id),
            to_account_id=strawberry.ID(transfer.to_account_id),
            amount=currency_places(transfer.amount, transfer.currency),
            currency=transfer.currency,
            memo=transfer.memo,
            idempotency_key=transfer.idempotency_key,
            created_at=transfer.created_at,
            batch_id=strawberry.ID(transfer.batch_id) if transfer.batch_id else None,
            metadata=cast(JSON, dict(transfer.metadata)),
            reversal_of=strawberry.ID(transfer.reversal_of) if transfer.reversal_of else None,
            reversed_amount=currency_places(transfer.reversed_amount, transfer.currency),
            reversal_ids=transfer.reversals,
            exchange=Exchange.from_domain(transfer.exchange),
        )

    @strawberry.field
    async def from_account(self, info: Info) -> Account | None:
        return await load_account(info, str(self.from_account_id))

    @strawberry.field
    async def to_account(self, info: Info) -> Account | None:
        return await load_account(info, str(self.to_account_id))

    @strawberry.field
    async def reversals(self, info: Info) -> list[Transfer]:
        """The transfers that reverse it, oldest first."""
        found = await info.context.transfers.load_many(list(self.reversal_ids))
        return [Transfer.from_domain(t) for t in found if t is not None]


@strawberry.type(description="One side of a transfer (or an opening balance) seen by one account.")
class LedgerEntry:
    id: strawberry.ID
    transfer_id: strawberry.ID
    account_id: strawberry.ID
    counterparty_id: strawberry.ID | None = strawberry.field(
        description="The other account of the transfer; null for an opening balance."
    )
    direction: EntryDirection
    amount: Decimal
    balance_after: Decimal
    currency: str
    memo: str | None
    created_at: datetime
    hash: str | None = strawberry.field(
        description="SHA-256 over previousHash and the entry's canonical encoding (README, "
        '"Tamper-evident history"); null for an entry written before the chain.'
    )
    previous_hash: str | None = strawberry.field(
        description="The hash of the account's previous entry (its genesis for version 1)."
    )
    exchange: Exchange | None = strawberry.field(
        default=None,
        description="For an entry of a currency exchange: the rate, the amount and currency "
        "on the other side, and the quote; null for other entries.",
    )

    @classmethod
    def from_domain(cls, entry: model.Entry) -> LedgerEntry:
        counterparty = entry.counterparty_id
        return cls(
            id=strawberry.ID(entry.id),
            transfer_id=strawberry.ID(entry.transfer_id),
            account_id=strawberry.ID(entry.account_id),
            counterparty_id=strawberry.ID(counterparty) if counterparty is not None else None,
            direction=EntryDirection(Direction(entry.direction).value),
            amount=currency_places(entry.amount, entry.currency),
            balance_after=currency_places(entry.balance_after, entry.currency),
            currency=entry.currency,
            memo=entry.memo,
            created_at=entry.created_at,
            hash=entry.hash,
            previous_hash=entry.previous_hash,
            exchange=Exchange.from_domain(entry.exchange),
        )

    transfer: Transfer | None = strawberry.field(
        resolver=entry_transfer, description="The transfer; null for an opening balance."
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def forward(cls, cursors: list[str], *, more: bool, after: str | None) -> PageInfo:
        """A page of a forward-only keyset connection: an `after` cursor means earlier items
        exist before it."""
        return cls(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type
class LedgerEntryEdge:
    cursor: str = strawberry.field(description="Opaque: pass it as `after` to read on from here.")
    node: LedgerEntry


@strawberry.type(description="A page of ledger entries, newest first.")
class LedgerEntryConnection:
    edges: list[LedgerEntryEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page, *, after: str | None) -> LedgerEntryConnection:
        edges = [
            LedgerEntryEdge(cursor=cursor, node=LedgerEntry.from_domain(entry))
            for entry, cursor in zip(page.entries, page.cursors, strict=True)
        ]
        more = page.next_cursor is not None
        return cls(edges=edges, page_info=PageInfo.forward(page.cursors, more=more, after=after))


async def load_account(info: Info, account_id: str) -> Account | None:
    found = await info.context.accounts.load(account_id)
    return Account.from_domain(found) if found is not None else None
