"""Overdraft limits, external accounts (no limit) and the deposit/withdrawal pattern."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services import ErrorCode, InsufficientFunds, InvalidAmount, InvalidInput, Ledger
from services.domain.errors import Forbidden
from services.identity.principal import AuthMethod, Principal
from services.settings import Settings
from tests.helpers import balances_by_account, table_items

ALICE = Principal(subject="alice-sub", is_operator=False, method=AuthMethod.JWT)


async def test_an_account_may_go_down_to_its_overdraft_limit_never_further(
    ledger: Ledger, settings: Settings
) -> None:
    await ledger.create_account_with_balance("credit", "10.00", overdraft_limit="50.00")
    await ledger.create_account_with_balance("shop", "0")
    account = await ledger.get_account("credit")
    assert account.overdraft_limit == Decimal("50.00")
    await ledger.transfer_credits("credit", "shop", "60.00")
    assert await ledger.inquire_balance("credit") == Decimal("-50.00")
    before = await table_items(settings)
    with pytest.raises(InsufficientFunds):
        await ledger.transfer_credits("credit", "shop", "0.01")
    assert await table_items(settings) == before


async def test_deposits_and_withdrawals_go_through_an_external_account(
    ledger: Ledger, settings: Settings
) -> None:
    await ledger.create_account_with_balance("bank:settlement", "0", overdraft_limit=None)
    await ledger.create_account_with_balance("alice", "0")
    assert (await ledger.get_account("bank:settlement")).overdraft_limit is None
    await ledger.transfer_credits("bank:settlement", "alice", "250.00", memo="deposit")
    await ledger.transfer_credits("alice", "bank:settlement", "40.00", memo="withdrawal")
    balances = balances_by_account(await table_items(settings))
    assert balances == {"bank:settlement": Decimal("-210.00"), "alice": Decimal("210.00")}
    assert sum(balances.values()) == 0  # the external account carries the other side
    with pytest.raises(InsufficientFunds):  # alice has no overdraft
        await ledger.transfer_credits("alice", "bank:settlement", "210.01")


async def test_limits_and_metadata_survive_the_table(ledger: Ledger) -> None:
    await ledger.create_account_with_balance(
        "ext", "0", overdraft_limit=None, metadata={"kind": "external", "bank": "ACME"}
    )
    await ledger.create_account_with_balance("plain", "1")
    ext, plain = (await ledger.get_accounts(["ext", "plain"])).values()
    assert (ext.overdraft_limit, dict(ext.metadata)) == (None, {"bank": "ACME", "kind": "external"})
    assert (plain.overdraft_limit, dict(plain.metadata)) == (Decimal(0), {})


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"overdraft_limit": "-1"}, InvalidAmount, "overdraft_limit"),
        ({"overdraft_limit": "0.001"}, InvalidAmount, "overdraft_limit"),
        ({"overdraft_limit": "1e40"}, InvalidAmount, "overdraft_limit"),
        ({"overdraft_limit": "abc"}, InvalidAmount, "overdraft_limit"),
        ({"metadata": {"": "x"}}, InvalidInput, "metadata"),
        ({"metadata": {"k": 1}}, InvalidInput, "metadata"),
        ({"metadata": {f"k{n}": "v" for n in range(17)}}, InvalidInput, "metadata"),
        ({"metadata": {"k": "v" * 257}}, InvalidInput, "metadata"),
        ({"metadata": {"k": "line\nbreak"}}, InvalidInput, "metadata"),
        ({"metadata": ["not", "an", "object"]}, InvalidInput, "metadata"),
    ],
)
async def test_bad_limits_and_metadata_write_nothing(
    ledger: Ledger, settings: Settings, kwargs: dict[str, object], error: type, field: str
) -> None:
    await ledger.create_account_with_balance("existing", "1")
    before = await table_items(settings)
    with pytest.raises(error) as raised:
        await ledger.create_account_with_balance("new", "0", **kwargs)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert await table_items(settings) == before


async def test_only_operators_set_overdraft_limits(ledger: Ledger, settings: Settings) -> None:
    before = await table_items(settings)
    for limit in ("10", None):
        with pytest.raises(Forbidden) as raised:
            await ledger.create_account_with_balance(
                "mine", "0", overdraft_limit=limit, principal=ALICE
            )
        assert (raised.value.code, raised.value.field) == (ErrorCode.FORBIDDEN, "overdraft_limit")
    assert await table_items(settings) == before
    created = await ledger.create_account_with_balance(
        "mine", "0", overdraft_limit="0", principal=ALICE
    )
    assert created.owner_id == "alice-sub"
