"""The Decimal and DateTime scalars: exact text in, plain fixed point out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from graphql import FloatValueNode, IntValueNode, StringValueNode

from graph.scalars import (
    ScalarInputError,
    parse_datetime,
    parse_decimal,
    parse_decimal_literal,
    serialize_datetime,
    serialize_decimal,
)
from services.domain.money import currency_places


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1", "0.1"), ("125.50", "125.50"), ("-3", "-3"), ("+7.25", "7.25"), ("0007", "7")],
)
def test_decimal_strings(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


def test_decimal_keeps_exactness() -> None:
    assert parse_decimal("0.1") + parse_decimal("0.2") == Decimal("0.3")
    assert parse_decimal(10**30) == Decimal(10**30)


@pytest.mark.parametrize(
    "value",
    [
        0.1,
        0.30000000000000004,
        1.0,
        True,
        False,
        None,
        [],
        {},
        "1E+2",
        "1e5",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "",
        " 1.00",
        "1.00 ",
        "1,00",
        "1.",
        ".5",
        "0x10",
        "1_000",
        "١٢٣",
        "9" * 65,
    ],
)
def test_decimal_refuses(value: object) -> None:
    with pytest.raises(ScalarInputError):
        parse_decimal(value)


def test_decimal_literals() -> None:
    assert parse_decimal_literal(StringValueNode(value="1.50")) == Decimal("1.50")
    assert parse_decimal_literal(IntValueNode(value="12")) == Decimal(12)
    with pytest.raises(ScalarInputError):
        parse_decimal_literal(FloatValueNode(value="1.5"))


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("100"), "USD", "100.00"),
        (Decimal("1E+2"), "USD", "100.00"),
        (Decimal("1E+2"), "JPY", "100"),
        (Decimal("0.5"), "KWD", "0.500"),
        (Decimal("-0"), "USD", "0.00"),
        (Decimal("1000000000000.00"), "USD", "1000000000000.00"),
    ],
)
def test_amounts_print_with_currency_places(amount: Decimal, currency: str, text: str) -> None:
    assert serialize_decimal(currency_places(amount, currency)) == text


def test_serialize_never_uses_exponent_form() -> None:
    assert serialize_decimal(Decimal("1E+2")) == "100"
    assert serialize_decimal(Decimal("1E-7")) == "0.0000001"
    for bad in (0.1, True, Decimal("NaN"), "1.00"):
        with pytest.raises(TypeError):
            serialize_decimal(bad)


def test_datetime_is_utc_with_z() -> None:
    moment = datetime(2024, 1, 31, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert serialize_datetime(moment) == "2024-01-31T12:00:00.123456Z"
    assert parse_datetime("2024-01-31T12:00:00Z") == datetime(2024, 1, 31, 12, tzinfo=UTC)
    with pytest.raises(ScalarInputError):
        parse_datetime("2024-01-31T12:00:00")  # no zone
    with pytest.raises(TypeError):
        serialize_datetime(datetime(2024, 1, 31))
