"""graphql-core's executor with its state in slots.

A subscription keeps its executor for its whole life. graphql-core's keeps 32 attributes in an
instance dict too large for Python to share its keys: 1.6 KB on every idle subscriber. In
slots they are 0.3 KB. Anything a later graphql-core adds still works (in a dict again);
tests/graph/test_execution_slots.py says when the list needs updating.
"""

from __future__ import annotations

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Every attribute graphql-core 3.3's IncrementalExecutor and Strawberry's subclass set.
EXECUTOR_ATTRIBUTES = (
    "_deferred_execution_plans",
    "_initial_execution_plans",
    "_relevant_sub_fields",
    "_stream_usages",
    "abort_signal",
    "async_helpers",
    "async_work_finished_hook_task",
    "background_futures",
    "collected_errors",
    "context_value",
    "defer_usage_set",
    "enable_early_execution",
    "error_propagation",
    "field_resolver",
    "fragment_definitions",
    "fragments",
    "groups",
    "hide_suggestions",
    "hooks",
    "is_async_iterable",
    "is_awaitable",
    "middleware_manager",
    "operation",
    "operation_extensions",
    "pending_incremental_futures",
    "root_value",
    "schema",
    "streams",
    "subscribe_field_resolver",
    "tasks",
    "type_resolver",
    "variable_values",
)


class SlottedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    __slots__ = EXECUTOR_ATTRIBUTES
