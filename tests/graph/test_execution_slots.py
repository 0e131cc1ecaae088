"""Every attribute graphql-core's executor sets lives in a slot (graph/execution.py): a
graphql-core upgrade that adds one puts the instance dict back on every idle subscription."""

from __future__ import annotations

from graphql import parse

from graph.execution import SlottedExecutionContext, idle_template, per_event
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


def test_each_event_tracks_its_work_on_its_own_executor(schema: LedgerSchema) -> None:
    """An idle subscription's template drops its async helpers (bound methods of itself: a
    cycle); each event's executor, a shallow copy, gets helpers bound to itself, not to the
    template whose futures sets are gone."""
    document = parse('subscription { balanceChanged(accountId: "a") { version } }')
    template = SlottedExecutionContext.build(schema._schema, document)
    assert isinstance(template, SlottedExecutionContext)
    idle_template(template)
    assert template.async_helpers is None
    event = per_event(template, object())
    assert event.async_helpers.track.__self__ is event  # type: ignore[attr-defined]
    assert event.async_helpers.gather.__self__ is event  # type: ignore[attr-defined]
    assert event.background_futures == set()
