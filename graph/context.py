"""The per-request context: the ledger as the caller's principal sees it, the DataLoaders
that batch its reads, and the live balance feed subscriptions read from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from services import Account, Ledger, Transfer
from services.domain.errors import ErrorCode
from services.hub import BalanceFeed
from services.identity.authenticator import Authenticator
from services.identity.errors import Unauthenticated
from services.identity.principal import Principal
from services.ledger.acting import ActingLedger
from services.ratelimit import RateLimiter


def unauthenticated(message: str = "authentication required") -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.UNAUTHENTICATED.value})


@dataclass
class Context:
    """Built once per HTTP request, or once per websocket (whose principal is set by its
    `connection_init`); every operation gets fresh loaders (see graph.operation)."""

    services: Ledger
    #: Largest `first` of a connection and most ids per list argument.
    max_page_size: int
    #: Who is asking; None only on a websocket that has not been authenticated yet.
    principal: Principal | None
    #: What `balanceChanged` subscribes to; None where live balances are not served.
    balances: BalanceFeed | None = None
    #: The websocket's `connection_init` payload (Strawberry sets it).
    connection_params: dict[str, Any] | None = None
    #: A websocket's credential (the `Authorization` value it authenticated with), kept to
    #: check it again while the socket lives (a revoked API key closes it).
    credential: str | None = None
    #: Checks credentials (the websocket's `connection_init`, and again while it lives).
    authenticator: Authenticator | None = None
    #: A websocket's rate limiter and peer address: each of its operations is counted.
    limiter: RateLimiter | None = None
    client_address: str | None = None
    _loaders: tuple[DataLoader[str, Account | None], DataLoader[str, Transfer | None]] | None = (
        field(default=None, repr=False)
    )

    @classmethod
    def for_request(
        cls,
        ledger: Ledger,
        *,
        principal: Principal | None,
        max_page_size: int,
        balances: BalanceFeed | None = None,
    ) -> Context:
        return cls(ledger, max_page_size, principal, balances)

    async def authenticate(self, credential: str | None) -> Principal:
        """The principal of an `Authorization` value. Raises Unauthenticated."""
        if self.authenticator is None:
            raise Unauthenticated("no authenticator")
        return await self.authenticator.authenticate(credential)

    @property
    def ledger(self) -> ActingLedger:
        """The ledger acting as the caller: every read and write carries its principal."""
        if self.principal is None:
            raise unauthenticated()
        return self.services.acting_as(self.principal)

    @property
    def accounts(self) -> DataLoader[str, Account | None]:
        return self._batched()[0]

    @property
    def transfers(self) -> DataLoader[str, Transfer | None]:
        return self._batched()[1]

    def _batched(
        self,
    ) -> tuple[DataLoader[str, Account | None], DataLoader[str, Transfer | None]]:
        if self._loaders is None:
            ledger = self.ledger

            async def load_accounts(ids: Sequence[str]) -> list[Account | None]:
                found = await ledger.get_accounts(ids)  # one BatchGetItem per 100 ids
                return [found.get(i) for i in ids]

            async def load_transfers(ids: Sequence[str]) -> list[Transfer | None]:
                found = await ledger.get_transfers(ids)
                return [found.get(i) for i in ids]

            self._loaders = (
                DataLoader(load_fn=load_accounts),
                DataLoader(load_fn=load_transfers),
            )
        return self._loaders

    def for_operation(self) -> Context:
        """The same services and principal with empty loaders."""
        return Context(
            services=self.services,
            max_page_size=self.max_page_size,
            principal=self.principal,
            balances=self.balances,
            connection_params=self.connection_params,
            credential=self.credential,
            authenticator=self.authenticator,
            limiter=self.limiter,
            client_address=self.client_address,
        )


Info = strawberry.Info[Context, None]
