"""The per-request context: the ledger service and the DataLoaders that batch its reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import strawberry
from strawberry.dataloader import DataLoader

from services import Account, Ledger, Transfer


@dataclass(frozen=True)
class Context:
    """Built once per HTTP request (never shared across requests: loaders cache balances)."""

    ledger: Ledger
    accounts: DataLoader[str, Account | None]
    transfers: DataLoader[str, Transfer | None]
    #: Largest `first` of a connection and most ids per list argument.
    max_page_size: int

    @classmethod
    def for_request(cls, ledger: Ledger, *, max_page_size: int) -> Context:
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
        )


Info = strawberry.Info[Context, None]
