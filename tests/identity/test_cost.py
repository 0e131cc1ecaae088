"""The CPU cost of one cached JWT verification, printed (never asserted: machines differ).
Run with `pytest tests/identity/test_cost.py -s` to see the figures."""

from __future__ import annotations

import time

import pytest

from services.identity.jwks import HttpJwksKeySource
from services.identity.jwt_verifier import JwtVerifier
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer

ROUNDS = 2000


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
async def test_cached_verification_cost(
    oidc_issuer: OidcIssuer, jwks_source: HttpJwksKeySource, alg: str
) -> None:
    key = oidc_issuer.add_key(alg)
    verifier = JwtVerifier(issuer=oidc_issuer.url, audience=AUDIENCE, keys=jwks_source)
    token = oidc_issuer.token("alice", key=key, scope="openid ledger:admin")
    await verifier.verify(token)  # loads and caches the key set
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(ROUNDS):
        await verifier.verify(token)
    cpu_us = (time.process_time() - cpu) / ROUNDS * 1e6
    wall_us = (time.perf_counter() - wall) / ROUNDS * 1e6
    print(f"\n{alg}: {cpu_us:.0f} us CPU, {wall_us:.0f} us wall per cached verification")  # noqa: T201
    assert oidc_issuer.jwks_requests == 1
