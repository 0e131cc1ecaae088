"""The Authorization header to a Principal: dispatch, header forms, disabled mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.identity import DISABLED, Authenticator, authorization_from_connection_params
from services.identity.api_keys import ApiKeyAdmin, ApiKeyVerifier
from services.identity.dev_issuer import DevelopmentIssuer
from services.identity.errors import Unauthenticated
from services.identity.memory_api_keys import InMemoryApiKeyStore
from services.identity.principal import AuthMethod


@pytest.fixture
def development(tmp_path: Path) -> DevelopmentIssuer:
    return DevelopmentIssuer(tmp_path / "key.pem")


@pytest.fixture
def store() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore()


@pytest.fixture
def authenticator(development: DevelopmentIssuer, store: InMemoryApiKeyStore) -> Authenticator:
    return Authenticator(tokens=development.verifier(), api_keys=ApiKeyVerifier(store))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_jwt(
    authenticator: Authenticator, development: DevelopmentIssuer, scheme: str
) -> None:
    principal = await authenticator.authenticate(f"{scheme} {development.mint('alice')}")
    assert principal.subject == "alice"
    assert principal.method is AuthMethod.DEVELOPMENT


async def test_bearer_api_key(authenticator: Authenticator, store: InMemoryApiKeyStore) -> None:
    issued = await ApiKeyAdmin(store).create("sync", subject="merchant-7")
    principal = await authenticator.authenticate(f"Bearer {issued.plaintext}")
    assert principal.method is AuthMethod.API_KEY
    assert principal.api_key_id == issued.record.key_id


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("Bearer", "malformed header"),
        ("Bearer ", "malformed header"),
        ("Basic YWxpY2U6cHc=", "malformed header"),
        ("Bearer a b", "malformed header"),
        ("Token abc", "malformed header"),
        ("Bearer garbage", "malformed"),
        ("Bearer lk_nothing", "malformed api key"),
    ],
)
async def test_refusals(authenticator: Authenticator, header: str | None, reason: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await authenticator.authenticate(header)
    assert refused.value.reason == reason


async def test_without_a_token_verifier_jwts_are_refused(store: InMemoryApiKeyStore) -> None:
    authenticator = Authenticator(api_keys=ApiKeyVerifier(store))
    with pytest.raises(Unauthenticated, match="tokens not accepted"):
        await authenticator.authenticate("Bearer eyJ.eyJ.sig")


async def test_without_api_keys_keys_are_refused(development: DevelopmentIssuer) -> None:
    authenticator = Authenticator(tokens=development.verifier())
    with pytest.raises(Unauthenticated, match="api keys not accepted"):
        await authenticator.authenticate("Bearer lk_0123456789abcdef_" + "A" * 43)


@pytest.mark.parametrize("header", [None, "", "Bearer garbage"])
async def test_disabled_makes_every_caller_an_operator(header: str | None) -> None:
    principal = await Authenticator(disabled=True).authenticate(header)
    assert principal == DISABLED
    assert principal.is_operator
    assert principal.method is AuthMethod.DISABLED


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"Authorization": "Bearer t"}, "Bearer t"),
        ({"authorization": "Bearer t"}, "Bearer t"),
        ({"Authorization": 7}, None),
        ({}, None),
        (None, None),
        ("Bearer t", None),
    ],
)
def test_connection_init_payload(params: object, expected: str | None) -> None:
    assert authorization_from_connection_params(params) == expected  # type: ignore[arg-type]
