from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from graph.context import Info
from graph.errors import UserError
from graph.inputs import CreateAccountInput, CreateAccountPayload
from graph.types import Account
from services import LedgerError

#: The service's argument names -> CreateAccountInput's field names.
FIELDS = {
    "account_id": "id",
    "initial_balance": "initialBalance",
    "currency": "currency",
    "email": "email",
    "phone": "phone",
    "owner_id": "ownerId",
    "overdraft_limit": "overdraftLimit",
    "metadata": "metadata",
}


async def create_account(info: Info, input: CreateAccountInput) -> CreateAccountPayload:
    """Open an account, with an opening balance when one is given."""
    try:
        account = await info.context.ledger.create_account(
            str(input.id),
            input.initial_balance if input.initial_balance is not None else 0,
            currency=input.currency,
            email=input.email,
            phone=input.phone,
            owner_id=str(input.owner_id) if input.owner_id is not None else None,
            overdraft_limit=input.overdraft_limit,
            metadata=cast(Mapping[str, str] | None, input.metadata),
        )
    except LedgerError as error:
        return CreateAccountPayload(
            account=None, user_errors=[UserError.from_domain(error, FIELDS)]
        )
    return CreateAccountPayload(account=Account.from_domain(account), user_errors=[])
