"""The commit-time fast path failing at random loses nothing and repeats nothing: two API
replicas (each its own process under a real uvicorn) share the embedded table and a real
redis-server; one also runs the stream worker; both fast paths raise on 30% of their
publishes while concurrent transfers land on both. Every websocket subscriber on either
replica sees every version of its account exactly once, in order."""

from __future__ import annotations

import asyncio
import json
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.e2e.live import TRANSPORT_WS, GraphQLSocket
from tests.streams.support import RedisServer
from tests.support.app_process import stop, unconfigured_environment, wait_until_ready

ACCOUNTS = [f"fp-{i}" for i in range(4)]
TRANSFERS = 80
FAILURE_RATE = 0.3

CREATE = (
    "mutation($id: ID!, $b: Decimal) { createAccount(input: {id: $id, initialBalance: $b})"
    " { userErrors { code } } }"
)
TRANSFER = (
    "mutation($a: ID!, $b: ID!, $amount: Decimal!, $key: String!) { transfer(input: "
    "{fromAccountId: $a, toAccountId: $b, amount: $amount, idempotencyKey: $key}) "
    "{ transfer { id } userErrors { code } } }"
)


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def replica(tmp_path: Path, name: str, seed: int, settings: dict[str, Any]) -> Iterator[str]:
    """`tests.support.flaky_replica` in a process of its own; yields its URL once ready."""
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    env = unconfigured_environment(tmp_path)
    command = [
        sys.executable,
        "-m",
        "tests.support.flaky_replica",
        str(port),
        str(FAILURE_RATE),
        str(seed),
        json.dumps(settings),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, url, log_path.read_text, probe="/readyz")
        yield url
    finally:
        stop(process)


async def gql(client: httpx.AsyncClient, url: str, query: str, **variables: Any) -> Any:
    response = await client.post(url + "/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def fast_path_count(metrics: str, outcome: str) -> float:
    found = re.search(
        rf'^ledger_live_fast_path_events_total\{{outcome="{outcome}"\}} (\S+)$', metrics, re.M
    )
    return float(found.group(1)) if found else 0.0


async def test_a_fast_path_failing_at_random_loses_and_repeats_no_version_on_two_replicas(
    dynamodb_endpoint: str, redis: RedisServer, tmp_path: Path
) -> None:
    base = {
        "endpoint_url": dynamodb_endpoint,
        "access_key_id": "test",
        "secret_access_key": "test",
        "region": "us-east-1",
        "table_name": f"fast-{uuid.uuid4().hex[:12]}",
        "aws_max_attempts": 2,
        "retry_base_delay_seconds": 0.005,
        "retry_max_delay_seconds": 0.1,
        "transfer_max_attempts": 30,
        "max_pool_connections": 64,
        "auth_disabled": True,
        "rate_limits": False,
        "notify_email": False,
        "notify_sms": False,
        "redis_url": redis.url,
        "stream_poll_interval_seconds": 0.1,
    }
    with ExitStack() as stack:
        # The first creates the table; the second finds it.
        one = stack.enter_context(
            replica(tmp_path, "one", 1, {**base, "serve_stream_worker": True})
        )
        two = stack.enter_context(
            replica(tmp_path, "two", 2, {**base, "serve_stream_worker": False})
        )
        async with httpx.AsyncClient(timeout=60) as client:
            for account in ACCOUNTS:
                made = await gql(client, one, CREATE, id=account, b="1000.00")
                assert made["createAccount"]["userErrors"] == []
            async with (
                GraphQLSocket.open(one, TRANSPORT_WS) as socket_one,
                GraphQLSocket.open(two, TRANSPORT_WS) as socket_two,
            ):
                sockets = (socket_one, socket_two)
                for socket in sockets:
                    for account in ACCOUNTS:
                        await socket.subscribe_balance(account, account, after_version=1)
                await asyncio.sleep(0.5)  # both replicas listen on Redis

                rng = random.Random(16)
                final = dict.fromkeys(ACCOUNTS, 1)  # the opening balance is version 1
                limit = asyncio.Semaphore(8)

                async def transfer(index: int) -> None:
                    source, destination = rng.sample(ACCOUNTS, 2)
                    final[source] += 1  # each transfer moves both of its accounts by one
                    final[destination] += 1
                    async with limit:
                        moved = await gql(
                            client,
                            (one, two)[index % 2],
                            TRANSFER,
                            a=source,
                            b=destination,
                            amount=f"{rng.randint(1, 500) / 100:.2f}",
                            key=f"k-{index}",
                        )
                    assert moved["transfer"]["userErrors"] == [], moved

                await asyncio.gather(*(transfer(i) for i in range(TRANSFERS)))

                for socket in sockets:
                    for account in ACCOUNTS:
                        changes = await socket.changes(account, final[account] - 1, seconds=30)
                        versions = [change["version"] for change in changes]
                        assert versions == list(range(2, final[account] + 1)), account
                await asyncio.sleep(1.0)  # the stream's copies have come and gone by now
                for socket in sockets:
                    for account in ACCOUNTS:
                        assert socket.pending(account) == 0, account

            for url in (one, two):
                metrics = (await client.get(url + "/metrics")).text
                assert fast_path_count(metrics, "failed") > 0, url
                assert fast_path_count(metrics, "published") > 0, url
