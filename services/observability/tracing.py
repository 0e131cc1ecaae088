"""OpenTelemetry traces: off (the API's no-op tracer) unless the standard OTEL_* variables name
an exporter; W3C traceparent strings to carry a trace through the table's stream.

Configured by `configure_tracing()` when a process starts: OTEL_TRACES_EXPORTER (e.g. `otlp`,
`console`; `none` turns traces off) or OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, with
OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the OTEL_BSP_* batch settings as the SDK reads
them. An exporter other than `console` comes from its package (`otlp`:
opentelemetry-exporter-otlp-proto-http or -grpc), installed into the image that uses it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger(__name__)

tracer = trace.get_tracer("ledger")
_propagator = TraceContextTextMapPropagator()
_configured = False


def _exporter_names() -> list[str]:
    names = os.environ.get("OTEL_TRACES_EXPORTER", "").strip()
    if not names and (
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    ):
        names = "otlp"
    return [n.strip() for n in names.split(",") if n.strip() and n.strip() != "none"]


def _exporter(name: str) -> SpanExporter | None:
    found = entry_points(group="opentelemetry_traces_exporter", name=name)
    for entry in found:
        exporter: SpanExporter = entry.load()()
        return exporter
    log.warning("trace exporter not installed; traces stay off", extra={"exporter": name})
    return None


def configure_tracing(service_name: str = "ledger") -> bool:
    """Install a tracer provider and the httpx and Redis instrumentation when OTEL_* variables
    ask for an exporter. True when traces are on. Idempotent."""
    global _configured
    if _configured:
        return True
    exporters = [e for e in map(_exporter, _exporter_names()) if e is not None]
    if not exporters:
        return False
    resource = Resource.create({"service.name": service_name})  # OTEL_SERVICE_NAME wins
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrument_clients()
    _configured = True
    return True


def instrument_clients() -> None:
    """Spans for the SMS gateway's httpx calls and the Redis hub's commands."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument()
    if not RedisInstrumentor().is_instrumented_by_opentelemetry:
        RedisInstrumentor().instrument()


def flush_traces(timeout_millis: int = 2000) -> None:
    """Export the spans still batched (a Lambda invocation ends; the container may freeze)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(timeout_millis)


def tracing_enabled() -> bool:
    """True when spans are recorded (a real provider is installed, here or by a test)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span; None when there is none (traces off)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def context_from(traceparent: str | None) -> Context | None:
    """The trace context a traceparent carries (None: start a new trace)."""
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})


@contextmanager
def continued_span(
    name: str,
    traceparent: str | None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: dict[str, str | int] | None = None,
) -> Iterator[Span]:
    """A span continuing the trace of `traceparent` (a stream record's commit), as current."""
    with tracer.start_as_current_span(
        name, context=context_from(traceparent), kind=kind, attributes=attributes
    ) as span:
        yield span


class TraceIdsFilter(logging.Filter):
    """Adds `trace_id` and `span_id` to every record logged inside a recorded span."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = f"{context.trace_id:032x}"
            record.span_id = f"{context.span_id:016x}"
        return True
