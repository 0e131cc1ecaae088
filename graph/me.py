"""`me`: who the caller is, and the accounts it owns as a cursor connection."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.errors import request_error
from graph.types import Account, PageInfo
from services import InvalidInput, LedgerError
from services.domain.model import AccountPage

DEFAULT_PAGE_SIZE = 20


@strawberry.type
class AccountEdge:
    cursor: str = strawberry.field(description="Opaque: pass it as `after` to read on from here.")
    node: Account


@strawberry.type(description="A page of accounts, in id order.")
class AccountConnection:
    edges: list[AccountEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: AccountPage, *, after: str | None) -> AccountConnection:
        edges = [
            AccountEdge(cursor=cursor, node=Account.from_domain(account))
            for account, cursor in zip(page.accounts, page.cursors, strict=True)
        ]
        more = page.next_cursor is not None
        return cls(edges=edges, page_info=PageInfo.forward(page.cursors, more=more, after=after))


async def my_accounts(
    info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
) -> AccountConnection:
    limit = info.context.max_page_size
    first = DEFAULT_PAGE_SIZE if first is None else first
    try:
        if not 1 <= first <= limit:
            raise InvalidInput(f"first must be from 1 to {limit}", field="limit")
        page = await info.context.ledger.owned_accounts(first, after)
    except LedgerError as error:
        raise request_error(error, {"limit": "first", "after": "after"}) from error
    return AccountConnection.from_page(page, after=after)


@strawberry.type(description="The caller, as its credential says.")
class Me:
    subject: str = strawberry.field(description="The token's `sub` (or the API key's subject).")
    is_admin: bool = strawberry.field(description="An operator: may see and do anything.")
    accounts: AccountConnection = strawberry.field(
        resolver=my_accounts,
        description="The accounts this caller owns, in id order. `first` is 1 to 100 by "
        "default (LEDGER_GRAPHQL_MAX_PAGE_SIZE).",
    )


def me(info: Info) -> Me:
    principal = info.context.ledger.principal
    return Me(subject=principal.subject, is_admin=principal.is_operator)
