from __future__ import annotations

from typing import cast

from graph.context import Info
from graph.errors import UserError
from graph.holds import AuthorizeTransferInput, AuthorizeTransferPayload, PendingTransfer
from services import LedgerError

#: The service's argument names -> AuthorizeTransferInput's field names.
FIELDS = {
    "from_account_id": "fromAccountId",
    "to_account_id": "toAccountId",
    "from_id": "fromAccountId",
    "to_id": "toAccountId",
    "amount": "amount",
    "idempotency_key": "idempotencyKey",
    "memo": "memo",
    "expires_in_seconds": "expiresInSeconds",
    "metadata": "metadata",
}


async def authorize_transfer(info: Info, input: AuthorizeTransferInput) -> AuthorizeTransferPayload:
    """Reserve funds for a later capture; a replayed key returns the original hold."""
    try:
        hold = await info.context.ledger.authorize_transfer(
            str(input.from_account_id),
            str(input.to_account_id),
            input.amount,
            idempotency_key=input.idempotency_key,
            memo=input.memo,
            expires_in_seconds=input.expires_in_seconds,
            metadata=cast(dict[str, str] | None, input.metadata),
        )
    except LedgerError as error:
        return AuthorizeTransferPayload(
            pending_transfer=None, user_errors=[UserError.from_domain(error, FIELDS)]
        )
    return AuthorizeTransferPayload(
        pending_transfer=PendingTransfer.from_domain(hold), user_errors=[]
    )
