"""Authentication settings (LEDGER_AUTH_*): a part of `services.settings.Settings`, kept beside
the identity code that reads them. Usable alone (tests, tools) with the same variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.identity.dev_issuer import DEVELOPMENT_ISSUER
from services.identity.jwt_verifier import (
    DEFAULT_ADMIN_SCOPE,
    DEFAULT_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
)


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    auth_issuer: str | None = Field(
        default=None,
        description="OIDC issuer URL (its /.well-known/openid-configuration gives the JWKS); "
        "None: no JWTs accepted, except the development issuer's in embedded mode.",
    )
    auth_jwks_url: str | None = Field(
        default=None, description="JWKS URL; None: the issuer's discovery document's jwks_uri."
    )
    auth_audience: str | None = Field(
        default=None, description="Required `aud` of access tokens (needed with an issuer)."
    )
    auth_admin_scope: str = Field(
        default=DEFAULT_ADMIN_SCOPE,
        description="Scope (in `scope` or `scp`) that makes a token's subject an operator.",
    )
    auth_disabled: bool = Field(
        default=False,
        description="No authentication: every request is an operator. Development only.",
    )
    auth_api_keys_only: bool = Field(
        default=False,
        description="Accept API keys only (server-to-server deployments without an identity "
        "provider): lets `ledger serve` start on real DynamoDB with no issuer configured.",
    )
    auth_algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_ALGORITHMS,
        description="Accepted JWT algorithms, comma-separated; asymmetric only (no HS*, none).",
    )
    auth_leeway_seconds: float = Field(
        default=30.0, ge=0, le=300, description="Clock skew allowed on `exp` and `nbf`."
    )
    auth_jwks_timeout_seconds: float = Field(
        default=3.0, gt=0, le=30, description="Timeout of one discovery or JWKS request."
    )
    auth_jwks_min_refresh_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Least time between two JWKS fetches (an unknown kid triggers one).",
    )
    auth_jwks_max_age_seconds: float = Field(
        default=600.0, gt=0, description="JWKS refetched on the first use after this age."
    )
    auth_token_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        le=300,
        description="How long a verified token is remembered (never past its `exp`): a "
        "retired signing key stops being trusted within this time; 0 verifies every request.",
    )
    auth_api_key_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3,
        description="How long a replica trusts an API key lookup (found or not): revocation "
        "takes effect everywhere within this time.",
    )
    auth_dev_key_path: Path | None = Field(
        default=None,
        description="Development issuer's signing key; None: "
        "$XDG_DATA_HOME/ledger/dev-issuer-key.pem (or ~/.local/share/ledger/...).",
    )
    auth_dev_token_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, description="Lifetime of development tokens."
    )

    @field_validator("auth_algorithms", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        refused = set(value) - SUPPORTED_ALGORITHMS
        if refused or not value:
            raise ValueError(f"unsupported or symmetric algorithms: {sorted(refused)}")
        return value

    @field_validator("auth_issuer")
    @classmethod
    def _not_the_development_issuer(cls, value: str | None) -> str | None:
        if value is not None and value.rstrip("/") == DEVELOPMENT_ISSUER:
            raise ValueError("the development issuer cannot be configured")
        return value
