from __future__ import annotations

from graph.context import Info
from graph.errors import UserError
from graph.holds import PendingTransfer, VoidTransferInput, VoidTransferPayload
from services import LedgerError

FIELDS = {"pending_transfer_id": "pendingTransferId"}


async def void_transfer(info: Info, input: VoidTransferInput) -> VoidTransferPayload:
    """Release a PENDING hold."""
    try:
        hold = await info.context.ledger.void_transfer(str(input.pending_transfer_id))
    except LedgerError as error:
        return VoidTransferPayload(
            pending_transfer=None, user_errors=[UserError.from_domain(error, FIELDS)]
        )
    return VoidTransferPayload(pending_transfer=PendingTransfer.from_domain(hold), user_errors=[])
