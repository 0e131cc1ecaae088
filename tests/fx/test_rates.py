"""Rate tables and the static provider."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from services.fx.errors import RateNotFound
from services.fx.rates import RateTable
from services.fx.static_rates import (
    StaticRatesProvider,
    load_rates_file,
    parse_rates_text,
    sample_rates,
)

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


async def test_a_setting_string_becomes_a_table_of_decimals() -> None:
    provider = StaticRatesProvider.from_text(
        "EUR=1,USD=1.0842,JPY=162.3,GBP=0.8531,KWD=0.3342,BHD=0.4086", as_of=NOW
    )

    table = await provider.rates()

    assert table.base == "EUR"
    assert table.as_of == NOW
    assert table.rates == {
        "EUR": 1,
        "USD": Decimal("1.0842"),
        "JPY": Decimal("162.3"),
        "GBP": Decimal("0.8531"),
        "KWD": Decimal("0.3342"),
        "BHD": Decimal("0.4086"),
    }
    assert table.rate("EUR", "USD").value == Decimal("1.0842")
    assert table.rate("USD", "EUR").value == Decimal("0.9223390518354547131525548791735842")


def test_the_shipped_sample_rates_cover_every_exponent() -> None:
    table = sample_rates()

    assert table.base == "EUR"
    assert {"USD", "JPY", "KWD", "BHD", "GBP"} <= table.currencies


def test_json_and_toml_files_are_read_as_decimal(tmp_path: Path) -> None:
    json_file = tmp_path / "rates.json"
    json_file.write_text('{"base": "EUR", "rates": {"USD": 1.0842, "JPY": "162.30"}}')
    toml_file = tmp_path / "rates.toml"
    toml_file.write_text('base = "USD"\n[rates]\nEUR = 0.9223\nKWD = 0.3082\n')

    from_json = load_rates_file(json_file, as_of=NOW)
    from_toml = load_rates_file(toml_file, as_of=NOW)

    assert from_json.rates["USD"] == Decimal("1.0842")
    assert from_toml.base == "USD"
    assert from_toml.rates["KWD"] == Decimal("0.3082")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no rates"),
        ("EUR=1,USD", "CODE=RATE"),
        ("EUR=1,USD=1.08,usd=1.09", "twice"),
        ("USD=2,EUR=1", "base currency USD must have rate 1"),
        ("EUR=1,XYZ=2", "unknown currency"),
        ("EUR=1,USD=0", "between"),
        ("EUR=1,USD=1e12", "between"),
        ("EUR=1,USD=abc", "not a decimal"),
        ("EUR=1,USD=1.0842000000001", "digits"),
    ],
)
def test_unusable_static_rates_are_refused_at_startup(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StaticRatesProvider.from_text(text)


def test_comments_and_new_lines_are_allowed() -> None:
    base, rates = parse_rates_text("# sample\nEUR=1\nUSD=1.0842, JPY=162.3\n")

    assert base == "EUR"
    assert rates == {"EUR": "1", "USD": "1.0842", "JPY": "162.3"}


def test_a_currency_without_a_rate_is_a_typed_refusal() -> None:
    table = RateTable.build("EUR", {"USD": "1.0842"}, NOW)

    with pytest.raises(RateNotFound) as refused:
        table.rate("USD", "INR")

    assert refused.value.code == "RATE_NOT_FOUND"
    assert refused.value.field == "to_currency"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        RateTable.build("EUR", {"USD": "1.0842"}, datetime(2026, 11, 30))
