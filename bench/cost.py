"""CPU the query cost limiter adds per operation: `python -m bench.cost [--smoke]`.

The real schema with today's extensions, against the same schema with the cost limiter
appended, both executing the same documents in process over an in-memory ledger (no I/O, so
the limiter's share is as large as it can be). Rounds alternate between the two schemas so
drift on a shared machine hits both; the figure is the ratio of CPU seconds per operation,
executed directly (`schema.execute`) and as one POST through Strawberry's ASGI view (no
server, no client: uvicorn's own per-request work would make the ratio smaller still).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import MutableMapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import uvloop
from graphql import parse
from strawberry.asgi import GraphQL
from strawberry.extensions import ValidationCache

from graph.context import Context
from graph.cost import in_place_of_validation_cache, query_cost
from graph.schema import CACHE_SIZE, LedgerSchema, assemble_schema
from resolvers.mutation import Mutation
from resolvers.query import Query
from resolvers.subscription import Subscription
from services import Page
from services.domain.model import Account, Direction, Entry, Transfer
from services.identity.principal import SYSTEM
from services.settings import Settings

MAX_COST = 5000
PAGE = 100
START = datetime(2026, 11, 30, tzinfo=UTC)

DOCUMENTS = {
    "account": 'query { account(id: "a") { id balance } }',
    "screen (100 entries)": (
        "query Screen($id: ID!) { account(id: $id) { id balance currency email phone createdAt"
        " transactions(first: 100) { edges { cursor node { id direction amount balanceAfter"
        " currency memo createdAt counterpartyId transfer { id amount memo fromAccount { id"
        " email } toAccount { id email } } } } pageInfo { hasNextPage endCursor } } } }"
    ),
}


class MemoryLedger:
    """Two accounts, and 100 entries of transfers between them."""

    def acting_as(self, principal: object) -> MemoryLedger:
        return self  # already the view the API would get

    def __init__(self) -> None:
        self.accounts = {
            i: Account(id=i, balance=Decimal(100), currency="USD", created_at=START, version=100)
            for i in ("a", "b")
        }
        self.transfers = {
            f"t{n}": Transfer(f"t{n}", "a", "b", Decimal("0.01"), "USD", START) for n in range(100)
        }
        self.entries = [
            Entry(
                f"e{n}",
                f"t{n}",
                "a",
                "b",
                Direction.DEBIT,
                Decimal("0.01"),
                Decimal(100),
                n,
                "USD",
                START,
            )
            for n in range(100)
        ]

    async def get_accounts(self, ids: Sequence[str]) -> dict[str, Account]:
        return {i: self.accounts[i] for i in ids if i in self.accounts}

    async def get_transfers(self, ids: Sequence[str]) -> dict[str, Transfer]:
        return {i: self.transfers[i] for i in ids if i in self.transfers}

    async def get_transactions(self, account_id: str, first: int, after: str | None) -> Page:
        entries = self.entries[:first]
        return Page(entries=entries, next_cursor=None, cursors=[e.id for e in entries])


def schemas() -> tuple[LedgerSchema, LedgerSchema]:
    """The schema without the cost limiter (a plain ValidationCache in its place), and as
    served (graph/schema.py wires the limiter)."""
    settings = Settings.model_construct(graphql_max_cost=MAX_COST, graphql_max_page_size=PAGE)
    base = assemble_schema(Query, Mutation, settings, subscription=Subscription)
    base.extensions = tuple(
        in_place_of_validation_cache(base.extensions, lambda: ValidationCache(maxsize=CACHE_SIZE))
    )
    limited = assemble_schema(Query, Mutation, settings, subscription=Subscription)
    return base, limited


async def cpu_per_operation(
    schema: LedgerSchema, ledger: MemoryLedger, document: str, count: int
) -> float:
    started = time.process_time()
    for _ in range(count):
        context = Context.for_request(ledger, principal=SYSTEM, max_page_size=PAGE)  # type: ignore[arg-type]
        result = await schema.execute(document, variable_values={"id": "a"}, context_value=context)
        assert result.errors is None, result.errors
    return (time.process_time() - started) / count


class MemoryGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: LedgerSchema, ledger: MemoryLedger) -> None:
        super().__init__(schema, graphql_ide=None)
        self.ledger = ledger

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context.for_request(self.ledger, principal=SYSTEM, max_page_size=PAGE)  # type: ignore[arg-type]


async def cpu_per_request(app: MemoryGraphQL, document: str, count: int) -> float:
    """One POST through the ASGI view (JSON in and out), with no server or client around it."""
    body = json.dumps({"query": document, "variables": {"id": "a"}}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(count):
        await app(scope, receive, send)
    elapsed = time.process_time() - started
    assert set(statuses) == {200}, statuses[:3]
    return elapsed / count


async def measure(rounds: int, count: int) -> dict[str, Any]:
    base, limited = schemas()
    ledger = MemoryLedger()
    figures: dict[str, Any] = {}
    for name, document in DOCUMENTS.items():
        # The screen takes about 100 times longer than the one-account query.
        operations = count if name == "account" else max(2, count // 50)
        for schema in (base, limited):  # warm the parser and validation caches
            await cpu_per_operation(schema, ledger, document, 5)
        base_app, limited_app = MemoryGraphQL(base, ledger), MemoryGraphQL(limited, ledger)
        without: list[float] = []
        with_limiter: list[float] = []
        http_without: list[float] = []
        http_with: list[float] = []
        for _ in range(rounds):
            without.append(await cpu_per_operation(base, ledger, document, operations))
            with_limiter.append(await cpu_per_operation(limited, ledger, document, operations))
            http_without.append(await cpu_per_request(base_app, document, operations))
            http_with.append(await cpu_per_request(limited_app, document, operations))
        parsed = parse(document)
        started = time.perf_counter()
        for _ in range(count):
            cost = query_cost(
                base._schema, parsed, variables={"id": "a"}, limit=MAX_COST, max_page_size=PAGE
            )
        costing = (time.perf_counter() - started) / count
        figures[name] = {
            "cost": cost,
            "cpu_without_us": round(min(without) * 1e6, 1),
            "cpu_with_us": round(min(with_limiter) * 1e6, 1),
            "ratio": round(min(with_limiter) / min(without), 4),
            "http_cpu_without_us": round(min(http_without) * 1e6, 1),
            "http_cpu_with_us": round(min(http_with) * 1e6, 1),
            "http_ratio": round(min(http_with) / min(http_without), 4),
            "costing_alone_us": round(costing * 1e6, 1),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few operations, to check it runs")
    arguments = parser.parse_args()
    rounds, count = (2, 5) if arguments.smoke else (15, 2000)
    figures = uvloop.run(measure(rounds, count))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
