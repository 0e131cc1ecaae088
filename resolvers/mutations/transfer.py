from __future__ import annotations

from graph.context import Info
from graph.errors import UserError
from graph.inputs import TransferInput, TransferPayload
from graph.types import Transfer
from services import LedgerError

#: The service's argument names -> TransferInput's field names.
FIELDS = {
    "from_id": "fromAccountId",
    "to_id": "toAccountId",
    "amount": "amount",
    "idempotency_key": "idempotencyKey",
    "memo": "memo",
    "quote_id": "quoteId",
}


async def transfer(info: Info, input: TransferInput) -> TransferPayload:
    """Move money atomically; a replayed idempotency key returns the original transfer."""
    try:
        moved = await info.context.ledger.transfer_credits(
            str(input.from_account_id),
            str(input.to_account_id),
            input.amount,
            idempotency_key=input.idempotency_key,
            memo=input.memo,
            quote_id=None if input.quote_id is None else str(input.quote_id),
        )
    except LedgerError as error:
        return TransferPayload(transfer=None, user_errors=[UserError.from_domain(error, FIELDS)])
    return TransferPayload(transfer=Transfer.from_domain(moved), user_errors=[])
