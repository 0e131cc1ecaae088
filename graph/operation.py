"""The schema's one per-operation hook: limits, fresh loaders, metrics, then error masking.

Strawberry's own limiters (MaxTokensLimiter, QueryDepthLimiter, MaxAliasesLimiter,
DisableIntrospection) and our loaders and metrics would each be an extension with an
`on_operation` generator of its own. A subscription holds its operation's hooks open for its
whole life, each a suspended generator with its context manager and exit-stack entry (about
1 KB): six of them were 6 KB of every idle subscriber. Here they are one generator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import ASTValidationRule
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.types.execution import ExecutionResult as StrawberryExecutionResult

from graph.context import Context
from graph.masking import MaskUnexpectedErrors
from graph.metrics import operation_span, record_operation
from services.observability.tracing import tracing_enabled


class OperationScope(MaskUnexpectedErrors):
    """Sets the operation's parse and validation limits and gives it fresh loaders; counts it
    (when metrics are on) and masks its unexpected errors when it ends.

    `rules` is one tuple shared by every operation: it is part of the validation cache's key,
    so it must be the same object each time for a repeated document to be served from it.
    """

    def __init__(
        self, *, max_tokens: int, rules: tuple[type[ASTValidationRule], ...], metrics: bool
    ) -> None:
        super().__init__()
        self._max_tokens = max_tokens
        self._rules = rules
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        execution.parse_options["max_tokens"] = self._max_tokens
        execution.validation_rules = execution.validation_rules + self._rules
        if isinstance(execution.context, Context):
            # A websocket's context lives as long as the socket: loaders kept there would
            # serve one operation the balances another read.
            execution.context = execution.context.for_operation()
        self._stream_result_processed = False
        if not self._metrics:
            yield
        elif tracing_enabled():
            with operation_span(execution):
                yield
        else:
            started = time.perf_counter()
            try:
                yield
            finally:
                record_operation(execution, started)
        self._mask_final_result()

    def _process_result(self, result: object) -> None:
        # MaskErrors' own check is an isinstance against a runtime-checkable Protocol: ~5 us
        # of every operation, for what reading the attribute tells as well.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _mask_final_result(self) -> None:
        # MaskErrors.on_operation's ending, without a second generator: a streamed
        # operation's results were masked one by one (on_stream_result) already.
        if not self._stream_result_processed:
            result = self.execution_context.result
            if isinstance(result, (GraphQLExecutionResult, StrawberryExecutionResult)):
                self._process_result(result)
            elif initial := getattr(result, "initial_result", None):
                self._process_result(initial)
