"""Observability settings (LEDGER_METRICS_*), a model of their own like the identity settings,
read where the processes are wired; OpenTelemetry reads its standard OTEL_* variables itself."""

from __future__ import annotations

import functools

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ObservabilitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_METRICS_", env_file=".env", extra="ignore")

    enabled: bool = Field(
        default=True,
        description="Record Prometheus metrics and request ids (false: neither, for comparison).",
    )
    port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve /metrics on this port of its own (not the API's); unset: /metrics is "
        "served on the API's port.",
    )
    host: str = Field(default="0.0.0.0", description="Address the metrics port binds.")  # noqa: S104


@functools.cache
def metrics_enabled() -> bool:
    """LEDGER_METRICS_ENABLED, read once per process."""
    return ObservabilitySettings().enabled
