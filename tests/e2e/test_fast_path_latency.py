"""With a slow stream (polled every 5 s, each page held 3 s more, as AWS's lag would), a
websocket subscriber still gets a transfer's change well within a second: the commit-time
fast path delivered it. Switched off, the same change is nowhere near (a functional check
with a generous bound, not a benchmark)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from entrypoints.app import create_app
from tests.e2e.conftest import e2e_settings, serving
from tests.e2e.live import TRANSPORT_WS, GraphQLSocket

CREATE = (
    "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, initialBalance: $b})"
    " { userErrors { code } } }"
)
TRANSFER = (
    "mutation($a: ID!, $b: ID!, $key: String!) { transfer(input: {fromAccountId: $a, "
    'toAccountId: $b, amount: "2.50", idempotencyKey: $key}) { userErrors { code } } }'
)
BOUND_SECONDS = 1.0


@pytest.fixture(params=[True, False], ids=["fast-path", "stream-only"])
def url(request: pytest.FixtureRequest, dynamodb_endpoint: str) -> Iterator[tuple[str, bool]]:
    settings = e2e_settings(
        dynamodb_endpoint,
        serve_stream_worker=True,
        stream_poll_interval_seconds=5.0,
        stream_delay_seconds=3.0,
        live_fast_path=request.param,
        notify_email=False,
        notify_sms=False,
    )
    with serving(create_app(settings)) as served:
        yield served, request.param


async def test_a_change_reaches_its_subscriber_within_a_second_despite_a_slow_stream(
    url: tuple[str, bool],
) -> None:
    base, fast = url
    a, b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for account in (a, b):
            made = await client.post(
                "/graphql", json={"query": CREATE, "variables": {"id": account, "b": "10.00"}}
            )
            assert made.json()["data"]["createAccount"]["userErrors"] == []
        async with GraphQLSocket.open(base, TRANSPORT_WS) as socket:
            await socket.subscribe_balance("b", b, after_version=1)
            await asyncio.sleep(0.3)  # the subscription is open
            started = time.monotonic()
            moved = await client.post(
                "/graphql", json={"query": TRANSFER, "variables": {"a": a, "b": b, "key": "k"}}
            )
            assert moved.json()["data"]["transfer"]["userErrors"] == []
            if fast:
                [change] = await socket.changes("b", 1, seconds=BOUND_SECONDS)
                assert time.monotonic() - started < BOUND_SECONDS
                assert change["version"] == 2
                assert change["balance"] == "12.50"
            else:
                with pytest.raises(TimeoutError):
                    await socket.receive("b", seconds=BOUND_SECONDS)
