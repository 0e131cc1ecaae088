"""Subscription scenarios that drive the stream worker themselves: uvicorn serves the app on
a real socket in the test's own event loop, so the test decides when changes are published
(a burst for a slow subscriber; a worker stopped mid-batch and started again)."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
import uvicorn

from entrypoints.app import create_app
from entrypoints.ws_protocol import LeanWebSocketProtocol
from services.bootstrap import Services, bootstrap
from services.domain.events import BalanceChanged
from services.hub import InProcessHub
from services.settings import Settings
from tests.e2e.conftest import e2e_settings
from tests.e2e.live import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, GraphQLSocket, until


@asynccontextmanager
async def serving_here(services: Services) -> AsyncIterator[str]:
    """The app over `services`, served by uvicorn in this event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(services=services),
        lifespan="on",
        log_config=None,
        access_log=False,
        ws=LeanWebSocketProtocol,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started or task.done())
    assert not task.done(), "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def quiet_settings(endpoint: str, **overrides: Any) -> Settings:
    """The test runs the worker itself; no notifications."""
    return e2e_settings(
        endpoint,
        serve_stream_worker=False,
        notify_email=False,
        notify_sms=False,
        stream_poll_interval_seconds=0.02,
        **overrides,
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_slow_subscriber_is_closed_with_a_reason_and_resumes(
    dynamodb_endpoint: str, protocol: str
) -> None:
    # The test offers the burst itself: the commit-time fast path would deliver each change
    # as it commits, one at a time, which a subscriber keeps up with.
    settings = quiet_settings(dynamodb_endpoint, subscriber_queue_size=2, live_fast_path=False)
    async with bootstrap(settings) as services, serving_here(services) as url:
        assert isinstance(services.hub, InProcessHub)
        assert services.stream_worker is not None
        hub, ledger = services.hub, services.ledger
        await ledger.create_account_with_balance("slow", "100")
        await ledger.create_account_with_balance("other", "0")
        async with GraphQLSocket.open(url, protocol) as ws:
            await ws.subscribe_balance("1", "slow")
            await until(lambda: hub.subscriber_count("slow") == 1)
            for _ in range(10):
                await ledger.transfer_credits("slow", "other", "1")
            # A burst of ten, offered without yielding to the event loop (as one stream page
            # can be): the subscriber cannot drain in between, so its queue of two overflows.
            for entry in await ledger.entries_after("slow", 1, limit=100):
                hub.deliver(BalanceChanged(entry))

            closed = await ws.receive("1")
            assert (await ws.receive("1"))["type"] == "complete"
            assert hub.subscriber_count("slow") == 0

            await ws.subscribe_balance("2", "slow", after_version=1)
            resumed = await ws.changes("2", 10)

    assert closed["type"] == "next"
    assert closed["payload"]["data"] is None
    [error] = closed["payload"]["errors"]
    assert error["extensions"] == {"code": "SUBSCRIPTION_CLOSED", "afterVersion": 1}
    assert "too slow" in error["message"]
    assert "afterVersion: 1" in error["message"]
    assert [c["version"] for c in resumed] == list(range(2, 12))
    assert resumed[-1]["balance"] == "90.00"


ACCOUNTS = [f"acct-{i}" for i in range(8)]


async def random_transfers(services: Services, count: int, seed: int) -> None:
    rng = random.Random(seed)

    async def one() -> None:
        source, destination = rng.sample(ACCOUNTS, 2)
        await services.ledger.transfer_credits(
            source, destination, Decimal(rng.randint(1, 500)) / 100
        )

    await asyncio.gather(*(one() for _ in range(count)))


async def test_worker_stopped_mid_batch_subscribers_see_every_version_in_order(
    dynamodb_endpoint: str,
) -> None:
    """Acceptance 3 over websockets: 200 transfers, the worker cancelled in the middle of a
    batch and a new one started; each subscriber, early or late, gets every version once."""
    settings = quiet_settings(dynamodb_endpoint)
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(bootstrap(settings))
        url = await stack.enter_async_context(serving_here(server))
        for account in ACCOUNTS:
            await server.ledger.create_account_with_balance(account, "1000.00")
        sockets: dict[str, GraphQLSocket] = {}
        for index, account in enumerate(ACCOUNTS):
            protocol = TRANSPORT_WS if index % 2 == 0 else LEGACY_WS
            sockets[account] = await stack.enter_async_context(GraphQLSocket.open(url, protocol))
            await sockets[account].subscribe_balance("early", account, after_version=0)

        def received(operation_id: str) -> int:
            return sum(s.pending(operation_id) for s in sockets.values())

        async with bootstrap(settings, hub=server.hub) as first:
            assert first.stream_worker is not None
            worker = asyncio.create_task(first.stream_worker.run())
            await random_transfers(server, 100, seed=1)
            await until(lambda: received("early") > 50)
            worker.cancel()  # in the middle of whatever batch it was in
            with pytest.raises(asyncio.CancelledError):
                await worker
        await random_transfers(server, 100, seed=2)
        for account, ws in sockets.items():
            await ws.subscribe_balance("late", account, after_version=3)

        async with bootstrap(settings, hub=server.hub) as second:
            assert second.stream_worker is not None
            worker = asyncio.create_task(second.stream_worker.run())
            try:
                accounts = await server.ledger.get_accounts(ACCOUNTS)
                total = sum(a.version for a in accounts.values())
                await until(lambda: received("early") == total, seconds=10)
                await until(lambda: received("late") == total - 3 * len(ACCOUNTS))
            finally:
                worker.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await worker
        for account_id, account in accounts.items():
            ws = sockets[account_id]
            early = await ws.changes("early", account.version, seconds=1)
            late = await ws.changes("late", account.version - 3, seconds=1)
            assert [c["version"] for c in early] == list(range(1, account.version + 1))
            assert [c["version"] for c in late] == list(range(4, account.version + 1))
            assert late == early[3:]
            balance = Decimal(0)
            for change in early:
                balance += Decimal(change["delta"])
                assert Decimal(change["balance"]) == balance >= 0
            assert balance == account.balance
    assert sum(a.balance for a in accounts.values()) == Decimal("8000.00")
