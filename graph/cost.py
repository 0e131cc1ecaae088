"""Query cost limits: an operation over the budget is refused before validation and execution,
with `QUERY_TOO_COMPLEX`, its cost and the limit; every response carries `extensions.cost`.
What each field costs is the model in `graph.cost_model`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
)
from strawberry.extensions import SchemaExtension, ValidationCache

from graph.cost_model import CostExceeded, query_cost, query_cost_details
from graph.literals import oversized_literal
from services.domain.errors import ErrorCode

__all__ = [
    "QUERY_TOO_COMPLEX",
    "CostExceeded",
    "QueryCostLimiter",
    "in_place_of_validation_cache",
    "query_cost",
    "query_cost_limiter",
    "too_complex",
]

#: `extensions.code` of a refused operation.
QUERY_TOO_COMPLEX = ErrorCode.QUERY_TOO_COMPLEX.value

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


class _KnownCosts:
    """Costs of recent documents whose cost does not depend on their variables, by text.

    Costing a small query takes about 5 us, as much as the rest of the limiter; a client
    repeats its few documents, so most operations are a dictionary lookup.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._costs: OrderedDict[Hashable, int] = OrderedDict()

    def get(self, key: Hashable) -> int | None:
        cost = self._costs.get(key)
        if cost is not None:
            self._costs.move_to_end(key)
        return cost

    def put(self, key: Hashable, cost: int) -> None:
        self._costs[key] = cost
        if len(self._costs) > self._size:
            self._costs.popitem(last=False)


_KNOWN = _KnownCosts(1024)


def too_complex(cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"This operation would cost at least {cost}, more than the {max_cost} one operation "
        "may cost: ask for smaller pages (`first`), fewer ids, or less nesting.",
        extensions={"code": QUERY_TOO_COMPLEX, "cost": cost, "maxCost": max_cost},
    )


class QueryCostLimiter(ValidationCache):
    """ValidationCache with a cost gate in front: an operation costing more than `max_cost`
    is refused before it is validated or executed. Reports `extensions.cost =
    {requestedQueryCost, maxCost}` on every response.

    It takes ValidationCache's place in the extension list. The cost comes first, on the
    unvalidated document, because validation is not bounded by cost: graphql-core's
    overlapping-fields rule takes minutes on twelve fragments each spreading the next ten
    times. One hook rather than a parse hook plus a validation hook: each Strawberry hook
    costs about 4 us per operation, which is 3% of a small query on its own.
    """

    def __init__(self, *, max_cost: int, max_page_size: int, cache_size: int) -> None:
        super().__init__(maxsize=cache_size)
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self.cost = 0

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            self.cost = self._cost(context.graphql_document)
            refused = oversized_literal(context.query, context.graphql_document)
            if refused is not None:
                context.pre_execution_errors = [refused]
                yield
                return
        if self.cost > self.max_cost:
            context.pre_execution_errors = [too_complex(self.cost, self.max_cost)]
            yield
        else:
            yield from super().on_validate()

    def _cost(self, document: DocumentNode) -> int:
        context = self.execution_context
        schema = context.schema._schema
        key = (id(schema), context.query, context.operation_name, self.max_cost, self.max_page_size)
        if context.query is not None and (known := _KNOWN.get(key)) is not None:
            return known
        try:
            cost, read_variables = query_cost_details(
                schema,
                document,
                context.variables,
                context.operation_name,
                self.max_cost,
                self.max_page_size,
            )
        except CostExceeded as exceeded:
            return exceeded.cost
        except RecursionError:
            return self.max_cost + 1  # nested beyond what can be costed: surely too much
        if context.query is not None and not read_variables:
            _KNOWN.put(key, cost)
        return cost

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requestedQueryCost": self.cost, "maxCost": self.max_cost}}


def query_cost_limiter(
    *, max_cost: int, max_page_size: int, cache_size: int
) -> Callable[[], QueryCostLimiter]:
    """A factory for `extensions=[...]`, in place of ValidationCache's."""
    return lambda: QueryCostLimiter(
        max_cost=max_cost, max_page_size=max_page_size, cache_size=cache_size
    )


def in_place_of_validation_cache(
    factories: Sequence[ExtensionFactory], limiter: ExtensionFactory
) -> list[ExtensionFactory]:
    """`factories` with `limiter` where ValidationCache's factory was (last when none was)."""
    chosen = [f for f in factories if not isinstance(f(), ValidationCache)]
    position = next(
        (i for i, f in enumerate(factories) if isinstance(f(), ValidationCache)), len(chosen)
    )
    chosen.insert(position, limiter)
    return chosen
