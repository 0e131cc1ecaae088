"""Issue 15, acceptance 2: with the OpenTelemetry in-memory exporter, one trace runs from a
transfer mutation through the stream to the websocket delivery of its balanceChanged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from entrypoints.app import create_app
from tests.e2e.conftest import Api, e2e_settings, serving
from tests.e2e.live import TRANSPORT_WS, GraphQLSocket
from tests.e2e.test_metrics import MOVE, OPEN


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Traces on for this test only: the global provider is put back afterwards, as the
    OpenTelemetry test utilities do, so later tests run with traces off."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        trace._TRACER_PROVIDER = None  # type: ignore[attr-defined]
        trace._TRACER_PROVIDER_SET_ONCE = Once()  # type: ignore[attr-defined]


async def test_one_trace_from_the_transfer_to_the_websocket_delivery(
    dynamodb_endpoint: str, uid: Any, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    settings = e2e_settings(
        dynamodb_endpoint,
        serve_stream_worker=True,
        stream_poll_interval_seconds=0.05,
        notify_email=False,
        notify_sms=False,
    )
    alice, bob = uid("alice"), uid("bob")
    with serving(create_app(settings)) as url:
        api = Api(url, settings)
        await asyncio.to_thread(api.data, OPEN, id=alice, b="10", email=None)
        await asyncio.to_thread(api.data, OPEN, id=bob, b="0", email=None)
        async with GraphQLSocket.open(url, TRANSPORT_WS) as socket:
            await socket.subscribe_balance("1", bob, after_version=0)
            response = await asyncio.to_thread(
                api.post, MOVE, {"a": alice, "b": bob, "amount": "2", "key": "t-1"}
            )
            assert response.json()["data"]["transfer"]["userErrors"] == []
            [change] = await socket.changes("1", 1)
            assert change["balance"] == "2.00"

    finished: list[ReadableSpan] = list(spans.get_finished_spans())
    [mutation] = [s for s in finished if s.name == "graphql mutation Move"]
    trace_id = mutation.context.trace_id
    in_trace = {s.name: s for s in finished if s.context.trace_id == trace_id}
    assert "POST /graphql" in in_trace  # the ASGI server span is the root
    assert "DynamoDB.TransactWriteItems" in in_trace
    assert in_trace["stream hub"].parent is not None
    assert in_trace["stream hub"].parent.span_id == mutation.context.span_id
    deliver = in_trace["balanceChanged deliver"]
    assert deliver.attributes is not None
    assert deliver.attributes["ledger.account_id"] == bob
    # The subscription's own span began in the task that started it and ended, when the
    # socket closed, in another (graph/push.py): in the one context, so it is finished and
    # OpenTelemetry had no context token refused.
    [watched] = [s for s in finished if s.name.startswith("graphql subscription")]
    assert watched.end_time is not None
    assert not [r for r in caplog.records if "detach" in r.getMessage().lower()]
