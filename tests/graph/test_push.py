"""graph.push: operations run as Schema.stream runs them, a subscription left listening with no
task while idle. Against the real schema and a real Ledger on the test endpoint; these also
pin the private Strawberry members graph.push uses (a Strawberry upgrade that changes them
fails here)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from strawberry.types.execution import ExecutionResult, PreExecutionError

from graph.context import Context
from graph.push import NO_GATE, PushedOperation, run_operation
from graph.schema import LedgerSchema
from services import Ledger
from services.domain.events import BalanceChanged
from services.hub import BalanceFeed, InProcessHub
from services.identity.principal import SYSTEM
from tests.documents import CREATE, TRANSFER
from tests.graph.conftest import Executor

WATCH = """
subscription($id: ID!, $after: Int) {
  balanceChanged(accountId: $id, afterVersion: $after) { version balance kind }
}
"""


class Sink:
    def __init__(self) -> None:
        self.results: list[tuple[Any, bool]] = []
        self.completed = 0
        self.failures: list[Exception] = []
        self.changed = asyncio.Event()

    async def result(self, result: Any, *, first: bool) -> bool:
        self.results.append((result, first))
        self.changed.set()
        return isinstance(result, ExecutionResult) and not isinstance(result, PreExecutionError)

    async def complete(self) -> None:
        self.completed += 1
        self.changed.set()

    async def failed(self, error: Exception) -> None:
        self.failures.append(error)
        self.changed.set()

    async def until(self, count: int) -> list[Any]:
        async def enough() -> None:
            while len(self.results) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(enough(), 5)
        return [result for result, _ in self.results]


async def run(
    schema: LedgerSchema,
    ledger: Ledger,
    hub: InProcessHub,
    sink: Sink,
    query: str,
    start_gate: AbstractAsyncContextManager[Any] = NO_GATE,
    **variables: Any,
) -> PushedOperation | None:
    context = Context.for_request(
        ledger, principal=SYSTEM, max_page_size=100, balances=BalanceFeed(hub, ledger)
    )
    return await run_operation(
        schema,
        sink,
        query=query,
        variables=variables,
        operation_name=None,
        context=context,
        root_value=None,
        start_gate=start_gate,
    )


async def opened(gql: Executor, account: str) -> None:
    await gql.data(CREATE, input={"id": account, "initialBalance": "10"})


async def publish_after(ledger: Ledger, hub: InProcessHub, account: str, version: int) -> None:
    for entry in await ledger.entries_after(account, version, 100):
        await hub.publish(BalanceChanged(entry))


async def test_a_query_runs_to_its_end(schema: LedgerSchema, ledger: Ledger, gql: Executor) -> None:
    await opened(gql, "push-q")
    sink = Sink()
    assert (
        await run(schema, ledger, InProcessHub(), sink, '{ account(id: "push-q") { balance } }')
        is None
    )
    [(result, first)] = sink.results
    assert first
    assert result.errors is None
    assert result.data == {"account": {"balance": "10.00"}}


async def test_an_invalid_document_is_a_first_pre_execution_error(
    schema: LedgerSchema, ledger: Ledger
) -> None:
    sink = Sink()
    assert await run(schema, ledger, InProcessHub(), sink, "subscription { nope }") is None
    [(result, first)] = sink.results
    assert first
    assert isinstance(result, PreExecutionError)
    assert "nope" in result.errors[0].message


async def test_an_unknown_account_is_the_subscriptions_first_error(
    schema: LedgerSchema, ledger: Ledger
) -> None:
    sink = Sink()
    hub = InProcessHub()
    assert await run(schema, ledger, hub, sink, WATCH, id="push-nobody") is None
    [(result, first)] = sink.results
    assert first
    assert isinstance(result, PreExecutionError)
    assert result.errors[0].extensions["code"] == "ACCOUNT_NOT_FOUND"
    assert hub.subscriber_count() == 0


async def test_a_subscription_listens_without_a_task_and_stops_on_aclose(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    await opened(gql, "push-s")
    hub, sink = InProcessHub(), Sink()
    tasks_before = len(asyncio.all_tasks())
    pushed = await run(schema, ledger, hub, sink, WATCH, id="push-s", after=0)
    assert pushed is not None
    [replayed] = await sink.until(1)
    assert replayed.data == {
        "balanceChanged": {"version": 1, "balance": "10.00", "kind": "OPENING"}
    }
    await asyncio.sleep(0.05)
    assert len(asyncio.all_tasks()) == tasks_before  # idle: the subscription holds no task
    await publish_after(ledger, hub, "push-s", 0)  # version 1 again: a duplicate, dropped
    await gql.data(CREATE, input={"id": "push-s2", "initialBalance": "1"})
    assert hub.subscriber_count("push-s") == 1
    await pushed.aclose()
    assert hub.subscriber_count("push-s") == 0
    await asyncio.sleep(0.05)
    assert len(sink.results) == 1
    assert sink.completed == 0  # stopped, not ended: the transport says nothing more
    assert len(asyncio.all_tasks()) == tasks_before


async def test_the_server_closing_it_sends_the_resumable_error_then_completes(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    await opened(gql, "push-c")
    hub, sink = InProcessHub(), Sink()
    pushed = await run(schema, ledger, hub, sink, WATCH, id="push-c")
    assert pushed is not None
    await hub.close()
    [closed] = await sink.until(1)
    await asyncio.wait_for(_completed(sink), 5)
    assert closed.data is None
    [error] = closed.errors
    assert error.extensions == {"code": "SUBSCRIPTION_CLOSED", "afterVersion": 1}
    assert sink.failures == []


async def test_a_failing_send_ends_it_as_failed(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    await opened(gql, "push-f")
    hub = InProcessHub()

    class Broken(Sink):
        async def result(self, result: Any, *, first: bool) -> bool:
            raise ConnectionResetError("gone")

    sink = Broken()
    pushed = await run(schema, ledger, hub, sink, WATCH, id="push-f", after=0)
    assert pushed is not None
    await asyncio.wait_for(sink.changed.wait(), 5)
    assert [type(error) for error in sink.failures] == [ConnectionResetError]
    assert sink.completed == 0
    assert hub.subscriber_count("push-f") == 0


async def _completed(sink: Sink) -> None:
    while not sink.completed:
        sink.changed.clear()
        await sink.changed.wait()


class CountingGate:
    """A semaphore that counts who holds it: how many at most, and how many in all."""

    def __init__(self, slots: int) -> None:
        self._slots = asyncio.Semaphore(slots)
        self.holding = 0
        self.peak = 0
        self.entered = 0

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        self.holding += 1
        self.entered += 1
        self.peak = max(self.peak, self.holding)

    async def __aexit__(self, *exc: object) -> None:
        self.holding -= 1
        self._slots.release()


class Stalled(Sink):
    """A client that does not read: sending to it waits until `unblock` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.unblock = asyncio.Event()
        self.sending = asyncio.Event()

    async def result(self, result: Any, *, first: bool) -> bool:
        self.sending.set()
        await self.unblock.wait()
        return await super().result(result, first=first)


async def test_a_subscription_reads_nothing_until_the_start_gate_lets_it(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    await opened(gql, "push-g")
    hub, sink, gate = InProcessHub(), Sink(), asyncio.Semaphore(1)
    await gate.acquire()  # every slot taken
    starting = asyncio.create_task(run(schema, ledger, hub, sink, WATCH, gate, id="push-g"))
    await asyncio.sleep(0.2)
    assert not starting.done()
    assert hub.subscriber_count("push-g") == 0  # its source is not made while it waits
    gate.release()
    pushed = await asyncio.wait_for(starting, 5)
    assert pushed is not None
    assert hub.subscriber_count("push-g") == 1
    await pushed.aclose()


async def test_a_client_that_does_not_read_holds_no_start_slot(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    """A query's result, a first error and a subscription's replay are all sent after the
    start: one stalled client per kind, one slot, and another operation still starts."""
    await opened(gql, "push-h")
    hub, gate = InProcessHub(), CountingGate(1)
    stalled = [Stalled(), Stalled(), Stalled()]
    query, invalid = '{ account(id: "push-h") { id } }', "subscription { nope }"
    runs = [
        asyncio.create_task(run(schema, ledger, hub, stalled[0], query, gate)),
        asyncio.create_task(run(schema, ledger, hub, stalled[1], invalid, gate)),
        asyncio.create_task(
            run(schema, ledger, hub, stalled[2], WATCH, gate, id="push-h", after=0)
        ),
    ]
    for sink in stalled:
        await asyncio.wait_for(sink.sending.wait(), 5)
    assert gate.holding == 0
    other = Sink()
    pushed = await asyncio.wait_for(run(schema, ledger, hub, other, WATCH, gate, id="push-h"), 5)
    assert pushed is not None
    for sink in stalled:
        sink.unblock.set()
    listening = await asyncio.gather(*runs)
    assert listening[:2] == [None, None]
    for sink in stalled:
        assert len(await sink.until(1)) == 1
    for operation in [pushed, listening[2]]:
        assert operation is not None
        await operation.aclose()
    assert gate.entered == 4


async def test_many_subscriptions_start_through_a_narrow_gate_and_each_gets_every_change(
    schema: LedgerSchema, ledger: Ledger, gql: Executor
) -> None:
    accounts = [f"push-n{i}" for i in range(24)]
    for account in accounts:
        await opened(gql, account)
    hub, gate = InProcessHub(), CountingGate(3)
    sinks = [Sink() for _ in accounts]
    pairs = zip(sinks, accounts, strict=True)
    started = await asyncio.gather(
        *(run(schema, ledger, hub, s, WATCH, gate, id=a) for s, a in pairs)
    )
    assert gate.peak == 3  # they did wait for one another, three at a time
    assert gate.entered == len(accounts)
    assert all(operation is not None for operation in started)
    for i, account in enumerate(accounts):  # a ring: each account once debited, once credited
        to = accounts[(i + 1) % len(accounts)]
        ring = {
            "fromAccountId": account,
            "toAccountId": to,
            "amount": "1",
            "idempotencyKey": account,
        }
        moved = await gql.data(TRANSFER, input=ring)
        assert moved["transfer"]["userErrors"] == []
    for account in accounts:
        await publish_after(ledger, hub, account, 1)
    for sink, account in zip(sinks, accounts, strict=True):
        versions = [result.data["balanceChanged"]["version"] for result in await sink.until(2)]
        assert versions == [2, 3], account
    for operation in started:
        assert operation is not None
        await operation.aclose()
    assert hub.subscriber_count() == 0
