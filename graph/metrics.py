"""GraphQL operation metrics and spans, as a schema extension.

Counts every operation by type, name and outcome (ok; error: an unexpected error the client saw
masked; invalid: refused before execution, e.g. a syntax, validation or limit error), times
queries and mutations, and (when traces are on) wraps each operation in a span named after it.
Listed after MaskUnexpectedErrors, so it sees the errors before they are masked.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from graphql import GraphQLError
from opentelemetry.trace import Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.masking import should_mask_error
from services.observability import metrics
from services.observability.tracing import tracer, tracing_enabled

_TIMED = (OperationType.QUERY, OperationType.MUTATION)


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        if not tracing_enabled():
            try:
                yield
            finally:
                self._record(started)
            return
        with tracer.start_as_current_span("graphql operation") as span:
            try:
                yield
            finally:
                operation_type, operation_name, outcome = self._record(started)
            span.update_name(f"graphql {operation_type} {operation_name}")
            span.set_attribute("graphql.operation.type", operation_type)
            span.set_attribute("graphql.operation.name", operation_name)
            if outcome == "error":
                span.set_status(Status(StatusCode.ERROR, "unexpected error"))

    def _record(self, started: float) -> tuple[str, str, str]:
        context = self.execution_context
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
