"""Defect 10: a cached (id, version) must not plan an absolute balance for an account that was
deleted and recreated and has come back to the same version with another balance."""

from __future__ import annotations

from decimal import Decimal

import aioboto3

from services.ledger import Ledger
from services.settings import Settings


async def delete_partition(settings: Settings, account_id: str) -> None:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    async with session.client("dynamodb", endpoint_url=settings.endpoint_url) as client:
        found = await client.query(
            TableName=settings.table_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{account_id}"}},
        )
        for item in found["Items"]:
            await client.delete_item(
                TableName=settings.table_name, Key={"PK": item["PK"], "SK": item["SK"]}
            )


async def test_a_recreated_account_at_the_cached_version_is_not_overwritten(
    settings: Settings,
) -> None:
    async with (
        Ledger.connect(settings) as cached,
        Ledger.connect(settings.model_copy(update={"account_cache_size": 0})) as other,
    ):
        await cached.create_account_with_balance("alice", "100.00")
        await cached.create_account_with_balance("bob", "0")
        await cached.transfer_credits("alice", "bob", "10")  # cached: alice v2 at 90.00

        await delete_partition(settings, "alice")  # an operator removes and recreates alice
        await other.create_account_with_balance("alice", "50.00")  # v1 at 50.00
        await other.transfer_credits("alice", "bob", "1")  # v2 at 49.00: the cached version

        await cached.transfer_credits("alice", "bob", "5")
        alice = await other.get_account("alice")
        assert (alice.version, alice.balance) == (3, Decimal("44.00"))
