from __future__ import annotations

from graph.context import Info
from graph.errors import UserError
from graph.holds import CaptureTransferInput, CaptureTransferPayload, PendingTransfer
from graph.types import Transfer
from services import LedgerError

#: The service's argument names -> CaptureTransferInput's field names.
FIELDS = {
    "pending_transfer_id": "pendingTransferId",
    "amount": "amount",
    "idempotency_key": "idempotencyKey",
}


async def capture_transfer(info: Info, input: CaptureTransferInput) -> CaptureTransferPayload:
    """Post all or part of a hold and release the rest; a replayed key returns the hold."""
    try:
        hold = await info.context.ledger.capture_transfer(
            str(input.pending_transfer_id), input.amount, idempotency_key=input.idempotency_key
        )
    except LedgerError as error:
        return CaptureTransferPayload(
            pending_transfer=None, transfer=None, user_errors=[UserError.from_domain(error, FIELDS)]
        )
    posted = await info.context.transfers.load(hold.transfer_id) if hold.transfer_id else None
    return CaptureTransferPayload(
        pending_transfer=PendingTransfer.from_domain(hold),
        transfer=Transfer.from_domain(posted) if posted is not None else None,
        user_errors=[],
    )
