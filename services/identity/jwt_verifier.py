"""Verifying OIDC access tokens (JWTs signed by an issuer's asymmetric keys) with PyJWT."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

from services.identity.errors import IdentityConfigurationError, Unauthenticated
from services.identity.ports import KeySource
from services.identity.principal import AuthMethod, Principal

#: Asymmetric algorithms only: a shared secret (HS*) or `none` can never be configured.
SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
DEFAULT_ADMIN_SCOPE = "ledger:admin"
#: Longer tokens are refused before any parsing (real access tokens are 1-2 KB).
MAX_TOKEN_BYTES = 8192

# PyJWT's failures, mapped to the fixed reasons a caller (and a log) may see.
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not yet valid"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.MissingRequiredClaimError, "missing claim"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidSignatureError, "bad signature"),
)


def scopes_of(claims: Mapping[str, Any]) -> set[str]:
    """Scopes from `scope` (space-separated string, RFC 8693) or `scp` (list or string)."""
    found: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.update(value.split())
        elif isinstance(value, list):
            found.update(item for item in value if isinstance(item, str))
    return found


class JwtVerifier:
    """Checks a token's signature (key from `keys`, by kid), algorithm, `iss`, `aud`, `exp`,
    `nbf` (with `leeway_seconds`) and `sub`. A token with `admin_scope` is an operator's."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: KeySource,
        algorithms: Collection[str] = DEFAULT_ALGORITHMS,
        admin_scope: str = DEFAULT_ADMIN_SCOPE,
        leeway_seconds: float = 30.0,
        method: AuthMethod = AuthMethod.JWT,
    ) -> None:
        refused = set(algorithms) - SUPPORTED_ALGORITHMS
        if refused or not algorithms:
            raise IdentityConfigurationError(
                f"algorithms must be asymmetric ones of {sorted(SUPPORTED_ALGORITHMS)}; "
                f"refused: {sorted(refused) or 'an empty list'}"
            )
        if not issuer or not audience:
            raise IdentityConfigurationError("an issuer and an audience are needed")
        self.issuer = issuer
        self._audience = audience
        self._keys = keys
        self._algorithms = list(algorithms)
        self._admin_scope = admin_scope
        self._leeway = leeway_seconds
        self._method = method

    async def verify(self, token: str) -> Principal:
        """The token's principal. Raises Unauthenticated with a fixed reason (never the
        token): malformed, algorithm not allowed, unknown key, bad signature, expired, not yet
        valid, wrong issuer, wrong audience, missing claim, keys unavailable."""
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthenticated("malformed") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self._algorithms:
            raise Unauthenticated("algorithm not allowed")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("malformed")
        key = await self._keys.key(kid)
        claims = self._decode(token, key)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated("missing claim")
        return Principal(
            subject=subject,
            is_operator=self._admin_scope in scopes_of(claims),
            method=self._method,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"], "strict_aud": False},
            )
        except jwt.MissingRequiredClaimError as exc:
            if exc.claim != "aud":
                raise Unauthenticated("missing claim") from None
            return self._decode_client_bound(token, key)
        except jwt.InvalidTokenError as exc:
            reason = next((r for kind, r in _REASONS if isinstance(exc, kind)), "malformed")
            raise Unauthenticated(reason) from None
        return claims

    def _decode_client_bound(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        """Amazon Cognito's access tokens name their audience in `client_id`, with
        `token_use: access`, and carry no `aud`: accept exactly that shape."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.InvalidTokenError as exc:
            reason = next((r for kind, r in _REASONS if isinstance(exc, kind)), "malformed")
            raise Unauthenticated(reason) from None
        if claims.get("token_use") != "access" or claims.get("client_id") != self._audience:
            raise Unauthenticated("wrong audience")
        return claims
