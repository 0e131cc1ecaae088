"""Live balances: the `BalanceChange` a `balanceChanged` subscriber receives, and the error
that ends a subscription the server had to close."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from graph.types import LedgerEntry
from services.domain.events import BalanceChanged
from services.domain.model import ChangeKind
from services.domain.money import currency_places

# The domain's kinds of change, exposed as they are.
strawberry.enum(
    ChangeKind,
    name="BalanceChangeKind",
    description="What changed the account: OPENING (its opening balance), TRANSFER, BATCH "
    "(postTransfers), REVERSAL, HOLD_AUTHORIZED (funds reserved: availableBalance drops, "
    "balance stays), HOLD_CAPTURED (the hold released and the captured part debited: two "
    "versions on the source, one credit on the destination), HOLD_VOIDED and HOLD_EXPIRED "
    "(funds released: availableBalance rises).",
)

#: `extensions.code` of the error that ends a subscription the server closed (a subscriber
#: too slow to keep up, or a server shutting down). `extensions.afterVersion` says where to
#: resume.
SUBSCRIPTION_CLOSED = "SUBSCRIPTION_CLOSED"


@strawberry.type(
    description="One committed change of an account's balance or available balance (holds)."
)
class BalanceChange:
    account_id: strawberry.ID
    balance: Decimal = strawberry.field(description="The balance right after this change.")
    available_balance: Decimal = strawberry.field(
        description="balance - pending debits (what PENDING holds reserve) right after this change."
    )
    kind: ChangeKind
    metadata: JSON = strawberry.field(
        description="The labels of the transfer, batch leg or hold that made the change."
    )
    delta: Decimal = strawberry.field(
        description="Signed: positive for a credit, negative for a debit."
    )
    version: int = strawberry.field(
        description="The account's version after this change: 1, 2, 3, ... with no gaps. "
        "Pass the last one received as `afterVersion` to resume."
    )
    entry: LedgerEntry
    at: datetime = strawberry.field(description="When the change was committed.")

    @classmethod
    def from_domain(cls, event: BalanceChanged) -> BalanceChange:
        currency = event.entry.currency
        return cls(
            account_id=strawberry.ID(event.account_id),
            balance=currency_places(event.balance, currency),
            available_balance=currency_places(event.entry.available_after, currency),
            kind=event.entry.change_kind,
            metadata=cast(JSON, dict(event.entry.metadata)),
            delta=currency_places(event.delta, currency),
            version=event.version,
            entry=LedgerEntry.from_domain(event.entry),
            at=event.at,
        )


def subscription_closed(reason: str, after_version: int) -> GraphQLError:
    """The error that ends a subscription the server closed; resuming with `afterVersion`
    set to `after_version` loses nothing."""
    return GraphQLError(
        f"{reason} (resume with afterVersion: {after_version})",
        extensions={"code": SUBSCRIPTION_CLOSED, "afterVersion": after_version},
    )
