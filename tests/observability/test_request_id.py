from __future__ import annotations

import json
import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from entrypoints.logs import JsonFormatter
from entrypoints.request_id import MAX_LENGTH, RequestIdFilter, RequestIdMiddleware, accepted

log = logging.getLogger("tests.request_id")


async def endpoint(request: Request) -> JSONResponse:
    log.warning("inside the request")
    return JSONResponse({})


@pytest.fixture
def records() -> list[logging.LogRecord]:
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    handler.addFilter(RequestIdFilter())
    log.addHandler(handler)
    yield seen
    log.removeHandler(handler)


async def call(headers: dict[str, str | bytes]) -> httpx.Response:
    app = RequestIdMiddleware(Starlette(routes=[Route("/", endpoint)]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/", headers=headers)


@pytest.mark.parametrize("given", ["abc-123", "a" * MAX_LENGTH, "0f.1:2_3-4"])
async def test_a_safe_id_is_echoed_and_logged(given: str, records: list[logging.LogRecord]) -> None:
    response = await call({"X-Request-Id": given})
    assert response.headers["x-request-id"] == given
    [record] = records
    assert json.loads(JsonFormatter().format(record))["request_id"] == given


@pytest.mark.parametrize(
    "given", [b"", b"a" * (MAX_LENGTH + 1), b"a b", b"<script>", "é".encode(), b"a\tb"]
)
async def test_an_unsafe_id_is_replaced(given: bytes, records: list[logging.LogRecord]) -> None:
    response = await call({"X-Request-Id": given})
    made = response.headers["x-request-id"]
    assert made.encode() != given
    assert accepted(made.encode()) == made
    assert records[0].request_id == made  # type: ignore[attr-defined]


async def test_each_request_without_an_id_gets_a_new_one() -> None:
    first, second = await call({}), await call({})
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_no_request_no_id() -> None:
    record = logging.makeLogRecord({"msg": "outside"})
    assert RequestIdFilter().filter(record)
    assert not hasattr(record, "request_id")


def test_log_lines_inside_a_span_have_its_ids() -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from services.observability.tracing import TraceIdsFilter

    tracer = TracerProvider().get_tracer("test")  # recording, without the global provider
    with tracer.start_as_current_span("work") as span:
        record = logging.makeLogRecord({"msg": "inside"})
        assert TraceIdsFilter().filter(record)
    payload = json.loads(JsonFormatter().format(record))
    assert payload["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert payload["span_id"] == f"{span.get_span_context().span_id:016x}"
    outside = logging.makeLogRecord({"msg": "outside"})
    TraceIdsFilter().filter(outside)
    assert not hasattr(outside, "trace_id")
