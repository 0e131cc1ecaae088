"""Builds the Authenticator a process needs from AuthSettings (called by the composition
root; nothing here connects at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx

from services.identity.api_keys import ApiKeyVerifier
from services.identity.authenticator import Authenticator
from services.identity.dev_issuer import DevelopmentIssuer
from services.identity.errors import IdentityConfigurationError
from services.identity.jwks import HttpJwksKeySource
from services.identity.jwt_verifier import JwtVerifier
from services.identity.ports import ApiKeyStore
from services.identity.settings import AuthSettings


@dataclass(frozen=True)
class Identity:
    """What the API process gets: the authenticator, the development issuer when there is
    one (the CLI's `ledger token` uses it), and the JWKS source to close at shutdown."""

    authenticator: Authenticator
    development: DevelopmentIssuer | None
    jwks: HttpJwksKeySource | None
    development_token_lifetime: timedelta = timedelta(hours=8)

    def development_token(self, subject: str, *, operator: bool = False) -> str:
        """A development token (`ledger token`). Raises IdentityConfigurationError outside
        embedded mode or when an issuer is configured: real tokens come from the issuer."""
        if self.development is None:
            raise IdentityConfigurationError(
                "development tokens exist in embedded mode without LEDGER_AUTH_ISSUER only"
            )
        return self.development.mint(
            subject, operator=operator, lifetime=self.development_token_lifetime
        )

    async def aclose(self) -> None:
        if self.jwks is not None:
            await self.jwks.aclose()


def build_identity(
    settings: AuthSettings,
    *,
    embedded: bool,
    api_keys: ApiKeyStore | None,
    http: httpx.AsyncClient | None = None,
) -> Identity:
    """A configured issuer always wins; without one, embedded mode trusts the development
    issuer and real mode accepts API keys only. Raises IdentityConfigurationError."""
    if settings.disabled:
        return Identity(Authenticator(disabled=True), None, None)
    key_verifier = (
        None if api_keys is None else ApiKeyVerifier(api_keys, ttl=settings.api_key_cache_seconds)
    )
    if settings.issuer or settings.jwks_url:
        if not settings.issuer or not settings.audience:
            raise IdentityConfigurationError(
                "LEDGER_AUTH_ISSUER and LEDGER_AUTH_AUDIENCE are both needed to accept JWTs"
            )
        source = HttpJwksKeySource(
            issuer=settings.issuer,
            jwks_url=settings.jwks_url,
            client=http,
            timeout_seconds=settings.jwks_timeout_seconds,
            min_refresh_interval=settings.jwks_min_refresh_seconds,
            max_age=settings.jwks_max_age_seconds,
        )
        verifier = JwtVerifier(
            issuer=settings.issuer,
            audience=settings.audience,
            keys=source,
            algorithms=settings.algorithms,
            admin_scope=settings.admin_scope,
            leeway_seconds=settings.leeway_seconds,
        )
        return Identity(Authenticator(tokens=verifier, api_keys=key_verifier), None, source)
    if embedded:
        development = DevelopmentIssuer(settings.dev_key_path, admin_scope=settings.admin_scope)
        authenticator = Authenticator(
            tokens=development.verifier(leeway_seconds=settings.leeway_seconds),
            api_keys=key_verifier,
        )
        lifetime = timedelta(hours=settings.dev_token_hours)
        return Identity(authenticator, development, None, lifetime)
    return Identity(Authenticator(api_keys=key_verifier), None, None)
