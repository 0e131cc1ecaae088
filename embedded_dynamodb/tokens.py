"""ClientRequestToken for TransactWriteItems, as DynamoDB documents it.

moto 5.2.5 ignores the token: a retried call applies twice and another payload under the same
token is accepted. DynamoDB remembers a successful call's token for ten minutes: a replay with the
same payload succeeds without writing again, another payload is IdempotentParameterMismatch.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
from moto.dynamodb.responses import DynamoHandler

TOKEN_WINDOW_SECONDS = 600.0
_ORIGINAL = DynamoHandler.transact_write_items


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
            "Request parameters do not match the original request for this ClientRequestToken",
        )


def _tokens(handler: DynamoHandler) -> dict[str, tuple[str, float]]:
    # Kept on the backend, so moto's reset (which rebuilds every backend) forgets them too.
    backend: Any = handler.dynamodb_backend
    tokens: dict[str, tuple[str, float]] | None = getattr(backend, "embedded_tokens", None)
    if tokens is None:
        tokens = {}
        backend.embedded_tokens = tokens
    return tokens


def _fingerprint(body: dict[str, Any]) -> str:
    payload = {name: value for name, value in body.items() if name != "ClientRequestToken"}
    canonical = json.dumps(payload, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def transact_write_items(self: DynamoHandler) -> ActionResult:
    """Replacement for DynamoHandler.transact_write_items that honours ClientRequestToken."""
    token = self.body.get("ClientRequestToken")
    if not token:
        return _ORIGINAL(self)
    tokens = _tokens(self)
    now = time.monotonic()
    for stale in [key for key, (_, seen) in tokens.items() if now - seen > TOKEN_WINDOW_SECONDS]:
        del tokens[stale]
    fingerprint = _fingerprint(self.body)
    remembered = tokens.get(token)
    if remembered is not None:
        if remembered[0] != fingerprint:
            raise IdempotentParameterMismatch()
        return ActionResult({})
    result = _ORIGINAL(self)
    tokens[token] = (fingerprint, now)
    return result
