"""Fixtures for identity tests: a real local OIDC issuer and verifiers pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.identity.jwks import HttpJwksKeySource
from services.identity.jwt_verifier import JwtVerifier
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer
from tests.support.oidc_issuer import oidc_issuer as oidc_issuer


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # trust_env=False: a proxy set in the environment must not intercept loopback requests.
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
        yield client


@pytest.fixture
def jwks_source(
    oidc_issuer: OidcIssuer, http: httpx.AsyncClient, clock: FakeClock
) -> HttpJwksKeySource:
    return HttpJwksKeySource(
        issuer=oidc_issuer.url, client=http, min_refresh_interval=5.0, max_age=600.0, clock=clock
    )


@pytest.fixture
def verifier(oidc_issuer: OidcIssuer, jwks_source: HttpJwksKeySource) -> JwtVerifier:
    return JwtVerifier(issuer=oidc_issuer.url, audience=AUDIENCE, keys=jwks_source)
