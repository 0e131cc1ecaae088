"""Holds (two-phase transfers) as GraphQL types, inputs and payloads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

import strawberry
from strawberry.scalars import JSON

from graph.context import Info
from graph.errors import UserError, request_error
from graph.types import PageInfo, Transfer
from services import InvalidInput, LedgerError
from services.domain import holds
from services.domain.money import currency_places

DEFAULT_PAGE_SIZE = 20

# The domain's statuses, exposed as they are.
strawberry.enum(
    holds.HoldStatus,
    name="PendingTransferStatus",
    description="PENDING until exactly one of: POSTED (captured, all or part), VOIDED, EXPIRED.",
)


@strawberry.type(
    description="A hold: `amount` reserved on the source (its availableBalance) until it is "
    "captured, voided or expires."
)
class PendingTransfer:
    id: strawberry.ID
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal = strawberry.field(description="What was authorized.")
    captured_amount: Decimal = strawberry.field(
        description="What a capture posted (the rest was released); 0 unless POSTED."
    )
    currency: str
    status: holds.HoldStatus
    expires_at: datetime = strawberry.field(
        description="Still PENDING then, it is released automatically as EXPIRED."
    )
    created_at: datetime
    memo: str | None
    metadata: JSON
    transfer_id: strawberry.ID | None = strawberry.field(
        description="The transfer the capture posted; null unless POSTED."
    )

    @classmethod
    def from_domain(cls, hold: holds.PendingTransfer) -> PendingTransfer:
        return cls(
            id=strawberry.ID(hold.id),
            from_account_id=strawberry.ID(hold.from_account_id),
            to_account_id=strawberry.ID(hold.to_account_id),
            amount=currency_places(hold.amount, hold.currency),
            captured_amount=currency_places(hold.captured_amount, hold.currency),
            currency=hold.currency,
            status=hold.status,
            expires_at=hold.expires_at,
            created_at=hold.created_at,
            memo=hold.memo,
            metadata=cast(JSON, dict(hold.metadata)),
            transfer_id=strawberry.ID(hold.transfer_id) if hold.transfer_id else None,
        )


@strawberry.type
class PendingTransferEdge:
    cursor: str = strawberry.field(description="Opaque: pass it as `after` to read on from here.")
    node: PendingTransfer


@strawberry.type(description="A page of an account's holds, newest first.")
class PendingTransferConnection:
    edges: list[PendingTransferEdge]
    page_info: PageInfo

    @classmethod
    def from_page(
        cls, page: holds.PendingTransferPage, *, after: str | None
    ) -> PendingTransferConnection:
        edges = [
            PendingTransferEdge(cursor=cursor, node=PendingTransfer.from_domain(hold))
            for hold, cursor in zip(page.holds, page.cursors, strict=True)
        ]
        more = page.next_cursor is not None
        return cls(edges=edges, page_info=PageInfo.forward(page.cursors, more=more, after=after))


async def pending_transfers_of(
    account_id: str,
    info: Info,
    first: int | None,
    after: str | None,
    status: holds.HoldStatus | None,
) -> PendingTransferConnection:
    limit = info.context.max_page_size
    first = DEFAULT_PAGE_SIZE if first is None else first
    try:
        if not 1 <= first <= limit:
            raise InvalidInput(f"first must be from 1 to {limit}", field="limit")
        page = await info.context.ledger.pending_transfers(account_id, first, after, status)
    except LedgerError as error:
        raise request_error(error, {"limit": "first", "after": "after"}) from error
    return PendingTransferConnection.from_page(page, after=after)


@strawberry.input
class AuthorizeTransferInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal = strawberry.field(
        description="Greater than zero, with at most the currency's decimal places; at most "
        "the source's availableBalance + overdraftLimit."
    )
    idempotency_key: str = strawberry.field(
        description="Retries with the same key and parameters return the original hold."
    )
    memo: str | None = None
    expires_in_seconds: int | None = strawberry.field(
        default=None,
        description="1 to 604800 (7 days); null: 86400. Then it is released automatically.",
    )
    metadata: JSON | None = strawberry.field(
        default=None, description="An object of string values, as on accounts."
    )


@strawberry.input
class CaptureTransferInput:
    pending_transfer_id: strawberry.ID
    amount: Decimal | None = strawberry.field(
        default=None,
        description="How much to post, at most what was authorized; the rest is released. "
        "null: all of it.",
    )
    idempotency_key: str = strawberry.field(
        description="Retries with the same key and parameters return the captured hold."
    )


@strawberry.input
class VoidTransferInput:
    pending_transfer_id: strawberry.ID


@strawberry.type
class AuthorizeTransferPayload:
    pending_transfer: PendingTransfer | None
    user_errors: list[UserError]


@strawberry.type
class CaptureTransferPayload:
    pending_transfer: PendingTransfer | None
    transfer: Transfer | None = strawberry.field(description="The transfer the capture posted.")
    user_errors: list[UserError]


@strawberry.type
class VoidTransferPayload:
    pending_transfer: PendingTransfer | None
    user_errors: list[UserError]
