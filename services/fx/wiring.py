"""Building the exchange services from FxSettings, for the composition root."""

from __future__ import annotations

from datetime import timedelta

import httpx

from services.fx.ecb import EcbRatesProvider
from services.fx.quote_service import QuoteService, QuoteStore
from services.fx.rates import RatesProvider
from services.fx.settings import FxSettings
from services.fx.static_rates import StaticRatesProvider, load_rates_file, sample_rates


def build_rates_provider(settings: FxSettings, http: httpx.AsyncClient) -> RatesProvider:
    """The configured provider. `http` is the caller's client (closed by the caller); it is
    used only by the `ecb` provider. Raises ValueError for unusable static rates or URL."""
    if settings.provider == "ecb":
        return EcbRatesProvider(
            http,
            settings.rates_url,
            max_age_seconds=settings.max_rate_age_seconds,
            refresh_seconds=settings.refresh_seconds,
            retry_seconds=settings.retry_seconds,
            timeout_seconds=settings.timeout_seconds,
        )
    if settings.static_rates is not None:
        return StaticRatesProvider.from_text(settings.static_rates)
    if settings.static_rates_file is not None:
        return StaticRatesProvider(load_rates_file(settings.static_rates_file))
    return StaticRatesProvider(sample_rates())


def build_quote_service(
    settings: FxSettings, rates: RatesProvider, store: QuoteStore
) -> QuoteService:
    return QuoteService(
        rates,
        store,
        spread_bps=settings.spread_bps,
        ttl=timedelta(seconds=settings.quote_ttl_seconds),
    )
