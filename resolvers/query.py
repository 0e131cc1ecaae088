"""Query fields: each reads through the request's DataLoaders or one ledger call."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.errors import request_error
from graph.exchange import CurrencyTotal
from graph.holds import PendingTransfer
from graph.integrity import AccountVerificationResult, verify_account
from graph.me import Me, me
from graph.types import Account, Transfer, load_account
from services import InvalidInput, LedgerError


def check_ids(info: Info, ids: list[strawberry.ID]) -> list[str]:
    limit = info.context.max_page_size
    if len(ids) > limit:
        raise request_error(
            InvalidInput(f"ids may hold at most {limit} ids", field="ids"), {"ids": "ids"}
        )
    return [str(i) for i in ids]


async def account(info: Info, id: strawberry.ID) -> Account | None:
    return await load_account(info, str(id))


async def accounts(info: Info, ids: list[strawberry.ID]) -> list[Account | None]:
    found = await info.context.accounts.load_many(check_ids(info, ids))
    return [Account.from_domain(a) if a is not None else None for a in found]


async def missing_accounts(info: Info, ids: list[strawberry.ID]) -> list[strawberry.ID]:
    try:
        missing = await info.context.ledger.missing_account_ids(check_ids(info, ids))
    except LedgerError as error:
        raise request_error(error, {"ids": "ids"}) from error
    return [strawberry.ID(i) for i in missing]


async def transfer(info: Info, id: strawberry.ID) -> Transfer | None:
    found = await info.context.transfers.load(str(id))
    return Transfer.from_domain(found) if found is not None else None


async def ledger_totals(info: Info) -> list[CurrencyTotal]:
    try:
        totals = await info.context.ledger.ledger_totals()
    except LedgerError as error:
        raise request_error(error, {}) from error
    return [CurrencyTotal.from_domain(total) for total in totals]


async def pending_transfer(info: Info, id: strawberry.ID) -> PendingTransfer | None:
    found = await info.context.ledger.get_pending_transfer(str(id))
    return PendingTransfer.from_domain(found) if found is not None else None


@strawberry.type
class Query:
    account: Account | None = strawberry.field(
        resolver=account,
        description="The account, or null when it does not exist or is not the caller's.",
    )
    accounts: list[Account | None] = strawberry.field(
        resolver=accounts,
        description="The accounts in the order of `ids`, null where one does not exist. "
        "A holder sees only its own. At most 100 ids by default "
        "(LEDGER_GRAPHQL_MAX_PAGE_SIZE); one batched read.",
    )
    missing_accounts: list[strawberry.ID] = strawberry.field(
        resolver=missing_accounts,
        description="The ids among `ids` that are not accounts, in input order, each once. "
        "Operators only (FORBIDDEN).",
    )
    transfer: Transfer | None = strawberry.field(
        resolver=transfer,
        description="The transfer, or null when it does not exist or touches none of the "
        "caller's accounts.",
    )
    pending_transfer: PendingTransfer | None = strawberry.field(
        resolver=pending_transfer,
        description="The hold, or null when it does not exist or touches none of the "
        "caller's accounts.",
    )
    verify_account: AccountVerificationResult | None = strawberry.field(
        resolver=verify_account,
        description="Verify one account's whole history, head and transfers; null when it does "
        "not exist. Operators only (FORBIDDEN).",
    )
    ledger_totals: list[CurrencyTotal] = strawberry.field(
        resolver=ledger_totals,
        description="Per currency, the sum of every account's balance, liquidity accounts "
        "(fx:<CCY>) included: transfers and exchanges never change it, only opening balances "
        "do. One scan of the table: operators only (FORBIDDEN), weighted 400 in the cost.",
    )
    me: Me = strawberry.field(
        resolver=me, description="Who the caller is, and the accounts it owns."
    )
