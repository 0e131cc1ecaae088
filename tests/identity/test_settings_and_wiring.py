"""AuthSettings from the environment, and what build_identity assembles from them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from services.identity.api_keys import ApiKeyAdmin
from services.identity.dev_issuer import DEVELOPMENT_ISSUER, DevelopmentIssuer
from services.identity.errors import IdentityConfigurationError, Unauthenticated
from services.identity.memory_api_keys import InMemoryApiKeyStore
from services.identity.principal import AuthMethod
from services.identity.settings import AuthSettings
from services.identity.wiring import build_identity
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer


@pytest.fixture(autouse=True)
def _unconfigured_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_defaults() -> None:
    settings = AuthSettings()
    assert settings.auth_issuer is None
    assert settings.auth_admin_scope == "ledger:admin"
    assert settings.auth_algorithms == ("RS256", "ES256", "EdDSA")
    assert not settings.auth_disabled
    assert settings.auth_leeway_seconds == 30
    assert settings.auth_api_key_cache_seconds <= 3


def test_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_AUTH_ISSUER", "https://id.example.com")
    monkeypatch.setenv("LEDGER_AUTH_JWKS_URL", "https://id.example.com/keys")
    monkeypatch.setenv("LEDGER_AUTH_AUDIENCE", "ledger-api")
    monkeypatch.setenv("LEDGER_AUTH_ADMIN_SCOPE", "ops")
    monkeypatch.setenv("LEDGER_AUTH_DISABLED", "true")
    monkeypatch.setenv("LEDGER_AUTH_ALGORITHMS", "ES256, EdDSA")
    settings = AuthSettings()
    assert settings.auth_issuer == "https://id.example.com"
    assert settings.auth_jwks_url == "https://id.example.com/keys"
    assert settings.auth_audience == "ledger-api"
    assert settings.auth_admin_scope == "ops"
    assert settings.auth_disabled
    assert settings.auth_algorithms == ("ES256", "EdDSA")


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,none", ""])
def test_symmetric_algorithms_are_refused(monkeypatch: pytest.MonkeyPatch, algorithms: str) -> None:
    monkeypatch.setenv("LEDGER_AUTH_ALGORITHMS", algorithms)
    with pytest.raises(ValidationError):
        AuthSettings()


@pytest.mark.parametrize("issuer", [DEVELOPMENT_ISSUER, DEVELOPMENT_ISSUER + "/"])
def test_the_development_issuer_cannot_be_configured(issuer: str) -> None:
    with pytest.raises(ValidationError, match="development issuer"):
        AuthSettings(auth_issuer=issuer)


def test_the_api_key_cache_cannot_outlive_three_seconds() -> None:
    with pytest.raises(ValidationError):
        AuthSettings(auth_api_key_cache_seconds=10)


async def test_embedded_without_issuer_trusts_the_development_issuer(tmp_path: Path) -> None:
    settings = AuthSettings(auth_dev_key_path=tmp_path / "key.pem")
    identity = build_identity(settings, embedded=True, api_keys=InMemoryApiKeyStore())
    token = identity.development_token("alice", operator=True)
    principal = await identity.authenticator.authenticate(f"Bearer {token}")
    assert principal.method is AuthMethod.DEVELOPMENT
    assert principal.is_operator


async def test_a_configured_issuer_replaces_the_development_issuer(
    tmp_path: Path, oidc_issuer: OidcIssuer, http: httpx.AsyncClient
) -> None:
    settings = AuthSettings(
        auth_issuer=oidc_issuer.url, auth_audience=AUDIENCE, auth_dev_key_path=tmp_path / "key.pem"
    )
    store = InMemoryApiKeyStore()
    identity = build_identity(settings, embedded=True, api_keys=store, http=http)
    assert identity.development is None
    assert not (tmp_path / "key.pem").exists()
    authenticate = identity.authenticator.authenticate
    assert (await authenticate(f"Bearer {oidc_issuer.token('bob')}")).method is AuthMethod.JWT
    development_token = DevelopmentIssuer(tmp_path / "other.pem").mint("alice", operator=True)
    with pytest.raises(Unauthenticated):
        await authenticate(f"Bearer {development_token}")
    issued = await ApiKeyAdmin(store).create("sync", operator=True)
    assert (await authenticate(f"Bearer {issued.plaintext}")).is_operator
    await identity.aclose()


async def test_real_mode_without_issuer_accepts_api_keys_only(tmp_path: Path) -> None:
    store = InMemoryApiKeyStore()
    identity = build_identity(AuthSettings(), embedded=False, api_keys=store)
    with pytest.raises(IdentityConfigurationError):
        identity.development_token("alice")
    assert not (tmp_path / "data").exists()  # no development key made
    with pytest.raises(Unauthenticated, match="tokens not accepted"):
        await identity.authenticator.authenticate("Bearer eyJ.eyJ.sig")
    issued = await ApiKeyAdmin(store).create("sync", subject="m")
    assert (await identity.authenticator.authenticate(f"Bearer {issued.plaintext}")).subject == "m"


def test_an_issuer_needs_an_audience() -> None:
    with pytest.raises(IdentityConfigurationError, match="AUDIENCE"):
        build_identity(
            AuthSettings(auth_issuer="https://id.example.com"), embedded=False, api_keys=None
        )


async def test_disabled() -> None:
    identity = build_identity(AuthSettings(auth_disabled=True), embedded=False, api_keys=None)
    assert (await identity.authenticator.authenticate(None)).method is AuthMethod.DISABLED
