"""DynamoDB requests serialized as the JSON they already are.

DynamoDB speaks AWS's JSON 1.0 protocol, and every parameter the store sends is plain JSON
already: attribute values built by the item codec ({"S": ...}, {"N": "..."}), strings, lists
and maps. botocore's serializer still walks each value against the service model before it
calls `json.dumps` on the same structure: 233 us for one transfer's TransactWriteItems, 13%
of the transfer's CPU, against 25 us for the `json.dumps` alone.

`PlainJSONSerializer` sends the parameters through `json.dumps` directly and builds the same
request botocore would (method, target and content-type headers, body). Whatever is not
plain JSON goes to botocore's serializer as before: bytes (a binary attribute, base64 on the
wire), datetimes, Decimals (a TypeError from `json.dumps`), and `None` values (botocore drops
those members; the body is searched for a JSON null, and any hit, even inside a string, falls
back). tests/integration/test_dynamo_wire.py compares the two on every request of a ledger flow.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import OperationModel
from botocore.serialize import JSONSerializer

#: A JSON null where a value starts, in `json.dumps`'s default separators.
_NULLS = (b": null", b"[null", b", null")


class PlainJSONSerializer:
    def __init__(self, fallback: Any) -> None:
        self._fallback = fallback

    def serialize_to_request(
        self, parameters: dict[str, Any], operation_model: OperationModel
    ) -> dict[str, Any]:
        body = _plain_body(parameters, operation_model)
        if body is None:
            return self._fallback.serialize_to_request(parameters, operation_model)  # type: ignore[no-any-return]
        metadata = operation_model.metadata
        return {
            "url_path": "/",
            "query_string": "",
            "method": operation_model.http.get("method", "POST"),
            "headers": {
                "X-Amz-Target": f"{metadata['targetPrefix']}.{operation_model.name}",
                "Content-Type": f"application/x-amz-json-{metadata['jsonVersion']}",
            },
            "body": body,
        }


def _plain_body(parameters: dict[str, Any], operation_model: OperationModel) -> bytes | None:
    """The request body botocore would send, or None where only botocore can tell: a host
    prefix to expand, a value `json.dumps` refuses, or a JSON null anywhere in the body."""
    if operation_model.endpoint is not None:
        return None
    try:
        body = json.dumps(parameters).encode("utf-8")
    except (TypeError, ValueError):
        return None
    return None if any(null in body for null in _NULLS) else body


def serialize_plainly(client: Any) -> None:
    """Give `client` (DynamoDB's, built without parameter validation) the plain serializer."""
    serializer = client._serializer
    if type(serializer) is not JSONSerializer:
        return  # validation on, or another protocol: leave botocore's as it is
    client._serializer = PlainJSONSerializer(serializer)
