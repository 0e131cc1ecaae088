"""The hash chain in the commit path, against the embedded endpoint: every committed entry links
to its account's head, the head moves in the same transaction, and unchained accounts work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aioboto3
import pytest

from services import Ledger
from services.dynamo import items as codec
from services.integrity.chain import genesis_hash
from services.integrity.verify import AccountHead, verify_entries
from services.ledger.ports import ChainBroken
from services.settings import Settings
from tests.helpers import items_of_type, table_items


async def raw_update(
    settings: Settings, key: dict[str, Any], expression: str, **values: Any
) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        kwargs: dict[str, Any] = {"TableName": settings.table_name, "Key": key}
        kwargs["UpdateExpression"] = expression
        if values:
            kwargs["ExpressionAttributeValues"] = values
        await client.update_item(**kwargs)


async def problems_of(ledger: Ledger, settings: Settings, account_id: str) -> list[Any]:
    items = await table_items(settings)
    entries = [
        codec.entry_from_item(item)
        for item in items_of_type(items, "ENTRY")
        if item["account_id"]["S"] == account_id
    ]
    account = await ledger.get_account(account_id)
    head = AccountHead.of(account, account.head_hash)
    return list(verify_entries(head, sorted(entries, key=lambda e: e.version)))


async def test_new_accounts_chain_from_genesis_and_transfers_extend_the_chain(
    ledger: Ledger, settings: Settings
) -> None:
    empty = await ledger.create_account_with_balance("empty", "0")
    assert (empty.version, empty.head_hash) == (0, genesis_hash("empty"))
    await ledger.create_account_with_balance("alice", "100.00")
    for _ in range(3):
        await ledger.transfer_credits("alice", "empty", "1.25")
    await ledger.transfer_credits("empty", "alice", "0.75")
    for account_id in ("alice", "empty"):
        assert await problems_of(ledger, settings, account_id) == []
    alice = await ledger.get_account("alice")
    page = await ledger.get_transactions("alice", 10)
    assert page.entries[0].hash == alice.head_hash
    assert page.entries[0].previous_hash == page.entries[1].hash
    transfer = (await ledger.get_transfers([page.entries[0].transfer_id]))[
        page.entries[0].transfer_id
    ]
    # The DEBIT is empty's 4th entry, the CREDIT alice's 5th.
    assert (transfer.debit_version, transfer.credit_version) == (4, 5)


async def test_an_account_written_before_the_chain_keeps_working_unchained(
    ledger: Ledger, settings: Settings
) -> None:
    await ledger.create_account_with_balance("old", "10.00")
    await ledger.create_account_with_balance("new", "0")
    await raw_update(settings, codec.account_key("old"), "REMOVE head_hash, head_at")
    async with Ledger.connect(settings) as restarted:  # nothing cached from before the change
        await restarted.transfer_credits("old", "new", "1.00")
        await restarted.transfer_credits("new", "old", "0.50")
    old = await ledger.get_account("old")
    assert (old.version, old.balance, old.head_hash) == (3, Decimal("9.50"), None)
    newest = (await ledger.get_transactions("old", 1)).entries[0]
    assert (newest.hash, newest.previous_hash) == (None, None)
    # The other side of the same transfers is chained as usual.
    assert await problems_of(ledger, settings, "new") == []


async def test_a_head_altered_out_of_band_refuses_to_grow(
    ledger: Ledger, settings: Settings
) -> None:
    await ledger.create_account_with_balance("alice", "10.00")
    await ledger.create_account_with_balance("bob", "0")
    await ledger.transfer_credits("alice", "bob", "1.00")  # both accounts now in the cache
    await raw_update(
        settings, codec.account_key("alice"), "SET head_hash = :h", **{":h": {"S": "f" * 64}}
    )
    with pytest.raises(ChainBroken):
        await ledger.transfer_credits("alice", "bob", "1.00")
    assert (await ledger.get_account("alice")).version == 2
