"""Owners at the library level: the policy applies to every entry point, not just GraphQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services import InvalidInput, Ledger
from services.domain.errors import AccountNotFound, Forbidden
from services.identity.principal import AuthMethod, Principal
from services.settings import Settings
from tests.helpers import table_items

ALICE = Principal("alice", is_operator=False, method=AuthMethod.JWT)
BOB = Principal("bob", is_operator=False, method=AuthMethod.JWT)


@pytest.mark.parametrize("owner", ["", " alice", "alice ", "a" * 257, "tab\there", "\u0000"])
async def test_malformed_owner_ids_are_refused_and_nothing_is_written(
    ledger: Ledger, settings: Settings, owner: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await ledger.create_account_with_balance("acct", "5", owner_id=owner)
    assert refused.value.field == "owner_id"
    assert await table_items(settings) == []


async def test_holders_read_and_debit_their_own_accounts_only(ledger: Ledger) -> None:
    await ledger.create_account_with_balance("a1", "10", owner_id="alice")
    await ledger.create_account_with_balance("b1", "10", owner_id="bob")
    assert (await ledger.get_account("a1", principal=ALICE)).owner_id == "alice"
    with pytest.raises(AccountNotFound):
        await ledger.get_account("b1", principal=ALICE)
    with pytest.raises(AccountNotFound) as refused:
        await ledger.transfer_credits("b1", "a1", "1", principal=ALICE)
    assert refused.value.field == "from_id"
    moved = await ledger.transfer_credits("a1", "b1", "1", principal=ALICE, idempotency_key="k")
    assert moved.initiated_by == "alice"
    assert (await ledger.get_transfer(moved.id, principal=BOB)) is not None
    assert (await ledger.get_transfer(moved.id, principal=BOB)).idempotency_key is None  # type: ignore[union-attr]
    assert await ledger.inquire_balance("b1") == Decimal("11.00")
    with pytest.raises(Forbidden):
        await ledger.missing_account_ids(["a1"], principal=ALICE)


async def test_owned_accounts_page_in_id_order(ledger: Ledger) -> None:
    for account_id in ("c", "a", "b", "d"):
        await ledger.create_account_with_balance(account_id, owner_id="alice")
    await ledger.create_account_with_balance("z", owner_id="bob")
    first = await ledger.owned_accounts(ALICE, 3)
    assert [a.id for a in first.accounts] == ["a", "b", "c"]
    assert first.next_cursor is not None
    rest = await ledger.owned_accounts(ALICE, 3, first.next_cursor)
    assert ([a.id for a in rest.accounts], rest.next_cursor) == (["d"], None)
    with pytest.raises(InvalidInput):
        await ledger.owned_accounts(BOB, 3, first.next_cursor)  # alice's cursor, not bob's
    for limit in (0, -1, 1001):
        with pytest.raises(InvalidInput):
            await ledger.owned_accounts(ALICE, limit)
