"""The cost model: what one operation may ask the resolvers to do, from its document alone.

Depth, token and alias limits do not bound work: a 12-deep document within all three took
286 s (see /work/shared/notes/strawberry.md). The cost here multiplies by the page sizes and
list lengths the document asks for, so it grows with the work:

- every field costs 1 (aliases are separate fields; introspection fields too, with no
  multipliers, since they read the in-memory schema);
- a connection (a field with an `Int` argument `first`) multiplies its selection by `first`,
  the argument's default when it is absent, or the largest page when it is not an int;
- a field with list arguments (`accounts(ids: [...])`) multiplies its selection by the
  longest list's length, literal or from the variables;
- fragments are expanded; each named fragment is costed once and reused, so a chain of
  fragments spreading the next ten times costs no more to evaluate than its text.

Every multiplier is at least 1, so a partial sum only grows: evaluation stops as soon as one
exceeds the limit, and the refusal reports that partial sum (a lower bound of the total).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type import GraphQLInputType
from strawberry.extensions import SchemaExtension

from services.domain.errors import ErrorCode

#: `extensions.code` of a refused operation.
QUERY_TOO_COMPLEX = ErrorCode.QUERY_TOO_COMPLEX.value

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]

_INTROSPECTION_FIELDS = {
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
    "__typename": TypeNameMetaFieldDef,
}


#: Fields whose resolver reads far more than one item, by (parent type, field): a proof or a
#: verification walks up to 10,000 entries, so a list of them must not cost one each.
FIELD_WEIGHTS: dict[tuple[str, str], int] = {
    ("Account", "verifyHistory"): 400,
    ("Query", "verifyAccount"): 400,
    ("Query", "ledgerTotals"): 400,
}


class CostExceeded(Exception):
    """Evaluation stopped: `cost` (a lower bound of the total) is over the limit."""

    def __init__(self, cost: int) -> None:
        super().__init__(cost)
        self.cost = cost


@dataclass
class _Costing:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    defaults: Mapping[str, ValueNode]
    limit: int
    max_page_size: int

    def __post_init__(self) -> None:
        self._memo: dict[str, int] = {}
        self._in_progress: set[str] = set()
        self.read_variables = False

    def selection_set(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, on)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            if total > self.limit:
                raise CostExceeded(total)
        return total

    def fragment(self, name: str) -> int:
        if name in self._memo:
            return self._memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._in_progress:
            return 0  # unknown or cyclic: validation refuses both, nothing runs
        self._in_progress.add(name)
        try:
            on = self.schema.get_type(definition.type_condition.name.value)
            cost = self.selection_set(definition.selection_set, on)
        finally:
            self._in_progress.discard(name)
        self._memo[name] = cost
        return cost

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        definition = _field_definition(parent, node.name.value)
        child = get_named_type(definition.type) if definition is not None else None
        inner = self.selection_set(node.selection_set, child)
        own = FIELD_WEIGHTS.get((parent.name if parent else "", node.name.value), 1)
        if inner == 0:
            return own
        multiplier = 1 if definition is None else self.multiplier(node, definition)
        cost = own + multiplier * inner
        if cost > self.limit:
            raise CostExceeded(cost)
        return cost

    def multiplier(self, node: FieldNode, definition: GraphQLField) -> int:
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        multiplier = 1
        for name, argument in definition.args.items():
            kind = _unwrap_non_null(argument.type)
            if name == "first" and getattr(kind, "name", None) == "Int":
                default = argument.default_value
                multiplier *= self.page_size(given.get(name), default)
            elif isinstance(kind, GraphQLList) and name in given:
                multiplier = multiplier * max(1, self.length(given[name]))
        return max(1, multiplier)

    def page_size(self, value: ValueNode | None, default: Any) -> int:
        if value is None:
            found: Any = default
        elif isinstance(value, IntValueNode):
            found = _literal_int(value)
        elif isinstance(value, VariableNode):
            found = self.variable(value.name.value)
        else:
            found = None
        if isinstance(found, IntValueNode):
            found = _literal_int(found)
        if not isinstance(found, int) or isinstance(found, bool):
            return self.max_page_size
        return max(1, found)

    def length(self, value: ValueNode) -> int:
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            found = self.variable(value.name.value)
            if isinstance(found, ListValueNode):
                return len(found.values)
            return len(found) if isinstance(found, list) else 1
        return 1  # one value where a list is expected is coerced to a list of one

    def variable(self, name: str) -> Any:
        self.read_variables = True
        if name in self.variables:
            return self.variables[name]
        return self.defaults.get(name)


def _literal_int(node: IntValueNode) -> int | None:
    """The literal's value; None (the largest page) when it has more digits than any page
    size: validation refuses it, and int() of thousands of digits is slow or raises."""
    return int(node.value) if len(node.value) <= 10 else None


def _unwrap_non_null(kind: GraphQLInputType) -> GraphQLInputType:
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name in _INTROSPECTION_FIELDS:
        return _INTROSPECTION_FIELDS[name]
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _operations(
    document: DocumentNode, operation_name: str | None
) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            yield definition


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    limit: int,
    max_page_size: int,
) -> int:
    """The cost of the operation `operation_name` (the costliest one when None).

    Raises CostExceeded as soon as a partial sum is over `limit`. Works on unvalidated
    documents: unknown fields cost 1, unknown and cyclic fragments cost nothing.
    """
    cost, _ = query_cost_details(schema, document, variables, operation_name, limit, max_page_size)
    return cost


def query_cost_details(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    limit: int,
    max_page_size: int,
) -> tuple[int, bool]:
    """The cost, and whether it depends on the variables."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    highest, read_variables = 0, False
    for operation in _operations(document, operation_name):
        defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        costing = _Costing(
            schema, fragments, variables or {}, defaults, limit=limit, max_page_size=max_page_size
        )
        root = schema.get_root_type(operation.operation)
        highest = max(highest, costing.selection_set(operation.selection_set, root))
        read_variables = read_variables or costing.read_variables
    return highest, read_variables
