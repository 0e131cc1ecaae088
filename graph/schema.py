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
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from graph.context import LoadersPerOperation
from graph.cost import query_cost_limiter
from graph.masking import MaskUnexpectedErrors, should_mask_error
from graph.metrics import OperationMetrics
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
    max_depth, max_tokens = settings.graphql_max_depth, settings.graphql_max_tokens
    max_aliases = settings.graphql_max_aliases
    chosen: list[ExtensionFactory] = [
        MaskUnexpectedErrors,
        LoadersPerOperation,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        shared_rules(QueryDepthLimiter(max_depth=max_depth)),
        shared_rules(MaxAliasesLimiter(max_alias_count=max_aliases)),
        # ValidationCache's slot: the cost gate runs first, then the cached validation.
        query_cost_limiter(
            max_cost=settings.graphql_max_cost,
            max_page_size=settings.graphql_max_page_size,
            cache_size=CACHE_SIZE,
        ),
    ]
    if metrics_enabled():
        chosen.insert(1, OperationMetrics)  # inside the masking: it tells unexpected errors
    if not settings.graphql_introspection:
        chosen.append(DisableIntrospection)
    return chosen


def shared_rules(limiter: AddValidationRules) -> Callable[[], AddValidationRules]:
    """A factory of fresh extensions that share `limiter`'s rule classes.

    The rules are part of ValidationCache's key, and the limiters build a new rule class per
    instance: without sharing, no validation would ever be served from the cache.
    """
    rules = limiter.validation_rules
    return lambda: AddValidationRules(rules)


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
        config=StrawberryConfig(
            scalar_map=SCALARS,
            # Suggestions ("did you mean ...") would leak the schema introspection hides.
            disable_field_suggestions=not settings.graphql_introspection,
        ),
    )
