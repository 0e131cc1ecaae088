"""Schema assembly: scalars, the protective extensions and error masking, from Settings.

The root `Query`, `Mutation` and `Subscription` types are passed in by `resolvers`, which
depends on this module and not the other way round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graph.cost import query_cost_limiter
from graph.execution import SlottedExecutionContext
from graph.masking import should_mask_error
from graph.operation import OperationScope
from graph.scalars import SCALARS
from services.observability.settings import metrics_enabled
from services.settings import Settings

log = logging.getLogger("graph.errors")

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]

#: Documents kept parsed and validated; a client's repeated operations skip both steps.
CACHE_SIZE = 256


class LedgerSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Masked errors are logged once, with their error id, by MaskUnexpectedErrors;
        # the rest are the client's mistakes and need no traceback in the server log.
        for error in errors:
            if not should_mask_error(error):
                log.debug("GraphQL request error", extra={"graphql_error": error.message})


def extensions(settings: Settings) -> list[ExtensionFactory]:
    """Fresh instances per request: classes and factories, never shared instances."""
    limiters: list[AddValidationRules] = [
        QueryDepthLimiter(max_depth=settings.graphql_max_depth),
        MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases),
    ]
    if not settings.graphql_introspection:
        limiters.append(DisableIntrospection())
    # Built once: the rules are part of the validation cache's key, and each limiter builds a
    # new rule class per instance (a fresh one per request would never hit the cache).
    rules = tuple(rule for limiter in limiters for rule in limiter.validation_rules)
    max_tokens, metrics = settings.graphql_max_tokens, metrics_enabled()
    return [
        lambda: OperationScope(max_tokens=max_tokens, rules=rules, metrics=metrics),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        # ValidationCache's slot: the cost gate runs first, then the cached validation.
        query_cost_limiter(
            max_cost=settings.graphql_max_cost,
            max_page_size=settings.graphql_max_page_size,
            cache_size=CACHE_SIZE,
        ),
    ]


def assemble_schema(
    query: type,
    mutation: type,
    settings: Settings,
    *,
    subscription: type | None = None,
    types: Sequence[Any] = (),
) -> LedgerSchema:
    return LedgerSchema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        types=types,
        extensions=extensions(settings),
        execution_context_class=SlottedExecutionContext,
        config=StrawberryConfig(
            scalar_map=SCALARS,
            # Suggestions ("did you mean ...") would leak the schema introspection hides.
            disable_field_suggestions=not settings.graphql_introspection,
        ),
    )
