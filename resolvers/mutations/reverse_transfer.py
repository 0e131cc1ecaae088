from __future__ import annotations

from graph.context import Info
from graph.errors import UserError
from graph.movements import ReverseTransferInput, ReverseTransferPayload
from graph.types import Transfer
from services import LedgerError

#: The service's argument names -> ReverseTransferInput's field names.
FIELDS = {
    "transfer_id": "transferId",
    "amount": "amount",
    "idempotency_key": "idempotencyKey",
    "memo": "memo",
    "transfers": "amount",
}


async def reverse_transfer(info: Info, input: ReverseTransferInput) -> ReverseTransferPayload:
    """Give back all or part of a transfer; a replayed key returns the original reversal."""
    try:
        reversal = await info.context.ledger.reverse_transfer(
            str(input.transfer_id),
            input.amount,
            idempotency_key=input.idempotency_key,
            memo=input.memo,
        )
    except LedgerError as error:
        return ReverseTransferPayload(
            transfer=None, user_errors=[UserError.from_domain(error, FIELDS)]
        )
    return ReverseTransferPayload(transfer=Transfer.from_domain(reversal), user_errors=[])
