"""Number arithmetic in UpdateExpressions with DynamoDB's 38 significant digits.

moto 5.2.5 adds and subtracts with Python's default 28-digit context (silently rounding larger
numbers) and parses any number without a "." as an int, so an exponent-form operand such as
"1E+2" (what str(Decimal) can produce) fails with HTTP 500. DynamoDB computes exactly with up to
38 significant digits and rejects a result it cannot hold.
"""

from __future__ import annotations

from decimal import Context, Decimal, Inexact, InvalidOperation, Rounded
from typing import Any

from moto.dynamodb.exceptions import IncorrectDataType, MockValidationException
from moto.dynamodb.models.dynamo_type import DDBType, DynamoType

_DYNAMODB = Context(prec=38, traps=[Inexact, Rounded, InvalidOperation], Emin=-130, Emax=125)


def _number(value: Any) -> Decimal:
    try:
        return _DYNAMODB.create_decimal(str(value))
    except (InvalidOperation, Inexact, Rounded):
        raise MockValidationException(
            "Attempting to store a number with more than 38 significant digits or out of range"
        ) from None


def _result(total: Decimal) -> DynamoType:
    # DynamoDB stores numbers without insignificant zeros and answers in plain notation.
    return DynamoType({DDBType.NUMBER: format(total.normalize(_DYNAMODB), "f")})


def _combine(left: DynamoType, right: DynamoType, subtract: bool) -> DynamoType:
    if left.type != right.type:
        raise TypeError("Different types of operandi is not allowed.")
    if not left.is_number():
        raise IncorrectDataType()
    a, b = _number(left.value), _number(right.value)
    try:
        total = _DYNAMODB.subtract(a, b) if subtract else _DYNAMODB.add(a, b)
    except (InvalidOperation, Inexact, Rounded):
        raise MockValidationException(
            "Number overflow. Attempting to store a number with more than 38 significant digits"
        ) from None
    return _result(total)


def add(self: DynamoType, other: DynamoType) -> DynamoType:
    """Replacement for DynamoType.__add__."""
    return _combine(self, other, subtract=False)


def subtract(self: DynamoType, other: DynamoType) -> DynamoType:
    """Replacement for DynamoType.__sub__."""
    return _combine(self, other, subtract=True)
