"""Exact money: ISO 4217 minor units, amount validation and fixed-point formatting.

No float ever becomes an amount: values arrive as `Decimal`, `int` or a decimal string and are
checked against the currency's exponent. Excess precision is rejected, never rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from services.domain.errors import InvalidAmount, InvalidInput

#: The largest amount a single transfer or opening balance may carry, in major units.
MAX_AMOUNT = Decimal("1000000000000")  # one trillion

# ISO 4217 active codes whose minor unit is not 2. Every other active code below uses 2.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
_TWO_DECIMAL_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN"
    " BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP"
    " GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT"
    " LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN"
    " NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE"
    " SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES"
    " WST XCD XCG YER ZAR ZMW ZWG"
).split()
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL_CODES, 2),
    **_EXPONENT_EXCEPTIONS,
}


def currency_exponent(currency: str) -> int:
    """Decimal places the currency allows. Raises InvalidInput for an unknown code."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise InvalidInput(
            f"unknown currency {currency!r}: expected an ISO 4217 code such as USD",
            field="currency",
        ) from None


def validate_currency(currency: object) -> str:
    """Return the ISO 4217 code, upper-cased. Raises InvalidInput."""
    if not isinstance(currency, str):
        raise InvalidInput("currency must be a three-letter ISO 4217 code", field="currency")
    code = currency.strip().upper()
    currency_exponent(code)
    return code


_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def to_decimal(value: object, *, field: str) -> Decimal:
    """Coerce a Decimal, int or decimal string to a finite Decimal. Raises InvalidAmount.

    Floats and booleans are refused: a float has already lost the exact value.
    """
    if isinstance(value, (bool, float)):
        raise InvalidAmount(
            f"{field} must be a decimal string or integer, not {type(value).__name__}",
            field=field,
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        # Python's Decimal also takes "1_000" and non-ASCII digits; an amount is plain ASCII.
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidAmount(f"{field} {value!r} is not a decimal number", field=field)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidAmount(f"{field} {value!r} is not a decimal number", field=field) from None
    else:
        raise InvalidAmount(f"{field} must be a decimal amount", field=field)
    if not number.is_finite():
        raise InvalidAmount(f"{field} must be a finite number", field=field)
    return number


def check_amount(value: object, *, field: str, allow_zero: bool = False) -> Decimal:
    """Validate the currency-independent rules: finite, positive (or zero), at most MAX_AMOUNT."""
    number = to_decimal(value, field=field)
    if number < 0 or (number == 0 and not allow_zero):
        rule = "zero or more" if allow_zero else "greater than zero"
        raise InvalidAmount(f"{field} must be {rule}", field=field)
    if number > MAX_AMOUNT:
        raise InvalidAmount(f"{field} must be at most {MAX_AMOUNT}", field=field)
    # "-0" is a valid zero, but must not be stored or shown as "-0.00".
    return number.copy_abs() if number == 0 else number


def in_currency(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """Return `amount` with exactly the currency's decimal places.

    Raises InvalidAmount when that would round: "1.005" USD is refused, "1.50" and "1.500" are
    the same exact value and accepted.
    """
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    exact = amount.quantize(quantum)
    if exact != amount:
        raise InvalidAmount(
            f"{field} has more decimal places than {currency} allows "
            f"({currency_exponent(currency)})",
            field=field,
        )
    return exact


def currency_places(amount: Decimal, currency: str | None = None) -> Decimal:
    """The amount with exactly the currency's decimal places (`100` USD -> `100.00`); as it
    is for a currency without a known exponent."""
    if currency is not None and currency in CURRENCY_EXPONENTS:
        return amount.quantize(Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency]))
    return amount


def format_amount(amount: Decimal, currency: str | None = None) -> str:
    """Plain fixed-point text, never exponent form: "100.00" for USD, "1E+2" never."""
    return format(currency_places(amount, currency), "f")
