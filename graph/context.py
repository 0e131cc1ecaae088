"""The per-request context: the ledger service, the DataLoaders that batch its reads, and the
live balance feed subscriptions read from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from services import Account, Ledger, Transfer
from services.hub import BalanceFeed


@dataclass(frozen=True)
class Context:
    """Built once per HTTP request (never shared across requests: loaders cache balances)."""

    ledger: Ledger
    accounts: DataLoader[str, Account | None]
    transfers: DataLoader[str, Transfer | None]
    #: Largest `first` of a connection and most ids per list argument.
    max_page_size: int
    #: What `balanceChanged` subscribes to; None where live balances are not served.
    balances: BalanceFeed | None = None

    @classmethod
    def for_request(
        cls, ledger: Ledger, *, max_page_size: int, balances: BalanceFeed | None = None
    ) -> Context:
        async def load_accounts(ids: Sequence[str]) -> list[Account | None]:
            found = await ledger.get_accounts(ids)  # one BatchGetItem per 100 ids
            return [found.get(i) for i in ids]

        async def load_transfers(ids: Sequence[str]) -> list[Transfer | None]:
            found = await ledger.get_transfers(ids)
            return [found.get(i) for i in ids]

        return cls(
            ledger=ledger,
            accounts=DataLoader(load_fn=load_accounts),
            transfers=DataLoader(load_fn=load_transfers),
            max_page_size=max_page_size,
            balances=balances,
        )

    def for_operation(self) -> Context:
        """The same services with empty loaders."""
        return Context.for_request(
            self.ledger, max_page_size=self.max_page_size, balances=self.balances
        )


class LoadersPerOperation(SchemaExtension):
    """Gives every operation fresh DataLoaders.

    Over HTTP the context is new per request anyway; a websocket's context lives as long as
    the socket, and loaders kept there would serve one operation the balances another read.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            self.execution_context.context = context.for_operation()
        yield


Info = strawberry.Info[Context, None]
