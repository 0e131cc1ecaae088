"""A refused rate limit as the API shows it: `extensions.code` RATE_LIMITED with
`extensions.retryAfter` (seconds), and the HTTP `Retry-After` header's value."""

from __future__ import annotations

import math

from graphql import GraphQLError

from services.ratelimit import RATE_LIMITED, RateLimited


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up so a client that obeys never retries too early."""
    return str(max(1, math.ceil(seconds)))


def rate_limited_error(refusal: RateLimited, at: GraphQLError | None = None) -> GraphQLError:
    """No `original_error`: the masking extension passes it through unchanged. `at`: the
    error raised at a field, whose path and locations the refusal keeps."""
    return GraphQLError(
        refusal.message,
        nodes=at.nodes if at else None,
        source=at.source if at else None,
        positions=at.positions if at else None,
        path=at.path if at else None,
        extensions={"code": RATE_LIMITED, "retryAfter": max(1, math.ceil(refusal.retry_after))},
    )
