"""Exchange settings (LEDGER_FX_*): a part of `services.settings.Settings`.

`FxSettingsPart` holds the fields (named `fx_*`, so the variables are LEDGER_FX_*); Settings
inherits it. `FxSettings` is the same part on its own, with short names, for callers and tests
that need only the exchange's settings.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.fx.ecb import ECB_DAILY_URL
from services.fx.quotes import MAX_SPREAD_BPS


class FxSettingsPart(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    fx_provider: Literal["static", "ecb"] = Field(
        default="static",
        description="Where exchange rates come from: `static` (LEDGER_FX_STATIC_RATES, "
        "LEDGER_FX_STATIC_RATES_FILE, or the shipped sample rates) or `ecb` "
        "(LEDGER_FX_RATES_URL, in the ECB reference rates XML format).",
    )
    fx_rates_url: str = Field(
        default=ECB_DAILY_URL,
        description="URL of the ECB-format rates document (https; plain http to loopback only).",
    )
    fx_max_rate_age_seconds: float = Field(
        default=4 * 24 * 3600.0,
        gt=0,
        description="Quotes are refused (RATES_STALE) when the newest HTTP rates are older than "
        "this, counted from the start of their reference day; 4 days covers a weekend.",
    )
    fx_spread_bps: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=MAX_SPREAD_BPS,
        description="Margin taken from the mid rate against the client, in basis points.",
    )
    fx_quote_ttl_seconds: float = Field(
        default=30.0, ge=1, le=3600, description="How long a quote may be booked."
    )
    fx_static_rates: str | None = Field(
        default=None,
        description='Static rates such as "EUR=1,USD=1.0842,JPY=162.3" (the first entry is the '
        "base, at 1); unset: LEDGER_FX_STATIC_RATES_FILE or the shipped sample rates.",
    )
    fx_static_rates_file: Path | None = Field(
        default=None, description="Static rates file: .json, .toml, or the CODE=RATE text format."
    )
    fx_refresh_seconds: float = Field(
        default=3600.0, gt=0, description="HTTP rates are refetched on the first quote after this."
    )
    fx_retry_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Least time between two rates fetches after a failed or stale one: a "
        "provider outage never costs a fetch per quote.",
    )
    fx_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Timeout of one rates request."
    )


class FxSettings(FxSettingsPart):
    """The exchange's settings alone, read from the same LEDGER_FX_* variables."""

    @property
    def provider(self) -> str:
        return self.fx_provider

    @property
    def rates_url(self) -> str:
        return self.fx_rates_url

    @property
    def max_rate_age_seconds(self) -> float:
        return self.fx_max_rate_age_seconds

    @property
    def spread_bps(self) -> Decimal:
        return self.fx_spread_bps

    @property
    def quote_ttl_seconds(self) -> float:
        return self.fx_quote_ttl_seconds
