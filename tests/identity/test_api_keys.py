"""API keys with the in-memory store: format, issuance, verification, revocation, caching."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.identity.api_key_format import ApiKey, hash_secret, parse_key
from services.identity.api_keys import ApiKeyAdmin, ApiKeyVerifier
from services.identity.errors import ApiKeyExists, ApiKeyNotFound, Unauthenticated
from services.identity.memory_api_keys import InMemoryApiKeyStore
from services.identity.principal import AuthMethod
from tests.identity.conftest import FakeClock

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore()


@pytest.fixture
def admin(store: InMemoryApiKeyStore) -> ApiKeyAdmin:
    return ApiKeyAdmin(store, now=lambda: T0)


async def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(
    admin: ApiKeyAdmin, store: InMemoryApiKeyStore
) -> None:
    issued = await admin.create("billing sync", subject="merchant-7")
    key_id, secret = parse_key(issued.plaintext) or ("", "")
    assert issued.plaintext == f"lk_{key_id}_{secret}"
    assert len(key_id) == 16
    assert len(secret) == 43
    stored = await store.get(key_id)
    assert stored == issued.record
    assert stored is not None
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in repr(stored)


async def test_holder_and_operator_keys(admin: ApiKeyAdmin, store: InMemoryApiKeyStore) -> None:
    verifier = ApiKeyVerifier(store)
    holder = await admin.create("sync", subject="merchant-7")
    operator = await admin.create("reconciliation", operator=True)
    as_holder = await verifier.verify(holder.plaintext)
    assert (as_holder.subject, as_holder.is_operator) == ("merchant-7", False)
    assert as_holder.method is AuthMethod.API_KEY
    assert as_holder.api_key_id == holder.record.key_id
    assert as_holder.expires_at is None
    as_operator = await verifier.verify(operator.plaintext)
    assert as_operator.is_operator
    assert as_operator.subject == f"api-key:{operator.record.key_id}"


@pytest.mark.parametrize(("name", "subject"), [("", "merchant"), ("sync", None)])
async def test_a_key_needs_a_name_and_a_subject_or_operator(
    admin: ApiKeyAdmin, name: str, subject: str | None
) -> None:
    with pytest.raises(ValueError, match="API key"):
        await admin.create(name, subject=subject)


async def test_wrong_secret_unknown_and_malformed_keys_are_refused(
    admin: ApiKeyAdmin, store: InMemoryApiKeyStore
) -> None:
    verifier = ApiKeyVerifier(store)
    issued = await admin.create("sync", subject="merchant-7")
    key_id = issued.record.key_id
    other_secret = "A" * 43
    cases = {
        f"lk_{key_id}_{other_secret}": "invalid api key",
        f"lk_{'0' * 16}_{other_secret}": "invalid api key",
        "lk_short_secret": "malformed api key",
        issued.plaintext + "x": "malformed api key",
        "lk_" + issued.plaintext: "malformed api key",
    }
    for credential, reason in cases.items():
        with pytest.raises(Unauthenticated) as refused:
            await verifier.verify(credential)
        assert refused.value.reason == reason
        assert credential not in str(refused.value)


async def test_revocation_is_seen_by_another_verifier_within_the_ttl(
    admin: ApiKeyAdmin, store: InMemoryApiKeyStore, clock: FakeClock
) -> None:
    issued = await admin.create("sync", subject="merchant-7")
    replica_a = ApiKeyVerifier(store, ttl=2.0, clock=clock)
    replica_b = ApiKeyVerifier(store, ttl=2.0, clock=clock)
    await replica_a.verify(issued.plaintext)
    await replica_b.verify(issued.plaintext)
    revoked = await admin.revoke(issued.record.key_id)
    assert revoked.revoked_at == T0
    # within the TTL a replica may still trust the record it cached before the revocation
    clock.advance(1.0)
    await replica_b.verify(issued.plaintext)
    # once the TTL has passed, every replica refuses the key
    clock.advance(1.0)
    for replica in (replica_a, replica_b):
        with pytest.raises(Unauthenticated):
            await replica.verify(issued.plaintext)


async def test_lookups_are_cached_for_the_ttl_found_or_not(
    admin: ApiKeyAdmin, store: InMemoryApiKeyStore, clock: FakeClock
) -> None:
    issued = await admin.create("sync", subject="merchant-7")
    verifier = ApiKeyVerifier(store, ttl=2.0, clock=clock)
    unknown = f"lk_{'f' * 16}_{'B' * 43}"
    for _ in range(100):
        await verifier.verify(issued.plaintext)
        with pytest.raises(Unauthenticated):
            await verifier.verify(unknown)
    assert store.reads == 2
    clock.advance(1.9)
    await verifier.verify(issued.plaintext)
    assert store.reads == 2
    clock.advance(0.1)
    await verifier.verify(issued.plaintext)
    assert store.reads == 3


async def test_concurrent_requests_with_one_key_share_one_read(
    admin: ApiKeyAdmin, store: InMemoryApiKeyStore
) -> None:
    issued = await admin.create("sync", subject="merchant-7")
    verifier = ApiKeyVerifier(store)
    principals = await asyncio.gather(*(verifier.verify(issued.plaintext) for _ in range(50)))
    assert {p.subject for p in principals} == {"merchant-7"}
    assert store.reads == 1


async def test_the_cache_is_bounded(store: InMemoryApiKeyStore, clock: FakeClock) -> None:
    verifier = ApiKeyVerifier(store, ttl=2.0, max_entries=10, clock=clock)
    for n in range(25):
        with pytest.raises(Unauthenticated):
            await verifier.verify(f"lk_{n:016x}_{'C' * 43}")
    assert len(verifier._cache) <= 10


async def test_revoking_twice_keeps_the_first_time_and_unknown_ids_are_refused(
    store: InMemoryApiKeyStore,
) -> None:
    admin = ApiKeyAdmin(store, now=lambda: T0)
    issued = await admin.create("sync", subject="m")
    await admin.revoke(issued.record.key_id)
    later = ApiKeyAdmin(store, now=lambda: T0.replace(hour=13))
    assert (await later.revoke(issued.record.key_id)).revoked_at == T0
    with pytest.raises(ApiKeyNotFound):
        await admin.revoke("0" * 16)


async def test_create_never_overwrites(store: InMemoryApiKeyStore) -> None:
    record = ApiKey("a" * 16, "x", "m", False, T0, hash_secret("s"))
    await store.create(record)
    with pytest.raises(ApiKeyExists):
        await store.create(record)
