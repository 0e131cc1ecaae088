from __future__ import annotations

from decimal import Decimal

import pytest

from services.domain.errors import ErrorCode, InvalidAmount, InvalidInput
from services.domain.money import (
    MAX_AMOUNT,
    check_amount,
    currency_exponent,
    format_amount,
    in_currency,
    to_decimal,
    validate_currency,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.50", Decimal("10.50")),
        (" 7 ", Decimal("7")),
        ("1E+2", Decimal("100")),
        (42, Decimal(42)),
        (Decimal("0.001"), Decimal("0.001")),
    ],
)
def test_to_decimal_accepts_exact_inputs(value: object, expected: Decimal) -> None:
    result = to_decimal(value, field="amount")
    assert isinstance(result, Decimal)
    assert result == expected


def test_to_decimal_keeps_the_exact_digits_of_a_string() -> None:
    assert str(to_decimal("0.10", field="amount")) == "0.10"


@pytest.mark.parametrize(
    "value",
    [
        0.1,
        1.0,
        True,
        False,
        "",
        "   ",
        "abc",
        "1.2.3",
        "1,5",
        "$5",
        "NaN",
        "-nan",
        "sNaN",
        "inf",
        "-Infinity",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        None,
        [1],
        b"1",
    ],
)
def test_to_decimal_rejects_non_exact_or_non_finite_values(value: object) -> None:
    with pytest.raises(InvalidAmount) as raised:
        to_decimal(value, field="amount")
    assert raised.value.code is ErrorCode.INVALID_AMOUNT
    assert raised.value.field == "amount"


def test_check_amount_rejects_zero_unless_allowed() -> None:
    with pytest.raises(InvalidAmount, match="greater than zero"):
        check_amount("0", field="amount")
    assert check_amount("0", field="initial_balance", allow_zero=True) == 0


@pytest.mark.parametrize("value", ["-0.01", "-1", -5, Decimal("-0.001")])
@pytest.mark.parametrize("allow_zero", [True, False])
def test_check_amount_rejects_negative_amounts(value: object, allow_zero: bool) -> None:
    with pytest.raises(InvalidAmount):
        check_amount(value, field="amount", allow_zero=allow_zero)


def test_check_amount_treats_negative_zero_as_zero() -> None:
    zero = check_amount("-0.00", field="initial_balance", allow_zero=True)
    assert zero == 0
    assert not zero.is_signed()
    assert format_amount(zero, "USD") == "0.00"
    with pytest.raises(InvalidAmount):
        check_amount("-0", field="amount")


def test_check_amount_has_an_inclusive_maximum() -> None:
    assert check_amount(MAX_AMOUNT, field="amount") == MAX_AMOUNT
    assert check_amount(str(MAX_AMOUNT), field="amount") == MAX_AMOUNT
    for above in (MAX_AMOUNT + Decimal("0.01"), "1E+13", 10**20):
        with pytest.raises(InvalidAmount, match="at most"):
            check_amount(above, field="amount")


def test_check_amount_never_rounds() -> None:
    value = "0.1234567890123456789012345678901234567890"
    assert check_amount(value, field="amount") == Decimal(value)


@pytest.mark.parametrize(
    ("currency", "exponent"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)]
)
def test_currency_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1.005", "USD"),
        ("0.001", "USD"),
        ("1.5", "JPY"),
        ("100.1", "JPY"),
        ("1.0005", "KWD"),
        ("0.00001", "CLF"),
        ("1.0000000000000000000000000000001", "USD"),
    ],
)
def test_in_currency_rejects_excess_decimals_instead_of_rounding(
    amount: str, currency: str
) -> None:
    with pytest.raises(InvalidAmount, match=currency):
        in_currency(Decimal(amount), currency, field="amount")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.5", "USD", "1.50"),
        ("1.50", "USD", "1.50"),
        ("1.5000", "USD", "1.50"),
        ("7", "USD", "7.00"),
        ("1E+2", "USD", "100.00"),
        ("100", "JPY", "100"),
        ("100.000", "JPY", "100"),
        ("1.234", "KWD", "1.234"),
        ("1.2340", "KWD", "1.234"),
    ],
)
def test_in_currency_accepts_trailing_zeros_and_fixes_the_exponent(
    amount: str, currency: str, expected: str
) -> None:
    exact = in_currency(Decimal(amount), currency, field="amount")
    assert exact == Decimal(amount)
    assert str(exact) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1E+2"), "USD", "100.00"),
        (Decimal("1E+2"), None, "100"),
        (Decimal("1E+12"), "USD", "1000000000000.00"),
        (Decimal("0.5"), "USD", "0.50"),
        (Decimal("5"), "JPY", "5"),
        (Decimal("5.1"), "KWD", "5.100"),
        (Decimal("1E-7"), None, "0.0000001"),
        (Decimal("12.340"), None, "12.340"),
    ],
)
def test_format_amount_is_plain_fixed_point(
    amount: Decimal, currency: str | None, expected: str
) -> None:
    text = format_amount(amount, currency)
    assert text == expected
    assert "E" not in text.upper()


@pytest.mark.parametrize(("given", "expected"), [("USD", "USD"), ("usd", "USD"), (" jpy ", "JPY")])
def test_validate_currency_normalizes_known_codes(given: str, expected: str) -> None:
    assert validate_currency(given) == expected


@pytest.mark.parametrize("given", ["", "US", "USDX", "XYZ", "dollars", None, 840, b"USD"])
def test_validate_currency_rejects_unknown_codes(given: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_currency(given)
    assert raised.value.field == "currency"
    assert raised.value.code is ErrorCode.INVALID_INPUT


@pytest.mark.parametrize(
    "text", ["1_000", "1 000", "\u0661\u0662", "\uff11\uff12", "0x10", "1e", "--1", "1.2.3"]
)
def test_to_decimal_accepts_only_plain_ascii_numbers(text: str) -> None:
    with pytest.raises(InvalidAmount):
        to_decimal(text, field="amount")
