"""The schema clients see: the graph's types with this package's root fields."""

from __future__ import annotations

from graph.schema import LedgerSchema, assemble_schema
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription
from services.settings import Settings


def build_schema(settings: Settings | None = None) -> LedgerSchema:
    """The schema with the limits of `settings` (defaults when None; they never change the SDL)."""
    return assemble_schema(
        Query, Mutation, settings or Settings.model_construct(), subscription=Subscription
    )
