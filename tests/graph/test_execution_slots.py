"""Every attribute graphql-core's executor sets lives in a slot (graph/execution.py): a
graphql-core upgrade that adds one puts the instance dict back on every idle subscription."""

from __future__ import annotations

from graph.execution import SlottedExecutionContext
from graph.schema import LedgerSchema
from services import Ledger
from tests.documents import CREATE, TRANSFER
from tests.graph.conftest import Executor
from tests.support.slots import assert_all_in_slots, recording


async def test_the_schema_executes_with_slotted_executors(
    schema: LedgerSchema, ledger: Ledger
) -> None:
    assert schema.execution_context_class is SlottedExecutionContext
    seen: list[SlottedExecutionContext] = []

    schema.execution_context_class = recording(SlottedExecutionContext, seen)
    try:
        gql = Executor(schema, ledger)
        for account in ("alice", "bob"):
            await gql.data(CREATE, input={"id": account, "initialBalance": "10"})
        await gql.data(
            TRANSFER,
            input={
                "fromAccountId": "alice",
                "toAccountId": "bob",
                "amount": "1",
                "idempotencyKey": "k",
            },
        )
        await gql.data('{ accounts(ids: ["alice", "bob"]) { id balance } }')
    finally:
        schema.execution_context_class = SlottedExecutionContext
    assert len(seen) == 4
    for executor in seen:
        assert_all_in_slots(executor, "EXECUTOR_ATTRIBUTES")
