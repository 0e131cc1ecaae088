"""GraphQL operation metrics and spans, for the schema's one operation hook (graph.operation).

Counts every operation by type, name and outcome (ok; error: an unexpected error the client saw
masked; invalid: refused before execution, e.g. a syntax, validation or limit error), times
queries and mutations, and (when traces are on) wraps each operation in a span named after it.
Called before the masking, so it sees the errors as they were.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from graphql import GraphQLError
from opentelemetry.trace import Status, StatusCode
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from graph.masking import should_mask_error
from services.observability import metrics
from services.observability.tracing import tracer

_TIMED = (OperationType.QUERY, OperationType.MUTATION)


@contextlib.contextmanager
def operation_span(execution_context: ExecutionContext) -> Iterator[None]:
    """The operation wrapped in a span named after it (callers enter it only when traces are
    on), marked as an error when the client saw an unexpected one."""
    with tracer.start_as_current_span("graphql operation") as span:
        started = time.perf_counter()
        try:
            yield
        finally:
            operation_type, operation_name, outcome = record_operation(execution_context, started)
        span.update_name(f"graphql {operation_type} {operation_name}")
        span.set_attribute("graphql.operation.type", operation_type)
        span.set_attribute("graphql.operation.name", operation_name)
        if outcome == "error":
            span.set_status(Status(StatusCode.ERROR, "unexpected error"))


def record_operation(context: ExecutionContext, started: float) -> tuple[str, str, str]:
    """Count the finished operation (and time it, a query or mutation): its type, name and
    outcome, before any error is masked."""
    if context.pre_execution_errors or context.graphql_document is None:
        operation_type, name, outcome = "unknown", "other", "invalid"
        if context.graphql_document is not None:
            # No operation of that name, or several without one chosen: "unknown".
            with contextlib.suppress(RuntimeError):
                operation_type = context.operation_type.value
    else:
        try:
            operation = context.operation_type
        except RuntimeError:  # refused by Strawberry itself (no such operation name)
            metrics.graphql_requests.labels("unknown", "other", "invalid").inc()
            return "unknown", "other", "invalid"
        operation_type = operation.value
        name = metrics.operation_name_label(context.operation_name)
        errors: list[GraphQLError] = list(getattr(context.result, "errors", None) or ())
        outcome = "error" if any(should_mask_error(e) for e in errors) else "ok"
        if operation in _TIMED:
            metrics.graphql_duration.labels(operation_type, name).observe(
                time.perf_counter() - started
            )
    metrics.graphql_requests.labels(operation_type, name, outcome).inc()
    return operation_type, name, outcome
