"""The shape of a GraphQL websocket message, checked before Strawberry's handlers read it.

They index into messages as if every one were well formed: a list, a `payload` that is a
string, a missing `type` or a `query` that is a number raised TypeError or KeyError inside
the handler, which uvicorn logged with a traceback before dropping the socket (1011). Here
each is a refusal with a reason, closing the socket with 4400 as graphql-transport-ws does
for messages it cannot parse.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Longest operation id accepted (clients use counters or UUIDs).
MAX_ID_LENGTH = 128

_OPERATION_TYPES = ("subscribe", "start")
_WITH_ID = ("subscribe", "start", "complete", "stop")


def _optional(payload: Mapping[str, object], key: str, kind: type | tuple[type, ...]) -> bool:
    return payload.get(key) is None or isinstance(payload.get(key), kind)


def malformed(message: object) -> str | None:
    """Why `message` cannot be handled, or None when its shape is right."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "a message needs a string `type`"
    if kind == "connection_init" and not _optional(message, "payload", dict):
        return "the connection_init payload must be an object"
    if kind in _WITH_ID:
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_ID_LENGTH:
            return f"a {kind} message needs a string `id` of 1 to {MAX_ID_LENGTH} characters"
    if kind in _OPERATION_TYPES:
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return f"a {kind} message needs an object `payload`"
        if not isinstance(payload.get("query"), str):
            return "the payload needs a string `query`"
        if not (
            _optional(payload, "variables", dict)
            and _optional(payload, "operationName", str)
            and _optional(payload, "extensions", dict)
        ):
            return "`variables` and `extensions` must be objects, `operationName` a string"
    return None
