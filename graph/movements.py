"""Batches (postTransfers) as GraphQL types and inputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

import strawberry
from strawberry.scalars import JSON

from graph.errors import UserError
from graph.types import Transfer
from services.domain import movements


@strawberry.input(description="One transfer of a batch.")
class TransferLegInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal = strawberry.field(
        description="Greater than zero, with at most the currency's decimal places."
    )
    memo: str | None = None
    metadata: JSON | None = strawberry.field(
        default=None, description="An object of string values, as on accounts."
    )

    def to_leg(self) -> movements.TransferLeg:
        return movements.TransferLeg(
            from_account_id=str(self.from_account_id),
            to_account_id=str(self.to_account_id),
            amount=self.amount,
            memo=self.memo,
            metadata=cast(dict[str, str] | None, self.metadata),
        )


@strawberry.input
class PostTransfersInput:
    transfers: list[TransferLegInput] = strawberry.field(
        description="1 to 32 transfers, committed together or not at all. One DynamoDB "
        "transaction holds 100 items: accounts touched + 3 per transfer + 2 must be at most "
        "100, so 19 transfers always fit and up to 32 when they share accounts "
        "(BATCH_TOO_LARGE otherwise)."
    )
    idempotency_key: str = strawberry.field(
        description="Retries with the same key and parameters return the original batch."
    )
    metadata: JSON | None = None


@strawberry.type(description="Transfers committed in one transaction: all of them, or none.")
class TransferBatch:
    id: strawberry.ID
    transfers: list[Transfer]
    idempotency_key: str | None
    metadata: JSON
    created_at: datetime

    @classmethod
    def from_domain(cls, batch: movements.Batch) -> TransferBatch:
        return cls(
            id=strawberry.ID(batch.id),
            transfers=[Transfer.from_domain(t) for t in batch.transfers],
            idempotency_key=batch.idempotency_key,
            metadata=cast(JSON, dict(batch.metadata)),
            created_at=batch.created_at,
        )


@strawberry.type
class PostTransfersPayload:
    batch: TransferBatch | None
    user_errors: list[UserError]


@strawberry.input
class ReverseTransferInput:
    transfer_id: strawberry.ID
    amount: Decimal | None = strawberry.field(
        default=None, description="How much to give back; null: all that is left."
    )
    idempotency_key: str = strawberry.field(
        description="Retries with the same key and parameters return the original reversal."
    )
    memo: str | None = None


@strawberry.type
class ReverseTransferPayload:
    transfer: Transfer | None = strawberry.field(
        description="The reversal: a new transfer in the opposite direction."
    )
    user_errors: list[UserError]
