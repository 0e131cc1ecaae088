"""The DynamoDB adapter of ApiKeyStore against the embedded endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aioboto3
import pytest
from aiobotocore.config import AioConfig

from services.dynamo.api_keys import DynamoApiKeyStore
from services.dynamo.table import ensure_table
from services.identity.api_key_format import ApiKey, hash_secret
from services.identity.api_keys import ApiKeyAdmin, ApiKeyVerifier
from services.identity.errors import ApiKeyExists, ApiKeyNotFound, Unauthenticated
from services.ledger import Ledger
from services.settings import Settings
from tests.helpers import table_items
from tests.identity.conftest import FakeClock

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[DynamoApiKeyStore]:
    session = aioboto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=settings.region
    )
    config = AioConfig(retries={"mode": "standard", "max_attempts": 2})
    async with session.client(
        "dynamodb", endpoint_url=settings.endpoint_url, config=config
    ) as client:
        await ensure_table(client, settings.table_name)
        yield DynamoApiKeyStore(client, settings.table_name)


async def test_create_get_list_revoke(store: DynamoApiKeyStore, settings: Settings) -> None:
    admin = ApiKeyAdmin(store, now=lambda: T0)
    holder = await admin.create("sync", subject="merchant-7")
    operator = await admin.create("reconciliation", operator=True)
    assert await store.get(holder.record.key_id) == holder.record
    assert await store.get("0" * 16) is None
    assert {key.key_id for key in await admin.list()} == {
        holder.record.key_id,
        operator.record.key_id,
    }
    revoked = await admin.revoke(holder.record.key_id)
    assert revoked.revoked_at == T0
    assert (await store.get(holder.record.key_id)) == revoked
    with pytest.raises(ApiKeyNotFound):
        await admin.revoke("0" * 16)
    items = await table_items(settings)
    assert [item["PK"]["S"] for item in items] == ["APIKEYS", "APIKEYS"]
    assert all(item["SK"]["S"].startswith("APIKEY#") for item in items)
    secret = holder.plaintext[len("lk_") + 17 :]
    assert all(secret not in str(item) for item in items)


async def test_revoking_again_keeps_the_first_time(store: DynamoApiKeyStore) -> None:
    issued = await ApiKeyAdmin(store, now=lambda: T0).create("sync", subject="m")
    await store.revoke(issued.record.key_id, T0)
    again = await store.revoke(issued.record.key_id, T0.replace(hour=13))
    assert again.revoked_at == T0


async def test_create_never_overwrites(store: DynamoApiKeyStore) -> None:
    record = ApiKey("a" * 16, "first", "m", False, T0, hash_secret("one"))
    await store.create(record)
    with pytest.raises(ApiKeyExists):
        await store.create(ApiKey("a" * 16, "second", "x", True, T0, hash_secret("two")))
    assert await store.get("a" * 16) == record


async def test_revocation_reaches_every_replica_within_the_ttl(
    store: DynamoApiKeyStore, clock: FakeClock
) -> None:
    admin = ApiKeyAdmin(store)
    issued = await admin.create("sync", subject="merchant-7")
    replicas = [ApiKeyVerifier(store, ttl=2.0, clock=clock) for _ in range(2)]
    for replica in replicas:
        assert (await replica.verify(issued.plaintext)).subject == "merchant-7"
    await admin.revoke(issued.record.key_id)
    clock.advance(2.0)
    for replica in replicas:
        with pytest.raises(Unauthenticated, match="invalid api key"):
            await replica.verify(issued.plaintext)


async def test_api_keys_never_collide_with_ledger_items(
    store: DynamoApiKeyStore, settings: Settings
) -> None:
    # An account whose id looks like a key id lives in its own ACCOUNT# partition.
    async with Ledger.connect(settings) as ledger:
        await ledger.create_account_with_balance("aaaaaaaaaaaaaaaa", 0)
    await store.create(ApiKey("a" * 16, "k", "m", False, T0, hash_secret("s")))
    assert {item["PK"]["S"] for item in await table_items(settings)} >= {
        "APIKEYS",
        "ACCOUNT#aaaaaaaaaaaaaaaa",
    }
