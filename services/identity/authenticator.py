"""One entry point from a request's credential to a Principal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from services.identity.api_key_format import looks_like_api_key
from services.identity.errors import Unauthenticated
from services.identity.principal import DISABLED, Principal


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


class Authenticator:
    """Reads an `Authorization` header value: `Bearer lk_...` goes to the API key verifier,
    any other bearer token to the JWT verifier (the configured issuer's, or the development
    issuer's in embedded mode). With `disabled`, every caller is an operator."""

    def __init__(
        self,
        *,
        tokens: TokenVerifier | None = None,
        api_keys: TokenVerifier | None = None,
        disabled: bool = False,
    ) -> None:
        self._tokens = tokens
        self._api_keys = api_keys
        self._disabled = disabled

    @property
    def disabled(self) -> bool:
        return self._disabled

    @property
    def accepts_tokens(self) -> bool:
        return self._tokens is not None

    async def authenticate(self, authorization: str | None) -> Principal:
        """Raises Unauthenticated: 'missing', 'malformed header', 'api keys not accepted',
        'tokens not accepted', or the verifier's reason."""
        if self._disabled:
            return DISABLED
        if authorization is None or not authorization.strip():
            raise Unauthenticated("missing")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential or " " in credential:
            raise Unauthenticated("malformed header")
        if looks_like_api_key(credential):
            if self._api_keys is None:
                raise Unauthenticated("api keys not accepted")
            return await self._api_keys.verify(credential)
        if self._tokens is None:
            raise Unauthenticated("tokens not accepted")
        return await self._tokens.verify(credential)


def authorization_from_connection_params(params: Mapping[str, Any] | None) -> str | None:
    """The `Authorization` value of a websocket `connection_init` payload
    ({"Authorization": "Bearer ..."}; the key is matched case-insensitively)."""
    if not isinstance(params, Mapping):
        return None
    for name, value in params.items():
        if isinstance(name, str) and name.lower() == "authorization" and isinstance(value, str):
            return value
    return None
