"""DynamoDB call metrics (and client spans when traces are on) from aiobotocore's event hooks.

`observe_dynamodb(client)` registers the hooks once on a client, in the composition root: every
call is counted by operation and outcome with its latency (retries included), and every
throttled attempt is counted, whatever code made the call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode

from services.observability import metrics
from services.observability.tracing import tracer, tracing_enabled

THROTTLE_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"}
)
_STARTED = "ledger_started"
_SPAN = "ledger_span"
_OPERATION = "ledger_operation"


def _before_call(model: Any, context: dict[str, Any], **_: Any) -> None:
    context[_OPERATION] = model.name
    context[_STARTED] = time.perf_counter()
    if tracing_enabled():
        context[_SPAN] = tracer.start_span(
            f"DynamoDB.{model.name}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": "dynamodb", "db.operation": model.name},
        )


def _finish(operation: str, context: dict[str, Any], outcome: str) -> None:
    started = context.pop(_STARTED, None)
    metrics.dynamodb_calls.labels(operation, outcome).inc()
    if started is not None:
        metrics.dynamodb_duration.labels(operation).observe(time.perf_counter() - started)
    span = context.pop(_SPAN, None)
    if span is not None:
        if outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()


def _after_call(
    http_response: Any, parsed: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any
) -> None:
    outcome = "ok"
    if http_response.status_code >= 300:
        outcome = str(parsed.get("Error", {}).get("Code") or http_response.status_code)
    _finish(model.name, context, outcome)


def _after_call_error(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    # The request never got an answer (connection failure, timeout): no model in this event.
    operation = str(context.get(_OPERATION, "unknown"))
    _finish(operation, context, type(exception).__name__)


def _needs_retry(response: Any, operation: Any, **_: Any) -> None:
    if response is None:
        return
    error = response[1].get("Error", {})
    code = error.get("Code")
    throttled = code in THROTTLE_CODES or (
        code == "TransactionCanceledException"
        and any(
            reason.get("Code") == "ThrottlingError"
            for reason in response[1].get("CancellationReasons") or ()
        )
    )
    if throttled:
        metrics.dynamodb_throttles.labels(operation.name).inc()


def observe_dynamodb(client: Any) -> None:
    """Count and time every call `client` makes. Register once per client."""
    events = client.meta.events
    events.register("before-call.dynamodb", _before_call, unique_id="ledger-metrics-before")
    events.register("after-call.dynamodb", _after_call, unique_id="ledger-metrics-after")
    events.register(
        "after-call-error.dynamodb", _after_call_error, unique_id="ledger-metrics-error"
    )
    events.register("needs-retry.dynamodb", _needs_retry, unique_id="ledger-metrics-retry")
