"""The API's own scalars: exact `Decimal` amounts as strings, and `DateTime` in UTC.

Strawberry's built-in Decimal accepts JSON floats (`0.1 + 0.2` arrives as
`0.30000000000000004`) and prints `Decimal("1E+2")` as `"1E+2"`; money needs neither.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from graphql import IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

#: Plain fixed-point text: an optional sign, digits, and optional decimals. No exponent,
#: no NaN or Infinity, no surrounding spaces.
DECIMAL_PATTERN = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
#: Longer text is refused before it is parsed (the largest amount has 13 integer digits).
MAX_DECIMAL_LENGTH = 64


class ScalarInputError(ValueError):
    """A scalar input that is not acceptable. Its message is safe to show to the client."""


def parse_decimal(value: object) -> Decimal:
    """A decimal string or an integer; JSON floats, booleans and exponent forms are refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ScalarInputError(
            f'Decimal must be a string such as "125.50" or an integer, not {_json_kind(value)}'
        )
    if isinstance(value, int):
        return Decimal(value)
    if len(value) > MAX_DECIMAL_LENGTH or DECIMAL_PATTERN.fullmatch(value) is None:
        shown = value if len(value) <= MAX_DECIMAL_LENGTH else value[:MAX_DECIMAL_LENGTH] + "..."
        raise ScalarInputError(
            f'Decimal must be plain fixed-point text such as "125.50", got "{shown}"'
        )
    return Decimal(value)


def parse_decimal_literal(node: ValueNode, _variables: object = None) -> Decimal:
    if isinstance(node, (StringValueNode, IntValueNode)):
        return parse_decimal(node.value if isinstance(node, StringValueNode) else int(node.value))
    raise ScalarInputError(
        'Decimal must be a string such as "125.50" or an integer; a float literal would lose '
        "exactness"
    )


def serialize_decimal(value: object) -> str:
    """Plain fixed-point text, never exponent form. Types quantize amounts to their currency
    before they get here, so `100` USD prints as "100.00"."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"Decimal cannot serialize {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise TypeError("Decimal cannot serialize a non-finite number")
    if number.is_zero():
        number = number.copy_abs()  # "-0.00" is not an amount anyone should see
    return format(number, "f")


def parse_datetime(value: object) -> datetime:
    """ISO-8601 with an explicit offset (`Z` or `+hh:mm`); returned in UTC."""
    if not isinstance(value, str):
        raise ScalarInputError("DateTime must be an ISO-8601 string such as 2024-01-31T12:00:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ScalarInputError(f'DateTime "{value[:64]}" is not ISO-8601') from None
    if moment.tzinfo is None:
        raise ScalarInputError("DateTime needs a time zone: end it with Z or an offset")
    return moment.astimezone(UTC)


def parse_datetime_literal(node: ValueNode, _variables: object = None) -> datetime:
    if isinstance(node, StringValueNode):
        return parse_datetime(node.value)
    raise ScalarInputError("DateTime must be an ISO-8601 string such as 2024-01-31T12:00:00Z")


def serialize_datetime(value: object) -> str:
    """UTC with microseconds and a `Z`: 2024-01-31T12:00:00.000000Z."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError("DateTime can only serialize time-zone aware datetimes")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a JSON number with a fraction or exponent (floats lose exactness)"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='Exact decimal amount, serialized as a string such as "125.50".',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

DateTimeScalar: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="A moment in time: ISO-8601 in UTC, such as 2024-01-31T12:00:00.000000Z.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=parse_datetime_literal,
)

#: For `StrawberryConfig(scalar_map=...)`: every `Decimal` and `datetime` uses these.
SCALARS: dict[object, ScalarDefinition] = {Decimal: DecimalScalar, datetime: DateTimeScalar}
