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
from services.identity.token_cache import CachedTokenVerifier


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

    @property
    def mode(self) -> str:
        """How callers authenticate: oidc, development, api-keys or disabled."""
        if self.authenticator.disabled:
            return "disabled"
        if self.development is not None:
            return "development"
        return "oidc" if self.authenticator.accepts_tokens else "api-keys"

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
    if settings.auth_disabled:
        return Identity(Authenticator(disabled=True), None, None)
    key_verifier = (
        None
        if api_keys is None
        else ApiKeyVerifier(api_keys, ttl=settings.auth_api_key_cache_seconds)
    )
    if settings.auth_issuer or settings.auth_jwks_url:
        if not settings.auth_issuer or not settings.auth_audience:
            raise IdentityConfigurationError(
                "LEDGER_AUTH_ISSUER and LEDGER_AUTH_AUDIENCE are both needed to accept JWTs"
            )
        source = HttpJwksKeySource(
            issuer=settings.auth_issuer,
            jwks_url=settings.auth_jwks_url,
            client=http,
            timeout_seconds=settings.auth_jwks_timeout_seconds,
            min_refresh_interval=settings.auth_jwks_min_refresh_seconds,
            max_age=settings.auth_jwks_max_age_seconds,
        )
        verifier = JwtVerifier(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            keys=source,
            algorithms=settings.auth_algorithms,
            admin_scope=settings.auth_admin_scope,
            leeway_seconds=settings.auth_leeway_seconds,
        )
        cached = CachedTokenVerifier(verifier, ttl_seconds=settings.auth_token_cache_seconds)
        return Identity(Authenticator(tokens=cached, api_keys=key_verifier), None, source)
    if embedded:
        development = DevelopmentIssuer(
            settings.auth_dev_key_path, admin_scope=settings.auth_admin_scope
        )
        authenticator = Authenticator(
            tokens=development.verifier(leeway_seconds=settings.auth_leeway_seconds),
            api_keys=key_verifier,
        )
        lifetime = timedelta(hours=settings.auth_dev_token_hours)
        return Identity(authenticator, development, None, lifetime)
    return Identity(Authenticator(api_keys=key_verifier), None, None)


def check_serving(settings: AuthSettings, *, embedded: bool) -> None:
    """Secure by default: an API on real DynamoDB must be told how clients authenticate.
    Raises IdentityConfigurationError naming the settings to choose from."""
    if embedded or settings.auth_disabled or settings.auth_issuer or settings.auth_api_keys_only:
        return
    raise IdentityConfigurationError(
        "no authentication is configured for a real DynamoDB table: set LEDGER_AUTH_ISSUER "
        "and LEDGER_AUTH_AUDIENCE (an OIDC provider), or LEDGER_AUTH_API_KEYS_ONLY=true "
        "(API keys only), or LEDGER_AUTH_DISABLED=true (every request is an operator; "
        "local experiments only)"
    )
