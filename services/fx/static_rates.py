"""Rates from a fixed table: a mapping, a setting string, or a file (text, JSON or TOML).

The embedded default is `sample_rates.txt`, shipped with the package; `make demo` quotes from it.
A static table never goes stale: it is as of the moment it was loaded.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

from services.fx.rates import RateTable

SAMPLE_RATES_RESOURCE = "sample_rates.txt"


def parse_rates_text(text: str) -> tuple[str, dict[str, str]]:
    """Parse "EUR=1,USD=1.0842,JPY=162.3" (commas or new lines; # starts a comment line).
    The first entry is the base. Returns (base, rates as text). Raises ValueError."""
    entries: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        for item in line.split(","):
            item = item.strip()
            if not item:
                continue
            code, sep, rate = item.partition("=")
            if not sep or not code.strip() or not rate.strip():
                raise ValueError(f"expected CODE=RATE, got {item!r}")
            entries.append((code.strip(), rate.strip()))
    if not entries:
        raise ValueError("no rates given")
    base = entries[0][0]
    rates: dict[str, str] = {}
    for code, rate in entries:
        if code.upper() in rates:
            raise ValueError(f"{code} is listed twice")
        rates[code.upper()] = rate
    return base, rates


def load_rates_file(path: Path, *, as_of: datetime | None = None) -> RateTable:
    """A table from a file: `.json` ({"base": "EUR", "rates": {"USD": "1.0842"}}), `.toml`
    (base = "EUR" and a [rates] table), anything else in the text format. Numbers in JSON and
    TOML are read as Decimal, never float. Raises ValueError, OSError."""
    text = path.read_text(encoding="utf-8")
    when = as_of or datetime.now(UTC)
    if path.suffix.lower() in {".json", ".toml"}:
        document = (
            json.loads(text, parse_float=Decimal)
            if path.suffix.lower() == ".json"
            else tomllib.loads(text, parse_float=Decimal)
        )
        base, rates = document.get("base"), document.get("rates")
        if not isinstance(base, str) or not isinstance(rates, dict):
            raise ValueError(f"{path.name}: expected a 'base' code and a 'rates' table")
        return RateTable.build(base, rates, when)
    base, text_rates = parse_rates_text(text)
    return RateTable.build(base, text_rates, when)


def sample_rates(*, as_of: datetime | None = None) -> RateTable:
    """The illustrative rates shipped with the package (not market data)."""
    text = resources.files("services.fx").joinpath(SAMPLE_RATES_RESOURCE).read_text("utf-8")
    base, rates = parse_rates_text(text)
    return RateTable.build(base, rates, as_of or datetime.now(UTC))


class StaticRatesProvider:
    """Always the same table."""

    def __init__(self, table: RateTable) -> None:
        self._table = table

    @classmethod
    def from_mapping(
        cls, base: str, rates: Mapping[str, object], *, as_of: datetime | None = None
    ) -> StaticRatesProvider:
        return cls(RateTable.build(base, rates, as_of or datetime.now(UTC)))

    @classmethod
    def from_text(cls, text: str, *, as_of: datetime | None = None) -> StaticRatesProvider:
        """From a setting string such as "EUR=1,USD=1.0842,JPY=162.3". Raises ValueError."""
        base, rates = parse_rates_text(text)
        return cls(RateTable.build(base, rates, as_of or datetime.now(UTC)))

    async def rates(self) -> RateTable:
        return self._table
