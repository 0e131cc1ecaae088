"""Defect 9: a transfer whose retries ran out on ambiguous errors says so, typed and
retryable (OUTCOME_UNKNOWN: retry with the same idempotency key), instead of "Internal error";
and the GraphQL transfer input requires an idempotency key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services import Ledger
from services.domain.errors import ErrorCode, LedgerError
from tests.documents import TRANSFER
from tests.graph.conftest import Executor
from tests.unit.fakes import FakeLedgerStore, Outcome
from tests.unit.test_ledger_retry import MAX_ATTEMPTS, make_ledger


async def test_lost_answers_until_the_last_attempt_are_outcome_unknown_then_replay_once() -> None:
    store = FakeLedgerStore()
    ledger = make_ledger(store)
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    # The first attempt commits and its answer is lost; every retry fails too.
    store.commit_script.extend([Outcome.LOSE_ANSWER, *[Outcome.FAIL] * (MAX_ATTEMPTS - 1)])
    with pytest.raises(LedgerError) as unknown:
        await ledger.transfer_credits("alice", "bob", "10", idempotency_key="key-1")
    assert unknown.value.code == ErrorCode.OUTCOME_UNKNOWN
    assert "same idempotency key" in unknown.value.message
    assert unknown.value.field == "idempotency_key"

    replayed = await ledger.transfer_credits("alice", "bob", "10", idempotency_key="key-1")
    assert replayed.id == next(iter(store.transfers))
    assert len(store.transfers) == 1
    assert store.accounts["alice"].balance == Decimal("90.00")


async def test_graphql_returns_outcome_unknown_as_a_user_error(
    gql: Executor, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ledger.create_account_with_balance("alice", "100.00")
    await ledger.create_account_with_balance("bob", "0")
    from services.ledger import ports

    async def ambiguous(*args: Any, **kwargs: Any) -> None:
        raise ports.TransientStoreError("read timeout")

    store = ledger.store
    monkeypatch.setattr(store, "commit_transfer", ambiguous)
    result = await gql(
        TRANSFER,
        input={
            "fromAccountId": "alice",
            "toAccountId": "bob",
            "amount": "1",
            "idempotencyKey": "k",
        },
    )
    assert result.errors is None, result.errors
    payload = result.data["transfer"]
    assert payload["transfer"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["OUTCOME_UNKNOWN"]
    assert payload["userErrors"][0]["field"] == ["input", "idempotencyKey"]


async def test_graphql_transfer_requires_an_idempotency_key(gql: Executor, ledger: Ledger) -> None:
    result = await gql(TRANSFER, input={"fromAccountId": "a", "toAccountId": "b", "amount": "1"})
    assert result.errors is not None
    assert "idempotencyKey" in result.errors[0].message
