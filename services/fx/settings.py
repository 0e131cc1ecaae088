"""Proposed exchange settings (LEDGER_FX_*), to be merged into services.settings.

Kept as a model of their own until the settings module has moved; the fields, their variables
and defaults are the proposal.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.fx.ecb import ECB_DAILY_URL
from services.fx.quotes import MAX_SPREAD_BPS


class FxSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEDGER_FX_", env_file=".env", extra="ignore", populate_by_name=True
    )

    provider: Literal["static", "ecb"] = Field(
        default="static",
        description="Where rates come from: `static` (static_rates, static_rates_file, or the "
        "shipped sample rates) or `ecb` (rates_url, in the ECB reference rates XML format).",
    )
    rates_url: str = Field(
        default=ECB_DAILY_URL,
        description="URL of the ECB-format rates document (https; plain http to loopback only).",
    )
    max_rate_age_seconds: float = Field(
        default=4 * 24 * 3600.0,
        gt=0,
        description="Quotes are refused when the newest HTTP rates are older than this, counted "
        "from the start of their reference day; 4 days covers a weekend, not a long holiday.",
    )
    spread_bps: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=MAX_SPREAD_BPS,
        description="Margin taken from the mid rate against the client, in basis points.",
    )
    quote_ttl_seconds: float = Field(
        default=30.0, ge=1, le=3600, description="How long a quote may be booked."
    )
    static_rates: str | None = Field(
        default=None,
        description='Static rates such as "EUR=1,USD=1.0842,JPY=162.3" (the first entry is the '
        "base, at 1); None: static_rates_file or the shipped sample rates.",
    )
    static_rates_file: Path | None = Field(
        default=None, description="Static rates file: .json, .toml, or the CODE=RATE text format."
    )
    refresh_seconds: float = Field(
        default=3600.0, gt=0, description="HTTP rates are refetched on the first quote after this."
    )
    retry_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Least time between two fetches after a failed or stale one: a provider "
        "outage never costs a fetch per quote.",
    )
    timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Timeout of one rates request."
    )
