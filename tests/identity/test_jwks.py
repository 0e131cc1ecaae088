"""The HTTP key source against a real local issuer: discovery, rotation, outages, and the
refresh rate limit that keeps a flood of made-up kids from reaching the provider."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from services.identity.errors import IdentityConfigurationError, Unauthenticated
from services.identity.jwks import HttpJwksKeySource, StaticKeySource
from services.identity.jwt_verifier import JwtVerifier
from tests.identity.conftest import FakeClock
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer


async def test_keys_are_found_through_discovery_and_cached(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    for _ in range(5):
        await verifier.verify(oidc_issuer.token())
    assert (oidc_issuer.discovery_requests, oidc_issuer.jwks_requests) == (1, 1)


async def test_an_explicit_jwks_url_skips_discovery(
    oidc_issuer: OidcIssuer, http: httpx.AsyncClient
) -> None:
    source = HttpJwksKeySource(jwks_url=oidc_issuer.jwks_url, client=http)
    verifier = JwtVerifier(issuer=oidc_issuer.url, audience=AUDIENCE, keys=source)
    await verifier.verify(oidc_issuer.token())
    assert (oidc_issuer.discovery_requests, oidc_issuer.jwks_requests) == (0, 1)


async def test_rotation_picks_up_the_new_kid(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier, clock: FakeClock
) -> None:
    old_token = oidc_issuer.token()
    await verifier.verify(old_token)
    clock.advance(5)
    new_key = oidc_issuer.rotate("ES256")
    assert (await verifier.verify(oidc_issuer.token("bob", key=new_key))).subject == "bob"
    assert oidc_issuer.jwks_requests == 2
    # the old key stays cached until the key set is refreshed for another reason
    clock.advance(600)
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(old_token)


async def test_the_cache_is_refreshed_in_the_background_after_max_age(
    oidc_issuer: OidcIssuer,
    verifier: JwtVerifier,
    jwks_source: HttpJwksKeySource,
    clock: FakeClock,
) -> None:
    await verifier.verify(oidc_issuer.token())
    clock.advance(599)
    await verifier.verify(oidc_issuer.token())
    await jwks_source.refreshed()
    assert oidc_issuer.jwks_requests == 1
    clock.advance(1)
    await verifier.verify(oidc_issuer.token())  # answered from the cache at once
    await jwks_source.refreshed()
    assert oidc_issuer.jwks_requests == 2
    # a key retired since is gone from the refreshed cache
    old = oidc_issuer.token()
    oidc_issuer.rotate()
    clock.advance(600)
    await verifier.verify(old)
    await jwks_source.refreshed()
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(old)


async def test_cached_keys_keep_serving_during_an_outage(
    oidc_issuer: OidcIssuer,
    verifier: JwtVerifier,
    jwks_source: HttpJwksKeySource,
    clock: FakeClock,
) -> None:
    await verifier.verify(oidc_issuer.token())
    oidc_issuer.down = True
    clock.advance(10_000)  # past max age: a refresh is attempted and fails
    assert (await verifier.verify(oidc_issuer.token())).subject == "alice"
    await jwks_source.refreshed()
    assert (oidc_issuer.jwks_requests, oidc_issuer.refused_requests) == (1, 1)
    assert (await verifier.verify(oidc_issuer.token())).subject == "alice"
    clock.advance(5)
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(oidc_issuer.token(kid="rotated-during-outage"))
    oidc_issuer.down = False
    clock.advance(5)
    new_key = oidc_issuer.rotate()
    assert (await verifier.verify(oidc_issuer.token(key=new_key))).subject == "alice"


async def test_a_slow_provider_does_not_delay_requests_for_known_keys(
    oidc_issuer: OidcIssuer,
    verifier: JwtVerifier,
    jwks_source: HttpJwksKeySource,
    clock: FakeClock,
) -> None:
    await verifier.verify(oidc_issuer.token())
    oidc_issuer.delay_seconds = 1.0
    clock.advance(600)
    started = time.perf_counter()
    await verifier.verify(oidc_issuer.token())
    assert time.perf_counter() - started < 0.5
    await jwks_source.refreshed()
    assert oidc_issuer.jwks_requests == 2


async def test_no_keys_at_all_is_a_refusal_not_a_crash(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    oidc_issuer.down = True
    with pytest.raises(Unauthenticated, match="keys unavailable"):
        await verifier.verify(oidc_issuer.token())


async def test_an_unreachable_provider_is_a_refusal(http: httpx.AsyncClient) -> None:
    source = HttpJwksKeySource(issuer="http://127.0.0.1:9", client=http)
    with pytest.raises(Unauthenticated, match="keys unavailable"):
        await source.key("any")


async def test_a_burst_of_unknown_kids_fetches_the_jwks_at_most_once_per_interval(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier, clock: FakeClock
) -> None:
    await verifier.verify(oidc_issuer.token())
    clock.advance(5)
    tokens = [oidc_issuer.token(kid=f"random-{n}") for n in range(100)]
    results = await asyncio.gather(
        *(verifier.verify(token) for token in tokens), return_exceptions=True
    )
    assert all(isinstance(r, Unauthenticated) and r.reason == "unknown key" for r in results)
    assert oidc_issuer.jwks_requests == 2  # the first load, then one refresh for all 100
    for token in tokens:  # still within the interval: no more requests
        with pytest.raises(Unauthenticated):
            await verifier.verify(token)
    assert oidc_issuer.jwks_requests == 2


async def test_concurrent_first_uses_share_one_fetch(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    token = oidc_issuer.token()
    await asyncio.gather(*(verifier.verify(token) for _ in range(50)))
    assert (oidc_issuer.discovery_requests, oidc_issuer.jwks_requests) == (1, 1)


async def test_a_discovery_document_naming_another_issuer_is_refused(
    oidc_issuer: OidcIssuer, http: httpx.AsyncClient
) -> None:
    source = HttpJwksKeySource(issuer=oidc_issuer.url + "/other", client=http)
    with pytest.raises(Unauthenticated, match="keys unavailable"):
        await source.key(None)


@pytest.mark.parametrize("url", ["http://id.example.com", "ftp://id.example.com"])
def test_plain_http_is_allowed_on_loopback_only(url: str) -> None:
    with pytest.raises(IdentityConfigurationError):
        HttpJwksKeySource(issuer=url)


async def test_only_public_signing_keys_are_trusted(oidc_issuer: OidcIssuer) -> None:
    published = oidc_issuer.jwks()["keys"][0]
    source = StaticKeySource(
        {
            "keys": [
                {**published, "kid": "enc", "use": "enc"},
                {**published, "kid": "private", "d": "AAAA"},
                {"kty": "unknown", "kid": "odd"},
                {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"},
                published,
            ]
        }
    )
    assert (await source.key(published["kid"])).key_id == published["kid"]
    for kid in ("enc", "private", "odd", "shared"):
        with pytest.raises(Unauthenticated, match="unknown key"):
            await source.key(kid)
