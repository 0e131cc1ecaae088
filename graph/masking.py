"""Unexpected failures reach the client as a generic message with an error id; the server log
has the same id with the traceback. Expected errors (typed domain errors, GraphQL parse and
validation errors, refused scalar input) pass through unchanged."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import InvalidOperationTypeError
from ulid import ULID

from graph.ratelimit import rate_limited_error
from graph.scalars import ScalarInputError
from services.domain.errors import ErrorCode, LedgerError
from services.ratelimit import RateLimited

log = logging.getLogger("graph.errors")

INTERNAL_ERROR_CODE = "INTERNAL_SERVER_ERROR"
#: Longest message shown: messages echo input (a literal, a name), which may be megabytes.
MAX_MESSAGE_LENGTH = 300


def should_mask_error(error: GraphQLError) -> bool:
    """True only for errors that came from an unexpected exception."""
    original = error.original_error
    if original is None:
        return False  # syntax, validation and limit errors: built for the client
    expected = (GraphQLError, LedgerError, ScalarInputError, RateLimited, InvalidOperationTypeError)
    return not isinstance(original, expected)


def not_served_here(error: GraphQLError) -> GraphQLError:
    """A query or mutation sent where only subscriptions run (the legacy graphql-ws)."""
    assert isinstance(error.original_error, InvalidOperationTypeError)
    operation = error.original_error.operation_type.value
    return GraphQLError(
        f"{operation} operations are not served here: send them over HTTP or graphql-transport-ws",
        nodes=error.nodes,
        extensions={"code": ErrorCode.INVALID_INPUT.value},
    )


def shortened(message: str) -> str:
    """`message` cut to MAX_MESSAGE_LENGTH characters, the rest elided."""
    if len(message) <= MAX_MESSAGE_LENGTH:
        return message
    return message[: MAX_MESSAGE_LENGTH - 1] + "…"


def truncated(error: GraphQLError) -> GraphQLError:
    """`error` with its message `shortened`."""
    if len(error.message) <= MAX_MESSAGE_LENGTH:
        return error
    return GraphQLError(
        shortened(error.message),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class MaskUnexpectedErrors(MaskErrors):
    """MaskErrors that logs each masked error with a fresh id and tells the client that id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message="Internal error")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        # A refused rate limit (a transfer's, raised by the services) becomes the top-level
        # RATE_LIMITED error with `retryAfter`, at the field that was refused.
        return super()._process_errors(
            [
                rate_limited_error(error.original_error, error)
                if isinstance(error.original_error, RateLimited)
                else not_served_here(error)
                if isinstance(error.original_error, InvalidOperationTypeError)
                else truncated(error)
                for error in errors
            ]
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = str(ULID())
        original = error.original_error
        log.error(
            "unexpected error while executing a GraphQL operation",
            extra={"error_id": error_id, "graphql_path": error.path},
            exc_info=(type(original), original, original.__traceback__) if original else None,
        )
        return GraphQLError(
            message=f"Internal error (error id {error_id}). Nothing about it is shown here; "
            "the server log has the details.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_ERROR_CODE, "errorId": error_id},
        )
