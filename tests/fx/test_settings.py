"""The proposed LEDGER_FX_* settings and the providers they build."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from services.fx.ecb import ECB_DAILY_URL, EcbRatesProvider
from services.fx.memory_quotes import InMemoryQuoteStore
from services.fx.settings import FxSettings
from services.fx.static_rates import StaticRatesProvider
from services.fx.wiring import build_quote_service, build_rates_provider


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # a developer's .env must not change the defaults under test


def test_defaults_quote_from_the_shipped_sample_rates(http: httpx.AsyncClient) -> None:
    settings = FxSettings()

    assert settings.provider == "static"
    assert settings.rates_url == ECB_DAILY_URL
    assert settings.spread_bps == 0
    assert isinstance(build_rates_provider(settings, http), StaticRatesProvider)


async def test_the_environment_configures_the_ecb_provider(
    monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    monkeypatch.setenv("LEDGER_FX_PROVIDER", "ecb")
    monkeypatch.setenv("LEDGER_FX_RATES_URL", "https://rates.example.org/eurofxref-daily.xml")
    monkeypatch.setenv("LEDGER_FX_MAX_RATE_AGE_SECONDS", "172800")
    monkeypatch.setenv("LEDGER_FX_SPREAD_BPS", "12.5")
    settings = FxSettings()

    assert settings.spread_bps == Decimal("12.5")
    assert settings.max_rate_age_seconds == 172800
    assert isinstance(build_rates_provider(settings, http), EcbRatesProvider)
    assert build_quote_service(settings, build_rates_provider(settings, http), InMemoryQuoteStore())


async def test_static_rates_from_a_setting_string(
    monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    monkeypatch.setenv("LEDGER_FX_STATIC_RATES", "USD=1,EUR=0.9223,JPY=149.70")

    table = await build_rates_provider(FxSettings(), http).rates()

    assert table.base == "USD"
    assert table.rates["JPY"] == Decimal("149.70")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEDGER_FX_PROVIDER", "oanda"),
        ("LEDGER_FX_SPREAD_BPS", "-1"),
        ("LEDGER_FX_SPREAD_BPS", "1001"),
        ("LEDGER_FX_MAX_RATE_AGE_SECONDS", "0"),
        ("LEDGER_FX_QUOTE_TTL_SECONDS", "0"),
    ],
)
def test_out_of_range_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError):
        FxSettings()
