"""Proposed authentication settings (LEDGER_AUTH_*), to be merged into services.settings.

Kept here as a model of their own until the settings module has moved; the fields, their
variables and defaults are the proposal.
"""

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
        env_prefix="LEDGER_AUTH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    issuer: str | None = Field(
        default=None,
        description="OIDC issuer URL (its /.well-known/openid-configuration gives the JWKS); "
        "None: no JWTs accepted, except the development issuer's in embedded mode.",
    )
    jwks_url: str | None = Field(
        default=None, description="JWKS URL; None: the issuer's discovery document's jwks_uri."
    )
    audience: str | None = Field(
        default=None, description="Required `aud` of access tokens (needed with an issuer)."
    )
    admin_scope: str = Field(
        default=DEFAULT_ADMIN_SCOPE,
        description="Scope (in `scope` or `scp`) that makes a token's subject an operator.",
    )
    disabled: bool = Field(
        default=False,
        description="No authentication: every request is an operator. Development only.",
    )
    algorithms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_ALGORITHMS,
        description="Accepted JWT algorithms, comma-separated; asymmetric only (no HS*, none).",
    )
    leeway_seconds: float = Field(
        default=30.0, ge=0, le=300, description="Clock skew allowed on `exp` and `nbf`."
    )
    jwks_timeout_seconds: float = Field(
        default=3.0, gt=0, le=30, description="Timeout of one discovery or JWKS request."
    )
    jwks_min_refresh_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Least time between two JWKS fetches (an unknown kid triggers one).",
    )
    jwks_max_age_seconds: float = Field(
        default=600.0, gt=0, description="JWKS refetched on the first use after this age."
    )
    api_key_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3,
        description="How long a replica trusts an API key lookup (found or not): revocation "
        "takes effect everywhere within this time.",
    )
    dev_key_path: Path | None = Field(
        default=None,
        description="Development issuer's signing key; None: "
        "$XDG_DATA_HOME/ledger/dev-issuer-key.pem (or ~/.local/share/ledger/...).",
    )
    dev_token_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, description="Lifetime of development tokens."
    )

    @field_validator("algorithms", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        refused = set(value) - SUPPORTED_ALGORITHMS
        if refused or not value:
            raise ValueError(f"unsupported or symmetric algorithms: {sorted(refused)}")
        return value

    @field_validator("issuer")
    @classmethod
    def _not_the_development_issuer(cls, value: str | None) -> str | None:
        if value is not None and value.rstrip("/") == DEVELOPMENT_ISSUER:
            raise ValueError("the development issuer cannot be configured")
        return value
