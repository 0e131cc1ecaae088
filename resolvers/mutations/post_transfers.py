from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from graph.context import Info
from graph.errors import UserError
from graph.movements import PostTransfersInput, PostTransfersPayload, TransferBatch
from services import LedgerError

#: The service's argument names -> PostTransfersInput's field names.
FIELDS = {
    "transfers": "transfers",
    "idempotency_key": "idempotencyKey",
    "metadata": "metadata",
    "to_id": "transfers",
    "amount": "transfers",
}


async def post_transfers(info: Info, input: PostTransfersInput) -> PostTransfersPayload:
    """Commit several transfers atomically; a replayed idempotency key returns the original."""
    try:
        batch = await info.context.ledger.post_transfers(
            [leg.to_leg() for leg in input.transfers],
            idempotency_key=input.idempotency_key,
            metadata=cast(Mapping[str, str] | None, input.metadata),
        )
    except LedgerError as error:
        return PostTransfersPayload(batch=None, user_errors=[UserError.from_domain(error, FIELDS)])
    return PostTransfersPayload(batch=TransferBatch.from_domain(batch), user_errors=[])
