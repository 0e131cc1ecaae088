"""Unexpected failures are masked with an error id; the protective limits are enforced."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from graphql import get_introspection_query

from graph.schema import LedgerSchema
from resolvers.schema import build_schema
from services import Account, Ledger
from services.settings import Settings
from tests.graph.conftest import Executor


class BrokenStore:
    """The real store, except that reads of accounts fail with a message no client may see."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def get_accounts(self, account_ids: Sequence[str]) -> dict[str, Account]:
        raise RuntimeError("boom at /srv/secret/internal.py with password=hunter2")

    async def load_transfer_state(self, *args: Any) -> Any:
        raise RuntimeError("boom at /srv/secret/internal.py with password=hunter2")


@pytest.fixture
def broken(schema: LedgerSchema, ledger: Ledger) -> Executor:
    return Executor(schema, Ledger(BrokenStore(ledger.store), ledger.settings))


async def test_unexpected_error_is_masked_with_an_id_in_the_log(
    broken: Executor, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="graph.errors"):
        result = await broken('{ account(id: "a") { id } }')
    assert result.errors is not None
    assert len(result.errors) == 1
    error = result.errors[0].formatted
    text = json.dumps(error)
    assert "boom" not in text
    assert "hunter2" not in text
    assert "Traceback" not in text
    error_id = error["extensions"]["errorId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error_id in error["message"]
    assert error["path"] == ["account"]
    logged = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert "boom" in str(logged[0].exc_info[1])


async def test_mutation_failure_is_masked_not_a_user_error(broken: Executor) -> None:
    result = await broken(
        'mutation { transfer(input: {fromAccountId: "a", toAccountId: "b", amount: "1", '
        'idempotencyKey: "k"}) { userErrors { code } } }'
    )
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert "boom" not in result.errors[0].message


async def test_expected_errors_are_not_masked(gql: Executor) -> None:
    result = await gql("{ nope }")
    assert result.errors is not None
    assert "nope" in result.errors[0].message
    bad = await gql(
        'mutation($a: Decimal!) { transfer(input: {fromAccountId: "x", toAccountId: "y", '
        'amount: $a, idempotencyKey: "k"}) { userErrors { code } } }',
        a=0.1,
    )
    assert bad.errors is not None
    assert "Decimal must be" in bad.errors[0].message


def deep_query(levels: int) -> str:
    """account > transactions > edges > node > transfer > fromAccount > transactions > ...,
    one entry per page so that the depth limit, not the cost, is what refuses it."""
    inner = "id"
    for _ in range(levels):
        inner = (
            "transactions(first: 1) { edges { node { transfer { fromAccount { "
            + inner
            + " } } } } }"
        )
    return f'{{ account(id: "a") {{ {inner} }} }}'


async def test_depth_limit(gql: Executor) -> None:
    assert (await gql(deep_query(2))).errors is None  # depth 12: allowed
    result = await gql(deep_query(3))
    assert result.errors is not None
    assert "exceeds maximum operation depth" in result.errors[0].message


async def test_token_limit(gql: Executor) -> None:
    result = await gql("{ " + "__typename " * 2100 + "}")
    assert result.errors is not None
    assert "tokens" in result.errors[0].message


async def test_alias_limit(gql: Executor) -> None:
    assert (
        await gql("{ " + " ".join(f"a{n}: __typename" for n in range(15)) + " }")
    ).errors is None
    result = await gql("{ " + " ".join(f"a{n}: __typename" for n in range(16)) + " }")
    assert result.errors is not None
    assert "aliases" in result.errors[0].message


async def test_introspection_fits_the_limits(gql: Executor) -> None:
    result = await gql(get_introspection_query(descriptions=True))
    assert result.errors is None


async def test_introspection_can_be_switched_off(ledger: Ledger) -> None:
    closed = Executor(build_schema(Settings.model_construct(graphql_introspection=False)), ledger)
    result = await closed("{ __schema { queryType { name } } }")
    assert result.errors is not None
    assert "introspection" in result.errors[0].message.lower()
    assert (await closed("{ __typename }")).errors is None
