"""Number literals no value can have: refused before validation, which would otherwise fail
on them with an unexpected error (graphql-core's Int parsing calls int(), which raises
ValueError beyond 4,300 digits and is quadratic below)."""

from __future__ import annotations

import re

from graphql import DocumentNode, FloatValueNode, GraphQLError, IntValueNode, Visitor, visit

from services.domain.errors import ErrorCode

#: More digits than any Int (32-bit) or money amount has.
MAX_DIGITS = 40
_LONG_RUN = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


class _FindLong(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_int_value(self, node: IntValueNode, *_: object) -> None:
        if len(node.value) > MAX_DIGITS:
            self.found = node.value

    def enter_float_value(self, node: FloatValueNode, *_: object) -> None:
        if len(node.value) > MAX_DIGITS:
            self.found = node.value


def oversized_literal(query: str | None, document: DocumentNode) -> GraphQLError | None:
    """An INVALID_INPUT error when the document has a number literal of more than MAX_DIGITS
    digits. The text is searched first, so documents without a long run of digits (all but
    hostile ones) are not walked."""
    if query is None or not _LONG_RUN.search(query):
        return None
    finder = _FindLong()
    visit(document, finder)
    if finder.found is None:
        return None  # the digits were in a string
    return GraphQLError(
        f"number literal of {len(finder.found)} digits: at most {MAX_DIGITS} are accepted",
        extensions={"code": ErrorCode.INVALID_INPUT.value},
    )
