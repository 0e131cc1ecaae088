"""Baseline (b) of workload 1: a Strawberry `transfer` mutation that does no I/O.

Same input and selection as the ledger's mutation, parser and validation caches on, so it is
the floor of one GraphQL mutation over HTTP on this stack.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.input
class TransferInput:
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    amount: Decimal
    idempotency_key: str | None = None
    memo: str | None = None


@strawberry.type
class Transfer:
    id: strawberry.ID
    amount: Decimal
    created_at: str


@strawberry.type
class UserError:
    code: str
    message: str


@strawberry.type
class TransferPayload:
    transfer: Transfer | None
    user_errors: list[UserError]


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Mutation:
    @strawberry.mutation
    def transfer(self, input: TransferInput) -> TransferPayload:
        moved = Transfer(
            id=strawberry.ID("01JDQ3M2X7K4N8P2Q6R0S3T5UV"),
            amount=input.amount,
            created_at="2026-11-25T10:05:00.000000Z",
        )
        return TransferPayload(transfer=moved, user_errors=[])


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
)


async def healthz(request: Any) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def bare_app() -> Starlette:
    graphql = GraphQL(schema)
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ]
    )
