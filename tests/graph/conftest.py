"""In-process GraphQL: the real schema executed against a real Ledger on the test endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from graph.context import Context
from graph.schema import LedgerSchema
from resolvers.schema import build_schema
from services import Ledger
from services.identity.principal import SYSTEM
from services.settings import Settings


class Executor:
    def __init__(self, schema: LedgerSchema, ledger: Ledger, max_page_size: int = 100) -> None:
        self.schema = schema
        self.ledger = ledger
        self.max_page_size = max_page_size

    async def __call__(self, query: str, **variables: Any) -> Any:
        context = Context.for_request(
            self.ledger, principal=SYSTEM, max_page_size=self.max_page_size
        )
        return await self.schema.execute(query, variable_values=variables, context_value=context)

    async def data(self, query: str, **variables: Any) -> Any:
        result = await self(query, **variables)
        assert result.errors is None, result.errors
        return result.data


@pytest.fixture(scope="session")
def schema() -> LedgerSchema:
    return build_schema(Settings.model_construct())


@pytest.fixture
def gql(schema: LedgerSchema, ledger: Ledger) -> Executor:
    return Executor(schema, ledger)
