"""Rate limits per principal: the port its consumers call, the decision and the typed refusal.

Consumers name a bucket (`OPERATIONS`, `TRANSFERS`) and a key (the principal's subject, or
the client address of an anonymous caller); the implementation owns how hits are counted and
where (`services.ratelimit.moving_window`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.domain.errors import ErrorCode

#: Every GraphQL operation: an HTTP request, or one operation over a websocket.
OPERATIONS = "operations"
#: Every transfer attempt, counted in the transfer use case whatever the entry point.
TRANSFERS = "transfers"
#: Requests refused as unauthenticated (HTTP 401), per client address: bounds token guessing.
UNAUTHENTICATED = "unauthenticated requests"

#: `extensions.code` of a refusal.
RATE_LIMITED = ErrorCode.RATE_LIMITED.value


@dataclass(frozen=True)
class RateDecision:
    """`allowed`, or refused until `retry_after_seconds` from now (0 when allowed)."""

    allowed: bool
    retry_after_seconds: float = 0.0


class RateLimiter(Protocol):
    async def hit(self, bucket: str, key: str) -> RateDecision:
        """Count one hit of `key` in `bucket` if its budget allows it. Raises UnknownBucket."""
        ...

    async def close(self) -> None: ...


class UnknownBucket(KeyError):
    """A bucket no setting configures: a programming error, never the caller's."""


class RateLimited(Exception):
    """Refused: `key` spent its `bucket` budget; nothing was done. Retry after `retry_after`
    seconds (rounded up to whole seconds for HTTP `Retry-After`)."""

    code = RATE_LIMITED

    def __init__(self, bucket: str, retry_after: float) -> None:
        super().__init__(f"too many {bucket}: retry in {retry_after:.1f} s")
        self.message = str(self)
        self.bucket = bucket
        self.retry_after = retry_after


async def enforce(limiter: RateLimiter, bucket: str, key: str) -> None:
    """Count one hit; raise RateLimited when the budget is spent."""
    decision = await limiter.hit(bucket, key)
    if not decision.allowed:
        raise RateLimited(bucket, decision.retry_after_seconds)


class NoRateLimits:
    """Allows everything: for the CLI, the Lambda handler and tests that are not about limits."""

    async def hit(self, bucket: str, key: str) -> RateDecision:
        return RateDecision(allowed=True)

    async def close(self) -> None:
        return None
