"""Limits at the HTTP and websocket edge: the Host names served, and rate limits (who is
counted, and what a refusal looks like).

Host names: a page on a rebinding domain reaches a loopback or internal server with its own
Host header, and the websocket same-origin check (Origin == Host) would let it through; the
Host check (Starlette's TrustedHostMiddleware, outermost) refuses it on both HTTP and
websocket handshakes, so only listed hosts (and CORS origins) ever pass the Origin check.


An authenticated request spends its principal's OPERATIONS budget (by subject); a request
refused as unauthenticated spends its client address's UNAUTHENTICATED budget, so guessing
tokens is bounded. With authentication disabled every request has the same principal, so the
client address is the key.
"""

from __future__ import annotations

import json
import logging

from graphql import GraphQLError
from starlette.requests import HTTPConnection
from starlette.responses import Response

from graph.context import Context
from graph.ratelimit import rate_limited_error, retry_after_header
from services.identity.principal import AuthMethod, Principal
from services.ratelimit import OPERATIONS, RateLimited, RateLimiter, enforce
from services.settings import Settings

log = logging.getLogger(__name__)

#: The Host names a development server answers to when LEDGER_ALLOWED_HOSTS is empty.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def trusted_hosts(settings: Settings) -> list[str]:
    """LEDGER_ALLOWED_HOSTS, or its default: loopback names in embedded (development) mode,
    whose GraphiQL carries an operator's token, any host otherwise."""
    if settings.allowed_hosts:
        return settings.allowed_hosts
    if settings.use_embedded():
        return list(LOOPBACK_HOSTS)
    log.warning(
        "LEDGER_ALLOWED_HOSTS is not set: answering any Host header; set it to the API's host"
        " names in production (DNS rebinding)"
    )
    return ["*"]


def client_address(connection: HTTPConnection) -> str:
    """The peer's address (uvicorn runs without proxy headers: never a client-chosen value)."""
    return connection.client.host if connection.client else "unknown"


def rate_key(principal: Principal, address: str | None) -> str:
    if principal.method is AuthMethod.DISABLED:
        return f"address:{address}"
    return f"subject:{principal.subject}"


async def refused(limiter: RateLimiter, bucket: str, key: str) -> RateLimited | None:
    """None when `key` may spend one more of `bucket`; the refusal otherwise."""
    try:
        await enforce(limiter, bucket, key)
    except RateLimited as refusal:
        return refusal
    return None


async def operation_refused(context: Context) -> RateLimited | None:
    """One operation over an authenticated websocket spends its principal's OPERATIONS."""
    if context.limiter is None or context.principal is None:
        return None
    key = rate_key(context.principal, context.client_address)
    return await refused(context.limiter, OPERATIONS, key)


def too_many_requests(refusal: RateLimited, media_type: str) -> Response:
    """HTTP 429 with Retry-After, and the RATE_LIMITED error as a GraphQL response body."""
    error: GraphQLError = rate_limited_error(refusal)
    return Response(
        json.dumps({"errors": [error.formatted]}, separators=(",", ":")),
        status_code=429,
        headers={"Retry-After": retry_after_header(refusal.retry_after)},
        media_type=f"{media_type}; charset=utf-8",
    )
