"""JwtVerifier against a real local issuer: what is accepted, and every kind of refusal."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import jwt
import pytest

from services.identity.errors import IdentityConfigurationError, Unauthenticated
from services.identity.jwks import StaticKeySource
from services.identity.jwt_verifier import JwtVerifier
from services.identity.principal import AuthMethod
from tests.support.oidc_issuer import AUDIENCE, OidcIssuer, SigningKey, new_private_key


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
async def test_accepts_each_default_algorithm(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier, alg: str
) -> None:
    key = oidc_issuer.add_key(alg)
    expires = int(time.time()) + 120
    principal = await verifier.verify(oidc_issuer.token("alice", key=key, exp=expires))
    assert principal.subject == "alice"
    assert not principal.is_operator
    assert principal.method is AuthMethod.JWT
    assert principal.expires_at == datetime.fromtimestamp(expires, UTC)
    assert principal.api_key_id is None


@pytest.mark.parametrize(
    "claims",
    [{"scope": "openid ledger:admin profile"}, {"scp": ["ledger:admin"]}, {"scp": "ledger:admin"}],
)
async def test_admin_scope_makes_an_operator(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier, claims: dict[str, object]
) -> None:
    assert (await verifier.verify(oidc_issuer.token("ops", **claims))).is_operator


@pytest.mark.parametrize("claims", [{"scope": "ledger:admins ledger"}, {"scp": ["openid"]}])
async def test_other_scopes_do_not(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier, claims: dict[str, object]
) -> None:
    assert not (await verifier.verify(oidc_issuer.token("ops", **claims))).is_operator


async def test_a_token_without_kid_uses_the_only_key(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    assert (await verifier.verify(oidc_issuer.token("alice", kid=""))).subject == "alice"


HOSTILE: dict[str, tuple[Callable[[OidcIssuer], str], str]] = {
    "alg none": (lambda i: i.unsigned_token(), "algorithm not allowed"),
    "HS256 with the public key as secret": (
        lambda i: i.hs256_with_public_key(next(iter(i.keys.values()))),
        "algorithm not allowed",
    ),
    "tampered payload": (lambda i: i.tampered(i.token("alice"), sub="bob"), "bad signature"),
    "tampered scope": (
        lambda i: i.tampered(i.token("alice"), scope="ledger:admin"),
        "bad signature",
    ),
    "wrong issuer": (lambda i: i.token(iss="https://evil.example"), "wrong issuer"),
    "no issuer": (lambda i: i.token(iss=None), "missing claim"),
    "wrong audience": (lambda i: i.token(aud="another-api"), "wrong audience"),
    "no audience": (lambda i: i.token(aud=None), "wrong audience"),
    "cognito-shaped, another client": (
        lambda i: i.token(aud=None, token_use="access", client_id="another-client"),
        "wrong audience",
    ),
    "cognito-shaped id token": (
        lambda i: i.token(aud=None, token_use="id", client_id=i.audience),
        "wrong audience",
    ),
    "expired": (lambda i: i.token(exp=int(time.time()) - 300), "expired"),
    "no expiry": (lambda i: i.token(exp=None), "missing claim"),
    "not yet valid": (lambda i: i.token(nbf=int(time.time()) + 300), "not yet valid"),
    "unknown kid": (lambda i: i.token(kid="nobody-knows-me"), "unknown key"),
    "missing sub": (lambda i: i.token(sub=None), "missing claim"),
    "empty sub": (lambda i: i.token(sub=""), "missing claim"),
    "garbage": (lambda i: "not.a.jwt", "malformed"),
    "one segment": (lambda i: "garbage", "malformed"),
    "huge": (lambda i: "a" * 10_000, "malformed"),
    "signed by another issuer's key": (
        lambda i: i.token(key=_stranger_key(i)),
        "bad signature",
    ),
}


def _stranger_key(issuer: OidcIssuer) -> SigningKey:
    """A key with a published kid whose private part is someone else's."""
    published = next(iter(issuer.keys.values()))
    return SigningKey(published.kid, published.alg, new_private_key(published.alg))


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_refuses(oidc_issuer: OidcIssuer, verifier: JwtVerifier, kind: str) -> None:
    make, reason = HOSTILE[kind]
    token = make(oidc_issuer)
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.reason == reason
    assert token not in str(refused.value)
    assert refused.value.__cause__ is None  # no library message (or token) chained to logs


async def test_cognito_access_tokens_name_the_audience_in_client_id(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    token = oidc_issuer.token(aud=None, token_use="access", client_id=oidc_issuer.audience)
    assert (await verifier.verify(token)).subject == "alice"


async def test_leeway_accepts_small_clock_skew(
    oidc_issuer: OidcIssuer, verifier: JwtVerifier
) -> None:
    skewed = oidc_issuer.token(exp=int(time.time()) - 10, nbf=int(time.time()) + 10)
    assert (await verifier.verify(skewed)).subject == "alice"


async def test_a_key_may_only_sign_with_its_own_algorithm(oidc_issuer: OidcIssuer) -> None:
    # The published RSA key's algorithm is RS256: an RS384-signed token naming it is refused
    # even when RS384 is allowed.
    key = next(iter(oidc_issuer.keys.values()))
    token = jwt.encode(
        oidc_issuer.claims(), key.private, algorithm="RS384", headers={"kid": key.kid}
    )
    verifier = JwtVerifier(
        issuer=oidc_issuer.url,
        audience=AUDIENCE,
        keys=StaticKeySource(oidc_issuer.jwks()),
        algorithms=("RS256", "RS384"),
    )
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "algorithm not allowed"


@pytest.mark.parametrize("algorithms", [("HS256",), ("none",), ("RS256", "HS512"), ()])
def test_symmetric_or_no_algorithms_cannot_be_configured(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(IdentityConfigurationError):
        JwtVerifier(
            issuer="https://id.example",
            audience="a",
            keys=StaticKeySource({"keys": []}),
            algorithms=algorithms,
        )
