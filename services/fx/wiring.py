"""Building the exchange services from FxSettings, for the composition root."""

from __future__ import annotations

from datetime import timedelta

import httpx

from services.fx.ecb import EcbRatesProvider
from services.fx.quote_service import QuoteService, QuoteStore
from services.fx.rates import RatesProvider
from services.fx.settings import FxSettingsPart
from services.fx.static_rates import StaticRatesProvider, load_rates_file, sample_rates


def build_rates_provider(settings: FxSettingsPart, http: httpx.AsyncClient | None) -> RatesProvider:
    """The configured provider. `http` is the caller's client (closed by the caller); it is
    used only by the `ecb` provider. Raises ValueError for unusable static rates or URL."""
    if settings.fx_provider == "ecb":
        if http is None:
            raise ValueError("the ecb rates provider needs an HTTP client")
        return EcbRatesProvider(
            http,
            settings.fx_rates_url,
            max_age_seconds=settings.fx_max_rate_age_seconds,
            refresh_seconds=settings.fx_refresh_seconds,
            retry_seconds=settings.fx_retry_seconds,
            timeout_seconds=settings.fx_timeout_seconds,
        )
    if settings.fx_static_rates is not None:
        return StaticRatesProvider.from_text(settings.fx_static_rates)
    if settings.fx_static_rates_file is not None:
        return StaticRatesProvider(load_rates_file(settings.fx_static_rates_file))
    return StaticRatesProvider(sample_rates())


def uses_sample_rates(settings: FxSettingsPart) -> bool:
    """True when quotes would come from the shipped sample rates (illustrative, not market
    data): the static provider with neither LEDGER_FX_STATIC_RATES nor its file."""
    return (
        settings.fx_provider == "static"
        and settings.fx_static_rates is None
        and settings.fx_static_rates_file is None
    )


def build_quote_service(
    settings: FxSettingsPart, rates: RatesProvider, store: QuoteStore
) -> QuoteService:
    return QuoteService(
        rates,
        store,
        spread_bps=settings.fx_spread_bps,
        ttl=timedelta(seconds=settings.fx_quote_ttl_seconds),
    )
