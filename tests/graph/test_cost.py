"""Query cost: exact costs of simple documents, refusal of costly ones before any resolver runs,
and `extensions.cost` on every response. The schema is the real one with the cost limiter
as graph/schema.py assembles it: the cost limiter in ValidationCache's slot."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from graphql import get_introspection_query, parse
from strawberry.types import ExecutionResult

from graph.context import Context
from graph.cost import QUERY_TOO_COMPLEX, QueryCostLimiter, query_cost
from graph.schema import LedgerSchema, assemble_schema
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription
from services import Page
from services.identity.principal import SYSTEM
from services.settings import Settings

MAX_COST = 5000
PAGE = 100
ID = '"a"'


class SpyLedger:
    """Answers every read with nothing and records that it was asked."""

    def acting_as(self, principal: object) -> SpyLedger:
        return self  # already the view the API would get

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def get_accounts(self, ids: Sequence[str]) -> dict[str, Any]:
        self.calls.append("get_accounts")
        return {}

    async def get_transfers(self, ids: Sequence[str]) -> dict[str, Any]:
        self.calls.append("get_transfers")
        return {}

    async def get_transactions(self, account_id: str, first: int, after: str | None) -> Page:
        self.calls.append("get_transactions")
        return Page(entries=[], next_cursor=None)

    async def missing_account_ids(self, ids: Sequence[str]) -> list[str]:
        self.calls.append("missing_account_ids")
        return []


@pytest.fixture(scope="module")
def schema() -> LedgerSchema:
    settings = Settings.model_construct(graphql_max_cost=MAX_COST, graphql_max_page_size=PAGE)
    limited = assemble_schema(Query, Mutation, settings, subscription=Subscription)
    assert sum(isinstance(f(), QueryCostLimiter) for f in limited.extensions) == 1
    return limited


@pytest.fixture
def spy() -> SpyLedger:
    return SpyLedger()


async def run(schema: LedgerSchema, spy: SpyLedger, query: str, **variables: Any) -> Any:
    context = Context.for_request(spy, principal=SYSTEM, max_page_size=PAGE)  # type: ignore[arg-type]
    return await schema.execute(query, variable_values=variables, context_value=context)


def cost(schema: LedgerSchema, query: str, **variables: Any) -> int:
    return query_cost(
        schema._schema, parse(query), variables=variables, limit=10**12, max_page_size=PAGE
    )


def report(line: str) -> None:
    """Measured figures, shown with `pytest -s`; speed is measured here, not asserted."""
    print(line)  # noqa: T201


def ids(count: int) -> str:
    return "[" + ", ".join([ID] * count) + "]"


NESTED = (
    "{ accounts(ids: " + ids(100) + ") { transactions(first: 100) { edges { node { transfer { "
    "fromAccount { transactions(first: 100) { edges { node { id amount } } } } } } } } } }"
)

ALIASED = (
    '{ a: account(id: "a") { ...Deep } b: account(id: "a") { ...Deep } }'
    " fragment Deep on Account { transactions(first: 100) { edges { node { transfer {"
    " fromAccount { transactions(first: 100) { edges { node { id } } } } } } } } }"
)

INLINE = (
    '{ account(id: "a") { ... on Account { transactions(first: 100) { edges { node {'
    " transfer { toAccount { ... on Account { transactions(first: 100) { edges { node {"
    " id } } } } } } } } } } } }"
)

VARIABLES = (
    "query($n: Int!, $ids: [ID!]!) { accounts(ids: $ids) { transactions(first: $n) {"
    " edges { node { id amount } } } } }"
)

SCREEN = (
    "query Screen($id: ID!, $after: String) { account(id: $id) { id balance currency email"
    " phone createdAt transactions(first: 100, after: $after) { edges { cursor node { id"
    " direction amount balanceAfter currency memo createdAt counterpartyId transfer { id"
    " amount memo fromAccount { id email } toAccount { id email } } } }"
    " pageInfo { hasNextPage endCursor } } } }"
)


def fragment_bomb(levels: int, fanout: int = 10) -> str:
    """F0 reaches F1 `fanout` times through aliases, F1 reaches F2 `fanout` times, ...:
    `fanout ** levels` fields once expanded, from a document of a few hundred tokens."""
    account = " ".join(f"a{i}: account(id: {ID}) {{ ...F1 }}" for i in range(fanout))
    parts = ["query { ...F0 }", f"fragment F0 on Query {{ {account} }}"]
    for level in range(1, levels):
        inner = " ".join(
            f"a{i}: transactions(first: 1) {{ edges {{ node {{ transfer {{"
            f" fromAccount {{ ...F{level + 1} }} }} }} }} }}"
            for i in range(fanout)
        )
        parts.append(f"fragment F{level} on Account {{ {inner} }}")
    parts.append(f"fragment F{levels} on Account {{ id balance }}")
    return " ".join(parts)


def fragment_chain(levels: int, fanout: int = 10) -> str:
    """F1 spreads F2 `fanout` times, F2 spreads F3 ...: valid, few tokens, no aliases, and
    graphql-core's validation of it takes minutes from ten levels on."""
    parts = ["query { ...F1 }"]
    for level in range(1, levels):
        spreads = " ".join([f"...F{level + 1}"] * fanout)
        parts.append(f"fragment F{level} on Query {{ {spreads} }}")
    parts.append(f"fragment F{levels} on Query {{ account(id: {ID}) {{ id balance }} }}")
    return " ".join(parts)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('{ account(id: "a") { id balance } }', 3),
        ('{ a: account(id: "a") { id } b: account(id: "b") { id } }', 4),
        ('{ accounts(ids: ["a", "b", "c"]) { id balance } }', 1 + 3 * 2),
        (
            '{ account(id: "a") { transactions(first: 10) { edges { node { id } } } } }',
            1 + (1 + 10 * (1 + (1 + 1))),
        ),
        # Absent `first`: the argument's default page (20).
        ('{ account(id: "a") { transactions { edges { cursor } } } }', 1 + (1 + 20 * 2)),
        ('{ account(id: "a") { ...F } } fragment F on Account { id ... on Account { email } }', 3),
        ("{ __typename }", 1),
    ],
)
def test_costs_of_simple_documents_are_exact(
    schema: LedgerSchema, query: str, expected: int
) -> None:
    assert cost(schema, query) == expected


def test_variables_set_the_multipliers(schema: LedgerSchema) -> None:
    small = cost(schema, VARIABLES, n=2, ids=["a", "b", "c"])
    assert small == 1 + 3 * (1 + 2 * (1 + (1 + 2)))
    assert cost(schema, VARIABLES, n=100, ids=["a"] * 100) == 1 + 100 * (1 + 100 * 4)
    # A `first` that is not an int counts as the largest page.
    assert cost(schema, VARIABLES, n="lots", ids=["a"]) == 1 + 1 * (1 + PAGE * 4)
    defaulted = VARIABLES.replace("$n: Int!", "$n: Int = 7")
    assert cost(schema, defaulted, ids=["a"]) == 1 + (1 + 7 * 4)


@pytest.mark.parametrize(
    ("name", "query", "variables"),
    [
        ("nested connections", NESTED, {}),
        ("aliases and a fragment", ALIASED, {}),
        ("inline fragments", INLINE, {}),
        ("variables", VARIABLES, {"n": 100, "ids": ["a"] * 100}),
        ("fragment bomb", fragment_bomb(6), {}),
        ("fragment chain", fragment_chain(12), {}),
    ],
)
async def test_costly_operations_are_refused_before_any_resolver(
    schema: LedgerSchema, spy: SpyLedger, name: str, query: str, variables: dict[str, Any]
) -> None:
    await run(schema, spy, "{ __typename }")  # warm the parser and validation caches
    started = time.perf_counter()
    result = await run(schema, spy, query, **variables)
    elapsed = time.perf_counter() - started
    report(f"\n{name}: refused in {elapsed * 1000:.2f} ms")
    assert spy.calls == []
    assert result.data is None
    assert result.errors is not None
    assert len(result.errors) == 1
    extensions = result.errors[0].extensions
    assert extensions is not None
    assert extensions["code"] == QUERY_TOO_COMPLEX
    assert extensions["cost"] > MAX_COST
    assert extensions["maxCost"] == MAX_COST
    assert result.extensions["cost"] == {
        "requestedQueryCost": extensions["cost"],
        "maxCost": MAX_COST,
    }
    assert elapsed < 1.0  # measured, not asserted: a generous bound against flakes


def test_a_fragment_bomb_is_costed_in_linear_time(schema: LedgerSchema) -> None:
    document = parse(fragment_bomb(8))
    started = time.perf_counter()
    total = query_cost(schema._schema, document, limit=10**100, max_page_size=PAGE)
    elapsed = time.perf_counter() - started
    report(f"\nfragment bomb of 8 levels: cost {total} evaluated in {elapsed * 1000:.2f} ms")
    assert total > 10**7
    assert elapsed < 1.0


async def test_a_typical_screen_fits_well_within_the_default(
    schema: LedgerSchema, spy: SpyLedger
) -> None:
    screen = cost(schema, SCREEN, id="a")
    report(f"\naccount screen with 100 entries and their transfers: cost {screen}")
    assert screen <= MAX_COST // 2
    result = await run(schema, spy, SCREEN, id="a")
    assert result.errors is None
    assert spy.calls == ["get_accounts"]
    assert result.extensions["cost"] == {"requestedQueryCost": screen, "maxCost": MAX_COST}


async def test_graphiql_introspection_fits(schema: LedgerSchema, spy: SpyLedger) -> None:
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    result = await run(schema, spy, query)
    assert result.errors is None
    introspection = result.extensions["cost"]["requestedQueryCost"]
    report(f"\nGraphiQL's introspection query: cost {introspection}")
    assert introspection <= MAX_COST // 10


async def test_every_response_carries_the_cost(schema: LedgerSchema, spy: SpyLedger) -> None:
    ok = await run(schema, spy, '{ account(id: "a") { id balance } }')
    assert ok.extensions["cost"] == {"requestedQueryCost": 3, "maxCost": MAX_COST}
    invalid = await run(schema, spy, '{ account(id: "a") { nope } }')
    assert invalid.errors is not None
    assert invalid.errors[0].extensions in (None, {})
    assert invalid.extensions["cost"]["maxCost"] == MAX_COST
    unparsable = await run(schema, spy, "{ account(")
    assert unparsable.extensions["cost"] == {"requestedQueryCost": 0, "maxCost": MAX_COST}


async def test_a_costly_subscription_is_refused(schema: LedgerSchema, spy: SpyLedger) -> None:
    document = (
        'subscription { balanceChanged(accountId: "a") { entry { transfer { fromAccount {'
        " transactions(first: 100) { edges { node { transfer { toAccount { transactions("
        "first: 100) { edges { node { id } } } } } } } } } } } } }"
    )
    context = Context.for_request(spy, principal=SYSTEM, max_page_size=PAGE)  # type: ignore[arg-type]
    stream = await schema.subscribe(document, context_value=context)
    assert not isinstance(stream, ExecutionResult)
    results = [r async for r in stream]
    assert len(results) == 1
    assert results[0].errors is not None
    extensions = results[0].errors[0].extensions
    assert extensions is not None
    assert extensions["code"] == QUERY_TOO_COMPLEX
    assert extensions["maxCost"] == MAX_COST
    assert spy.calls == []


async def test_a_known_document_is_costed_again_when_its_variables_count(
    schema: LedgerSchema, spy: SpyLedger
) -> None:
    small = await run(schema, spy, VARIABLES, n=2, ids=["a"])
    assert small.errors is None
    assert small.extensions["cost"]["requestedQueryCost"] == 1 + (1 + 2 * 4)
    large = await run(schema, spy, VARIABLES, n=100, ids=["a"] * 100)
    assert large.errors is not None
    assert large.errors[0].extensions is not None
    assert large.errors[0].extensions["code"] == QUERY_TOO_COMPLEX
    again = await run(schema, spy, VARIABLES, n=2, ids=["a"])
    assert again.extensions["cost"]["requestedQueryCost"] == 1 + (1 + 2 * 4)


ROOT = Path(__file__).resolve().parents[2]


def documents_shown_to_users() -> dict[str, str]:
    """The README's GraphQL blocks and inline operations, and GraphiQL's default document."""
    readme = (ROOT / "README.md").read_text()
    found = {
        f"README block {n}": block
        for n, block in enumerate(re.findall(r"```graphql\n(.*?)```", readme, re.DOTALL))
    }
    for n, inline in enumerate(re.findall(r"`((?:query|subscription) [^`]*\{[^`]*\})`", readme)):
        found[f"README inline {n}"] = inline
    script = (ROOT / "entrypoints/static/graphiql-init.js").read_text()
    lines = re.search(r"defaultQuery = \[(.*?)\]\.join", script, re.DOTALL)
    assert lines is not None
    found["GraphiQL default"] = "\n".join(
        js_string(line.strip().rstrip(",")) for line in lines.group(1).strip().splitlines()
    )
    return found


def js_string(literal: str) -> str:
    """A one-line JavaScript string literal without escapes, in either quotes."""
    assert literal[0] in "'\"", literal
    assert literal[-1] == literal[0], literal
    return literal[1:-1]


def test_documents_shown_to_users_stay_well_within_the_default(schema: LedgerSchema) -> None:
    """The costliest operation of each document costs a tenth of the default limit at most."""
    default = Settings().graphql_max_cost
    documents = documents_shown_to_users()
    assert len(documents) >= 3
    for name, document in documents.items():
        total = query_cost(schema._schema, parse(document), limit=10**12, max_page_size=PAGE)
        report(f"\n{name}: cost {total}")
        assert total <= default // 10, name


def test_verification_fields_cost_what_they_read(schema: LedgerSchema) -> None:
    one = '{ account(id: "a") { verifyHistory(fromDigest: {version: 1, hash: "00"}) { extends } } }'
    assert cost(schema, one) >= 400
    many = (
        "query($ids: [ID!]!) { accounts(ids: $ids) { "
        'verifyHistory(fromDigest: {version: 1, hash: "00"}) { extends } } }'
    )
    assert cost(schema, many, ids=["a"] * 100) > 5000  # refused at the default limit
