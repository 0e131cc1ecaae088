"""Key sources for JwtVerifier: a fixed key set, and an OIDC issuer's JWKS over HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from services.identity.errors import IdentityConfigurationError, Unauthenticated

log = logging.getLogger(__name__)

#: A JWKS or discovery document larger than this is refused (a real one is a few KB).
MAX_DOCUMENT_BYTES = 256 * 1024
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def parse_jwks(document: Mapping[str, Any]) -> dict[str | None, PyJWK]:
    """The public signing keys of a JWKS document by kid. Encryption keys, private and
    symmetric keys, and keys this library cannot use are skipped, so one odd key never hides
    the others."""
    keys: dict[str | None, PyJWK] = {}
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ValueError("a JWKS document has a 'keys' list")
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if "d" in entry or entry.get("kty") == "oct":  # private or shared-secret: never trusted
            continue
        try:
            keys[entry.get("kid")] = PyJWK(entry)
        except PyJWTError as exc:
            log.warning("jwks key skipped", extra={"kid": entry.get("kid"), "error": str(exc)})
    return keys


class StaticKeySource:
    """A fixed key set (the development issuer's, or a test's)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = parse_jwks(jwks)

    async def key(self, kid: str | None) -> PyJWK:
        return _pick(self._keys, kid)


def _pick(keys: Mapping[str | None, PyJWK], kid: str | None) -> PyJWK:
    found = keys.get(kid)
    if found is None and kid is None and len(keys) == 1:
        found = next(iter(keys.values()))
    if found is None:
        raise Unauthenticated("unknown key")
    return found


def require_https(url: str) -> str:
    """Issuers and key sets are fetched over HTTPS; plain HTTP only on loopback (tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return url
    raise IdentityConfigurationError(f"{url!r} is neither https nor a loopback address")


class HttpJwksKeySource:
    """An issuer's keys, fetched from its JWKS (found through OIDC discovery unless
    `jwks_url` is given) and cached.

    The cache is refreshed in the background on the first use after `max_age` seconds, and
    before answering when a token names an unknown kid (key rotation) - but at most once
    every `min_refresh_interval` seconds,
    so a flood of made-up kids costs the provider one request, and concurrent refreshes share
    one request. When the provider fails, the keys already cached keep serving."""

    def __init__(
        self,
        *,
        issuer: str | None = None,
        jwks_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout_seconds: float = 3.0,
        min_refresh_interval: float = 5.0,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if issuer is None and jwks_url is None:
            raise IdentityConfigurationError("an issuer or a JWKS URL is needed")
        self._issuer = issuer.rstrip("/") if issuer else None
        self._jwks_url = require_https(jwks_url) if jwks_url else None
        if self._issuer is not None:
            require_https(self._issuer)
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds), follow_redirects=False
        )
        self._min_interval = min_refresh_interval
        self._max_age = max_age
        self._clock = clock
        self._discovered_url: str | None = None
        self._keys: dict[str | None, PyJWK] | None = None
        self._loaded_at = float("-inf")
        self._attempted_at = float("-inf")
        self._refreshing: asyncio.Task[None] | None = None

    async def key(self, kid: str | None) -> PyJWK:
        now = self._clock()
        if self._keys is None or (kid is not None and kid not in self._keys):
            await self._refresh_if_allowed(now, wait=True)
        elif now - self._loaded_at >= self._max_age:
            # Known key, old key set: answer from the cache and refresh in the background,
            # so a slow or hanging provider never delays requests it is not needed for.
            await self._refresh_if_allowed(now, wait=False)
        if self._keys is None:
            raise Unauthenticated("keys unavailable")
        return _pick(self._keys, kid)

    async def refreshed(self) -> None:
        """Wait for a refresh under way, if any (tests; graceful shutdown)."""
        if self._refreshing is not None:
            await asyncio.shield(self._refreshing)

    async def aclose(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
        if self._own_client:
            await self._client.aclose()

    async def _refresh_if_allowed(self, now: float, *, wait: bool) -> None:
        if self._refreshing is None:
            if now - self._attempted_at < self._min_interval:
                return
            self._attempted_at = now
            self._refreshing = asyncio.create_task(self._refresh())
            self._refreshing.add_done_callback(self._refresh_done)
        if wait:
            # shield: a cancelled request must not cancel the refresh the others wait for
            await asyncio.shield(self._refreshing)

    def _refresh_done(self, task: asyncio.Task[None]) -> None:
        self._refreshing = None

    async def _refresh(self) -> None:
        try:
            url = self._jwks_url or self._discovered_url or await self._discover()
            keys = parse_jwks(await self._get_json(url))
        except (httpx.HTTPError, ValueError, IdentityConfigurationError) as exc:
            self._discovered_url = None  # the issuer may have moved its keys: ask again
            # The cached keys (if any) stay in force; the next try waits min_refresh_interval.
            log.warning("jwks refresh failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return
        self._keys = keys
        self._loaded_at = self._clock()

    async def _discover(self) -> str:
        assert self._issuer is not None
        document = await self._get_json(self._issuer + "/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != self._issuer:
            raise ValueError("the discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError("the discovery document has no jwks_uri")
        self._discovered_url = require_https(jwks_uri)
        return self._discovered_url

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return document
