"""Mutation inputs and payloads. Payloads carry `userErrors` for every business failure."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from graph.errors import UserError
from graph.types import Account, Transfer


@strawberry.input
class CreateAccountInput:
    id: strawberry.ID = strawberry.field(
        description="1-128 letters, digits or ._:@+-, starting with a letter or digit."
    )
    initial_balance: Decimal | None = strawberry.field(
        default=Decimal(0), description="The opening balance, in the account's currency."
    )
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code; the service's default currency when null."
    )
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, such as +14155550100.")
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Operators only: the holder (token subject) who will own it. A holder's "
        "accounts are its own; null from an operator: an operators-only account.",
    )
    overdraft_limit: Decimal | None = strawberry.field(
        default=Decimal(0),
        description="Operators only: debits may take the balance down to -overdraftLimit. "
        "null: no limit, for external and settlement accounts (such as bank:settlement) "
        "that carry the other side of deposits and withdrawals.",
    )
    metadata: JSON | None = strawberry.field(
        default=None,
        description="An object of string values: at most 16 keys (1-64 letters, digits or "
        "_.:-), values up to 256 characters, 2048 characters in all.",
    )


@strawberry.input
class TransferInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal = strawberry.field(
        description="Greater than zero, with at most the currency's decimal places."
    )
    idempotency_key: str = strawberry.field(
        description="Required: retries with the same key and parameters return the original "
        "transfer, so a client can always retry (OUTCOME_UNKNOWN says it must)."
    )
    memo: str | None = None
    quote_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Exchange between accounts of two currencies at this quote (`quote`): "
        "`amount` must be its sourceAmount. Null: a plain transfer in one currency.",
    )


@strawberry.type
class CreateAccountPayload:
    account: Account | None
    user_errors: list[UserError]


@strawberry.type
class TransferPayload:
    transfer: Transfer | None
    user_errors: list[UserError]
