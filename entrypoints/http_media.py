"""HTTP media for GraphQL responses: content negotiation between the GraphQL-over-HTTP media
type and plain JSON, and which results count as request errors (no execution started)."""

from __future__ import annotations

from starlette.requests import Request
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str:
    """`application/graphql-response+json` when the client names it at least as highly as
    `application/json`; `application/json` otherwise (no header, `*/*`, legacy clients)."""
    if not accept:
        return JSON
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media_type, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media_type = media_type.strip().lower()
        quality[media_type] = max(q, quality.get(media_type, 0.0))
    wanted = quality.get(GRAPHQL_RESPONSE_JSON, 0.0)
    legacy = quality.get(JSON, quality.get("application/*", quality.get("*/*", 0.0)))
    return GRAPHQL_RESPONSE_JSON if wanted > 0 and wanted >= legacy else JSON


def is_ide_page(request: Request) -> bool:
    """A browser asking for GraphiQL (what Strawberry renders the IDE for)."""
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and ("text/html" in accept or "*/*" in accept)
    )


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation failed before execution: every error lacks a field path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def any_request_error(data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    responses = data if isinstance(data, list) else [data]
    return any("data" not in response for response in responses)
