"""Expected failures in the API: `UserError`s in mutation payloads, typed errors for queries."""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from graphql import GraphQLError

from services.domain import errors as domain

# The domain's codes, exposed as they are: one list, so the API can never drift from the core.
strawberry.enum(
    domain.ErrorCode,
    name="ErrorCode",
    description="Why a request was refused. Nothing was written when it was.",
)


@strawberry.type(description="A business rule or an input check refused the mutation.")
class UserError:
    code: domain.ErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, such as ["input", "amount"].'
    )

    @classmethod
    def from_domain(
        cls, error: domain.LedgerError, fields: Mapping[str, str], *, root: str = "input"
    ) -> UserError:
        """`fields` maps the service's argument names to the GraphQL input's field names."""
        return cls(
            code=error.code,
            message=error.message,
            field=field_path(error.field, fields, root=root),
        )


def field_path(field: str | None, fields: Mapping[str, str], *, root: str) -> list[str] | None:
    if field is None:
        return None
    if field in fields:
        return [root, fields[field]]
    return [root]


def request_error(error: domain.LedgerError, arguments: Mapping[str, str]) -> GraphQLError:
    """A query's refused argument as a GraphQL error with `extensions.code` and `field`."""
    path = (
        [arguments[error.field]] if error.field is not None and error.field in arguments else None
    )
    extensions: dict[str, object] = {"code": error.code.value}
    if path is not None:
        extensions["field"] = path
    return GraphQLError(error.message, extensions=extensions, original_error=error)
